using System.Collections.Immutable;
using Tendril.ControlPlane.Labels;

namespace Tendril.ControlPlane.Selectors;

/// <summary>
/// A Kubernetes-style label selector (matchLabels + matchExpressions) over normalized keys. All requirements
/// must hold; the empty selector matches everything. Immutable; equality and <see cref="ToString"/> are stable
/// (requirements are sorted).
/// </summary>
public sealed class LabelSelector : IIdentitySelector, IEquatable<LabelSelector>
{
    private readonly string _text;

    public LabelSelector(IEnumerable<SelectorRequirement> requirements)
    {
        ArgumentNullException.ThrowIfNull(requirements);
        Requirements = requirements.Distinct().Order().ToImmutableArray();
        _text = "{" + string.Join(",", Requirements) + "}";
    }

    /// <summary>The selector that matches everything.</summary>
    public static LabelSelector All { get; } = new([]);

    /// <summary>Sorted, distinct requirements.</summary>
    public ImmutableArray<SelectorRequirement> Requirements { get; }

    /// <inheritdoc/>
    public string Key => _text;

    /// <summary>True for the empty selector.</summary>
    public bool IsWildcard => Requirements.IsEmpty;

    /// <summary>
    /// Builds a selector from matchLabels and matchExpressions with raw keys, normalized by
    /// <see cref="SelectorKey.Parse"/>. Throws <see cref="ArgumentException"/> on an invalid expression.
    /// </summary>
    public static LabelSelector Create(
        IEnumerable<KeyValuePair<string, string>>? matchLabels = null,
        IEnumerable<(string Key, SelectorOperator Operator, IEnumerable<string>? Values)>? matchExpressions = null)
    {
        var requirements = new List<SelectorRequirement>();
        foreach ((string key, string value) in matchLabels ?? [])
            requirements.Add(new SelectorRequirement(SelectorKey.Parse(key), SelectorOperator.In, [value]));
        foreach ((string key, SelectorOperator op, IEnumerable<string>? values) in matchExpressions ?? [])
            requirements.Add(new SelectorRequirement(SelectorKey.Parse(key), op, values));
        return new LabelSelector(requirements);
    }

    /// <summary>Shorthand for matchLabels only: <c>LabelSelector.MatchLabels(("app", "web"))</c>.</summary>
    public static LabelSelector MatchLabels(params (string Key, string Value)[] labels) =>
        Create(labels.Select(l => KeyValuePair.Create(l.Key, l.Value)));

    /// <summary>True when every requirement holds for <paramref name="labels"/>.</summary>
    public bool Matches(LabelSet labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        foreach (SelectorRequirement requirement in Requirements)
        {
            if (!requirement.Matches(labels))
                return false;
        }

        return true;
    }

    /// <summary>True when some requirement is about <paramref name="key"/> (from the k8s or the any source).</summary>
    public bool ConstrainsKey(string key) =>
        Requirements.Any(r => r.Key.Key == key && r.Key.Source is LabelSources.K8s or LabelSources.Any);

    /// <summary>True when some requirement uses a key of <paramref name="source"/>.</summary>
    public bool HasKeyFromSource(string source) => Requirements.Any(r => r.Key.Source == source);

    /// <summary>A selector with <paramref name="extra"/> requirements ANDed in.</summary>
    public LabelSelector And(params SelectorRequirement[] extra) => new(Requirements.Concat(extra));

    /// <summary>A selector with all requirements of <paramref name="other"/> ANDed in.</summary>
    public LabelSelector And(LabelSelector other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new LabelSelector(Requirements.Concat(other.Requirements));
    }

    public bool Equals(LabelSelector? other) => other is not null && _text == other._text;

    public override bool Equals(object? obj) => obj is LabelSelector other && Equals(other);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(_text);

    /// <summary>Stable form, e.g. <c>{k8s:app=web,any:tier in (a,b),!k8s:debug}</c>; <c>{}</c> when empty.</summary>
    public override string ToString() => _text;
}
