using System.Collections.Immutable;

namespace Tendril.ControlPlane.Policy.Model;

/// <summary>
/// <c>toPorts[].rules</c>: exactly one kind is set. Kept as data and reported, but NOT enforced yet (no L7 proxy):
/// the port rule allows its ports at L4.
/// </summary>
public sealed record L7Rules
{
    public ImmutableArray<HttpRule> Http { get; init; } = [];

    public ImmutableArray<KafkaRule> Kafka { get; init; } = [];

    public ImmutableArray<FqdnSelector> Dns { get; init; } = [];

    /// <summary><c>l7proto</c>: the parser name of generic rules.</summary>
    public string? L7Proto { get; init; }

    /// <summary><c>l7</c>: generic key/value rules.</summary>
    public ImmutableArray<ImmutableSortedDictionary<string, string>> L7 { get; init; } = [];

    /// <summary><c>http</c>, <c>kafka</c>, <c>dns</c> or <c>l7proto</c>.</summary>
    public string Kind => !Http.IsEmpty ? "http" : !Kafka.IsEmpty ? "kafka" : !Dns.IsEmpty ? "dns" : "l7proto";
}

/// <summary>An HTTP rule; all set fields must match (regexes as Envoy/Cilium use them).</summary>
public sealed record HttpRule
{
    public string? Method { get; init; }

    public string? Path { get; init; }

    public string? Host { get; init; }

    public ImmutableArray<string> Headers { get; init; } = [];

    public ImmutableArray<HeaderMatch> HeaderMatches { get; init; } = [];
}

/// <summary>An HTTP <c>headerMatches</c> entry.</summary>
public sealed record HeaderMatch(string Name, string? Value, string? Mismatch, string? SecretNamespace, string? SecretName);

/// <summary>A Kafka rule.</summary>
public sealed record KafkaRule(string? Role, string? ApiKey, string? ApiVersion, string? ClientId, string? Topic);
