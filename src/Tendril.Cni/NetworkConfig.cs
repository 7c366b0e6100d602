using System.Text.Json;
using Tendril.Api;
using Tendril.Cni.Results;
using static Tendril.Cni.ConfigJson;

namespace Tendril.Cni;

/// <summary>
/// The network configuration a runtime writes on stdin, reduced to what this plugin reads. Unknown top-level fields
/// (<c>type</c>, <c>runtimeConfig</c>, <c>capabilities</c> ...) and <c>args</c> other than <c>args.cni.labels</c> are
/// ignored. Immutable.
/// </summary>
internal sealed record NetworkConfig
{
    public const string ValidAttachmentsField = "cni.dev/valid-attachments";

    /// <summary>The name libcni also sends the valid attachments under, after the spec first printed it so.</summary>
    public const string AttachmentsField = "cni.dev/attachments";

    public required string Name { get; init; }

    public required CniVersion Version { get; init; }

    /// <summary>The pod's labels from <c>args.cni.labels</c>, read for ADD.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary><c>dns</c>, copied into ADD's result; null when absent (or the command is not ADD).</summary>
    public CniDns? Dns { get; init; }

    /// <summary><c>prevResult</c>, read for ADD and CHECK; null when absent.</summary>
    public CniResult? PrevResult { get; init; }

    /// <summary>Tendril's own field: the agent's unix socket.</summary>
    public string? AgentSocket { get; init; }

    /// <summary>GC's still-valid attachments; null when the configuration lists none (or the command is not GC).</summary>
    public IReadOnlyList<EndpointAttachment>? ValidAttachments { get; init; }

    /// <summary>
    /// Decodes stdin. Fails with code 6 when it is not JSON or not an object. The caller owns the document.
    /// </summary>
    public static JsonDocument Decode(string stdin)
    {
        if (string.IsNullOrWhiteSpace(stdin))
            throw new CniException(CniErrorCode.DecodingFailure, "the network configuration on stdin is empty");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(stdin);
        }
        catch (JsonException e)
        {
            throw new CniException(CniErrorCode.DecodingFailure, "the network configuration on stdin is not valid JSON", e.Message);
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            string kind = Describe(document.RootElement);
            document.Dispose();
            throw new CniException(CniErrorCode.DecodingFailure, $"the network configuration on stdin must be a JSON object, not {kind}");
        }
        return document;
    }

    /// <summary>
    /// The version the configuration asks for: <c>cniVersion</c>, or when that is absent the highest supported one
    /// listed in the 1.1.0 field <c>cniVersions</c>. Fails with 7 when neither is given, 1 when it is not supported.
    /// </summary>
    public static CniVersion ReadVersion(JsonElement root)
    {
        string? text = OptionalString(root, "cniVersion", "");
        if (text is { Length: > 0 })
        {
            return CniVersion.FindSupported(text)
                ?? throw new CniException(CniErrorCode.IncompatibleVersion,
                    $"CNI version {text} is not supported; tendril-cni supports {CniVersion.SupportedList}");
        }
        var listed = OptionalStringList(root, "cniVersions", "");
        if (listed.Count == 0)
            throw Invalid("cniVersion is missing", "set \"cniVersion\" to one of " + CniVersion.SupportedList);
        var supported = listed.Select(CniVersion.FindSupported).Where(v => v is not null).Select(v => v!.Value).ToList();
        if (supported.Count == 0)
        {
            throw new CniException(CniErrorCode.IncompatibleVersion,
                $"none of the CNI versions {string.Join(", ", listed)} is supported; tendril-cni supports {CniVersion.SupportedList}");
        }
        return supported.Max();
    }

    /// <summary>The version to write an error in: the configuration's when it names a supported one, else null.</summary>
    public static CniVersion? TryReadVersion(JsonElement root)
    {
        try
        {
            return ReadVersion(root);
        }
        catch (CniException)
        {
            return null;
        }
    }

    /// <summary>
    /// Reads what <paramref name="command"/> uses: every command the version, name and socket; ADD the labels, dns
    /// and <c>prevResult</c>; CHECK the <c>prevResult</c>; GC the valid attachments. Fails with 1 or 7 naming the
    /// field. DEL reads no more than it needs, so a field that made ADD fail cannot also stop the clean-up after it.
    /// </summary>
    public static NetworkConfig Read(JsonElement root, CniCommand command)
    {
        var version = ReadVersion(root);
        bool add = command == CniCommand.Add;
        return new NetworkConfig
        {
            Version = version,
            Name = RequiredString(root, "name", ""),
            AgentSocket = OptionalString(root, "agentSocket", ""),
            Labels = add ? ReadLabels(root) : new Dictionary<string, string>(),
            Dns = add && OptionalObject(root, "dns", "") is { } dns ? CniResultReader.ReadDns(dns, "dns") : null,
            PrevResult = command is CniCommand.Add or CniCommand.Check && OptionalObject(root, "prevResult", "") is { } prev
                ? CniResultReader.Read(prev, "prevResult")
                : null,
            ValidAttachments = command == CniCommand.Gc ? ReadValidAttachments(root) : null,
        };
    }

    /// <summary>
    /// <c>args.cni.labels</c>: the CNI conventions' list of <c>{"key", "value"}</c>. Other <c>args</c>, and an
    /// <c>args</c> or <c>args.cni</c> that is not an object, are someone else's and ignored.
    /// </summary>
    private static Dictionary<string, string> ReadLabels(JsonElement root)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Optional(root, "args") is not { ValueKind: JsonValueKind.Object } args
            || Optional(args, "cni") is not { ValueKind: JsonValueKind.Object } cni
            || OptionalArray(cni, "labels", "args.cni") is not { } list)
            return labels;
        int index = 0;
        foreach (var item in list.EnumerateArray())
        {
            string path = Item("args.cni.labels", index++);
            if (item.ValueKind != JsonValueKind.Object)
                throw Invalid($"{path} must be an object like {{\"key\": \"app\", \"value\": \"web\"}}, not {Describe(item)}");
            labels[RequiredString(item, "key", path)] = OptionalString(item, "value", path) ?? "";
        }
        return labels;
    }

    /// <summary>
    /// GC's list of still-valid <c>{"containerID", "ifname"}</c>. A list given as null means none is valid; a
    /// configuration without the field is refused, since reading it as "none" would delete every endpoint.
    /// </summary>
    private static List<EndpointAttachment> ReadValidAttachments(JsonElement root)
    {
        string field = root.TryGetProperty(ValidAttachmentsField, out _) ? ValidAttachmentsField : AttachmentsField;
        if (!root.TryGetProperty(field, out var value))
        {
            throw Invalid($"GC needs {ValidAttachmentsField}, the list of attachments that are still valid",
                "without it every endpoint of the network would look stale; an empty list means none is valid");
        }
        var attachments = new List<EndpointAttachment>();
        if (OptionalArray(root, field, "") is not { } list)
            return attachments;
        int index = 0;
        foreach (var item in list.EnumerateArray())
        {
            string path = Item(field, index++);
            RequireObject(item, path);
            attachments.Add(new EndpointAttachment(RequiredString(item, "containerID", path), RequiredString(item, "ifname", path)));
        }
        return attachments;
    }
}
