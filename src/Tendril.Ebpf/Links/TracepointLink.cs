using System.Globalization;
using Tendril.Interop;
using Tendril.Interop.LibC;

namespace Tendril.Ebpf.Links;

public static partial class Link
{
    private static readonly string[] TracefsRoots = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"];

    /// <summary>
    /// Attaches a tracepoint program (e.g. sched/sched_process_exec) through a perf-event BPF link. The tracepoint's
    /// id comes from tracefs, which must be mounted (<c>mount -t tracefs nodev /sys/kernel/tracing</c>).
    /// </summary>
    public static unsafe ILink AttachTracepoint(Program program, string category, string name)
    {
        RequireType(program, "a tracepoint", ProgramType.Tracepoint);
        string what = $"tracepoint {category}/{name}";
        string? idFile = TracefsRoots.Select(root => Path.Combine(root, "events", category, name, "id")).FirstOrDefault(File.Exists);
        if (idFile is null)
        {
            bool mounted = TracefsRoots.Any(root => Directory.Exists(Path.Combine(root, "events")));
            throw new FileNotFoundException(mounted
                ? $"{what} does not exist in this kernel"
                : $"tracefs is not mounted, so {what} cannot be found; mount it with: mount -t tracefs nodev /sys/kernel/tracing");
        }
        ulong id = ulong.Parse(File.ReadAllText(idFile).Trim(), CultureInfo.InvariantCulture);

        // struct perf_event_attr, PERF_ATTR_SIZE_VER0 (64 bytes): type, size, config, sample_period ... wakeup_events.
        byte* attr = stackalloc byte[64];
        new Span<byte>(attr, 64).Clear();
        *(uint*)attr = 2; // PERF_TYPE_TRACEPOINT
        *(uint*)(attr + 4) = 64;
        *(ulong*)(attr + 8) = id;
        *(ulong*)(attr + 16) = 1;
        *(uint*)(attr + 48) = 1;
        const long PERF_FLAG_FD_CLOEXEC = 8;
        long pfd = Syscall.syscall5(Syscall.SYS_perf_event_open, attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
        if (pfd < 0)
            throw LinuxException.FromLastError($"open perf event for {what}");
        // The link holds its own reference to the perf event, so ours can go.
        using var perfEvent = new SafeFd((int)pfd);
        return FdLink.Create(program, (uint)perfEvent.Fd, AttachType.PerfEvent, 0, 0, 0, $"attach program {program.Name} to {what}");
    }
}
