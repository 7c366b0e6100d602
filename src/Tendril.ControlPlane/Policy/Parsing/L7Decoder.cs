using System.Collections.Immutable;
using Tendril.ControlPlane.Policy.Model;

namespace Tendril.ControlPlane.Policy.Parsing;

/// <summary>Decodes <c>toPorts[].rules</c> (L7). The rules are kept as data; they are not enforced yet.</summary>
internal static class L7Decoder
{
    private static readonly string[] Kinds = ["http", "kafka", "dns", "l7proto", "l7"];
    private static readonly string[] HttpFields = ["method", "path", "host", "headers", "headerMatches"];
    private static readonly string[] HeaderMatchFields = ["name", "value", "secret", "mismatch"];
    private static readonly string[] SecretFields = ["namespace", "name"];
    private static readonly string[] KafkaFields = ["role", "apiKey", "apiVersion", "clientID", "topic"];
    private static readonly string[] FqdnFields = ["matchName", "matchPattern"];

    public static L7Rules? Decode(DecodeContext ctx, PNode? node, string path)
    {
        PMap? map = ctx.Map(node, path);
        if (map is null)
            return null;
        ctx.CheckFields(map, path, Kinds);

        string[] present = Kinds.Where(k => k != "l7" && map.Has(k)).ToArray();
        if (present.Length > 1)
        {
            ctx.Error(path, map, $"rules can hold only one kind of L7 rule, found {string.Join(" and ", present)}; split them into separate port rules");
            return null;
        }

        if (map.Has("l7") && !map.Has("l7proto"))
        {
            ctx.Error(FieldPath.Field(path, "l7"), map.Get("l7"), "generic \"l7\" rules need \"l7proto\" to name the parser");
            return null;
        }

        if (present.Length == 0)
            return null;

        return present[0] switch
        {
            "http" => new L7Rules { Http = DecodeList(ctx, map.Get("http"), FieldPath.Field(path, "http"), DecodeHttp) },
            "kafka" => new L7Rules { Kafka = DecodeList(ctx, map.Get("kafka"), FieldPath.Field(path, "kafka"), DecodeKafka) },
            "dns" => new L7Rules { Dns = DecodeList(ctx, map.Get("dns"), FieldPath.Field(path, "dns"), DecodeFqdn) },
            _ => new L7Rules
            {
                L7Proto = ctx.String(map.Get("l7proto"), FieldPath.Field(path, "l7proto")),
                L7 = DecodeList(ctx, map.Get("l7"), FieldPath.Field(path, "l7"), DecodeGeneric),
            },
        };
    }

    /// <summary>Decodes a <c>{matchName}</c> / <c>{matchPattern}</c> entry (toFQDNs and DNS rules).</summary>
    public static FqdnSelector? DecodeFqdn(DecodeContext ctx, PMap map, string path)
    {
        ctx.CheckFields(map, path, FqdnFields);
        string? name = ctx.String(map.Get("matchName"), FieldPath.Field(path, "matchName"));
        string? pattern = ctx.String(map.Get("matchPattern"), FieldPath.Field(path, "matchPattern"));
        if (string.IsNullOrEmpty(name) == string.IsNullOrEmpty(pattern))
        {
            ctx.Error(path, map, "give exactly one of matchName or matchPattern");
            return null;
        }

        if (name is { Length: > 0 } && !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            ctx.Error(FieldPath.Field(path, "matchName"), map.Get("matchName"), $"matchName \"{name}\" may contain only letters, digits, '-', '_' and '.'");
            return null;
        }

        if (pattern is { Length: > 0 } && !pattern.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '*'))
        {
            ctx.Error(FieldPath.Field(path, "matchPattern"), map.Get("matchPattern"), $"matchPattern \"{pattern}\" may contain only letters, digits, '-', '_', '.' and '*'");
            return null;
        }

