using Tendril.ControlPlane.Labels;

namespace Tendril.ControlPlane.Selectors;

/// <summary>
/// A normalized selector key: a label source (or <c>any</c>, matching every source) and a label key.
/// </summary>
public readonly record struct SelectorKey(string Source, string Key) : IComparable<SelectorKey>
{
    // Sources recognised in the k8s "source.key" spelling. Only these three: a dotted label key such as
    // "node.kubernetes.io/zone" or "cidr.example.com/x" must keep meaning a plain key.
    private static readonly string[] DottedSources = [LabelSources.K8s, LabelSources.Any, LabelSources.Reserved];

    /// <summary>
    /// Normalizes a key as written in a selector (§4.10): <c>k8s:app</c> and <c>k8s.app</c> → source <c>k8s</c>;
    /// <c>reserved:host</c>, <c>reserved.host</c> and <c>$host</c> → source <c>reserved</c>; <c>any:app</c> and a key
    /// without a source (<c>app</c>) → source <c>any</c>. The dotted form is recognised only for the
    /// <c>k8s</c>, <c>any</c> and <c>reserved</c> sources, and not for keys under <c>k8s.io/</c>.
    /// </summary>
    public static SelectorKey Parse(string raw)
    {
        ArgumentException.ThrowIfNullOrEmpty(raw);
        if (raw.StartsWith('$'))
            return new SelectorKey(LabelSources.Reserved, raw[1..]);
        int colon = raw.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0)
            return new SelectorKey(raw[..colon], raw[(colon + 1)..]);
        foreach (string source in DottedSources)
        {
            if (raw.Length > source.Length + 1 && raw.StartsWith(source + ".", StringComparison.Ordinal)
                && !raw.StartsWith("k8s.io/", StringComparison.Ordinal))
                return new SelectorKey(source, raw[(source.Length + 1)..]);
        }

        return new SelectorKey(LabelSources.Any, raw);
    }

    /// <summary>True when <paramref name="label"/> has this key and a matching source.</summary>
    public bool Matches(Label label) =>
        label.Key == Key && (Source == LabelSources.Any || Source == label.Source);

    public int CompareTo(SelectorKey other)
    {
        int c = string.CompareOrdinal(Key, other.Key);
        return c != 0 ? c : string.CompareOrdinal(Source, other.Source);
    }

    /// <summary><c>source:key</c>.</summary>
    public override string ToString() => $"{Source}:{Key}";
}
