using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Tendril.Hubble.Server;

/// <summary>
/// Adds the <c>hubble-server-version</c> response header Hubble servers send on every call. Stateless.
/// </summary>
internal sealed class ServerVersionInterceptor(HubbleOptions options) : Interceptor
{
    /// <summary>The metadata key Hubble clients read.</summary>
    public const string HeaderName = "hubble-server-version";

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Stamp(context);
        return continuation(request, context);
    }

    // Streams send their headers at once, so a follower knows the call is established before any flow arrives.
    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await context.WriteResponseHeadersAsync(new Metadata { { HeaderName, options.Version } }).ConfigureAwait(false);
        await continuation(request, responseStream, context).ConfigureAwait(false);
    }

    private void Stamp(ServerCallContext context) =>
        context.GetHttpContext().Response.Headers[HeaderName] = options.Version;
}
