using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Tendril.Cni;

/// <summary>The JSON this plugin prints: indented for the people who read runtime logs, quotes and '+' unescaped.</summary>
internal static class CniOutput
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        // Output goes to a runtime, never into HTML, so only what JSON itself requires is escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The text of one JSON document written by <paramref name="write"/>.</summary>
    public static string Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Options))
            write(json);
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>The error result: <c>cniVersion</c>, <c>code</c>, <c>msg</c> and, when there are any, <c>details</c>.</summary>
    public static string Error(CniError error, CniVersion version) => Json(json =>
    {
        json.WriteStartObject();
        json.WriteString("cniVersion", version.ToString());
        json.WriteNumber("code", (int)error.Code);
        json.WriteString("msg", error.Message);
        if (!string.IsNullOrEmpty(error.Details))
            json.WriteString("details", error.Details);
        json.WriteEndObject();
    });

    /// <summary>The VERSION result.</summary>
    public static string Versions(CniVersion version) => Json(json =>
    {
        json.WriteStartObject();
        json.WriteString("cniVersion", version.ToString());
        json.WriteStartArray("supportedVersions");
        foreach (var supported in CniVersion.Supported)
            json.WriteStringValue(supported.ToString());
        json.WriteEndArray();
        json.WriteEndObject();
    });
}
