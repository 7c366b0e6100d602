using System.Text.Encodings.Web;
using System.Text.Json;
using Google.Protobuf;

namespace Tendril.Cli.Observe;

/// <summary>
/// Proto3 JSON on one line with the original .proto field names (<c>"IP"</c>, <c>"l4"</c>, <c>"Type"</c>,
/// <c>"node_name"</c>) and enum names, as <c>hubble observe -o json</c> prints it. Thread-safe.
/// </summary>
internal static class ProtoJson
{
    private static readonly JsonFormatter Formatter = new(new JsonFormatter.Settings(false).WithPreserveProtoFieldNames(true));

    private static readonly JsonWriterOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };

    /// <summary>The message as a single line of JSON, without the spaces Google.Protobuf puts between tokens.</summary>
    public static string Format(IMessage message)
    {
        using var document = JsonDocument.Parse(Formatter.Format(message));
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Compact))
            document.WriteTo(json);
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
