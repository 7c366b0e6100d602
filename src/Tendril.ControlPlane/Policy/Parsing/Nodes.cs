namespace Tendril.ControlPlane.Policy.Parsing;

/// <summary>A format-neutral document tree (YAML and JSON both become this), with source lines where known.</summary>
internal abstract class PNode
{
    public int? Line { get; init; }
}

/// <summary>A mapping; keeps duplicates so that the decoder can report them.</summary>
internal sealed class PMap : PNode
{
    public List<KeyValuePair<string, PNode>> Entries { get; } = [];

    public PNode? Get(string key)
    {
        foreach ((string k, PNode v) in Entries)
        {
            if (k == key)
                return v;
        }

        return null;
    }

    /// <summary>True when the key is present with a non-null value.</summary>
    public bool Has(string key) => Get(key) is { } v && !(v is PScalar { IsNull: true });
}

internal sealed class PSeq : PNode
{
    public List<PNode> Items { get; } = [];
}

/// <summary>A scalar: text, or null (<c>~</c>, <c>null</c>, empty plain scalar, JSON null).</summary>
internal sealed class PScalar : PNode
{
    public string? Value { get; init; }

    /// <summary>True for quoted YAML scalars and JSON strings: the text is a string, never a number or bool.</summary>
    public bool Quoted { get; init; }

    public bool IsNull => Value is null;
}

/// <summary>Builds field paths: <c>spec.ingress[0].toPorts</c>; keys with dots or colons are bracketed.</summary>
internal static class FieldPath
{
    public static string Field(string path, string key)
    {
        bool plain = key.Length > 0 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');
        if (!plain)
            return $"{path}[\"{key}\"]";
        return path.Length == 0 ? key : $"{path}.{key}";
    }

    public static string Index(string path, int index) =>
        $"{path}[{index.ToString(System.Globalization.CultureInfo.InvariantCulture)}]";
}
