namespace Tendril.Cni;

/// <summary>
/// <c>CNI_ARGS</c>: <c>K=V</c> pairs separated by ';'. The plugin reads the pod's name and namespace from the
/// Kubernetes keys and ignores every other key, as if <c>IgnoreUnknown=1</c> were always given. Immutable.
/// </summary>
internal sealed record CniArgs
{
    public const string Variable = "CNI_ARGS";
    public const string PodNameKey = "K8S_POD_NAME";
    public const string PodNamespaceKey = "K8S_POD_NAMESPACE";

    public static CniArgs Empty { get; } = new() { Values = new Dictionary<string, string>() };

    /// <summary>Every pair as given; a key given twice keeps its last value.</summary>
    public required IReadOnlyDictionary<string, string> Values { get; init; }

    /// <summary>K8S_POD_NAME, or null when not given (or empty).</summary>
    public string? PodName => Get(PodNameKey);

    /// <summary>K8S_POD_NAMESPACE, or null when not given (or empty).</summary>
    public string? PodNamespace => Get(PodNamespaceKey);

    /// <summary>
    /// Parses <c>K=V;K=V</c>. Empty segments (a trailing ';') are skipped; a segment without '=' or with an empty key
    /// throws code 4 naming CNI_ARGS and the segment. The value is everything after the first '='.
    /// </summary>
    public static CniArgs Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
            return Empty;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string pair in text.Split(';'))
        {
            if (pair.Length == 0)
                continue;
            int equals = pair.IndexOf('=');
            if (equals <= 0)
            {
                throw new CniException(CniErrorCode.InvalidEnvironment,
                    $"{Variable} is malformed: '{pair}' is not KEY=VALUE",
                    $"{Variable}={text}; expected pairs like K8S_POD_NAME=web;K8S_POD_NAMESPACE=shop separated by ';'");
            }
            values[pair[..equals]] = pair[(equals + 1)..];
        }
        return new CniArgs { Values = values };
    }

    private string? Get(string key) => Values.TryGetValue(key, out string? value) && value.Length > 0 ? value : null;
}
