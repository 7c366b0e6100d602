using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using Tendril.Hubble.Api.Flow;
using Tendril.Hubble.Api.Observer;

namespace Tendril.Agent.PrivilegedTests;

/// <summary>The tests' Hubble client: a gRPC channel to an agent's Hubble unix socket, and GetFlows read to the end.</summary>
internal static class HubbleClient
{
    public static GrpcChannel Channel(string socket) => GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, token) =>
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), token);
                return new NetworkStream(s, ownsSocket: true);
            },
        },
    });

    public static async Task<List<Flow>> FlowsAsync(Observer.ObserverClient client, GetFlowsRequest request)
    {
        var flows = new List<Flow>();
        using var call = client.GetFlows(request, deadline: DateTime.UtcNow.AddSeconds(10));
        await foreach (var response in call.ResponseStream.ReadAllAsync())
        {
            if (response.Flow is { } flow)
                flows.Add(flow);
        }
        return flows;
    }
}
