namespace Tendril.Cli.Observe;

/// <summary>
/// Aligns rows into columns like Go's tabwriter as the hubble CLI configures it (padding 3, minimum width 2): every
/// cell but the last of a row is padded to its column's width. Rows are buffered until <see cref="Flush"/>; column
/// widths only grow, so rows flushed one at a time while following stay aligned with earlier ones.
/// Not thread-safe; owned by one printer and does not own the writer.
/// </summary>
internal sealed class TableWriter(TextWriter writer)
{
    private const int Padding = 3;
    private const int MinWidth = 2;

    private readonly List<string[]> _pending = [];
    private int[] _widths = [];

    public void AddRow(params string[] cells) => _pending.Add(cells);

    /// <summary>Writes the buffered rows.</summary>
    public void Flush()
    {
        foreach (var row in _pending)
        {
            if (row.Length - 1 > _widths.Length)
                Array.Resize(ref _widths, row.Length - 1);
            for (int i = 0; i < row.Length - 1; i++)
                _widths[i] = Math.Max(_widths[i], Math.Max(MinWidth, row[i].Length + Padding));
        }
        foreach (var row in _pending)
        {
            for (int i = 0; i < row.Length - 1; i++)
                writer.Write(row[i].PadRight(_widths[i]));
            writer.WriteLine(row.Length > 0 ? row[^1] : "");
        }
        _pending.Clear();
        writer.Flush();
    }
}
