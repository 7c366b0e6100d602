using System.Collections.Immutable;
using Tendril.ControlPlane.Labels;

namespace Tendril.ControlPlane.Selectors;

/// <summary>Label selector operators (Kubernetes semantics).</summary>
public enum SelectorOperator
{
    /// <summary>The key is present with one of the values.</summary>
    In,

    /// <summary>The key is absent, or present with none of the values.</summary>
    NotIn,

    /// <summary>The key is present (any value).</summary>
    Exists,

    /// <summary>The key is absent.</summary>
    DoesNotExist,
}

/// <summary>One requirement of a selector: <c>key op (values)</c>. Values are kept sorted and distinct.</summary>
public sealed record SelectorRequirement : IComparable<SelectorRequirement>
{
    public SelectorRequirement(SelectorKey key, SelectorOperator op, IEnumerable<string>? values = null)
    {
        var sorted = (values ?? []).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToImmutableArray();
        bool needsValues = op is SelectorOperator.In or SelectorOperator.NotIn;
        if (needsValues && sorted.IsEmpty)
            throw new ArgumentException($"operator {op} on {key} needs at least one value", nameof(values));
        if (!needsValues && !sorted.IsEmpty)
            throw new ArgumentException($"operator {op} on {key} takes no values", nameof(values));
        Key = key;
        Operator = op;
        Values = sorted;
    }

    public SelectorKey Key { get; }

    public SelectorOperator Operator { get; }

    public ImmutableArray<string> Values { get; }

    /// <summary>True when <paramref name="labels"/> satisfy this requirement.</summary>
    public bool Matches(LabelSet labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        bool present = false, valueMatches = false;
        foreach (Label label in labels.WithKey(Key.Key))
        {
            if (!Key.Matches(label))
                continue;
            present = true;
            if (!Values.IsEmpty && Values.Contains(label.Value, StringComparer.Ordinal))
                valueMatches = true;
        }

        return Operator switch
        {
            SelectorOperator.In => valueMatches,
            SelectorOperator.NotIn => !valueMatches,
            SelectorOperator.Exists => present,
            SelectorOperator.DoesNotExist => !present,
            _ => false,
        };
    }

    public bool Equals(SelectorRequirement? other) =>
        other is not null && Key == other.Key && Operator == other.Operator && Values.SequenceEqual(other.Values);

    public override int GetHashCode() => HashCode.Combine(Key, Operator, Values.Length == 0 ? "" : string.Join(',', Values));

    public int CompareTo(SelectorRequirement? other)
    {
        if (other is null)
            return 1;
        int c = Key.CompareTo(other.Key);
        if (c != 0)
            return c;
        c = Operator.CompareTo(other.Operator);
        return c != 0 ? c : string.CompareOrdinal(string.Join(',', Values), string.Join(',', other.Values));
    }

    /// <summary>
    /// <c>k8s:app=web</c>, <c>k8s:app in (a,b)</c>, <c>k8s:app notin (a,b)</c>, <c>k8s:app</c> (exists),
    /// <c>!k8s:app</c> (does not exist).
    /// </summary>
    public override string ToString() => Operator switch
    {
        SelectorOperator.In when Values.Length == 1 => $"{Key}={Values[0]}",
        SelectorOperator.In => $"{Key} in ({string.Join(',', Values)})",
        SelectorOperator.NotIn => $"{Key} notin ({string.Join(',', Values)})",
        SelectorOperator.Exists => Key.ToString(),
        _ => $"!{Key}",
    };
}
