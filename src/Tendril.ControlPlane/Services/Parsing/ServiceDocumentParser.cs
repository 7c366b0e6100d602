using System.Collections.Immutable;
using Tendril.ControlPlane.Labels;
using Tendril.ControlPlane.Policy.Parsing;
using Tendril.ControlPlane.Services.Model;

namespace Tendril.ControlPlane.Services.Parsing;

/// <summary>
/// Parses service imports (<c>tendril service apply -f</c>, REST): multi-document YAML (<c>---</c>) or JSON (one
/// object, a <c>v1 List</c> or an array) of <c>v1 Service</c> and <c>discovery.k8s.io/v1 EndpointSlice</c>. All or
/// nothing: any error and neither services nor slices are returned. Decoding is strict (unknown fields are errors, as
/// the API server's strict field validation does), and every error names the document, the field path and the line.
/// Cross-object checks that need the current state (a cluster IP or node port already taken by another service) are
/// the repository's. Pure and thread-safe.
/// </summary>
public static class ServiceDocumentParser
{
    /// <summary>The namespace of an object that names none, as <c>kubectl apply</c> would put it.</summary>
    public const string DefaultNamespace = "default";

    internal const string CoreApi = "v1";
    internal const string DiscoveryApi = "discovery.k8s.io/v1";
    private static readonly string[] ListFields = ["apiVersion", "kind", "metadata", "items"];

    private static readonly string[] MetadataFields =
    [
        "name", "generateName", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers",
        "managedFields", "selfLink",
    ];

    /// <summary>Parses <paramref name="text"/> (YAML or JSON) against <paramref name="options"/> (defaults when null).</summary>
    public static ServiceParseResult Parse(string text, ServiceParserOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        options ??= ServiceParserOptions.Default;
        var errors = new List<PolicyError>();
        List<(int Index, PNode Root)> documents = DocumentReader.Read(text, errors);
        if (errors.Count > 0)
            return ServiceParseResult.Failed(errors.Select(Convert));
        if (documents.Count == 0)
            return ServiceParseResult.Failed([new ServiceError(0, "", "the input holds no Service or EndpointSlice document")]);

        var services = new List<(Service Service, int Document)>();
        var slices = new List<(EndpointSlice Slice, int Document)>();
        foreach ((int index, PNode root) in documents)
            ParseDocument(new DecodeContext(index, errors), root, "", options, services, slices, allowList: true);

        ReportDuplicates(services.Select(s => (s.Service.Key, s.Document)), "Service", errors);
        ReportDuplicates(slices.Select(s => (s.Slice.Key, s.Document)), "EndpointSlice", errors);
        return errors.Count > 0
            ? ServiceParseResult.Failed(errors.Select(Convert))
            : new ServiceParseResult([.. services.Select(s => s.Service)], [.. slices.Select(s => s.Slice)], [])
            {
                ServiceDocuments = [.. services.Select(s => s.Document)],
            };
    }

