using Tendril.Interop;
using Tendril.Interop.LibC;

namespace Tendril.Netlink.Namespaces;

/// <summary>Opens a network namespace file as an fd, for IFLA_NET_NS_FD. The caller owns and disposes the handle.</summary>
internal static class NamespaceFile
{
    public static SafeFd Open(string path, string operation)
    {
        int fd = Fcntl.open(path, Fcntl.O_RDONLY | Fcntl.O_CLOEXEC, 0);
        if (fd < 0)
            throw LinuxException.FromLastError($"{operation}: open network namespace {path}");
        return new SafeFd(fd);
    }
}
