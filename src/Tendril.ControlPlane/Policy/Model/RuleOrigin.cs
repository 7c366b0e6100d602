namespace Tendril.ControlPlane.Policy.Model;

/// <summary>The kind of document a rule came from.</summary>
public enum PolicyKind
{
    CiliumNetworkPolicy,
    CiliumClusterwideNetworkPolicy,
    NetworkPolicy,
}

/// <summary>
/// Where a rule came from: kind, namespace (null for CiliumClusterwideNetworkPolicy) and name. Also the key under
/// which the policy repository stores a policy's rules.
/// </summary>
public readonly record struct RuleOrigin(PolicyKind Kind, string? Namespace, string Name)
{
    /// <summary><c>CiliumNetworkPolicy default/allow-web</c>, <c>CiliumClusterwideNetworkPolicy allow-dns</c>.</summary>
    public override string ToString() => Namespace is null ? $"{Kind} {Name}" : $"{Kind} {Namespace}/{Name}";
}
