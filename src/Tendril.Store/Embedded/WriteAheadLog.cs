namespace Tendril.Store.Embedded;

/// <summary>
/// The append-only log of committed records. An append returns only after the record is on disk (fsync); a failed append
/// is cut off again so that later records never follow a torn one. Owns its file; not thread-safe (the store serialises).
/// </summary>
internal sealed class WriteAheadLog : IDisposable
{
    private readonly FileStream _stream;
    private long _length;
    private bool _faulted;

    private WriteAheadLog(string path, FileStream stream, long length)
    {
        Path = path;
        _stream = stream;
        _length = length;
    }

    public string Path { get; }

    public long Length => _length;

    /// <summary>
    /// Opens (or creates) the log and reads its records. Reading stops at the first record that is cut short, fails its CRC or
    /// has an impossible length; from there to the end is copied aside, cut off, and reported in <paramref name="dropped"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">A record passed its CRC but cannot be decoded (written by another format).</exception>
    public static WriteAheadLog Open(string path, List<LogRecord> records, out DroppedLogTail? dropped)
    {
        bool created = !File.Exists(path);
        // Unbuffered: a failed append must not leave bytes in a buffer that a later flush would write after all.
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        try
        {
            if (created)
                DirectorySync.Flush(System.IO.Path.GetDirectoryName(path)!);
            (long valid, string? reason) = ReadRecords(stream, path, records);
            dropped = null;
            if (reason is not null)
            {
                long bytes = stream.Length - valid;
                string copy = $"{path}.dropped-{valid}";
                CopyTail(stream, valid, copy);
                stream.SetLength(valid);
                stream.Flush(flushToDisk: true);
                dropped = new DroppedLogTail(valid, bytes, reason, copy);
            }
            stream.Position = valid;
            return new WriteAheadLog(path, stream, valid);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Appends one framed record and waits until it is on disk.</summary>
    public void Append(byte[] frame)
    {
        if (_faulted)
            throw new IOException($"store log {Path} is unusable since an earlier write failed and could not be undone; reopen the store");
        try
        {
            _stream.Write(frame);
            _stream.Flush(flushToDisk: true);
            _length += frame.Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try
            {
                _stream.SetLength(_length);
                _stream.Position = _length;
                _stream.Flush(flushToDisk: true);
            }
            catch (IOException)
            {
                _faulted = true;
            }
            throw new IOException($"append to store log {Path} failed, nothing was committed: {e.Message}", e);
        }
    }

    /// <summary>Empties the log once a snapshot holds everything in it.</summary>
    public void Reset()
    {
        _stream.SetLength(0);
        _length = 0;
        _stream.Position = 0;
        _stream.Flush(flushToDisk: true);
    }

    public void Dispose() => _stream.Dispose();

    private static (long Valid, string? Reason) ReadRecords(FileStream stream, string path, List<LogRecord> records)
    {
        Span<byte> header = stackalloc byte[StoreCodec.FrameHeaderBytes];
        byte[] payload = [];
        long offset = 0;
        long end = stream.Length;
        stream.Position = 0;
        while (offset < end)
        {
            int got = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
            if (got < header.Length)
                return (offset, $"record header cut short ({got} of {header.Length} bytes)");
            var (length, crc) = StoreCodec.ReadFrameHeader(header);
            if (length <= 0 || length > StoreCodec.MaxPayloadBytes)
                return (offset, $"impossible record length {length}");
            if (payload.Length < length)
                payload = new byte[Math.Max(length, payload.Length * 2)];
            got = stream.ReadAtLeast(payload.AsSpan(0, length), length, throwOnEndOfStream: false);
            if (got < length)
                return (offset, $"record cut short ({got} of {length} bytes)");
            var body = payload.AsSpan(0, length);
            if (!StoreCodec.CrcMatches(body, crc))
                return (offset, "CRC mismatch");
            try
            {
                records.Add(StoreCodec.DecodeRecord(body));
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException or ArgumentException)
            {
                throw new InvalidDataException($"store log {path}: the record at offset {offset} passed its CRC but cannot be read: {e.Message}. " +
                    "It was written by an incompatible build; open the directory with that build, or move it aside to start empty", e);
            }
            offset += header.Length + length;
        }
        return (offset, null);
    }

    private static void CopyTail(FileStream stream, long from, string copyPath)
    {
        stream.Position = from;
        using var copy = new FileStream(copyPath, FileMode.Create, FileAccess.Write, FileShare.None);
        stream.CopyTo(copy);
        copy.Flush(flushToDisk: true);
    }
}
