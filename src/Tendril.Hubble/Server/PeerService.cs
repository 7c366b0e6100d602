using Grpc.Core;
using Tendril.Hubble.Api.Peer;

namespace Tendril.Hubble.Server;

/// <summary>
/// Hubble's <c>peer.Peer</c> service for a single node: a subscriber is told about this node (PEER_ADDED) and the
/// stream then stays open until the client cancels, as a relay expects. Stateless and thread-safe.
/// </summary>
internal sealed class PeerService(HubbleOptions options) : Peer.PeerBase
{
    public override async Task Notify(NotifyRequest request, IServerStreamWriter<ChangeNotification> responseStream, ServerCallContext context)
    {
        await responseStream.WriteAsync(new ChangeNotification
        {
            Name = options.NodeName,
            Address = options.PeerAddress,
            Type = ChangeNotificationType.PeerAdded,
        }, context.CancellationToken).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The client went away or the server is stopping: the stream ends normally.
        }
    }
}
