namespace Tendril.Policy;

/// <summary>One problem in an imported document: which document (0-based), where in it, and why.</summary>
public sealed record PolicyError(int Document, string Path, string Reason)
{
    public override string ToString() => $"document {Document}: {Path}: {Reason}";
}

/// <summary>An import was refused; nothing of it was applied.</summary>
public sealed class PolicyValidationException(IReadOnlyList<PolicyError> errors)
    : Exception($"invalid policy, nothing was applied: {string.Join("; ", errors)}")
{
    public IReadOnlyList<PolicyError> Errors { get; } = errors;
}
