using Tendril.Interop.LibC;

namespace Tendril.Interop;

/// <summary>Facts about the running process and machine.</summary>
public static class LinuxSystem
{
    private static readonly Lazy<int> Page = new(() => (int)Unistd.sysconf(Unistd._SC_PAGESIZE));
    private static readonly Lazy<int> PossibleCpus = new(ReadPossibleCpus);

    /// <summary>True when the effective user is root.</summary>
    public static bool IsRoot => Unistd.geteuid() == 0;

    public static int PageSize => Page.Value;

    /// <summary>
    /// The number of possible CPUs (<c>/sys/devices/system/cpu/possible</c>), which sizes per-CPU map values.
    /// Not <see cref="Environment.ProcessorCount"/>, which counts only CPUs this process may use.
    /// </summary>
    public static int PossibleCpuCount => PossibleCpus.Value;

    /// <summary>The calling OS thread's id.</summary>
    public static int CurrentThreadId => Unistd.gettid();

    /// <summary>The inode of the calling thread's network namespace, e.g. "net:[4026531833]".</summary>
    public static string CurrentNetworkNamespace => new FileInfo("/proc/thread-self/ns/net").LinkTarget ?? "";

    /// <summary>
    /// The index of interface <paramref name="name"/> in the calling thread's network namespace
    /// (run it on a <see cref="Namespaces.NetNsThread"/> for another namespace).
    /// </summary>
    public static int InterfaceIndex(string name)
    {
        uint index = Net.if_nametoindex(name);
        return index != 0 ? (int)index : throw LinuxException.FromLastError($"find interface {name}");
    }

    /// <summary>Parses a kernel CPU list such as "0-3,5" and returns the highest CPU number plus one.</summary>
    public static int ParseCpuListCount(string list)
    {
        int max = -1;
        foreach (var part in list.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var bounds = part.Split('-');
            int last = int.Parse(bounds[^1], System.Globalization.CultureInfo.InvariantCulture);
            max = Math.Max(max, last);
        }
        return max + 1;
    }

    private static int ReadPossibleCpus()
    {
        try
        {
            return ParseCpuListCount(File.ReadAllText("/sys/devices/system/cpu/possible"));
        }
        catch (IOException)
        {
            return Environment.ProcessorCount;
        }
    }
}
