using Tendril.Ebpf.Internal;
using Tendril.Interop;

namespace Tendril.Ebpf;

/// <summary>
/// A loaded, verified BPF program, owning its own fd. Attach it with <see cref="Links.Link"/>; run it on a
/// crafted packet with <see cref="TestRun"/>. Thread-safe.
/// </summary>
public sealed unsafe class Program : IDisposable
{
    private readonly SafeFd _fd;
    private readonly BpfFsPin _pin;

    internal Program(SafeFd fd, ProgramInfo info, string name, string? sectionName, AttachType? expectedAttachType, string? pinPath = null)
    {
        _fd = fd;
        _pin = new BpfFsPin(pinPath);
        Info = info;
        Name = name;
        SectionName = sectionName;
        ExpectedAttachType = expectedAttachType;
    }

    /// <summary>The function name in the object file.</summary>
    public string Name { get; }

    public string? SectionName { get; }

    public ProgramInfo Info { get; }

    public ProgramType Type => Info.Type;

    public AttachType? ExpectedAttachType { get; }

    public SafeFd Handle => _fd;

    public string? PinPath => _pin.Path;

    /// <summary>Opens a program pinned in bpffs.</summary>
    public static Program OpenPinned(string path)
    {
        var handle = BpfFsPin.Open(path, "program");
        var info = ObjectInfo.Program(handle.Fd);
        return new Program(handle, info, info.Name, null, null, path);
    }

    /// <summary>Pins the program in bpffs so it outlives this process.</summary>
    public void Pin(string path) => _pin.Pin(_fd, path, $"program {Name}");

    public void Unpin() => _pin.Unpin();

    /// <summary>
    /// Runs the program in the kernel on <paramref name="packet"/> (BPF_PROG_TEST_RUN) <paramref name="repeat"/> times.
    /// The packet the program leaves behind is copied into <paramref name="packetOut"/> when given.
    /// </summary>
    public TestRunResult TestRun(ReadOnlySpan<byte> packet, Span<byte> packetOut = default, int repeat = 1)
    {
        fixed (byte* input = packet)
        fixed (byte* output = packetOut)
        {
            var opts = new Libbpf.bpf_test_run_opts
            {
                sz = (nuint)sizeof(Libbpf.bpf_test_run_opts),
                data_in = input,
                data_size_in = (uint)packet.Length,
                data_out = packetOut.IsEmpty ? null : output,
                data_size_out = (uint)packetOut.Length,
                repeat = repeat,
            };
            int rc = Libbpf.bpf_prog_test_run_opts(_fd.Fd, &opts);
            if (rc < 0)
                throw LinuxException.FromNegative($"test run of program {Name}", rc);
            return new TestRunResult(opts.retval, (int)opts.data_size_out, TimeSpan.FromTicks(opts.duration / 100));
        }
    }

    public void Dispose() => _fd.Dispose();

    public override string ToString() => $"{Type} program {Name} (id {Info.Id})";
}

/// <summary>
/// The outcome of <see cref="Program.TestRun"/>: the program's return value, the length of the packet it left,
/// and the kernel's average time per run.
/// </summary>
public readonly record struct TestRunResult(uint ReturnValue, int PacketOutLength, TimeSpan AverageDuration);
