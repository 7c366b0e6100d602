using System.Collections.Concurrent;
using System.Reflection;
using Google.Protobuf.Reflection;

namespace Tendril.Hubble.Api;

/// <summary>
/// The .proto names of generated enum members (<c>INGRESS</c>, <c>HUBBLE_RING_BUFFER</c>), which is what the hubble
/// CLI prints and accepts, rather than the C# member names. Thread-safe; names are cached per enum type.
/// </summary>
public static class ProtoEnum
{
    private static readonly ConcurrentDictionary<Type, (string Name, int Number)[]> Members = new();

    /// <summary>The proto name of <paramref name="value"/>, or its number when it has none.</summary>
    public static string Name<T>(T value) where T : struct, Enum
    {
        int number = Convert.ToInt32(value);
        foreach (var (name, n) in MembersOf<T>())
        {
            if (n == number)
                return name;
        }
        return number.ToString();
    }

    /// <summary>Every proto name of <typeparamref name="T"/> except the zero ("unknown") value.</summary>
    public static IEnumerable<string> NonZeroNames<T>() where T : struct, Enum =>
        MembersOf<T>().Where(m => m.Number != 0).Select(m => m.Name);

    /// <summary>Parses a proto name, ignoring case; the zero value is not accepted.</summary>
    public static bool TryParse<T>(string text, out T value) where T : struct, Enum
    {
        foreach (var (name, number) in MembersOf<T>())
        {
            if (number != 0 && string.Equals(name, text, StringComparison.OrdinalIgnoreCase))
            {
                value = (T)Enum.ToObject(typeof(T), number);
                return true;
            }
        }
        value = default;
        return false;
    }

    private static (string Name, int Number)[] MembersOf<T>() where T : struct, Enum =>
        Members.GetOrAdd(typeof(T), static type => type.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (f.GetCustomAttribute<OriginalNameAttribute>()?.Name ?? f.Name, Convert.ToInt32(f.GetValue(null))))
            .ToArray());
}
