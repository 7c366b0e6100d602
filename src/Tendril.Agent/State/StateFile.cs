using System.Text.Json;

namespace Tendril.Agent.State;

/// <summary>
/// A JSON document kept crash-safe: written to a temporary file, flushed to disk, then renamed over the old one,
/// so a reader (or the agent after a crash) sees either the old or the new state, never half of one.
/// </summary>
public sealed class StateFile<T>(string path, JsonSerializerOptions json) where T : class
{
    public string Path { get; } = path;

    public T? Load()
    {
        if (!File.Exists(Path))
            return null;
        using var stream = File.OpenRead(Path);
        return JsonSerializer.Deserialize<T>(stream, json)
            ?? throw new InvalidDataException($"state file {Path} is empty");
    }

    public void Save(T value)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        string temporary = Path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, value, json);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, Path, overwrite: true);
    }
}
