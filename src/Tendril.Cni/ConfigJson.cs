using System.Text.Json;

namespace Tendril.Cni;

/// <summary>
/// Typed reads of JSON fields that fail with code 7 (invalid network config) naming the field's path, e.g.
/// <c>prevResult.ips[1].address must be a string</c>. A field that is absent or null reads as absent.
/// </summary>
internal static class ConfigJson
{
    public static string Field(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    public static string Item(string path, int index) => $"{path}[{index}]";

    public static CniException Invalid(string message, string? details = null) =>
        new(CniErrorCode.InvalidNetworkConfig, $"invalid network config: {message}", details);

    /// <summary>The field's value when present and not null.</summary>
    public static JsonElement? Optional(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public static string? OptionalString(JsonElement obj, string name, string path)
    {
        if (Optional(obj, name) is not { } value)
            return null;
        if (value.ValueKind != JsonValueKind.String)
            throw Invalid($"{Field(path, name)} must be a string, not {Describe(value)}");
        return value.GetString();
    }

    /// <summary>A string that must be present and not empty.</summary>
    public static string RequiredString(JsonElement obj, string name, string path)
    {
        string? value = OptionalString(obj, name, path);
        if (string.IsNullOrEmpty(value))
            throw Invalid($"{Field(path, name)} is {(value is null ? "missing" : "empty")}");
        return value;
    }

    public static IReadOnlyList<string> OptionalStringList(JsonElement obj, string name, string path)
    {
        if (OptionalArray(obj, name, path) is not { } array)
            return [];
        var items = new List<string>(array.GetArrayLength());
        int index = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
                throw Invalid($"{Item(Field(path, name), index)} must be a string, not {Describe(item)}");
            items.Add(item.GetString()!);
            index++;
        }
        return items;
    }

    public static uint? OptionalUInt(JsonElement obj, string name, string path)
    {
        if (Optional(obj, name) is not { } value)
            return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetUInt32(out uint number))
            throw Invalid($"{Field(path, name)} must be a non-negative integer, not {Describe(value)}");
        return number;
    }

    public static JsonElement? OptionalObject(JsonElement obj, string name, string path)
    {
        if (Optional(obj, name) is not { } value)
            return null;
        if (value.ValueKind != JsonValueKind.Object)
            throw Invalid($"{Field(path, name)} must be an object, not {Describe(value)}");
        return value;
    }

    public static JsonElement? OptionalArray(JsonElement obj, string name, string path)
    {
        if (Optional(obj, name) is not { } value)
            return null;
        if (value.ValueKind != JsonValueKind.Array)
            throw Invalid($"{Field(path, name)} must be a list, not {Describe(value)}");
        return value;
    }

    /// <summary>Requires an object at <paramref name="path"/> (a list item).</summary>
    public static void RequireObject(JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Invalid($"{path} must be an object, not {Describe(value)}");
    }

    /// <summary>What a value is, for messages: <c>the number 3</c>, <c>a list</c>.</summary>
    public static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{value.GetString()}\"",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {value.GetRawText()}",
        JsonValueKind.Array => "a list",
        JsonValueKind.Object => "an object",
        _ => "null",
    };
}
