using Tendril.Interop;
using Xunit;

namespace Tendril.Tests.Common;

/// <summary>
/// A test that needs root (CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN) and the real kernel. It skips, saying why,
/// only when the process is not root; CI runs as root, so there it always runs.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PrivilegedFactAttribute : FactAttribute
{
    public const string NotRootReason = "needs root (CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN) and a real kernel; run the suite as root";

    public PrivilegedFactAttribute()
    {
        if (!LinuxSystem.IsRoot)
            Skip = NotRootReason;
    }
}

/// <summary>The theory counterpart of <see cref="PrivilegedFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PrivilegedTheoryAttribute : TheoryAttribute
{
    public PrivilegedTheoryAttribute()
    {
        if (!LinuxSystem.IsRoot)
            Skip = PrivilegedFactAttribute.NotRootReason;
    }
}
