namespace Tendril.ControlPlane.Labels;

/// <summary>Builds the identity-relevant label set of a pod the way Cilium does.</summary>
public static class PodIdentityLabels
{
    /// <summary>
    /// The pod's identity labels: its own labels (source <c>k8s</c>), <c>k8s:io.kubernetes.pod.namespace</c>,
    /// every namespace label as <c>k8s:io.cilium.k8s.namespace.labels.&lt;key&gt;</c> (the namespace always carries
    /// <c>kubernetes.io/metadata.name=&lt;name&gt;</c>), the cluster and the service account — filtered by
    /// <see cref="IdentityLabelFilter"/>. Pod labels under <c>io.cilium.k8s.</c> or named
    /// <c>io.kubernetes.pod.namespace</c> are ignored so that a pod cannot claim another namespace's labels.
    /// </summary>
    public static LabelSet For(
        IEnumerable<KeyValuePair<string, string>> podLabels,
        string namespaceName,
        IEnumerable<KeyValuePair<string, string>>? namespaceLabels = null,
        string serviceAccount = WellKnownLabels.DefaultServiceAccount,
        string clusterName = WellKnownLabels.DefaultClusterName)
    {
        ArgumentNullException.ThrowIfNull(podLabels);
        ArgumentException.ThrowIfNullOrEmpty(namespaceName);
        ArgumentException.ThrowIfNullOrEmpty(serviceAccount);
        ArgumentException.ThrowIfNullOrEmpty(clusterName);

        var labels = new Dictionary<string, Label>(StringComparer.Ordinal);
        foreach ((string key, string value) in podLabels)
        {
            // A pod must not pose as another namespace, cluster or service account through its own labels.
            if (key == WellKnownLabels.PodNamespace || key.StartsWith("io.cilium.k8s.", StringComparison.Ordinal))
                continue;
            labels[key] = Label.K8s(key, value);
        }

        var nsLabels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (namespaceLabels is not null)
        {
            foreach ((string key, string value) in namespaceLabels)
                nsLabels[key] = value;
        }

        nsLabels[WellKnownLabels.NamespaceMetadataName] = namespaceName;
        foreach ((string key, string value) in nsLabels)
            labels[WellKnownLabels.NamespaceLabelPrefix + key] = Label.K8s(WellKnownLabels.NamespaceLabelPrefix + key, value);

        labels[WellKnownLabels.PodNamespace] = Label.K8s(WellKnownLabels.PodNamespace, namespaceName);
        labels[WellKnownLabels.PolicyCluster] = Label.K8s(WellKnownLabels.PolicyCluster, clusterName);
        labels[WellKnownLabels.PolicyServiceAccount] = Label.K8s(WellKnownLabels.PolicyServiceAccount, serviceAccount);
        return IdentityLabelFilter.Filter(LabelSet.Of(labels.Values));
    }
}
