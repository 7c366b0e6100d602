namespace Tendril.Policy;

public enum SelectorOperator
{
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

/// <summary>One requirement: a label key (with its source, or "any") and an operator over values.</summary>
public sealed record SelectorRequirement(string Source, string Key, SelectorOperator Operator, IReadOnlyList<string> Values);

/// <summary>
/// A Kubernetes label selector over Cilium labels (<c>source:key=value</c>). Keys are normalised as Cilium does:
/// <c>k8s:app</c> and <c>k8s.app</c> mean source k8s; a key without a source matches any source. All requirements
/// must hold; an empty selector selects everything. Immutable.
/// </summary>
public sealed record LabelSelector(IReadOnlyList<SelectorRequirement> Requirements)
{
    public static LabelSelector All { get; } = new([]);

    public bool IsEmpty => Requirements.Count == 0;

    public bool Matches(IReadOnlyCollection<string> labels)
    {
        foreach (var requirement in Requirements)
        {
            var values = labels.Select(Parse).Where(l => l.Key == requirement.Key && (requirement.Source == "any" || l.Source == requirement.Source))
                .Select(l => l.Value).ToList();
            bool ok = requirement.Operator switch
            {
                SelectorOperator.In => values.Any(requirement.Values.Contains),
                SelectorOperator.NotIn => !values.Any(requirement.Values.Contains),
                SelectorOperator.Exists => values.Count > 0,
                _ => values.Count == 0,
            };
            if (!ok)
                return false;
        }
        return true;
    }

    /// <summary>Whether some requirement constrains <paramref name="key"/> (any source).</summary>
    public bool Constrains(string key) => Requirements.Any(r => r.Key == key);

    public LabelSelector And(SelectorRequirement requirement) => new([.. Requirements, requirement]);

    /// <summary>Splits <c>k8s:app</c>, <c>k8s.app</c> (known sources only) or <c>app</c> into (source, key).</summary>
    public static (string Source, string Key) NormaliseKey(string key)
    {
        int colon = key.IndexOf(':');
        if (colon > 0)
            return (key[..colon], key[(colon + 1)..]);
        foreach (var source in KnownSources)
        {
            if (key.StartsWith(source + ".", StringComparison.Ordinal))
                return (source, key[(source.Length + 1)..]);
        }
        return ("any", key);
    }

    public override string ToString() => IsEmpty ? "{}" : string.Join(", ", Requirements.Select(r => r.Operator switch
    {
        SelectorOperator.In when r.Values.Count == 1 => $"{r.Source}:{r.Key}={r.Values[0]}",
        SelectorOperator.In => $"{r.Source}:{r.Key} in ({string.Join(",", r.Values)})",
        SelectorOperator.NotIn => $"{r.Source}:{r.Key} notin ({string.Join(",", r.Values)})",
        SelectorOperator.Exists => $"{r.Source}:{r.Key}",
        _ => $"!{r.Source}:{r.Key}",
    }));

    private static readonly string[] KnownSources = ["k8s", "reserved", "any", "cidr", "unspec", "container"];

    private static (string Source, string Key, string Value) Parse(string label)
    {
        int colon = label.IndexOf(':');
        int eq = label.IndexOf('=', colon + 1);
        string source = colon > 0 ? label[..colon] : "unspec";
        string key = eq > 0 ? label[(colon + 1)..eq] : label[(colon + 1)..];
        string value = eq > 0 ? label[(eq + 1)..] : "";
        return (source, key, value);
    }
}
