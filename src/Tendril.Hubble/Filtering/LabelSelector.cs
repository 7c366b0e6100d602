namespace Tendril.Hubble.Filtering;

/// <summary>
/// A Kubernetes-style label selector over Cilium labels ("source:key=value"), as Hubble's label filters take it:
/// comma-separated requirements <c>key</c>, <c>!key</c>, <c>key=value</c>, <c>key==value</c>, <c>key!=value</c>,
/// <c>key in (a,b)</c>, <c>key notin (a,b)</c>. A key with a source prefix (<c>k8s:app</c>, <c>reserved:world</c>)
/// matches only labels from that source; a key without one (<c>app</c>) matches any source. Immutable, thread-safe.
/// </summary>
public sealed class LabelSelector
{
    private enum Operator { Exists, NotExists, In, NotIn }

    private sealed record Requirement(string? Source, string Key, Operator Op, string[] Values);

    private readonly Requirement[] _requirements;

    private LabelSelector(Requirement[] requirements) => _requirements = requirements;

    /// <summary>Parses <paramref name="selector"/>; <paramref name="field"/> names the filter field for errors.</summary>
    public static LabelSelector Parse(string selector, string field)
    {
        var requirements = new List<Requirement>();
        foreach (var part in SplitTopLevel(selector))
        {
            var text = part.Trim();
            if (text.Length == 0)
                throw new FlowFilterException(field, $"empty requirement in label selector '{selector}'");
            requirements.Add(ParseRequirement(text, selector, field));
        }
        if (requirements.Count == 0)
            throw new FlowFilterException(field, "empty label selector");
        return new LabelSelector([.. requirements]);
    }

    /// <summary>True when every requirement holds for <paramref name="labels"/> ("source:key=value" strings).</summary>
    public bool Matches(IReadOnlyList<string> labels)
    {
        foreach (var r in _requirements)
        {
            if (!Holds(r, labels))
                return false;
        }
        return true;
    }

    private static bool Holds(Requirement r, IReadOnlyList<string> labels)
    {
        for (int i = 0; i < labels.Count; i++)
        {
            SplitLabel(labels[i], out var source, out var key, out var value);
            if (!key.SequenceEqual(r.Key))
                continue;
            if (r.Source is not null && r.Source != "any" && !source.SequenceEqual(r.Source))
                continue;
            switch (r.Op)
            {
                case Operator.Exists:
                    return true;
                case Operator.NotExists:
                    return false;
                case Operator.In:
                    if (Contains(r.Values, value))
                        return true;
                    break;
                case Operator.NotIn:
                    if (Contains(r.Values, value))
                        return false;
                    break;
            }
        }
        // No label with the key (or none with an excluded value): "!key", "!=" and "notin" hold, as in Kubernetes.
        return r.Op is Operator.NotExists or Operator.NotIn;
    }

    private static bool Contains(string[] values, ReadOnlySpan<char> value)
    {
        foreach (var v in values)
        {
            if (value.SequenceEqual(v))
                return true;
        }
        return false;
    }

    // "k8s:app=web" -> ("k8s", "app", "web"); "reserved:world" -> ("reserved", "world", ""); "app=web" -> ("", …).
    private static void SplitLabel(string label, out ReadOnlySpan<char> source, out ReadOnlySpan<char> key, out ReadOnlySpan<char> value)
    {
        ReadOnlySpan<char> span = label;
        int eq = span.IndexOf('=');
        var keyPart = eq < 0 ? span : span[..eq];
        value = eq < 0 ? [] : span[(eq + 1)..];
        int colon = keyPart.IndexOf(':');
        source = colon < 0 ? [] : keyPart[..colon];
        key = colon < 0 ? keyPart : keyPart[(colon + 1)..];
    }

    private static Requirement ParseRequirement(string text, string selector, string field)
    {
        if (text.StartsWith('!'))
        {
            var (src, key) = SplitKey(text[1..].Trim(), selector, field);
            return new Requirement(src, key, Operator.NotExists, []);
        }
        int space = text.IndexOf(' ');
        if (space > 0 && text.IndexOf('=') < 0)
        {
            var (src, key) = SplitKey(text[..space], selector, field);
            var rest = text[space..].Trim();
            bool notIn = rest.StartsWith("notin", StringComparison.Ordinal);
            if (!notIn && !rest.StartsWith("in", StringComparison.Ordinal))
                throw new FlowFilterException(field, $"expected 'in' or 'notin' in label selector '{selector}'");
            var list = rest[(notIn ? 5 : 2)..].Trim();
            if (!list.StartsWith('(') || !list.EndsWith(')'))
                throw new FlowFilterException(field, $"expected a parenthesised value list in label selector '{selector}'");
            var values = list[1..^1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            return new Requirement(src, key, notIn ? Operator.NotIn : Operator.In, values);
        }
        int op = text.IndexOf('=');
        if (op < 0)
        {
            var (src, key) = SplitKey(text, selector, field);
            return new Requirement(src, key, Operator.Exists, []);
        }
        bool negated = op > 0 && text[op - 1] == '!';
        var keyText = text[..(negated ? op - 1 : op)].Trim();
        int valueStart = op + 1 < text.Length && text[op + 1] == '=' ? op + 2 : op + 1;
        var (source, k) = SplitKey(keyText, selector, field);
        return new Requirement(source, k, negated ? Operator.NotIn : Operator.In, [text[valueStart..].Trim()]);
    }

    private static (string? Source, string Key) SplitKey(string text, string selector, string field)
    {
        if (text.Length == 0)
            throw new FlowFilterException(field, $"missing label key in label selector '{selector}'");
        int colon = text.IndexOf(':');
        return colon < 0 ? (null, text) : (text[..colon], text[(colon + 1)..]);
    }

    // Splits on commas that are not inside an "in (…)" list.
    private static IEnumerable<string> SplitTopLevel(string selector)
    {
        int depth = 0, start = 0;
        for (int i = 0; i < selector.Length; i++)
        {
            if (selector[i] == '(')
                depth++;
            else if (selector[i] == ')')
                depth--;
            else if (selector[i] == ',' && depth == 0)
            {
                yield return selector[start..i];
                start = i + 1;
            }
        }
        yield return selector[start..];
    }
}
