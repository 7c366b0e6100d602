using System.Diagnostics;
using Tendril.Netlink.Namespaces;
using Tendril.Tests.Common;
using Xunit;

namespace Tendril.Netlink.PrivilegedTests;

/// <summary>
/// A network namespace made for one test, with an rtnetlink connection inside it. Dispose closes the connection
/// and deletes the namespace, which takes every link, address, route and neighbour made in it along.
/// </summary>
internal sealed class TestNamespace : IDisposable
{
    private TestNamespace(string name, string path, IRtNetlink netlink)
    {
        Name = name;
        Path = path;
        Netlink = netlink;
    }

    public string Name { get; }

    public string Path { get; }

    public IRtNetlink Netlink { get; }

    public static TestNamespace Create(string role = "ns")
    {
        string name = TestNames.Unique(role);
        string path = NetworkNamespaces.Create(name);
        try
        {
            return new TestNamespace(name, path, RtNetlink.OpenIn(path));
        }
        catch
        {
            NetworkNamespaces.Delete(name);
            throw;
        }
    }

    public void Dispose()
    {
        Netlink.Dispose();
        if (NetworkNamespaces.Exists(Name))
            NetworkNamespaces.Delete(Name);
    }
}

/// <summary>Runs iproute2 to cross-check what the library did. Tests only: the library itself never shells out.</summary>
internal static class Ip
{
    public static string Run(params string[] arguments)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start ip");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"ip {string.Join(' ', arguments)} exited with {process.ExitCode}: {error.Result}");
        return output.Result;
    }
}
