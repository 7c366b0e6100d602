namespace Tendril.Interop;

/// <summary>Symbolic names of Linux errno values (x86-64 and arm64 share them).</summary>
public static class ErrnoNames
{
    public const int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, E2BIG = 7, EBADF = 9,
        EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17, EXDEV = 18, ENODEV = 19,
        ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ENFILE = 23, EMFILE = 24, ENOSPC = 28, ERANGE = 34,
        ENAMETOOLONG = 36, ENOSYS = 38, ENOTEMPTY = 39, ELOOP = 40, ENOMSG = 42, ENODATA = 61, EPROTO = 71,
        EOVERFLOW = 75, EBADFD = 77, EMSGSIZE = 90, EPROTONOSUPPORT = 93, EOPNOTSUPP = 95, EAFNOSUPPORT = 97,
        EADDRINUSE = 98, EADDRNOTAVAIL = 99, ENETDOWN = 100, ENETUNREACH = 101, ENOBUFS = 105,
        ETIMEDOUT = 110, ECONNREFUSED = 111, EHOSTUNREACH = 113, EALREADY = 114, ENOTSUPP = 524;

    private static readonly Dictionary<int, string> Names = new()
    {
        [EPERM] = "EPERM", [ENOENT] = "ENOENT", [ESRCH] = "ESRCH", [EINTR] = "EINTR", [EIO] = "EIO",
        [ENXIO] = "ENXIO", [E2BIG] = "E2BIG", [EBADF] = "EBADF", [EAGAIN] = "EAGAIN", [ENOMEM] = "ENOMEM",
        [EACCES] = "EACCES", [EFAULT] = "EFAULT", [EBUSY] = "EBUSY", [EEXIST] = "EEXIST", [EXDEV] = "EXDEV",
        [ENODEV] = "ENODEV", [ENOTDIR] = "ENOTDIR", [EISDIR] = "EISDIR", [EINVAL] = "EINVAL",
        [ENFILE] = "ENFILE", [EMFILE] = "EMFILE", [ENOSPC] = "ENOSPC", [ERANGE] = "ERANGE",
        [ENAMETOOLONG] = "ENAMETOOLONG", [ENOSYS] = "ENOSYS", [ENOTEMPTY] = "ENOTEMPTY", [ELOOP] = "ELOOP",
        [ENOMSG] = "ENOMSG", [ENODATA] = "ENODATA", [EPROTO] = "EPROTO", [EOVERFLOW] = "EOVERFLOW",
        [EBADFD] = "EBADFD", [EMSGSIZE] = "EMSGSIZE", [EPROTONOSUPPORT] = "EPROTONOSUPPORT",
        [EOPNOTSUPP] = "EOPNOTSUPP", [EAFNOSUPPORT] = "EAFNOSUPPORT", [EADDRINUSE] = "EADDRINUSE",
        [EADDRNOTAVAIL] = "EADDRNOTAVAIL", [ENETDOWN] = "ENETDOWN", [ENETUNREACH] = "ENETUNREACH",
        [ENOBUFS] = "ENOBUFS", [ETIMEDOUT] = "ETIMEDOUT", [ECONNREFUSED] = "ECONNREFUSED",
        [EHOSTUNREACH] = "EHOSTUNREACH", [EALREADY] = "EALREADY", [ENOTSUPP] = "ENOTSUPP",
    };

    /// <summary>"EEXIST" for 17; "errno 200" for values without a name here.</summary>
    public static string Name(int errno) => Names.TryGetValue(errno, out var name) ? name : $"errno {errno}";
}
