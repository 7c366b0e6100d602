using System.Collections.Immutable;
using System.Globalization;
using Tendril.ControlPlane.Policy.Model;

namespace Tendril.ControlPlane.Policy.Parsing;

/// <summary>
/// One validation error: the document (0-based; for a JSON array the element), the field path inside it
/// (e.g. <c>spec.ingress[0].toPorts[0].ports[1].port</c>), a reason a person can act on, and the line when known.
/// </summary>
public sealed record PolicyError(int DocumentIndex, string Path, string Reason, int? Line = null)
{
    /// <summary><c>document 0, spec.ingress[0].toPorts[0].ports[1].port (line 14): port 70000 is out of range 0-65535</c>.</summary>
    public override string ToString()
    {
        string line = Line is { } l ? $" (line {l.ToString(CultureInfo.InvariantCulture)})" : "";
        string path = Path.Length == 0 ? "" : $", {Path}";
        return $"document {DocumentIndex.ToString(CultureInfo.InvariantCulture)}{path}{line}: {Reason}";
    }
}

/// <summary>One policy document (CNP, CCNP or NetworkPolicy) turned into rules.</summary>
public sealed record ParsedPolicy(RuleOrigin Origin, ImmutableArray<Rule> Rules, int DocumentIndex)
{
    /// <summary>What the policy's rules keep without enforcing (see <see cref="Rule.NotEnforced"/>).</summary>
    public IEnumerable<string> NotEnforced => Rules.SelectMany(r => r.NotEnforced);
}

/// <summary>
/// The all-or-nothing result of parsing an import: either every policy (and no error) or every error found
/// (and no policy).
/// </summary>
public sealed record PolicyParseResult(ImmutableArray<ParsedPolicy> Policies, ImmutableArray<PolicyError> Errors)
{
    /// <summary>True when the import is valid.</summary>
    public bool Succeeded => Errors.IsEmpty;

    /// <summary>All rules of all policies.</summary>
    public IEnumerable<Rule> Rules => Policies.SelectMany(p => p.Rules);

    /// <summary>Human-readable notes on what is kept but not enforced, prefixed with the policy.</summary>
    public IEnumerable<string> NotEnforced => Policies.SelectMany(p => p.NotEnforced.Select(n => $"{p.Origin}: {n}"));

    /// <summary>A failed result; errors are ordered by document, then line (stable).</summary>
    internal static PolicyParseResult Failed(IEnumerable<PolicyError> errors) =>
        new([], [.. errors.OrderBy(e => e.DocumentIndex).ThenBy(e => e.Line ?? 0)]);
}
