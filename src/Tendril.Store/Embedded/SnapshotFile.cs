namespace Tendril.Store.Embedded;

/// <summary>
/// The snapshot: magic, then one framed body (see <see cref="StoreCodec"/>). Written to a temporary file, flushed to disk and
/// renamed over the old one, then the directory is flushed, so a crash leaves either the old snapshot or the new one.
/// </summary>
internal static class SnapshotFile
{
    /// <summary>The snapshot at <paramref name="path"/>, or null when there is none.</summary>
    /// <exception cref="InvalidDataException">The snapshot is damaged (it is replaced atomically, so this is not a crash).</exception>
    public static Snapshot? Read(string path)
    {
        if (!File.Exists(path))
            return null;
        byte[] bytes = File.ReadAllBytes(path);
        var magic = StoreCodec.SnapshotMagic;
        int bodyStart = magic.Length + StoreCodec.FrameHeaderBytes;
        if (bytes.Length < bodyStart || !bytes.AsSpan(0, magic.Length).SequenceEqual(magic))
            throw Damaged(path, "it does not start with a snapshot header");
        var (length, crc) = StoreCodec.ReadFrameHeader(bytes.AsSpan(magic.Length));
        if (length != bytes.Length - bodyStart)
            throw Damaged(path, $"its header announces {length} bytes but {bytes.Length - bodyStart} follow");
        var body = bytes.AsSpan(bodyStart);
        if (!StoreCodec.CrcMatches(body, crc))
            throw Damaged(path, "CRC mismatch");
        try
        {
            return StoreCodec.DecodeSnapshot(body);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or ArgumentException)
        {
            throw Damaged(path, e.Message);
        }
    }

    public static void Write(string path, Snapshot snapshot)
    {
        byte[] frame = StoreCodec.EncodeSnapshot(snapshot);
        string temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(StoreCodec.SnapshotMagic);
            stream.Write(frame);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
        DirectorySync.Flush(Path.GetDirectoryName(path)!);
    }

    private static InvalidDataException Damaged(string path, string why) =>
        new($"store snapshot {path} is damaged ({why}); restore the directory from a backup, or move it aside to start empty");
}
