using Tendril.Interop;
using Tendril.Interop.LibC;

namespace Tendril.Ebpf.RingBuffer;

/// <summary>
/// Reads a BPF ring buffer (BPF_MAP_TYPE_RINGBUF) through its memory mapping, in pure C#.
/// </summary>
/// <remarks>
/// <para>Layout (kernel/bpf/ringbuf.c): page 0 holds the consumer position (we write it), page 1 the producer
/// position, and the data area follows, mapped twice in a row so a record that wraps is still contiguous. Each
/// record has an 8-byte header (length with BUSY and DISCARD bits, page offset) and is padded to 8 bytes.</para>
/// <para>One consumer at a time: <see cref="Consume{THandler}"/>, <see cref="TryReadInto"/> and
/// <see cref="WaitForData"/> must not run concurrently. <see cref="Wake"/> and the counters may be used from any
/// thread. Dispose only after the consuming thread has stopped.</para>
/// </remarks>
public sealed unsafe class RingBufferReader : IDisposable
{
    private const uint BusyBit = 1u << 31;
    private const uint DiscardBit = 1u << 30;
    private const int HeaderSize = 8;

    private readonly Map _map;
    private readonly SafeFd _epoll;
    private readonly SafeFd _wakeEvent;
    private readonly byte* _consumerPage;
    private readonly byte* _producerPages;
    private readonly nuint _producerLength;
    private readonly byte* _data;
    private readonly ulong _mask;
    private readonly int _pageSize;
    private readonly Func<long>? _kernelLost;
    private long _consumed;
    private long _discarded;
    private long _truncated;
    private bool _disposed;

    private RingBufferReader(Map map, SafeFd epoll, SafeFd wakeEvent, byte* consumerPage, byte* producerPages,
        nuint producerLength, int pageSize, Func<long>? kernelLost)
    {
        _map = map;
        _epoll = epoll;
        _wakeEvent = wakeEvent;
        _consumerPage = consumerPage;
        _producerPages = producerPages;
        _producerLength = producerLength;
        _pageSize = pageSize;
        _data = producerPages + pageSize;
        _mask = (ulong)map.MaxEntries - 1;
        _kernelLost = kernelLost;
    }

    /// <summary>
    /// Maps <paramref name="map"/> for reading. <paramref name="kernelLost"/>, when given, reads the producer's own
    /// count of records it could not reserve (a ring buffer does not count those itself).
    /// The reader does not own the map; keep it alive while reading.
    /// </summary>
    public static RingBufferReader Open(Map map, Func<long>? kernelLost = null)
    {
        if (map.Type != MapType.RingBuffer)
            throw new ArgumentException($"map {map.Name} is a {map.Type} map, not a ring buffer", nameof(map));
        int page = LinuxSystem.PageSize;
        int fd = map.Handle.Fd;
        byte* consumer = (byte*)Mman.mmap(null, (nuint)page, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_SHARED, fd, 0);
        if (consumer == Mman.MAP_FAILED)
            throw LinuxException.FromLastError($"map consumer page of ring buffer {map.Name}");
        nuint producerLength = (nuint)page + 2 * (nuint)map.MaxEntries;
        byte* producer = (byte*)Mman.mmap(null, producerLength, Mman.PROT_READ, Mman.MAP_SHARED, fd, page);
        if (producer == Mman.MAP_FAILED)
        {
            var error = LinuxException.FromLastError($"map data pages of ring buffer {map.Name}");
            Mman.munmap(consumer, (nuint)page);
            throw error;
        }

        SafeFd? epoll = null, wake = null;
        try
        {
            epoll = Check(Epoll.epoll_create1(Epoll.EPOLL_CLOEXEC), "create epoll");
            wake = Check(Epoll.eventfd(0, Epoll.EFD_CLOEXEC | Epoll.EFD_NONBLOCK), "create eventfd");
            var ev = new Epoll.epoll_event { events = Epoll.EPOLLIN, data = 0 };
            if (Epoll.epoll_ctl(epoll.Fd, Epoll.EPOLL_CTL_ADD, fd, &ev) < 0)
                throw LinuxException.FromLastError($"watch ring buffer {map.Name}");
            ev.data = 1;
            if (Epoll.epoll_ctl(epoll.Fd, Epoll.EPOLL_CTL_ADD, wake.Fd, &ev) < 0)
                throw LinuxException.FromLastError("watch eventfd");
        }
        catch
        {
            epoll?.Dispose();
            wake?.Dispose();
            Mman.munmap(consumer, (nuint)page);
            Mman.munmap(producer, producerLength);
            throw;
        }
        return new RingBufferReader(map, epoll, wake, consumer, producer, producerLength, page, kernelLost);
    }

    /// <summary>Records handed out so far.</summary>
    public long Consumed => Interlocked.Read(ref _consumed);

    /// <summary>Records the producer reserved and then discarded.</summary>
    public long Discarded => Interlocked.Read(ref _discarded);

    /// <summary>Records skipped by <see cref="TryReadInto"/> because they did not fit the destination.</summary>
    public long Truncated => Interlocked.Read(ref _truncated);

