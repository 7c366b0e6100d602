using System.Globalization;

namespace Tendril.ControlPlane.Policy.Parsing;

/// <summary>Decoding helpers that record errors (document, path, reason, line) instead of throwing.</summary>
internal sealed class DecodeContext(int document, List<PolicyError> errors)
{
    public int Document { get; } = document;

    public int ErrorCount => errors.Count;

    public void Error(string path, PNode? node, string reason) => errors.Add(new PolicyError(Document, path, reason, node?.Line));

    /// <summary>
    /// Reports duplicate keys, keys that are known but not supported, and unknown keys (strict decoding, as
    /// Cilium does for its CRDs).
    /// </summary>
    public void CheckFields(PMap map, string path, IReadOnlyCollection<string> known,
        IReadOnlyDictionary<string, string>? unsupported = null)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string key, PNode value) in map.Entries)
        {
            string fieldPath = FieldPath.Field(path, key);
            if (!seen.Add(key))
                Error(fieldPath, value, $"field \"{key}\" is given more than once");
            else if (unsupported is not null && unsupported.TryGetValue(key, out string? why))
                Error(fieldPath, value, why);
            else if (!known.Contains(key))
                Error(fieldPath, value, $"unknown field \"{key}\"{Suggest(key, known)}; known fields here: {string.Join(", ", known)}");
        }
    }

    /// <summary>The node as a mapping; null when absent or null; an error when it is something else.</summary>
    public PMap? Map(PNode? node, string path)
    {
        switch (node)
        {
            case null or PScalar { IsNull: true }:
                return null;
            case PMap map:
                return map;
            default:
                Error(path, node, $"must be an object (mapping), not {Describe(node)}");
                return null;
        }
    }

    /// <summary>The node as a list; null when absent or null; an error when it is something else.</summary>
    public List<PNode>? Seq(PNode? node, string path)
    {
        switch (node)
        {
            case null or PScalar { IsNull: true }:
                return null;
            case PSeq seq:
                return seq.Items;
            default:
                Error(path, node, $"must be a list, not {Describe(node)}");
                return null;
        }
    }

    /// <summary>The node as text (a number or bool is taken as its text); null when absent.</summary>
    public string? String(PNode? node, string path)
    {
        switch (node)
        {
            case null or PScalar { IsNull: true }:
                return null;
            case PScalar s:
                return s.Value;
            default:
                Error(path, node, $"must be a string, not {Describe(node)}");
                return null;
        }
    }

    /// <summary>The node as a list of strings.</summary>
    public List<string>? Strings(PNode? node, string path)
    {
        List<PNode>? items = Seq(node, path);
        if (items is null)
            return null;
        var result = new List<string>(items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            if (String(items[i], FieldPath.Index(path, i)) is { } s)
                result.Add(s);
            else if (items[i] is PScalar { IsNull: true })
                Error(FieldPath.Index(path, i), items[i], "must be a string, not null");
        }

        return result;
    }

    /// <summary>The node as a boolean (<c>true</c>/<c>false</c>, unquoted).</summary>
    public bool? Bool(PNode? node, string path)
    {
        switch (node)
        {
            case null or PScalar { IsNull: true }:
                return null;
            case PScalar { Quoted: false, Value: "true" or "True" or "TRUE" }:
                return true;
            case PScalar { Quoted: false, Value: "false" or "False" or "FALSE" }:
                return false;
            default:
                Error(path, node, $"must be true or false, not {Describe(node)}");
                return null;
        }
    }

    /// <summary>The node as an integer (unquoted).</summary>
    public long? Integer(PNode? node, string path)
    {
        switch (node)
        {
            case null or PScalar { IsNull: true }:
                return null;
            case PScalar { Quoted: false } s when long.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v):
                return v;
            default:
                Error(path, node, $"must be an integer, not {Describe(node)}");
                return null;
        }
    }

    public static string Describe(PNode node) => node switch
    {
        PMap => "an object",
        PSeq => "a list",
        PScalar { IsNull: true } => "null",
        PScalar { Quoted: true } s => $"the string \"{s.Value}\"",
        PScalar s => $"\"{s.Value}\"",
        _ => "this value",
    };

    private static string Suggest(string key, IReadOnlyCollection<string> known)
    {
        string? close = known.FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase))
            ?? known.FirstOrDefault(k => Distance(k, key) <= 2);
        return close is null ? "" : $" (did you mean \"{close}\"?)";
    }

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
            d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++)
            d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
            }
        }

        return d[a.Length, b.Length];
    }
}
