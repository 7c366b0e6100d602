using System.Globalization;
using System.Net;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Tendril.Policy;

/// <summary>
/// Reads multi-document YAML or JSON of cilium.io/v2 CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy and
/// networking.k8s.io/v1 NetworkPolicy into rules, with Cilium's namespace semantics. All or nothing: any error
/// throws <see cref="PolicyValidationException"/> listing every error found. Pure.
/// </summary>
public static partial class PolicyParser
{
    public const string PodNamespaceLabel = "io.kubernetes.pod.namespace";
    public const string NamespaceLabelPrefix = "io.cilium.k8s.namespace.labels.";

    public static IReadOnlyList<PolicyRule> Parse(string text)
    {
        var errors = new List<PolicyError>();
        var rules = new List<PolicyRule>();
        var documents = ReadDocuments(text, errors);
        for (int i = 0; i < documents.Count; i++)
        {
            var context = new Context(i, errors);
            if (documents[i] is not Dictionary<object, object> doc)
            {
                context.Error("", "a document must be an object with apiVersion and kind");
                continue;
            }
            rules.AddRange(ParseDocument(doc, context));
        }
        if (documents.Count == 0 && errors.Count == 0)
            errors.Add(new PolicyError(0, "", "no policy documents found"));
        if (errors.Count > 0)
            throw new PolicyValidationException(errors);
        return rules;
    }

    private static List<object?> ReadDocuments(string text, List<PolicyError> errors)
    {
        var result = new List<object?>();
        var deserializer = new DeserializerBuilder().Build();
        var parser = new Parser(new StringReader(text));
        try
        {
            parser.Consume<StreamStart>();
            while (!parser.Accept<StreamEnd>(out _))
            {
                var doc = deserializer.Deserialize<object?>(parser);
                if (doc is null)
                    continue;
                // A List (kubectl) or a JSON array holds several documents.
                if (doc is Dictionary<object, object> map && Str(map, "kind") == "List" && map.TryGetValue("items", out var items) && items is List<object> list)
                    result.AddRange(list);
                else if (doc is List<object> array)
                    result.AddRange(array);
                else
                    result.Add(doc);
            }
        }
        catch (YamlException e)
        {
            errors.Add(new PolicyError(result.Count, $"line {e.Start.Line}, column {e.Start.Column}", $"not valid YAML/JSON: {e.Message}"));
        }
        return result;
    }

    private static IEnumerable<PolicyRule> ParseDocument(Dictionary<object, object> doc, Context c)
    {
        c.Known(doc, "", "apiVersion", "kind", "metadata", "spec", "specs", "status");
        string? apiVersion = Str(doc, "apiVersion");
        string? kind = Str(doc, "kind");
        var metadata = Map(doc, "metadata", "metadata", c);
        string? name = metadata is null ? null : Str(metadata, "name");
        if (string.IsNullOrEmpty(name))
            c.Error("metadata.name", "is required");
        string ns = metadata is null ? "default" : Str(metadata, "namespace") ?? "default";
        switch (kind, apiVersion)
        {
            case ("CiliumNetworkPolicy", "cilium.io/v2"):
            case ("CiliumClusterwideNetworkPolicy", "cilium.io/v2"):
                bool clusterwide = kind == "CiliumClusterwideNetworkPolicy";
                var origin = new PolicyOrigin(kind, clusterwide ? null : ns, name ?? "");
                var specs = new List<(Dictionary<object, object> Spec, string Path)>();
                if (Map(doc, "spec", "spec", c) is { } spec)
                    specs.Add((spec, "spec"));
                if (doc.TryGetValue("specs", out var many))
                {
                    if (many is List<object> list)
                        specs.AddRange(list.Select((s, i) => (s as Dictionary<object, object>, $"specs[{i}]")).Where(s => s.Item1 is not null).Select(s => (s.Item1!, s.Item2)));
                    else
                        c.Error("specs", "must be a list of rules");
                }
                if (specs.Count == 0)
                    c.Error("spec", "a CiliumNetworkPolicy needs spec or specs");
                return specs.Select(s => CiliumRules.Parse(s.Spec, s.Path, origin, clusterwide ? null : ns, c)).Where(r => r is not null).Select(r => r!).ToList();
            case ("NetworkPolicy", "networking.k8s.io/v1"):
                var npSpec = Map(doc, "spec", "spec", c);
                if (npSpec is null)
                {
                    c.Error("spec", "is required");
                    return [];
                }
                return [NetworkPolicyRules.Parse(npSpec, new PolicyOrigin(kind, ns, name ?? ""), ns, c)];
            default:
                c.Error(kind is null ? "kind" : "apiVersion", $"unsupported kind '{kind}' of apiVersion '{apiVersion}': expected cilium.io/v2 CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy, or networking.k8s.io/v1 NetworkPolicy");
                return [];
        }
    }

