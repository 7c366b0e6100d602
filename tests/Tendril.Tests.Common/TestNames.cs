using System.Security.Cryptography;

namespace Tendril.Tests.Common;

/// <summary>
/// Unique short names for kernel objects a test creates. Every name starts with "tt" and a per-run token,
/// so parallel or repeated runs never collide and leftovers can be found (<c>ip netns | grep ^tt</c>).
/// Interface names must stay within 15 bytes: <see cref="Link"/> keeps them short.
/// </summary>
public static class TestNames
{
    /// <summary>Per process: "tt" + 4 hex characters.</summary>
    public static readonly string RunPrefix = "tt" + Convert.ToHexString(RandomNumberGenerator.GetBytes(2)).ToLowerInvariant();

    private static int _counter;

    /// <summary>A fresh name: run prefix + a counter + the role, e.g. "tt3fa107ns".</summary>
    public static string Unique(string role)
    {
        int n = Interlocked.Increment(ref _counter);
        return $"{RunPrefix}{n:x2}{role}";
    }

    /// <summary>A fresh interface name of at most 15 bytes.</summary>
    public static string Link(string role)
    {
        string name = Unique(role);
        if (name.Length > 15)
            throw new ArgumentException($"interface name {name} is longer than 15 bytes; use a shorter role", nameof(role));
        return name;
    }
}
