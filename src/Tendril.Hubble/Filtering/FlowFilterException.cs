namespace Tendril.Hubble.Filtering;

/// <summary>
/// A flow filter Tendril cannot apply: a malformed value or a field it does not support. <see cref="Field"/> is the
/// proto field name (e.g. "source_ip", "http_method"); the gRPC layer turns this into InvalidArgument.
/// </summary>
public sealed class FlowFilterException(string field, string message) : Exception($"flow filter field {field}: {message}")
{
    /// <summary>The offending FlowFilter field, as named in flow.proto.</summary>
    public string Field { get; } = field;
}