    // Shared helpers for the two dialects.

    internal sealed class Context(int document, List<PolicyError> errors)
    {
        public void Error(string path, string reason) => errors.Add(new PolicyError(document, path, reason));

        /// <summary>Rejects fields the schema does not know (Cilium decodes CRDs strictly).</summary>
        public void Known(Dictionary<object, object> map, string path, params string[] fields)
        {
            foreach (var key in map.Keys.Select(k => k.ToString()!))
            {
                if (!fields.Contains(key))
                    Error(Join(path, key), $"unknown field; expected one of: {string.Join(", ", fields)}");
            }
        }
    }

    internal static string Join(string path, string field) => path.Length == 0 ? field : $"{path}.{field}";

    internal static string? Str(Dictionary<object, object> map, string key) =>
        map.TryGetValue(key, out var v) && v is not null ? v.ToString() : null;

    internal static Dictionary<object, object>? Map(Dictionary<object, object> map, string key, string path, Context c)
    {
        if (!map.TryGetValue(key, out var v) || v is null)
            return null;
        if (v is Dictionary<object, object> m)
            return m;
        c.Error(path, "must be an object");
        return null;
    }

    internal static List<(Dictionary<object, object> Item, string Path)> Items(Dictionary<object, object> map, string key, string path, Context c)
    {
        if (!map.TryGetValue(key, out var v) || v is null)
            return [];
        if (v is not List<object> list)
        {
            c.Error(path, "must be a list");
            return [];
        }
        var result = new List<(Dictionary<object, object>, string)>();
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i] is Dictionary<object, object> item)
                result.Add((item, $"{path}[{i}]"));
            else if (list[i] is null)
                result.Add((new Dictionary<object, object>(), $"{path}[{i}]"));
            else
                c.Error($"{path}[{i}]", "must be an object");
        }
        return result;
    }

    internal static List<string> Strings(Dictionary<object, object> map, string key, string path, Context c)
    {
        if (!map.TryGetValue(key, out var v) || v is null)
            return [];
        if (v is List<object> list)
            return list.Select(x => x?.ToString() ?? "").ToList();
        c.Error(path, "must be a list of strings");
        return [];
    }

    /// <summary>A Kubernetes LabelSelector: matchLabels and matchExpressions.</summary>
    internal static LabelSelector? Selector(Dictionary<object, object>? map, string path, Context c)
    {
        if (map is null)
            return null;
        c.Known(map, path, "matchLabels", "matchExpressions");
        var requirements = new List<SelectorRequirement>();
        if (Map(map, "matchLabels", Join(path, "matchLabels"), c) is { } labels)
        {
            foreach (var (key, value) in labels)
            {
                var (source, k) = LabelSelector.NormaliseKey(key.ToString()!);
                requirements.Add(new SelectorRequirement(source, k, SelectorOperator.In, [value?.ToString() ?? ""]));
            }
        }
        foreach (var (expression, p) in Items(map, "matchExpressions", Join(path, "matchExpressions"), c))
        {
            c.Known(expression, p, "key", "operator", "values");
            string? key = Str(expression, "key");
            string? op = Str(expression, "operator");
            var values = Strings(expression, "values", Join(p, "values"), c);
            if (string.IsNullOrEmpty(key))
            {
                c.Error(Join(p, "key"), "is required");
                continue;
            }
            if (!Enum.TryParse<SelectorOperator>(op, ignoreCase: false, out var parsed))
            {
                c.Error(Join(p, "operator"), $"'{op}' is not one of In, NotIn, Exists, DoesNotExist");
                continue;
            }
            if (parsed is SelectorOperator.In or SelectorOperator.NotIn && values.Count == 0)
                c.Error(Join(p, "values"), $"{parsed} needs at least one value");
            if (parsed is SelectorOperator.Exists or SelectorOperator.DoesNotExist && values.Count > 0)
                c.Error(Join(p, "values"), $"{parsed} takes no values");
            var (source, k) = LabelSelector.NormaliseKey(key);
            requirements.Add(new SelectorRequirement(source, k, parsed, values));
        }
        return new LabelSelector(requirements);
    }

    /// <summary>Adds the policy's namespace unless the selector already names a pod namespace.</summary>
    internal static LabelSelector InNamespace(LabelSelector selector, string? ns) =>
        ns is null || selector.Constrains(PodNamespaceLabel)
            ? selector
            : selector.And(new SelectorRequirement("k8s", PodNamespaceLabel, SelectorOperator.In, [ns]));

    internal static CidrRule? Cidr(string? text, IEnumerable<string> except, string path, Context c)
    {
        if (!IPNetwork.TryParse(text ?? "", out var cidr) || cidr.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            if (IPAddress.TryParse(text ?? "", out var single) && single.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
                cidr = new IPNetwork(single, 32);
            else
            {
                c.Error(path, $"'{text}' is not an IPv4 CIDR (only IPv4 is supported yet)");
                return null;
            }
        }
        var excepts = new List<IPNetwork>();
        foreach (var e in except)
        {
            if (IPNetwork.TryParse(e, out var x) && cidr.Contains(x.BaseAddress) && x.PrefixLength >= cidr.PrefixLength)
                excepts.Add(x);
            else
                c.Error(path + ".except", $"'{e}' must be a CIDR inside {cidr}");
        }
        return new CidrRule(cidr, excepts);
    }

    internal static byte? Protocol(string? text, string path, Context c, byte fallback)
    {
        if (text is null)
            return fallback;
        switch (text.ToUpperInvariant())
        {
            case "TCP": return PortRule.Tcp;
            case "UDP": return PortRule.Udp;
            case "SCTP": return PortRule.Sctp;
            case "ANY": return 0;
            default:
                c.Error(path, $"protocol '{text}' is not one of TCP, UDP, SCTP, ANY");
                return null;
        }
    }

    /// <summary>Parses port/endPort; returns null (after an error) when invalid.</summary>
    internal static (ushort Port, ushort EndPort)? Ports(object? port, object? endPort, string path, Context c)
    {
        string portText = port?.ToString() ?? "0";
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int p))
        {
            c.Error(Join(path, "port"), $"'{portText}' is a named port; named ports are not supported yet, use the number");
            return null;
        }
        if (p is < 0 or > 65535)
        {
            c.Error(Join(path, "port"), $"{p} is not a port (0-65535)");
            return null;
        }
        int e = p;
        if (endPort is not null)
        {
            if (!int.TryParse(endPort.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out e) || e > 65535)
            {
                c.Error(Join(path, "endPort"), $"'{endPort}' is not a port (0-65535)");
                return null;
            }
            if (p == 0)
            {
                c.Error(Join(path, "endPort"), "needs a non-zero port");
                return null;
            }
            if (e < p)
            {
                c.Error(Join(path, "endPort"), $"{e} is below port {p}");
                return null;
            }
        }
        return ((ushort)p, (ushort)e);
    }
}
