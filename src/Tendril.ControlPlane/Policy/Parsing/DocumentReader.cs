using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Tendril.ControlPlane.Policy.Parsing;

/// <summary>Reads the text of an import into document trees: multi-document YAML, or JSON (object or array).</summary>
internal static class DocumentReader
{
    /// <summary>The documents (empty YAML documents are skipped but keep their index), or a syntax error.</summary>
    public static List<(int Index, PNode Root)> Read(string text, List<PolicyError> errors)
    {
        string trimmed = text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
        {
            if (TryReadJson(text, out List<(int, PNode)>? json, out PolicyError? jsonError))
                return json;
            if (LooksLikeJson(trimmed))
            {
                errors.Add(jsonError);
                return [];
            }

            // JSON-looking text may still be YAML flow style ({kind: X}); fall back before blaming the JSON.
            var yamlErrors = new List<PolicyError>();
            List<(int, PNode)> yaml = ReadYaml(text, yamlErrors);
            if (yamlErrors.Count == 0)
                return yaml;
            errors.Add(jsonError);
            return [];
        }

        return ReadYaml(text, errors);
    }

    // {"kind": …} or [{"kind": …}] is JSON; {kind: …} is YAML flow style.
    private static bool LooksLikeJson(string trimmed)
    {
        foreach (char c in trimmed)
        {
            if (c is '{' or '[' || char.IsWhiteSpace(c))
                continue;
            return c is '"' or '}' or ']';
        }

        return true;
    }

    private static bool TryReadJson(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out List<(int, PNode)>? documents,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out PolicyError? error)
    {
        documents = null;
        try
        {
            using JsonDocument doc = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Disallow });
            documents = [];
            if (doc.RootElement.ValueKind == JsonValueKind.Array)
            {
                int i = 0;
                foreach (JsonElement item in doc.RootElement.EnumerateArray())
                    documents.Add((i++, Convert(item)));
            }
            else
            {
                documents.Add((0, Convert(doc.RootElement)));
            }

            error = null;
            return true;
        }
        catch (JsonException e)
        {
            int? line = e.LineNumber is { } l ? (int)l + 1 : null;
            error = new PolicyError(0, "", $"invalid JSON: {FirstSentence(e.Message)}", line);
            return false;
        }
    }

    private static PNode Convert(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => ConvertObject(e),
        JsonValueKind.Array => ConvertArray(e),
        JsonValueKind.String => new PScalar { Value = e.GetString(), Quoted = true },
        JsonValueKind.Null or JsonValueKind.Undefined => new PScalar { Value = null },
        _ => new PScalar { Value = e.GetRawText(), Quoted = false },
    };

    private static PMap ConvertObject(JsonElement e)
    {
        var map = new PMap();
        foreach (JsonProperty p in e.EnumerateObject())
            map.Entries.Add(new(p.Name, Convert(p.Value)));
        return map;
    }

    private static PSeq ConvertArray(JsonElement e)
    {
        var seq = new PSeq();
        foreach (JsonElement item in e.EnumerateArray())
            seq.Items.Add(Convert(item));
        return seq;
    }

    private static List<(int, PNode)> ReadYaml(string text, List<PolicyError> errors)
    {
        var stream = new YamlStream();
        var parser = new Parser(new StringReader(text));
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            int line = (int)e.Start.Line;
            string reason = FirstSentence(e.InnerException?.Message ?? e.Message);
            errors.Add(new PolicyError(DocumentIndexAtLine(text, line), "", $"invalid YAML: {reason}", line));
            return [];
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException)
        {
            // YamlDotNet occasionally fails without a position; the last event it produced is close to the fault.
            int line = (int)(parser.Current?.End.Line ?? 1);
            errors.Add(new PolicyError(DocumentIndexAtLine(text, line), "", "invalid YAML: the document is not well-formed (check brackets, quotes and indentation)", line));
            return [];
        }

        var documents = new List<(int, PNode)>();
        for (int i = 0; i < stream.Documents.Count; i++)
        {
            YamlNode root = stream.Documents[i].RootNode;
            if (root is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } s && IsNullPlain(s.Value))
                continue;
            documents.Add((i, Convert(root)));
        }

        return documents;
    }

    private static PNode Convert(YamlNode node)
    {
        int line = (int)node.Start.Line;
        switch (node)
        {
            case YamlMappingNode m:
                var map = new PMap { Line = line };
                foreach ((YamlNode key, YamlNode value) in m.Children)
                {
                    string name = key is YamlScalarNode k ? k.Value ?? "" : key.ToString();
                    map.Entries.Add(new(name, Convert(value)));
                }

                return map;
            case YamlSequenceNode s:
                var seq = new PSeq { Line = line };
                foreach (YamlNode item in s.Children)
                    seq.Items.Add(Convert(item));
                return seq;
            case YamlScalarNode sc:
                bool plain = sc.Style is YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.Any;
                return new PScalar { Value = plain && IsNullPlain(sc.Value) ? null : sc.Value ?? "", Quoted = !plain, Line = line };
            default:
                return new PScalar { Value = null, Line = line };
        }
    }

    private static bool IsNullPlain(string? value) => value is null or "" or "~" or "null" or "Null" or "NULL";

    // YamlDotNet fails the whole stream; find which document the failing line is in by counting separators.
    private static int DocumentIndexAtLine(string text, int line)
    {
        int index = 0;
        bool seenAnything = false;
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length && i < line - 1; i++)
        {
            string l = lines[i].TrimEnd('\r');
            if (l.StartsWith("---", StringComparison.Ordinal))
            {
                if (seenAnything)
                    index++;
                seenAnything = true;
            }
            else if (l.Trim().Length > 0 && !l.TrimStart().StartsWith('#'))
            {
                seenAnything = true;
            }
        }

        return index;
    }

    private static string FirstSentence(string message)
    {
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).Trim();
    }
}