    /// <summary>Parses UTF-8 text from a stream (read to its end, not closed).</summary>
    public static async Task<ServiceParseResult> ParseAsync(Stream stream, ServiceParserOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new StreamReader(stream, leaveOpen: true);
        return Parse(await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false), options);
    }

    private static void ParseDocument(DecodeContext ctx, PNode root, string path, ServiceParserOptions options,
        List<(Service, int)> services, List<(EndpointSlice, int)> slices, bool allowList)
    {
        PMap? doc = ctx.Map(root, path);
        if (doc is null)
        {
            if (root is PScalar { IsNull: true })
                ctx.Error(path, root, "expected a Service or EndpointSlice object, found null");
            return;
        }

        string kindPath = FieldPath.Field(path, "kind");
        string? kind = ctx.String(doc.Get("kind"), kindPath);
        string? apiVersion = ctx.String(doc.Get("apiVersion"), FieldPath.Field(path, "apiVersion"));
        if (string.IsNullOrEmpty(kind))
        {
            ctx.Error(kindPath, doc, "missing required field \"kind\" (Service or EndpointSlice)");
            return;
        }

        if (kind == "List" && allowList && apiVersion is CoreApi or null)
        {
            ctx.CheckFields(doc, path, ListFields);
            string itemsPath = FieldPath.Field(path, "items");
            List<PNode>? items = ctx.Seq(doc.Get("items"), itemsPath);
            for (int i = 0; items is not null && i < items.Count; i++)
                ParseDocument(ctx, items[i], FieldPath.Index(itemsPath, i), options, services, slices, allowList: false);
            return;
        }

        string? expectedApi = kind switch
        {
            "Service" => CoreApi,
            "EndpointSlice" => DiscoveryApi,
            _ => null,
        };
        if (expectedApi is null)
        {
            ctx.Error(kindPath, doc.Get("kind"), $"unknown kind \"{kind}\": expected Service or EndpointSlice{(allowList ? " (or a List of them)" : "")}");
            return;
        }

        if (apiVersion != expectedApi)
        {
            ctx.Error(FieldPath.Field(path, "apiVersion"), doc.Get("apiVersion") ?? doc,
                apiVersion is null
                    ? $"missing required field \"apiVersion\"; {kind} is {expectedApi}"
                    : $"apiVersion \"{apiVersion}\" is not supported for {kind}; use {expectedApi}");
            return;
        }

        int before = ctx.ErrorCount;
        if (kind == "Service")
        {
            ctx.CheckFields(doc, path, ServiceSpecDecoder.TopFields);
            if (Metadata(ctx, doc, path, isService: true) is { } meta
                && new ServiceSpecDecoder(ctx, options).Decode(doc, path, meta) is { } service && ctx.ErrorCount == before)
                services.Add((service, ctx.Document));
        }
        else
        {
            ctx.CheckFields(doc, path, EndpointSliceDecoder.TopFields);
            if (Metadata(ctx, doc, path, isService: false) is { } meta
                && EndpointSliceDecoder.Decode(ctx, doc, path, meta) is { } slice && ctx.ErrorCount == before)
                slices.Add((slice, ctx.Document));
        }
    }

    private static ObjectMeta? Metadata(DecodeContext ctx, PMap doc, string path, bool isService)
    {
        string metaPath = FieldPath.Field(path, "metadata");
        PMap? meta = ctx.Map(doc.Get("metadata"), metaPath);
        if (meta is null)
        {
            ctx.Error(metaPath, doc, "missing required field \"metadata\" with a name");
            return null;
        }

        ctx.CheckFields(meta, metaPath, MetadataFields);
        string namePath = FieldPath.Field(metaPath, "name");
        string? name = ctx.String(meta.Get("name"), namePath);
        if (string.IsNullOrEmpty(name))
        {
            ctx.Error(namePath, meta, "missing required field \"metadata.name\"");
            return null;
        }

        // Service names become DNS labels (DNS-1035: start with a letter); slice names are DNS subdomains.
        if (isService ? !Names.IsDns1035Label(name) : !Names.IsDnsSubdomain(name))
        {
            ctx.Error(namePath, meta.Get("name"), isService
                ? $"service name \"{name}\" is not valid: use at most 63 lowercase letters, digits and '-', starting with a letter and ending with a letter or digit"
                : $"name \"{name}\" is not valid: use at most 253 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit");
            return null;
        }

        string nsPath = FieldPath.Field(metaPath, "namespace");
        string? ns = ctx.String(meta.Get("namespace"), nsPath);
        ns = string.IsNullOrEmpty(ns) ? DefaultNamespace : ns;
        if (!Names.IsDnsLabel(ns))
        {
            ctx.Error(nsPath, meta.Get("namespace"), $"namespace \"{ns}\" is not valid: use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit");
            return null;
        }

        LabelSet labels = StringMap(ctx, meta.Get("labels"), FieldPath.Field(metaPath, "labels")) is { } l
            ? LabelSet.Of(l.Select(kv => Label.K8s(kv.Key, kv.Value)))
            : LabelSet.Empty;
        ImmutableSortedDictionary<string, string> annotations =
            StringMap(ctx, meta.Get("annotations"), FieldPath.Field(metaPath, "annotations")) ?? ImmutableSortedDictionary<string, string>.Empty;
        return new ObjectMeta(new ServiceKey(ns, name), labels, annotations, metaPath);
    }

    /// <summary>A map of string to string (labels, annotations, selector); keys are validated by the caller.</summary>
    internal static ImmutableSortedDictionary<string, string>? StringMap(DecodeContext ctx, PNode? node, string path)
    {
        PMap? map = ctx.Map(node, path);
        if (map is null)
            return null;
        var result = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach ((string key, PNode value) in map.Entries)
        {
            string keyPath = FieldPath.Field(path, key);
            if (key.Length == 0)
                ctx.Error(keyPath, value, "a key must not be empty");
            else if (!result.TryAdd(key, ctx.String(value, keyPath) ?? ""))
                ctx.Error(keyPath, value, $"key \"{key}\" is given more than once");
        }

        return result.ToImmutable();
    }

    private static void ReportDuplicates(IEnumerable<(ServiceKey Key, int Document)> objects, string kind, List<PolicyError> errors)
    {
        var seen = new Dictionary<ServiceKey, int>();
        foreach ((ServiceKey key, int document) in objects)
        {
            if (seen.TryGetValue(key, out int first))
                errors.Add(new PolicyError(document, "metadata.name", $"{kind} {key} is also defined in document {first}; each object may appear once per import"));
            else
                seen[key] = document;
        }
    }

    private static ServiceError Convert(PolicyError e) => new(e.DocumentIndex, e.Path, e.Reason, e.Line);
}

/// <summary>The parts of <c>metadata</c> the decoders use.</summary>
internal sealed record ObjectMeta(ServiceKey Key, LabelSet Labels, ImmutableSortedDictionary<string, string> Annotations, string Path);

/// <summary>Kubernetes name rules (DNS-1123 labels and subdomains, DNS-1035 labels, IANA service names).</summary>
internal static class Names
{
    public static bool IsDnsLabel(string s) =>
        s.Length is >= 1 and <= 63 && s.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
        && s[0] != '-' && s[^1] != '-';

    public static bool IsDns1035Label(string s) => IsDnsLabel(s) && char.IsAsciiLetterLower(s[0]);

    public static bool IsDnsSubdomain(string s) => s.Length is >= 1 and <= 253 && s.Split('.').All(IsDnsLabel);

    /// <summary>A container port name: at most 15 characters, lowercase letters, digits and single '-', at least one letter.</summary>
    public static bool IsIanaServiceName(string s) =>
        s.Length is >= 1 and <= 15 && IsDnsLabel(s) && s.Any(char.IsAsciiLetterLower)
        && !s.Contains("--", StringComparison.Ordinal);
}
