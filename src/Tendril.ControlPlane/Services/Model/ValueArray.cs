using System.Collections;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;

namespace Tendril.ControlPlane.Services.Model;

/// <summary>
/// An immutable array compared by content, so that records holding lists (ports, backends, slots) have value
/// equality: the repository and the load-balancer diff rely on "equal means nothing to write". The default value is
/// the empty array. Thread-safe (immutable).
/// </summary>
[CollectionBuilder(typeof(ValueArray), nameof(ValueArray.Create))]
public readonly struct ValueArray<T> : IReadOnlyList<T>, IEquatable<ValueArray<T>>
{
    private readonly ImmutableArray<T> _items;

    public ValueArray(ImmutableArray<T> items) => _items = items.IsDefault ? [] : items;

    /// <summary>The items as an immutable array (never default).</summary>
    public ImmutableArray<T> Items => _items.IsDefault ? [] : _items;

    public int Count => Items.Length;

    public bool IsEmpty => Count == 0;

    public T this[int index] => Items[index];

    public static implicit operator ValueArray<T>(ImmutableArray<T> items) => new(items);

    public ImmutableArray<T>.Enumerator GetEnumerator() => Items.GetEnumerator();

    IEnumerator<T> IEnumerable<T>.GetEnumerator() => ((IEnumerable<T>)Items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => ((IEnumerable)Items).GetEnumerator();

    public bool Equals(ValueArray<T> other) => Items.AsSpan().SequenceEqual(other.Items.AsSpan(), EqualityComparer<T>.Default);

    public override bool Equals(object? obj) => obj is ValueArray<T> other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (T item in Items)
            hash.Add(item);
        return hash.ToHashCode();
    }

    public static bool operator ==(ValueArray<T> left, ValueArray<T> right) => left.Equals(right);

    public static bool operator !=(ValueArray<T> left, ValueArray<T> right) => !left.Equals(right);

    public override string ToString() => $"[{string.Join(", ", Items)}]";
}

/// <summary>Factory for <see cref="ValueArray{T}"/> (also what collection expressions call).</summary>
public static class ValueArray
{
    public static ValueArray<T> Create<T>(ReadOnlySpan<T> items) => new([.. items]);

    public static ValueArray<T> From<T>(IEnumerable<T> items) => new([.. items]);
}
