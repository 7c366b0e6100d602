namespace Tendril.ControlPlane.Labels;

/// <summary>
/// Cilium's default identity-relevant label filter: decides which pod labels become part of the security
/// identity. Rules are checked in order and the first one whose prefix matches the label key decides; a label
/// no rule matches is kept. Reserved labels are always kept.
/// </summary>
public static class IdentityLabelFilter
{
    private static readonly (string Prefix, bool Include)[] PrefixRules =
    [
        (WellKnownLabels.PodNamespace, true),
        ("io.cilium.k8s.namespace.labels", true),
        ("app.kubernetes.io", true),
        (WellKnownLabels.PolicyCluster, true),
        (WellKnownLabels.PolicyServiceAccount, true),
        ("io.kubernetes", false),
        ("kubernetes.io", false),
        ("statefulset.kubernetes.io/pod-name", false),
        ("apps.kubernetes.io/pod-index", false),
        ("batch.kubernetes.io/job-completion-index", false),
        ("batch.kubernetes.io/controller-uid", false),
        ("k8s.io", false),
        ("pod-template-generation", false),
        ("pod-template-hash", false),
        ("controller-revision-hash", false),
        ("controller-uid", false),
        ("annotation", false),
        ("etcd_node", false),
        ("topology.kubernetes.io", false),
    ];

    /// <summary>True when <paramref name="label"/> is identity-relevant.</summary>
    public static bool IsIdentityRelevant(Label label)
    {
        ArgumentNullException.ThrowIfNull(label);
        if (label.Source == LabelSources.Reserved)
            return true;
        foreach ((string prefix, bool include) in PrefixRules)
        {
            if (label.Key.StartsWith(prefix, StringComparison.Ordinal))
                return include;
        }

        // "*beta.kubernetes.io": any key that contains it (e.g. beta.kubernetes.io/arch, failure-domain.beta.kubernetes.io/zone).
        return !label.Key.Contains("beta.kubernetes.io", StringComparison.Ordinal);
    }

    /// <summary>The identity-relevant subset of <paramref name="labels"/>.</summary>
    public static LabelSet Filter(LabelSet labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return labels.All(IsIdentityRelevant) ? labels : LabelSet.Of(labels.Where(IsIdentityRelevant));
    }
}
