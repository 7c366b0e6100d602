namespace Tendril.Hubble.Filtering;

/// <summary>
/// Hubble's pod (and service) filter syntax: <c>"ns/name-prefix"</c>; <c>"ns/"</c> for a whole namespace;
/// <c>"/name-prefix"</c> for any namespace; a bare <c>"name-prefix"</c> means the "default" namespace.
/// Immutable, thread-safe.
/// </summary>
public sealed class PodSelector
{
    private readonly string? _namespace;
    private readonly string _namePrefix;

    private PodSelector(string? ns, string namePrefix)
    {
        _namespace = ns;
        _namePrefix = namePrefix;
    }

    /// <summary>Parses <paramref name="text"/>; <paramref name="field"/> names the filter field for errors.</summary>
    public static PodSelector Parse(string text, string field)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw new FlowFilterException(field, "empty pod selector");
        int slash = text.IndexOf('/');
        if (slash < 0)
            return new PodSelector("default", text);
        if (text.IndexOf('/', slash + 1) >= 0)
            throw new FlowFilterException(field, $"'{text}' has more than one '/'; expected [namespace/]pod-prefix");
        var ns = text[..slash];
        return new PodSelector(ns.Length == 0 ? null : ns, text[(slash + 1)..]);
    }

    /// <summary>True when the namespace matches and the name starts with the prefix. A nameless peer never matches a prefix.</summary>
    public bool Matches(string ns, string name)
    {
        if (_namespace is not null && !string.Equals(_namespace, ns, StringComparison.Ordinal))
            return false;
        if (_namePrefix.Length == 0)
            return ns.Length > 0;
        return name.StartsWith(_namePrefix, StringComparison.Ordinal);
    }
}
