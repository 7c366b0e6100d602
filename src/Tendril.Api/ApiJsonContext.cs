using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tendril.Api;

/// <summary>Source-generated JSON for the API types, so clients work under Native AOT.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(EndpointModel))]
[JsonSerializable(typeof(List<EndpointModel>))]
[JsonSerializable(typeof(EndpointCreateRequest))]
[JsonSerializable(typeof(EndpointGcRequest))]
[JsonSerializable(typeof(EndpointGcResponse))]
[JsonSerializable(typeof(EndpointDeleteResponse))]
[JsonSerializable(typeof(EndpointCheckResponse))]
[JsonSerializable(typeof(JsonElement))]
public sealed partial class ApiJsonContext : JsonSerializerContext;
