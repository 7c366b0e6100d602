using System.Collections.Immutable;
using Tendril.ControlPlane.Labels;
using Tendril.ControlPlane.Policy.Model;

namespace Tendril.ControlPlane.Policy.Parsing;

/// <summary>
/// Parses policy imports: multi-document YAML (<c>---</c>) or JSON (one object, a <c>{"kind":"List","items":[…]}</c>,
/// or an array), of <c>cilium.io/v2</c> CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy and
/// <c>networking.k8s.io/v1</c> NetworkPolicy. All or nothing: any error and no policy is returned. Decoding is strict
/// (unknown fields are errors, as for Cilium's CRDs). A namespaced policy without <c>metadata.namespace</c> goes to
/// <c>default</c>, as <c>kubectl apply</c> would put it. Pure and thread-safe.
/// </summary>
public static class PolicyDocumentParser
{
    /// <summary>The namespace of a namespaced policy that names none.</summary>
    public const string DefaultNamespace = "default";

    private const string CiliumApi = "cilium.io/v2";
    private const string NetworkingApi = "networking.k8s.io/v1";
    private static readonly string[] CiliumTopFields = ["apiVersion", "kind", "metadata", "spec", "specs", "status"];
    private static readonly string[] NetworkPolicyTopFields = ["apiVersion", "kind", "metadata", "spec", "status"];
    private static readonly string[] ListFields = ["apiVersion", "kind", "metadata", "items"];

    private static readonly string[] MetadataFields =
    [
        "name", "generateName", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers",
        "managedFields", "selfLink",
    ];

    /// <summary>Parses <paramref name="text"/> (YAML or JSON).</summary>
    public static PolicyParseResult Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var errors = new List<PolicyError>();
        List<(int Index, PNode Root)> documents = DocumentReader.Read(text, errors);
        if (errors.Count > 0)
            return PolicyParseResult.Failed(errors);
        if (documents.Count == 0)
            return PolicyParseResult.Failed([new PolicyError(0, "", "the input holds no policy document")]);

        var policies = new List<ParsedPolicy>();
        foreach ((int index, PNode root) in documents)
        {
            var ctx = new DecodeContext(index, errors);
            ParseDocument(ctx, root, "", policies, allowList: true);
        }

        var seen = new Dictionary<RuleOrigin, int>();
        foreach (ParsedPolicy policy in policies)
        {
            if (seen.TryGetValue(policy.Origin, out int first))
                errors.Add(new PolicyError(policy.DocumentIndex, "metadata.name", $"{policy.Origin} is also defined in document {first}; each policy may appear once per import"));
            else
                seen[policy.Origin] = policy.DocumentIndex;
        }

