using System.Diagnostics;

namespace Tendril.Tests.Common;

/// <summary>Tracepoint links find tracepoint ids in tracefs, which this machine does not mount at boot.</summary>
public static class Tracefs
{
    public static void EnsureMounted()
    {
        if (Directory.Exists("/sys/kernel/tracing/events"))
            return;
        using var mount = Process.Start("mount", ["-t", "tracefs", "nodev", "/sys/kernel/tracing"]);
        mount.WaitForExit();
        if (!Directory.Exists("/sys/kernel/tracing/events"))
            throw new InvalidOperationException("could not mount tracefs at /sys/kernel/tracing");
    }
}
