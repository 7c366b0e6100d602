namespace Tendril.Store.Embedded;

/// <summary>
/// Exclusive ownership of a store directory: an open lock file with <see cref="FileShare.None"/>, which .NET backs with
/// <c>flock(LOCK_EX)</c>, so a second opener (another process, or another store in this one) is refused and a crashed
/// owner's lock vanishes with it. The file holds the owner's pid for whoever investigates. (Setting
/// DOTNET_SYSTEM_IO_DISABLEFILELOCKING turns .NET's flock off, and with it this protection.)
/// </summary>
internal sealed class DirectoryLock : IDisposable
{
    public const string FileName = "LOCK";

    private const int EWOULDBLOCK = 11;

    private readonly FileStream _file;

    private DirectoryLock(FileStream file) => _file = file;

    /// <exception cref="StoreLockedException">Another owner holds the directory.</exception>
    public static DirectoryLock Acquire(string directory)
    {
        string path = Path.Combine(directory, FileName);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
        }
        catch (IOException e) when (e.HResult == EWOULDBLOCK)
        {
            throw new StoreLockedException(directory, path, e);
        }
        try
        {
            file.SetLength(0);
            file.Write(System.Text.Encoding.ASCII.GetBytes($"{Environment.ProcessId}\n"));
        }
        catch
        {
            file.Dispose();
            throw;
        }
        return new DirectoryLock(file);
    }

    public void Dispose() => _file.Dispose();
}
