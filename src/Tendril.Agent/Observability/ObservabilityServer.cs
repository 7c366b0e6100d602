using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;
using Tendril.Agent.Metrics;
using Tendril.Ebpf;
using Tendril.Ebpf.RingBuffer;
using Tendril.Hubble;
using Tendril.Hubble.Api.Flow;
using Tendril.Hubble.Decoding;
using Tendril.Hubble.Hosting;

namespace Tendril.Agent.Observability;

/// <summary>
/// The agent's second server, apart from the REST API so that nothing of the API is reachable over TCP: the
/// Hubble-compatible gRPC API (unix socket, and TCP when configured) fed from the datapath's event ring, and the two
/// Prometheus endpoints (agent metrics and flow metrics). Built after the runtime has loaded the datapath; stopped
/// before it unloads. The returned application owns the ring-buffer reader (disposed with the application).
/// </summary>
public static class ObservabilityServer
{
    public static WebApplication Build(AgentOptions options, AgentRuntime runtime, AgentMetrics agentMetrics, Action<ILoggingBuilder> logging)
    {
        var hubble = new HubbleOptions
        {
            NodeName = options.NodeName,
            UnixSocketPath = options.ResolvedHubbleSocketPath,
            ListenAddress = string.IsNullOrEmpty(options.HubbleListenAddress) ? null : options.HubbleListenAddress,
            BufferCapacity = options.HubbleEventBufferCapacity,
        };
        var flowMetrics = new FlowMetrics(options.HubbleMetrics);
        var agentMetricsAt = Endpoint(options.PrometheusServeAddress);
        var flowMetricsAt = Endpoint(options.HubbleMetricsServer);

        var builder = WebApplication.CreateSlimBuilder();
        logging(builder.Logging);
        builder.Services.AddSingleton<IFlowEndpointResolver>(new AgentFlowEndpoints(runtime.Endpoints, runtime.Identities, runtime.Policy, runtime.Services));
        builder.Services.AddSingleton(_ => RingBufferReader.Open(runtime.Datapath.Events, () => KernelLost(runtime.Datapath.EventsLost)));
        builder.Services.AddSingleton<IFlowEventSource>(sp => new RingBufferFlowSource(sp.GetRequiredService<RingBufferReader>()));
        builder.Services.AddTendrilHubble(hubble);                                              // observer, store, gRPC
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.ListenTendrilHubble(hubble);                                                 // hubble.sock (+ TCP)
            if (agentMetricsAt is not null)
                kestrel.Listen(agentMetricsAt, listen => listen.Protocols = HttpProtocols.Http1);
            if (flowMetricsAt is not null)
                kestrel.Listen(flowMetricsAt, listen => listen.Protocols = HttpProtocols.Http1);
        });

        var app = builder.Build();
        app.MapTendrilHubble();
        var observer = app.Services.GetRequiredService<HubbleObserver>();
        // Nobody can read flow metrics without their listener: counting them then would only cost ingestion time.
        if (flowMetricsAt is not null && flowMetrics.CountsFlows)
            observer.CompactFlowObserved += flowMetrics.Observe;
        flowMetrics.Registry.AddBeforeCollectCallback(() =>
            flowMetrics.SetLost(LostEventSource.PerfEventRingBuffer, KernelLost(runtime.Datapath.EventsLost)));
        app.MapGet("/metrics", async (HttpContext context) =>
        {
            // Each metrics listener serves its own registry; the Hubble listeners serve none.
            int port = context.Connection.LocalPort;
            var registry = port != 0 && port == agentMetricsAt?.Port ? agentMetrics.Registry
                : port != 0 && port == flowMetricsAt?.Port ? flowMetrics.Registry
                : null;
            if (registry is null)
                return Results.NotFound();
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
            return Results.Empty;
        });
        return app;
    }

    /// <summary>Events the kernel could not put in the ring, summed over CPUs.</summary>
    private static long KernelLost(Map eventsLost)
    {
        long total = 0;
        foreach (ulong perCpu in eventsLost.As<uint, ulong>().LookupPerCpu(0))
            total += (long)perCpu;
        return total;
    }

    private static IPEndPoint? Endpoint(string? address) => string.IsNullOrEmpty(address) ? null : IPEndPoint.Parse(address);
}
