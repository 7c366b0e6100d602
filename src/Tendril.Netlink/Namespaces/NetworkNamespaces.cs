using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Text;
using Tendril.Interop;
using Tendril.Interop.LibC;
using Tendril.Netlink.Interop;

namespace Tendril.Netlink.Namespaces;

/// <summary>
/// Named network namespaces, made exactly as <c>ip netns add/delete</c> make them, so <c>ip netns list</c>,
/// <c>ip netns exec</c> and <c>nsenter --net=/var/run/netns/NAME</c> see them: each is a bind mount of a
/// namespace file onto <c>/var/run/netns/NAME</c>, which keeps the namespace alive with no process in it.
/// </summary>
/// <remarks>Thread-safe. Needs CAP_SYS_ADMIN. Namespaces outlive the process: delete what you create.</remarks>
public static class NetworkNamespaces
{
    /// <summary>Where iproute2 keeps named network namespaces.</summary>
    public const string RunDirectory = "/var/run/netns";

    private const int NameMax = 255;

    // Making the directory a shared mount is a check-then-act; two threads doing it at once would stack two bind mounts.
    private static readonly Lock SharedMountSetup = new();

    /// <summary>The namespace file for <paramref name="name"/>: <c>/var/run/netns/NAME</c>.</summary>
    public static string PathOf(string name)
    {
        ValidateName(name);
        return $"{RunDirectory}/{name}";
    }

    /// <summary>True when a namespace file called <paramref name="name"/> exists.</summary>
    public static bool Exists(string name) => File.Exists(PathOf(name));

    /// <summary>The names of all named namespaces, sorted.</summary>
    public static IReadOnlyList<string> List()
    {
        if (!Directory.Exists(RunDirectory))
            return [];
        var names = Directory.GetFiles(RunDirectory).Select(Path.GetFileName).OfType<string>().ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>Creates an empty network namespace (only a down loopback) and returns its path. EEXIST if the name is taken.</summary>
    public static string Create(string name)
    {
        string path = PathOf(name);
        string operation = $"create network namespace {name}";
        EnsureRunDirectory(operation);

        int fd = Fcntl.open(path, Fcntl.O_RDONLY | Fcntl.O_CREAT | Fcntl.O_EXCL | Fcntl.O_CLOEXEC, 0);
        if (fd < 0)
            throw LinuxException.FromLastError($"{operation}: create {path}");
        Unistd.close(fd);

        Exception? failure = null;
        // unshare(2) moves only the calling thread, so do it on a fresh thread that is never reused: it ends right
        // after the bind mount, and the mount alone keeps the namespace alive. Never the thread pool.
        var creator = new Thread(() => failure = UnshareAndBind(path, operation))
        {
            IsBackground = true,
            Name = $"netns create {name}",
        };
        creator.Start();
        creator.Join();
        if (failure is not null)
        {
            Unmount(path);
            FileCalls.unlink(path);
            ExceptionDispatchInfo.Throw(failure);
        }
        return path;
    }

    /// <summary>Deletes a named namespace: detaches its bind mount and removes the file. ENOENT if there is none.</summary>
    /// <remarks>The namespace itself disappears, with its links, once no process, socket or fd still holds it.</remarks>
    public static void Delete(string name)
    {
        string path = PathOf(name);
        // As iproute2: the file may be a leftover that was never mounted, so a failed unmount is not an error.
        Unmount(path);
        if (FileCalls.unlink(path) < 0)
            throw LinuxException.FromLastError($"delete network namespace {name}");
    }

    private static Exception? UnshareAndBind(string path, string operation)
    {
        if (Sched.unshare(Sched.CLONE_NEWNET) < 0)
            return LinuxException.FromLastError($"{operation}: unshare(CLONE_NEWNET)");
        if (Mount.mount("/proc/thread-self/ns/net", path, "none", Mount.MS_BIND, 0) < 0)
            return LinuxException.FromLastError($"{operation}: bind-mount the namespace onto {path}");
        return null;
    }

    /// <summary>
    /// Creates /var/run/netns and makes it a shared mount, so namespaces mounted later also appear in
    /// mount namespaces created from this one. When the directory is not a mount point yet (EINVAL), bind-mount it
    /// onto itself first, as iproute2 does.
    /// </summary>
    private static void EnsureRunDirectory(string operation)
    {
        if (FileCalls.mkdir(RunDirectory, 0x1ED /* 0755 */) < 0 && Marshal.GetLastPInvokeError() != ErrnoNames.EEXIST)
            throw LinuxException.FromLastError($"{operation}: mkdir {RunDirectory}");
        lock (SharedMountSetup)
        {
            bool boundOntoItself = false;
            while (Mount.mount(null, RunDirectory, "none", Mount.MS_SHARED | Mount.MS_REC, 0) < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != ErrnoNames.EINVAL || boundOntoItself)
                    throw new LinuxException($"{operation}: make {RunDirectory} a shared mount", errno);
                if (Mount.mount(RunDirectory, RunDirectory, "none", Mount.MS_BIND | Mount.MS_REC, 0) < 0)
                    throw LinuxException.FromLastError($"{operation}: bind-mount {RunDirectory} onto itself");
                boundOntoItself = true;
            }
        }
    }

    private static void Unmount(string path) => Mount.umount2(path, Mount.MNT_DETACH);

    private static void ValidateName(string name)
    {
        if (string.IsNullOrEmpty(name))
            throw new ArgumentException("a network namespace name must not be empty", nameof(name));
        if (name is "." or ".." || name.Contains('/') || name.Contains('\0'))
            throw new ArgumentException($"'{name}' is not a valid network namespace name: it must be a plain file name", nameof(name));
        if (Encoding.UTF8.GetByteCount(name) > NameMax)
            throw new ArgumentException($"network namespace name '{name}' is longer than {NameMax} bytes", nameof(name));
    }
}