    /// <summary>Records the producer could not write because the ring was full, if a counter was given.</summary>
    public long KernelLost => _kernelLost?.Invoke() ?? 0;

    /// <summary>Bytes written by the producer and not yet consumed.</summary>
    public long PendingBytes => (long)(ProducerPosition - ConsumerPosition);

    private ulong ConsumerPosition => Volatile.Read(ref *(ulong*)_consumerPage);

    private ulong ProducerPosition => Volatile.Read(ref *(ulong*)_producerPages);

    /// <summary>
    /// Hands every committed record to <paramref name="handler"/> (at most <paramref name="maxRecords"/>) and
    /// releases their space to the producer. Returns the number of records handed out. Never blocks.
    /// </summary>
    public int Consume<THandler>(ref THandler handler, int maxRecords = int.MaxValue)
        where THandler : IRingBufferHandler, allows ref struct
    {
        ulong consumer = ConsumerPosition;
        ulong producer = ProducerPosition;
        int count = 0;
        int discarded = 0;
        while (consumer < producer && count < maxRecords)
        {
            byte* header = _data + (consumer & _mask);
            uint length = Volatile.Read(ref *(uint*)header);
            if ((length & BusyBit) != 0)
                break;
            ulong next = consumer + RecordSpace(length);
            if ((length & DiscardBit) != 0)
            {
                discarded++;
                consumer = next;
                continue;
            }
            bool more = handler.OnRecord(new ReadOnlySpan<byte>(header + HeaderSize, (int)(length & ~(BusyBit | DiscardBit))));
            count++;
            consumer = next;
            // Release each record as soon as it is handled, so a slow handler does not starve the producer.
            Volatile.Write(ref *(ulong*)_consumerPage, consumer);
            if (!more)
                break;
            if (consumer >= producer)
                producer = ProducerPosition;
        }
        Volatile.Write(ref *(ulong*)_consumerPage, consumer);
        if (count > 0)
            Interlocked.Add(ref _consumed, count);
        if (discarded > 0)
            Interlocked.Add(ref _discarded, discarded);
        return count;
    }

    /// <summary>
    /// Copies the next record into <paramref name="destination"/>. Returns false when no committed record is
    /// waiting. A record longer than the destination is skipped and counted in <see cref="Truncated"/>.
    /// </summary>
    public bool TryReadInto(Span<byte> destination, out int length)
    {
        var copier = new CopyOne(destination);
        while (true)
        {
            if (Consume(ref copier, 1) == 0)
            {
                length = 0;
                return false;
            }
            if (copier.Length >= 0)
            {
                length = copier.Length;
                return true;
            }
            Interlocked.Increment(ref _truncated);
            copier = new CopyOne(destination);
        }
    }

    /// <summary>
    /// Waits until records are waiting, <see cref="Wake"/> is called, or the timeout passes (-1 = forever).
    /// Returns true when records are waiting.
    /// </summary>
    public bool WaitForData(int timeoutMs)
    {
        if (PendingBytes > 0)
            return true;
        Epoll.epoll_event* events = stackalloc Epoll.epoll_event[2];
        int n = Epoll.epoll_wait(_epoll.Fd, events, 2, timeoutMs);
        if (n < 0 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() != ErrnoNames.EINTR)
            throw LinuxException.FromLastError($"wait for ring buffer {_map.Name}");
        for (int i = 0; i < n; i++)
        {
            if (events[i].data == 1)
            {
                ulong drained;
                Unistd.read(_wakeEvent.Fd, &drained, sizeof(ulong));
            }
        }
        return PendingBytes > 0;
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> for records and consumes them.</summary>
    public int Poll<THandler>(ref THandler handler, int timeoutMs, int maxRecords = int.MaxValue)
        where THandler : IRingBufferHandler, allows ref struct =>
        WaitForData(timeoutMs) ? Consume(ref handler, maxRecords) : 0;

    /// <summary>Makes a blocked <see cref="WaitForData"/> return, e.g. to shut the reading thread down.</summary>
    public void Wake()
    {
        ulong one = 1;
        Unistd.write(_wakeEvent.Fd, &one, sizeof(ulong));
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        Mman.munmap(_consumerPage, (nuint)_pageSize);
        Mman.munmap(_producerPages, _producerLength);
        _epoll.Dispose();
        _wakeEvent.Dispose();
    }

    private static ulong RecordSpace(uint length) =>
        ((ulong)(length & ~(BusyBit | DiscardBit)) + HeaderSize + 7) & ~7ul;

    private static SafeFd Check(int fd, string operation) =>
        fd >= 0 ? new SafeFd(fd) : throw LinuxException.FromLastError(operation);

    private ref struct CopyOne(Span<byte> destination) : IRingBufferHandler
    {
        private readonly Span<byte> _destination = destination;

        public int Length { get; private set; } = -1;

        public bool OnRecord(ReadOnlySpan<byte> record)
        {
            if (record.Length <= _destination.Length)
            {
                record.CopyTo(_destination);
                Length = record.Length;
            }
            return false;
        }
    }
}
