namespace Tendril.Store;

/// <summary>
/// Orders keys by Unicode code point, which is the UTF-8 byte order etcd sorts by. Plain ordinal UTF-16 order differs
/// only in placing supplementary characters (surrogate pairs) before U+E000–U+FFFF; moving surrogates above them fixes that.
/// </summary>
internal sealed class KeyOrder : IComparer<string>
{
    public static KeyOrder Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
            return 0;
        if (x is null)
            return -1;
        if (y is null)
            return 1;
        int length = Math.Min(x.Length, y.Length);
        for (int i = 0; i < length; i++)
        {
            if (x[i] != y[i])
                return Rank(x[i]) - Rank(y[i]);
        }
        return x.Length - y.Length;
    }

    /// <summary>The smallest string greater than every string starting with <paramref name="prefix"/>; null when there is none.</summary>
    public static string? Successor(string prefix)
    {
        for (int i = prefix.Length - 1; i >= 0; i--)
        {
            int rank = Rank(prefix[i]);
            if (rank < 0xFFFF)
                return string.Concat(prefix.AsSpan(0, i), [Unrank(rank + 1)]);
        }
        return null;
    }

    private static int Rank(char c) => c switch
    {
        < '\uD800' => c,
        < '\uE000' => c + 0x2000,
        _ => c - 0x800,
    };

    private static char Unrank(int rank) => (char)(rank switch
    {
        < 0xD800 => rank,
        < 0xF800 => rank + 0x800,
        _ => rank - 0x2000,
    });
}
