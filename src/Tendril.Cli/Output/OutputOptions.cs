using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tendril.Cli.Output;

public enum OutputFormat
{
    Table,
    Json,
}

/// <summary>The <c>-o</c> option every command takes.</summary>
internal static class OutputOptions
{
    public static readonly Option<OutputFormat> Format = new("--output", "-o")
    {
        Description = "Output format: table (for people) or json (for programs)",
        DefaultValueFactory = _ => OutputFormat.Table,
        Recursive = true,
    };

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
    };

    public static void WriteJson<T>(TextWriter writer, T value) => writer.WriteLine(JsonSerializer.Serialize(value, Json));
}
