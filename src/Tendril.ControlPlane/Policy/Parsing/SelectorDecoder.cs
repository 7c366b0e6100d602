using Tendril.ControlPlane.Labels;
using Tendril.ControlPlane.Selectors;

namespace Tendril.ControlPlane.Policy.Parsing;

/// <summary>Decodes <c>{matchLabels, matchExpressions}</c> selectors.</summary>
internal static class SelectorDecoder
{
    private static readonly string[] Fields = ["matchLabels", "matchExpressions"];
    private static readonly string[] ExpressionFields = ["key", "operator", "values"];

    /// <summary>Cilium keys: <c>k8s:app</c>, <c>k8s.app</c>, <c>reserved:host</c>, <c>app</c> (any source).</summary>
    public static SelectorKey CiliumKey(string raw) => SelectorKey.Parse(raw);

    /// <summary>Kubernetes keys: always source <c>k8s</c>, the key taken literally after <paramref name="prefix"/>.</summary>
    public static Func<string, SelectorKey> K8sKey(string prefix = "") => raw => new SelectorKey(LabelSources.K8s, prefix + raw);

    /// <summary>
    /// Decodes a selector; returns null (with errors recorded) when it is invalid, or when it is absent and not
    /// <paramref name="required"/>.
    /// </summary>
    public static LabelSelector? Decode(DecodeContext ctx, PNode? node, string path, Func<string, SelectorKey> keyOf, bool required = true)
    {
        if (node is null or PScalar { IsNull: true })
        {
            if (required)
                ctx.Error(path, node, "a selector is required here; write {} to select everything");
            return null;
        }

        int errorsBefore = ctx.ErrorCount;
        PMap? map = ctx.Map(node, path);
        if (map is null)
            return null;
        ctx.CheckFields(map, path, Fields);

        var requirements = new List<SelectorRequirement>();
        string labelsPath = FieldPath.Field(path, "matchLabels");
        if (ctx.Map(map.Get("matchLabels"), labelsPath) is { } labels)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach ((string key, PNode valueNode) in labels.Entries)
            {
                string keyPath = FieldPath.Field(labelsPath, key);
                if (!seen.Add(key))
                {
                    ctx.Error(keyPath, valueNode, $"label \"{key}\" is given more than once");
                    continue;
                }

                string? value = valueNode is PScalar { IsNull: true } ? "" : ctx.String(valueNode, keyPath);
                if (value is null || !ValidKey(ctx, key, keyPath, valueNode))
                    continue;
                requirements.Add(new SelectorRequirement(keyOf(key), SelectorOperator.In, [value]));
            }
        }

        string exprPath = FieldPath.Field(path, "matchExpressions");
        List<PNode>? expressions = ctx.Seq(map.Get("matchExpressions"), exprPath);
        for (int i = 0; expressions is not null && i < expressions.Count; i++)
        {
            if (DecodeExpression(ctx, expressions[i], FieldPath.Index(exprPath, i), keyOf) is { } requirement)
                requirements.Add(requirement);
        }

        return ctx.ErrorCount == errorsBefore ? new LabelSelector(requirements) : null;
    }

    private static SelectorRequirement? DecodeExpression(DecodeContext ctx, PNode node, string path, Func<string, SelectorKey> keyOf)
    {
        PMap? map = ctx.Map(node, path);
        if (map is null)
        {
            if (node is PScalar { IsNull: true })
                ctx.Error(path, node, "a match expression must be an object {key, operator, values}");
            return null;
        }

        ctx.CheckFields(map, path, ExpressionFields);
        string? key = ctx.String(map.Get("key"), FieldPath.Field(path, "key"));
        string? opText = ctx.String(map.Get("operator"), FieldPath.Field(path, "operator"));
        List<string>? values = ctx.Strings(map.Get("values"), FieldPath.Field(path, "values"));
        if (key is null)
        {
            ctx.Error(FieldPath.Field(path, "key"), map, "missing required field \"key\"");
            return null;
        }

        if (!ValidKey(ctx, key, FieldPath.Field(path, "key"), map.Get("key")))
            return null;

        if (opText is null)
        {
            ctx.Error(FieldPath.Field(path, "operator"), map, "missing required field \"operator\" (In, NotIn, Exists or DoesNotExist)");
            return null;
        }

        if (!Enum.TryParse(opText, ignoreCase: false, out SelectorOperator op) || !Enum.IsDefined(op) || opText.Any(char.IsDigit))
        {
            ctx.Error(FieldPath.Field(path, "operator"), map.Get("operator"),
                $"operator \"{opText}\" is not valid: use In, NotIn, Exists or DoesNotExist (case-sensitive)");
            return null;
        }

        bool needsValues = op is SelectorOperator.In or SelectorOperator.NotIn;
        if (needsValues && (values is null || values.Count == 0))
        {
            ctx.Error(FieldPath.Field(path, "values"), map, $"operator {op} needs a non-empty \"values\" list");
            return null;
        }

        if (!needsValues && values is { Count: > 0 })
        {
            ctx.Error(FieldPath.Field(path, "values"), map.Get("values"), $"operator {op} takes no values; remove \"values\"");
            return null;
        }

        return new SelectorRequirement(keyOf(key), op, values);
    }

    private static bool ValidKey(DecodeContext ctx, string key, string path, PNode? node)
    {
        if (key.Length == 0 || key.EndsWith(':') || key == "$")
        {
            ctx.Error(path, node, $"label key \"{key}\" is empty");
            return false;
        }

        if (key.Any(char.IsWhiteSpace))
        {
            ctx.Error(path, node, $"label key \"{key}\" contains whitespace");
            return false;
        }

        return true;
    }
}
