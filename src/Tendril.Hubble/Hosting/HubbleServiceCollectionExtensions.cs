using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Tendril.Hubble.Decoding;
using Tendril.Hubble.Server;

namespace Tendril.Hubble.Hosting;

/// <summary>
/// Wiring of the Hubble-compatible observer into an ASP.NET Core application:
/// <code>
/// builder.Services.AddTendrilHubble(options);              // observer, store, gRPC services, event reader
/// builder.WebHost.ConfigureKestrel(k => k.ListenTendrilHubble(options)); // unix socket (+ TCP) with HTTP/2
/// app.MapTendrilHubble();                                   // observer.Observer and peer.Peer endpoints
/// </code>
/// Register an <see cref="IFlowEventSource"/> (e.g. <see cref="RingBufferFlowSource"/>) to have the flows read
/// automatically, and an <see cref="IFlowEndpointResolver"/> to enrich them with pods and labels.
/// </summary>
public static class HubbleServiceCollectionExtensions
{
    /// <summary>Registers the observer (singleton), its gRPC services and the background event reader.</summary>
    public static IServiceCollection AddTendrilHubble(this IServiceCollection services, HubbleOptions options)
    {
        options.Validate();
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new HubbleObserver(
            options,
            sp.GetService<IFlowEndpointResolver>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<HubbleObserver>>()));
        services.AddSingleton<ServerVersionInterceptor>();
        var grpc = services.AddGrpc();
        grpc.AddServiceOptions<ObserverService>(o => o.Interceptors.Add<ServerVersionInterceptor>());
        grpc.AddServiceOptions<PeerService>(o => o.Interceptors.Add<ServerVersionInterceptor>());
        services.AddHostedService<HubbleEventReaderService>();
        return services;
    }

    /// <summary>Maps <c>observer.Observer</c> and <c>peer.Peer</c>.</summary>
    public static IEndpointRouteBuilder MapTendrilHubble(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<ObserverService>();
        endpoints.MapGrpcService<PeerService>();
        return endpoints;
    }

    /// <summary>
    /// Adds HTTP/2 listeners for the Hubble API: the unix socket (its directory is created and a stale socket file
    /// removed) and, if configured, the TCP address. Runs when Kestrel is configured, i.e. at application start.
    /// </summary>
    public static KestrelServerOptions ListenTendrilHubble(this KestrelServerOptions kestrel, HubbleOptions options)
    {
        if (options.UnixSocketPath is { Length: > 0 } path)
        {
            if (Path.GetDirectoryName(path) is { Length: > 0 } directory)
                Directory.CreateDirectory(directory);
            if (File.Exists(path))
                File.Delete(path);
            kestrel.ListenUnixSocket(path, listen => listen.Protocols = HttpProtocols.Http2);
        }
        if (options.ListenAddress is { Length: > 0 } address)
            kestrel.Listen(IPEndPoint.Parse(address), listen => listen.Protocols = HttpProtocols.Http2);
        return kestrel;
    }
}
