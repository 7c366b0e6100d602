namespace Tendril.ControlPlane.Labels;

/// <summary>
/// One label, <c>source:key=value</c>. Immutable. The value may be empty (reserved labels have none).
/// </summary>
public sealed record Label : IComparable<Label>
{
    public Label(string source, string key, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        if (source.Contains(':', StringComparison.Ordinal))
            throw new ArgumentException($"label source \"{source}\" must not contain ':'", nameof(source));
        Source = source;
        Key = key;
        Value = value;
    }

    public string Source { get; }

    public string Key { get; }

    public string Value { get; }

    /// <summary>A <c>reserved:&lt;name&gt;</c> label (empty value).</summary>
    public static Label Reserved(string name) => new(LabelSources.Reserved, name, "");

    /// <summary>A <c>k8s:&lt;key&gt;=&lt;value&gt;</c> label.</summary>
    public static Label K8s(string key, string value) => new(LabelSources.K8s, key, value);

    /// <summary>
    /// Parses <c>source:key=value</c>, <c>key=value</c> (source <paramref name="defaultSource"/>, <c>k8s</c> unless
    /// told otherwise: that is what users mean by pod labels), <c>source:key</c> (empty value) and
    /// <c>$host</c> (= <c>reserved:host</c>). A <c>:</c> after the first <c>=</c> belongs to the value.
    /// </summary>
    public static Label Parse(string text, string defaultSource = LabelSources.K8s)
    {
        if (!TryParse(text, out Label? label, out string? error, defaultSource))
            throw new FormatException(error);
        return label;
    }

    /// <summary>Like <see cref="Parse"/>, returning a reason instead of throwing.</summary>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Label? label,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error, string defaultSource = LabelSources.K8s)
    {
        label = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "a label must not be empty";
            return false;
        }

        int eq = text.IndexOf('=', StringComparison.Ordinal);
        string keyPart = eq < 0 ? text : text[..eq];
        string value = eq < 0 ? "" : text[(eq + 1)..];
        string source = defaultSource;
        if (keyPart.StartsWith('$'))
        {
            source = LabelSources.Reserved;
            keyPart = keyPart[1..];
        }
        else
        {
            int colon = keyPart.IndexOf(':', StringComparison.Ordinal);
            if (colon == 0)
            {
                error = $"label \"{text}\" has an empty source before ':'";
                return false;
            }

            if (colon > 0)
            {
                source = keyPart[..colon];
                keyPart = keyPart[(colon + 1)..];
            }
        }

        if (keyPart.Length == 0)
        {
            error = $"label \"{text}\" has an empty key";
            return false;
        }

        label = new Label(source, keyPart, value);
        error = null;
        return true;
    }

    /// <summary>Orders by key, then source, then value (ordinal) — the canonical order of a <see cref="LabelSet"/>.</summary>
    public int CompareTo(Label? other)
    {
        if (other is null)
            return 1;
        int c = string.CompareOrdinal(Key, other.Key);
        if (c != 0)
            return c;
        c = string.CompareOrdinal(Source, other.Source);
        return c != 0 ? c : string.CompareOrdinal(Value, other.Value);
    }

    /// <summary><c>source:key=value</c>, or <c>source:key</c> when the value is empty.</summary>
    public override string ToString() => Value.Length == 0 ? $"{Source}:{Key}" : $"{Source}:{Key}={Value}";

    /// <summary>The kvstore/CRD form of one label: always <c>source:key=value;</c>.</summary>
    public string ToCanonicalString() => $"{Source}:{Key}={Value};";
}
