using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Tendril.Hubble.Hosting;

/// <summary>
/// Runs <see cref="HubbleObserver.RunAsync"/> over the <see cref="IFlowEventSource"/> registered in the container,
/// if any; without one it does nothing (the owner may call <see cref="HubbleObserver.RunAsync"/> itself). The
/// source is resolved at start, so it may depend on services (such as the loaded datapath) that start earlier.
/// Stopping returns only after the reading thread has exited.
/// </summary>
internal sealed class HubbleEventReaderService(HubbleObserver observer, IServiceProvider services) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var source = services.GetService<IFlowEventSource>();
        return source is null ? Task.CompletedTask : observer.RunAsync(source, stoppingToken);
    }
}
