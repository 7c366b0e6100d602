using System.Runtime.InteropServices;

namespace Tendril.Interop;

/// <summary>
/// A failed system call, carrying the errno and the operation that failed:
/// <c>add veth lxc12: EEXIST (File exists)</c>.
/// </summary>
public class LinuxException : IOException
{
    public LinuxException(string operation, int errno, string? hint = null)
        : base(Format(operation, errno, hint))
    {
        Operation = operation;
        Errno = errno;
        HResult = errno;
    }

    /// <summary>What was being done, naming the object: <c>attach tcx to lxc12</c>.</summary>
    public string Operation { get; }

    /// <summary>The positive errno value.</summary>
    public int Errno { get; }

    /// <summary>Builds the exception from the errno the last P/Invoke left behind.</summary>
    public static LinuxException FromLastError(string operation, string? hint = null) =>
        new(operation, Marshal.GetLastPInvokeError(), hint);

    /// <summary>Builds the exception from a negative-errno return value (libbpf, netlink acks).</summary>
    public static LinuxException FromNegative(string operation, int negativeErrno, string? hint = null) =>
        new(operation, -negativeErrno, hint);

    private static string Format(string operation, int errno, string? hint)
    {
        string text = $"{operation}: {ErrnoNames.Name(errno)} ({Marshal.GetPInvokeErrorMessage(errno)})";
        return hint is null ? text : $"{text}. {hint}";
    }
}

/// <summary>Thrown when the running kernel lacks a feature Tendril needs. Tests skip on it only when the kernel really predates the feature.</summary>
public sealed class NotSupportedByKernelException : NotSupportedException
{
    public NotSupportedByKernelException(string feature, string minimumKernel, string? detail = null)
        : base($"{feature} is not supported by this kernel (needs Linux {minimumKernel} or later){(detail is null ? "" : ": " + detail)}")
    {
        Feature = feature;
        MinimumKernel = minimumKernel;
    }

    public string Feature { get; }

    public string MinimumKernel { get; }
}
