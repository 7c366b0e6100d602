using System.Collections;
using System.Collections.Immutable;
using System.Text;

namespace Tendril.ControlPlane.Labels;

/// <summary>
/// An immutable set of labels, sorted by key then source (ordinal). At most one label per (source, key).
/// Two sets are equal when their canonical strings are equal. Thread-safe (immutable).
/// </summary>
public sealed class LabelSet : IReadOnlyList<Label>, IEquatable<LabelSet>
{
    private readonly ImmutableArray<Label> _labels;
    private string? _canonical;

    private LabelSet(ImmutableArray<Label> sorted) => _labels = sorted;

    /// <summary>The empty set.</summary>
    public static LabelSet Empty { get; } = new([]);

    /// <summary>Builds a set; throws when two labels share source and key but differ in value.</summary>
    public static LabelSet Of(IEnumerable<Label> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var sorted = labels.ToList();
        sorted.Sort();
        var builder = ImmutableArray.CreateBuilder<Label>(sorted.Count);
        foreach (Label label in sorted)
        {
            if (builder.Count > 0)
            {
                Label last = builder[^1];
                if (last.Key == label.Key && last.Source == label.Source)
                {
                    if (last.Value == label.Value)
                        continue;
                    throw new ArgumentException($"labels {last} and {label} give the same key two values", nameof(labels));
                }
            }

            builder.Add(label);
        }

        return builder.Count == 0 ? Empty : new LabelSet(builder.ToImmutable());
    }

    /// <summary>Builds a set from labels.</summary>
    public static LabelSet Of(params Label[] labels) => Of((IEnumerable<Label>)labels);

    /// <summary>Parses labels given as text (see <see cref="Label.Parse"/>), e.g. <c>app=web</c>, <c>reserved:host</c>.</summary>
    public static LabelSet Parse(IEnumerable<string> labels, string defaultSource = LabelSources.K8s) =>
        Of(labels.Select(l => Label.Parse(l, defaultSource)));

    /// <summary>Parses the canonical form <c>source:key=value;source:key=value;</c> (as stored in the kvstore).</summary>
    public static LabelSet ParseCanonical(string canonical)
    {
        ArgumentNullException.ThrowIfNull(canonical);
        var labels = new List<Label>();
        foreach (string part in canonical.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!part.Contains(':', StringComparison.Ordinal))
                throw new FormatException($"canonical label \"{part}\" has no source");
            labels.Add(Label.Parse(part));
        }

        return Of(labels);
    }

    /// <summary>Number of labels.</summary>
    public int Count => _labels.Length;

    /// <summary>The label at <paramref name="index"/> in canonical order.</summary>
    public Label this[int index] => _labels[index];

    /// <summary>
    /// Cilium's canonical serialization: every label as <c>source:key=value;</c> in key order, e.g.
    /// <c>k8s:app=web;k8s:io.kubernetes.pod.namespace=default;</c>. Used as identity key; must never change.
    /// </summary>
    public string Canonical => _canonical ??= BuildCanonical();

    /// <summary>True when a label with exactly this source, key and value is present.</summary>
    public bool Contains(Label label)
    {
        ArgumentNullException.ThrowIfNull(label);
        foreach (Label l in WithKey(label.Key))
        {
            if (l.Source == label.Source && l.Value == label.Value)
                return true;
        }

        return false;
    }

    /// <summary>True when every label of <paramref name="other"/> is in this set.</summary>
    public bool ContainsAll(LabelSet other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return other.All(Contains);
    }

    /// <summary>True when a label with this source and key exists.</summary>
    public bool Has(string source, string key)
    {
        foreach (Label l in WithKey(key))
        {
            if (l.Source == source)
                return true;
        }

        return false;
    }

    /// <summary>The value of <c>source:key</c>, if present.</summary>
    public string? ValueOf(string source, string key)
    {
        foreach (Label l in WithKey(key))
        {
            if (l.Source == source)
                return l.Value;
        }

        return null;
    }

    /// <summary>The labels whose key is <paramref name="key"/>, whatever their source (binary search).</summary>
    public ReadOnlySpan<Label> WithKey(string key)
    {
        ReadOnlySpan<Label> span = _labels.AsSpan();
        int lo = 0, hi = span.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (string.CompareOrdinal(span[mid].Key, key) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }

        int end = lo;
        while (end < span.Length && span[end].Key == key)
            end++;
        return span[lo..end];
    }

    /// <summary>The labels of one source.</summary>
    public IEnumerable<Label> FromSource(string source) => _labels.Where(l => l.Source == source);

    /// <summary>A new set with <paramref name="labels"/> added (replacing same source and key).</summary>
    public LabelSet With(params Label[] labels)
    {
        var replaced = new HashSet<(string, string)>(labels.Select(l => (l.Source, l.Key)));
        return Of(_labels.Where(l => !replaced.Contains((l.Source, l.Key))).Concat(labels));
    }

    public ImmutableArray<Label>.Enumerator GetEnumerator() => _labels.GetEnumerator();

    IEnumerator<Label> IEnumerable<Label>.GetEnumerator() => ((IEnumerable<Label>)_labels).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => ((IEnumerable)_labels).GetEnumerator();

    public bool Equals(LabelSet? other) => other is not null && (ReferenceEquals(this, other) || Canonical == other.Canonical);

    public override bool Equals(object? obj) => obj is LabelSet other && Equals(other);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Canonical);

    public static bool operator ==(LabelSet? left, LabelSet? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(LabelSet? left, LabelSet? right) => !(left == right);

    /// <summary>The canonical string.</summary>
    public override string ToString() => Canonical;

    private string BuildCanonical()
    {
        var sb = new StringBuilder();
        foreach (Label l in _labels)
            sb.Append(l.Source).Append(':').Append(l.Key).Append('=').Append(l.Value).Append(';');
        return sb.ToString();
    }
}
