namespace Tendril.ControlPlane.Services.Model;

/// <summary>A service's (or EndpointSlice's, or pod's) namespace and name; orders by namespace, then name. Immutable.</summary>
public readonly record struct ServiceKey(string Namespace, string Name) : IComparable<ServiceKey>
{
    public int CompareTo(ServiceKey other)
    {
        int c = string.CompareOrdinal(Namespace, other.Namespace);
        return c != 0 ? c : string.CompareOrdinal(Name, other.Name);
    }

    /// <summary><c>namespace/name</c>.</summary>
    public override string ToString() => $"{Namespace}/{Name}";
}