        return errors.Count > 0 ? PolicyParseResult.Failed(errors) : new PolicyParseResult([.. policies], []);
    }

    /// <summary>Parses UTF-8 text from a stream (the stream is read to its end, not closed).</summary>
    public static async Task<PolicyParseResult> ParseAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new StreamReader(stream, leaveOpen: true);
        return Parse(await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false));
    }

    private static void ParseDocument(DecodeContext ctx, PNode root, string path, List<ParsedPolicy> policies, bool allowList)
    {
        PMap? doc = ctx.Map(root, path.Length == 0 ? "" : path);
        if (doc is null)
        {
            if (root is PScalar { IsNull: true })
                ctx.Error(path, root, "expected a policy object, found null");
            return;
        }

        string? kind = ctx.String(doc.Get("kind"), FieldPath.Field(path, "kind"));
        string? apiVersion = ctx.String(doc.Get("apiVersion"), FieldPath.Field(path, "apiVersion"));
        if (string.IsNullOrEmpty(kind))
        {
            ctx.Error(FieldPath.Field(path, "kind"), doc, "missing required field \"kind\" (CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy or NetworkPolicy)");
            return;
        }

        if (kind == "List" && allowList)
        {
            ctx.CheckFields(doc, path, ListFields);
            string itemsPath = FieldPath.Field(path, "items");
            List<PNode>? items = ctx.Seq(doc.Get("items"), itemsPath);
            for (int i = 0; items is not null && i < items.Count; i++)
                ParseDocument(ctx, items[i], FieldPath.Index(itemsPath, i), policies, allowList: false);
            return;
        }

        (PolicyKind policyKind, string expectedApi)? known = kind switch
        {
            "CiliumNetworkPolicy" => (PolicyKind.CiliumNetworkPolicy, CiliumApi),
            "CiliumClusterwideNetworkPolicy" => (PolicyKind.CiliumClusterwideNetworkPolicy, CiliumApi),
            "NetworkPolicy" => (PolicyKind.NetworkPolicy, NetworkingApi),
            _ => null,
        };
        if (known is not { } k)
        {
            ctx.Error(FieldPath.Field(path, "kind"), doc.Get("kind"),
                $"unknown kind \"{kind}\": expected CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy or NetworkPolicy{(allowList ? " (or a List of them)" : "")}");
            return;
        }

        if (apiVersion != k.expectedApi)
        {
            ctx.Error(FieldPath.Field(path, "apiVersion"), doc.Get("apiVersion") ?? doc,
                apiVersion is null
                    ? $"missing required field \"apiVersion\"; {kind} is {k.expectedApi}"
                    : $"apiVersion \"{apiVersion}\" is not supported for {kind}; use {k.expectedApi}");
            return;
        }

        ctx.CheckFields(doc, path, k.policyKind == PolicyKind.NetworkPolicy ? NetworkPolicyTopFields : CiliumTopFields);
        int errorsBefore = ctx.ErrorCount;
        RuleOrigin? origin = Metadata(ctx, doc, path, k.policyKind, out string? uid);
        if (origin is not { } o)
            return;

        LabelSet derived = DerivedLabels(o, uid);
        ImmutableArray<Rule> rules = k.policyKind == PolicyKind.NetworkPolicy
            ? NetworkPolicy(ctx, doc, path, o, derived)
            : CiliumRules(ctx, doc, path, o, derived);
        if (ctx.ErrorCount == errorsBefore)
            policies.Add(new ParsedPolicy(o, rules, ctx.Document));
    }

    private static RuleOrigin? Metadata(DecodeContext ctx, PMap doc, string path, PolicyKind kind, out string? uid)
    {
        uid = null;
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
        string? ns = ctx.String(meta.Get("namespace"), FieldPath.Field(metaPath, "namespace"));
        uid = ctx.String(meta.Get("uid"), FieldPath.Field(metaPath, "uid"));
        if (string.IsNullOrEmpty(name))
        {
            ctx.Error(namePath, meta, "missing required field \"metadata.name\"");
            return null;
        }

        if (!IsDnsSubdomain(name))
        {
            ctx.Error(namePath, meta.Get("name"), $"name \"{name}\" is not valid: use at most 253 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit");
            return null;
        }

        if (kind == PolicyKind.CiliumClusterwideNetworkPolicy)
            return new RuleOrigin(kind, null, name); // Cluster-scoped: a namespace is ignored, as the API server does.
        ns = string.IsNullOrEmpty(ns) ? DefaultNamespace : ns;
        if (!IsDnsLabel(ns))
        {
            ctx.Error(FieldPath.Field(metaPath, "namespace"), meta.Get("namespace"), $"namespace \"{ns}\" is not valid: use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit");
            return null;
        }

        return new RuleOrigin(kind, ns, name);
    }

    private static ImmutableArray<Rule> CiliumRules(DecodeContext ctx, PMap doc, string path, RuleOrigin origin, LabelSet derived)
    {
        var rules = ImmutableArray.CreateBuilder<Rule>();
        bool hasSpec = doc.Has("spec"), hasSpecs = doc.Has("specs");
        if (!hasSpec && !hasSpecs)
        {
            ctx.Error(FieldPath.Field(path, "spec"), doc, $"{origin.Kind} needs \"spec\" (one rule) or \"specs\" (a list of rules)");
            return [];
        }

        if (hasSpec && new CiliumRuleDecoder(ctx, origin, derived).Decode(doc.Get("spec")!, FieldPath.Field(path, "spec")) is { } rule)
            rules.Add(rule);
        string specsPath = FieldPath.Field(path, "specs");
        List<PNode>? specs = ctx.Seq(doc.Get("specs"), specsPath);
        if (hasSpecs && specs is { Count: 0 } && !hasSpec)
            ctx.Error(specsPath, doc.Get("specs"), "\"specs\" is empty; give at least one rule");
        for (int i = 0; specs is not null && i < specs.Count; i++)
        {
            if (new CiliumRuleDecoder(ctx, origin, derived).Decode(specs[i], FieldPath.Index(specsPath, i)) is { } r)
                rules.Add(r);
        }

        return rules.ToImmutable();
    }

    private static ImmutableArray<Rule> NetworkPolicy(DecodeContext ctx, PMap doc, string path, RuleOrigin origin, LabelSet derived) =>
        new NetworkPolicyTranslator(ctx, origin, derived).Translate(doc.Get("spec"), FieldPath.Field(path, "spec")) is { } rule
            ? [rule]
            : [];

    private static LabelSet DerivedLabels(RuleOrigin origin, string? uid)
    {
        var labels = new List<Label>
        {
            Label.K8s(WellKnownLabels.PolicyDerivedFrom, origin.Kind.ToString()),
            Label.K8s(WellKnownLabels.PolicyName, origin.Name),
        };
        if (origin.Namespace is { } ns)
            labels.Add(Label.K8s(WellKnownLabels.PolicyNamespace, ns));
        if (!string.IsNullOrEmpty(uid))
            labels.Add(Label.K8s(WellKnownLabels.PolicyUid, uid));
        return LabelSet.Of(labels);
    }

    private static bool IsDnsLabel(string s) =>
        s.Length is >= 1 and <= 63 && s.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
        && s[0] != '-' && s[^1] != '-';

    private static bool IsDnsSubdomain(string s) =>
        s.Length is >= 1 and <= 253 && s.Split('.').All(IsDnsLabel);
}
