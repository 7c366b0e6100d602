namespace Tendril.ControlPlane.Labels;

/// <summary>Label sources as Cilium names them (the part before the first <c>:</c>).</summary>
public static class LabelSources
{
    /// <summary>Pod and namespace labels from Kubernetes (and labels users give pods in Tendril).</summary>
    public const string K8s = "k8s";

    /// <summary>Reserved labels of the fixed identities (<c>reserved:host</c>, <c>reserved:world</c>, …).</summary>
    public const string Reserved = "reserved";

    /// <summary>Labels of local CIDR identities (<c>cidr:10.0.0.0/8</c>).</summary>
    public const string Cidr = "cidr";

    /// <summary>Selector-only wildcard source: a selector key with this source matches the key from any source.</summary>
    public const string Any = "any";

    /// <summary>Source of labels that did not name one (rule metadata labels).</summary>
    public const string Unspec = "unspec";

    /// <summary>Labels of FQDN identities (not produced yet; reserved for the DNS proxy).</summary>
    public const string Fqdn = "fqdn";
}
