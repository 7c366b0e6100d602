namespace Tendril.ControlPlane.Labels;

/// <summary>Label keys Cilium adds to pod identities and to imported rules.</summary>
public static class WellKnownLabels
{
    /// <summary>The pod's namespace: <c>k8s:io.kubernetes.pod.namespace=&lt;ns&gt;</c>.</summary>
    public const string PodNamespace = "io.kubernetes.pod.namespace";

    /// <summary>Prefix of namespace labels copied onto pods: <c>k8s:io.cilium.k8s.namespace.labels.&lt;key&gt;</c>.</summary>
    public const string NamespaceLabelPrefix = "io.cilium.k8s.namespace.labels.";

    /// <summary>The cluster name: <c>k8s:io.cilium.k8s.policy.cluster=&lt;cluster&gt;</c>.</summary>
    public const string PolicyCluster = "io.cilium.k8s.policy.cluster";

    /// <summary>The pod's service account: <c>k8s:io.cilium.k8s.policy.serviceaccount=&lt;sa&gt;</c>.</summary>
    public const string PolicyServiceAccount = "io.cilium.k8s.policy.serviceaccount";

    /// <summary>The label every Kubernetes namespace carries with its own name.</summary>
    public const string NamespaceMetadataName = "kubernetes.io/metadata.name";

    /// <summary>Rule label: the name of the policy a rule came from.</summary>
    public const string PolicyName = "io.cilium.k8s.policy.name";

    /// <summary>Rule label: the namespace of the policy a rule came from.</summary>
    public const string PolicyNamespace = "io.cilium.k8s.policy.namespace";

    /// <summary>Rule label: the policy's metadata.uid when the document had one.</summary>
    public const string PolicyUid = "io.cilium.k8s.policy.uid";

    /// <summary>Rule label: the kind the rule was derived from.</summary>
    public const string PolicyDerivedFrom = "io.cilium.k8s.policy.derived-from";

    /// <summary>Default cluster name (<c>cluster-name</c> option in Cilium).</summary>
    public const string DefaultClusterName = "default";

    /// <summary>Default service account of a pod.</summary>
    public const string DefaultServiceAccount = "default";
}
