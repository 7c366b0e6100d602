using System.Net.Sockets;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tendril.Hubble.Api.Flow;
using Tendril.Hubble.Hosting;

namespace Tendril.Hubble.Tests;

/// <summary>
/// A real Kestrel server with the Hubble services on a unix socket in a temporary directory, seeded with three
/// flows, and a gRPC channel that dials the socket. Shared by the tests of one class.
/// </summary>
public sealed class HubbleServerFixture : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tendril-hubble-").FullName;
    private WebApplication? _app;

    public HubbleOptions Options { get; private set; } = null!;

    public HubbleObserver Observer { get; private set; } = null!;

    public GrpcChannel Channel { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var socket = Path.Combine(_directory, "hubble.sock");
        Options = new HubbleOptions { NodeName = "node-a", UnixSocketPath = socket, BufferCapacity = 63, Version = "v1.2.3-test" };
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddTendrilHubble(Options);
        builder.WebHost.ConfigureKestrel(k => k.ListenTendrilHubble(Options));
        _app = builder.Build();
        _app.MapTendrilHubble();
        await _app.StartAsync();

        Observer = _app.Services.GetRequiredService<HubbleObserver>();
        var now = DateTimeOffset.UtcNow;
        Observer.Append(TestFlows.Tcp(srcPod: "client-1", dstPod: "web-1", time: now.AddSeconds(-3)));
        Observer.Append(TestFlows.Tcp(srcNs: "kube-system", srcPod: "coredns-1", dstPod: "web-1", time: now.AddSeconds(-2)));
        Observer.Append(TestFlows.Tcp(srcPod: "client-2", dstPod: "web-1", verdict: Verdict.Dropped, time: now.AddSeconds(-1)));

        Channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                ConnectCallback = async (_, cancellationToken) =>
                {
                    var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    try
                    {
                        await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), cancellationToken);
                        return new NetworkStream(s, ownsSocket: true);
                    }
                    catch
                    {
                        s.Dispose();
                        throw;
                    }
                },
            },
        });
    }

    public async Task DisposeAsync()
    {
        Channel?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        Directory.Delete(_directory, recursive: true);
    }
}
