using System.Collections.Immutable;
using System.Globalization;
using Tendril.ControlPlane.Services.Model;

namespace Tendril.ControlPlane.Services.Parsing;

/// <summary>
/// One validation error of a service import: the document (0-based), the field path inside it (e.g.
/// <c>spec.ports[1].nodePort</c>), a reason a person can act on, and the line when known. Immutable.
/// </summary>
public sealed record ServiceError(int DocumentIndex, string Path, string Reason, int? Line = null)
{
    /// <summary><c>document 0, spec.ports[1].nodePort (line 14): node port 80 is outside the range 30000-32767</c>.</summary>
    public override string ToString()
    {
        string line = Line is { } l ? $" (line {l.ToString(CultureInfo.InvariantCulture)})" : "";
        string path = Path.Length == 0 ? "" : $", {Path}";
        return $"document {DocumentIndex.ToString(CultureInfo.InvariantCulture)}{path}{line}: {Reason}";
    }
}

/// <summary>
/// The all-or-nothing result of parsing a service import: either every Service and EndpointSlice (and no error), or
/// every error found (and nothing else). Immutable.
/// </summary>
public sealed record ServiceParseResult(
    ImmutableArray<Service> Services,
    ImmutableArray<EndpointSlice> Slices,
    ImmutableArray<ServiceError> Errors)
{
    /// <summary>True when the import is valid.</summary>
    public bool Succeeded => Errors.IsEmpty;

    /// <summary>The document index of each of <see cref="Services"/> (same order), for errors found when applying.</summary>
    public ImmutableArray<int> ServiceDocuments { get; init; } = [];

    /// <summary>A failed result; errors ordered by document, then line (stable).</summary>
    internal static ServiceParseResult Failed(IEnumerable<ServiceError> errors) =>
        new([], [], [.. errors.OrderBy(e => e.DocumentIndex).ThenBy(e => e.Line ?? 0)]);
}
