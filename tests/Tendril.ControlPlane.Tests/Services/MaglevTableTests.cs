using Tendril.ControlPlane.Services.Maglev;

namespace Tendril.ControlPlane.Tests.Services;

public class MaglevTableTests
{
    private const int M = 16381;
    private static readonly ulong Seed = MaglevTable.SeedFrom(MaglevTable.DefaultSeed);

    private static List<MaglevBackend> Backends(int n) =>
        [.. Enumerable.Range(1, n).Select(i => new MaglevBackend($"10.0.0.{i}:8080/TCP"))];

    // Entries whose backend (by name) differs between two tables.
    private static double ChangedFraction(int[] a, List<MaglevBackend> aBackends, int[] b, List<MaglevBackend> bBackends)
    {
        int changed = 0;
        for (int i = 0; i < a.Length; i++)
        {
            if (aBackends[a[i]].Name != bBackends[b[i]].Name)
                changed++;
        }

        return (double)changed / a.Length;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(10)]
    [InlineData(100)]
    public void Build_EqualWeights_EveryEntryFilledAndShareNearEqual(int n)
    {
        int[] table = MaglevTable.Build(Backends(n), M, Seed);
        Assert.Equal(M, table.Length);
        Assert.All(table, e => Assert.InRange(e, 0, n - 1));
        int[] counts = new int[n];
        foreach (int e in table)
            counts[e]++;
        double ideal = (double)M / n;

        // Maglev's population gives every backend within one "round" of the others: ±1 % of M/N at worst in the paper.
        Assert.All(counts, c => Assert.InRange(c, ideal * 0.97 - 1, ideal * 1.03 + 1));
    }

    [Fact]
    public void Build_SameInput_SameTable()
    {
        Assert.Equal(MaglevTable.Build(Backends(7), M, Seed), MaglevTable.Build(Backends(7), M, Seed));
        Assert.NotEqual(MaglevTable.Build(Backends(7), M, Seed), MaglevTable.Build(Backends(7), M, Seed + 1));
    }

    [Theory]
    [InlineData(5)]
    [InlineData(10)]
    [InlineData(50)]
    public void Build_OneBackendRemoved_AboutOneNthOfEntriesMove(int n)
    {
        List<MaglevBackend> all = Backends(n);
        int[] before = MaglevTable.Build(all, M, Seed);
        for (int removed = 0; removed < n; removed += Math.Max(1, n / 5))
        {
            List<MaglevBackend> fewer = [.. all.Where((_, i) => i != removed)];
            int[] after = MaglevTable.Build(fewer, M, Seed);
            double changed = ChangedFraction(before, all, after, fewer);
            Assert.True(changed <= 1.0 / n + 0.02, $"removing backend {removed} of {n} moved {changed:P2} of the entries");

            // Adding it back restores the original table exactly (deterministic), moving the same share again.
            Assert.Equal(before, MaglevTable.Build(all, M, Seed));
            Assert.True(ChangedFraction(after, fewer, before, all) <= 1.0 / n + 0.02);
        }
    }

    [Fact]
    public void Build_OneBackendAdded_AboutOneNthOfEntriesMove()
    {
        List<MaglevBackend> ten = Backends(10);
        List<MaglevBackend> eleven = [.. ten, new MaglevBackend("10.0.0.99:8080/TCP")];
        double changed = ChangedFraction(MaglevTable.Build(ten, M, Seed), ten, MaglevTable.Build(eleven, M, Seed), eleven);
        Assert.True(changed <= 1.0 / 11 + 0.02, $"adding a backend moved {changed:P2}");
    }

    [Fact]
    public void Build_Weights_SharesProportional()
    {
        List<MaglevBackend> backends = [new("a", 1), new("b", 3), new("c", 0)];
        int[] table = MaglevTable.Build(backends, M, Seed);
        int a = table.Count(e => e == 0), b = table.Count(e => e == 1);
        Assert.Equal(0, table.Count(e => e == 2));
        Assert.InRange((double)b / a, 2.9, 3.1);
    }

    [Theory]
    [InlineData(16380, "must be a prime")]
    [InlineData(1, "must be a prime")]
    [InlineData(3, "smaller than the 5 backends")]
    public void Build_BadTableSize_ClearError(int size, string reason)
    {
        var ex = Assert.Throws<ArgumentException>(() => MaglevTable.Build(Backends(5), size, Seed));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_DuplicateNamesOrNoWeight_Rejected()
    {
        Assert.Throws<ArgumentException>(() => MaglevTable.Build([new("a"), new("a")], 251, Seed));
        Assert.Throws<ArgumentException>(() => MaglevTable.Build([new("a", 0)], 251, Seed));
        Assert.Throws<ArgumentException>(() => MaglevTable.Build([], 251, Seed));
    }

    [Fact]
    public void IsPrime_KnownValues()
    {
        Assert.All(MaglevTable.RecommendedSizes, n => Assert.True(MaglevTable.IsPrime(n)));
        Assert.False(MaglevTable.IsPrime(16383));
        Assert.False(MaglevTable.IsPrime(0));
    }
}