        return new FqdnSelector(string.IsNullOrEmpty(name) ? null : name, string.IsNullOrEmpty(pattern) ? null : pattern);
    }

    /// <summary>Decodes a list of objects with <paramref name="decode"/>, skipping invalid items (errors recorded).</summary>
    public static ImmutableArray<T> DecodeList<T>(DecodeContext ctx, PNode? node, string path, Func<DecodeContext, PMap, string, T?> decode)
        where T : class
    {
        List<PNode>? items = ctx.Seq(node, path);
        if (items is null)
            return [];
        var result = ImmutableArray.CreateBuilder<T>(items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            string itemPath = FieldPath.Index(path, i);
            if (ctx.Map(items[i], itemPath) is { } map && decode(ctx, map, itemPath) is { } value)
                result.Add(value);
            else if (items[i] is PScalar { IsNull: true })
                ctx.Error(itemPath, items[i], "must be an object, not null");
        }

        return result.ToImmutable();
    }

    private static HttpRule? DecodeHttp(DecodeContext ctx, PMap map, string path)
    {
        ctx.CheckFields(map, path, HttpFields);
        var rule = new HttpRule
        {
            Method = ctx.String(map.Get("method"), FieldPath.Field(path, "method")),
            Path = ctx.String(map.Get("path"), FieldPath.Field(path, "path")),
            Host = ctx.String(map.Get("host"), FieldPath.Field(path, "host")),
            Headers = [.. ctx.Strings(map.Get("headers"), FieldPath.Field(path, "headers")) ?? []],
            HeaderMatches = DecodeList(ctx, map.Get("headerMatches"), FieldPath.Field(path, "headerMatches"), DecodeHeaderMatch),
        };
        return rule;
    }

    private static HeaderMatch? DecodeHeaderMatch(DecodeContext ctx, PMap map, string path)
    {
        ctx.CheckFields(map, path, HeaderMatchFields);
        string? name = ctx.String(map.Get("name"), FieldPath.Field(path, "name"));
        string? mismatch = ctx.String(map.Get("mismatch"), FieldPath.Field(path, "mismatch"));
        if (string.IsNullOrEmpty(name))
        {
            ctx.Error(FieldPath.Field(path, "name"), map, "missing required field \"name\" (the header name)");
            return null;
        }

        if (mismatch is not (null or "LOG" or "ADD" or "DELETE" or "REPLACE"))
        {
            ctx.Error(FieldPath.Field(path, "mismatch"), map.Get("mismatch"), $"mismatch \"{mismatch}\" is not valid: use LOG, ADD, DELETE or REPLACE");
            return null;
        }

        string secretPath = FieldPath.Field(path, "secret");
        PMap? secret = ctx.Map(map.Get("secret"), secretPath);
        if (secret is not null)
            ctx.CheckFields(secret, secretPath, SecretFields);
        return new HeaderMatch(name, ctx.String(map.Get("value"), FieldPath.Field(path, "value")), mismatch,
            secret is null ? null : ctx.String(secret.Get("namespace"), FieldPath.Field(secretPath, "namespace")),
            secret is null ? null : ctx.String(secret.Get("name"), FieldPath.Field(secretPath, "name")));
    }

    private static KafkaRule? DecodeKafka(DecodeContext ctx, PMap map, string path)
    {
        ctx.CheckFields(map, path, KafkaFields);
        string? role = ctx.String(map.Get("role"), FieldPath.Field(path, "role"));
        string? apiKey = ctx.String(map.Get("apiKey"), FieldPath.Field(path, "apiKey"));
        string? topic = ctx.String(map.Get("topic"), FieldPath.Field(path, "topic"));
        if (!string.IsNullOrEmpty(role) && !string.IsNullOrEmpty(apiKey))
        {
            ctx.Error(path, map, "role and apiKey are mutually exclusive in a Kafka rule");
            return null;
        }

        if (role is not (null or "" or "produce" or "consume"))
        {
            ctx.Error(FieldPath.Field(path, "role"), map.Get("role"), $"Kafka role \"{role}\" is not valid: use produce or consume");
            return null;
        }

        if (topic is { Length: > 0 } && (topic.Length > 255 || !topic.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')))
        {
            ctx.Error(FieldPath.Field(path, "topic"), map.Get("topic"), $"Kafka topic \"{topic}\" must be at most 255 characters of letters, digits, '.', '_' and '-'");
            return null;
        }

        return new KafkaRule(role, apiKey, ctx.String(map.Get("apiVersion"), FieldPath.Field(path, "apiVersion")),
            ctx.String(map.Get("clientID"), FieldPath.Field(path, "clientID")), topic);
    }

    private static ImmutableSortedDictionary<string, string>? DecodeGeneric(DecodeContext ctx, PMap map, string path)
    {
        var builder = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach ((string key, PNode value) in map.Entries)
        {
            if (ctx.String(value, FieldPath.Field(path, key)) is { } text)
                builder[key] = text;
        }

        return builder.ToImmutable();
    }
}
