using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Prometheus;
using Tendril.Api;
using Tendril.ControlPlane.Identities;

namespace Tendril.Agent.Metrics;

/// <summary>
/// The agent's Prometheus metrics: Cilium's agent families and labels under the <c>tendril_</c> prefix. Datapath
/// counters, endpoint, policy, identity and map figures are read when Prometheus scrapes; API latency is observed as
/// requests finish. Owns its own registry (nothing global). Thread-safe.
/// </summary>
public sealed class AgentMetrics
{
    private readonly AgentRuntime _runtime;
    private readonly Counter _dropPackets, _dropBytes, _forwardPackets, _forwardBytes;
    private readonly Counter _regenerations, _policyChanges, _policyImportErrors;
    private readonly Gauge _endpoints, _endpointStates, _policies, _policyRevision, _enforcement, _identities, _mapPressure;

    public AgentMetrics(AgentRuntime runtime)
    {
        _runtime = runtime;
        Registry = Prometheus.Metrics.NewCustomRegistry();
        DotNetStats.Register(Registry);                                   // process_* and dotnet_* of the agent itself
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        _dropPackets = factory.CreateCounter("tendril_drop_count_total", "Packets dropped by the datapath", "reason", "direction");
        _dropBytes = factory.CreateCounter("tendril_drop_bytes_total", "Bytes dropped by the datapath", "reason", "direction");
        _forwardPackets = factory.CreateCounter("tendril_forward_count_total", "Packets forwarded by the datapath", "direction");
        _forwardBytes = factory.CreateCounter("tendril_forward_bytes_total", "Bytes forwarded by the datapath", "direction");
        _endpoints = factory.CreateGauge("tendril_endpoint", "Number of endpoints managed by this agent");
        _endpointStates = factory.CreateGauge("tendril_endpoint_state", "Number of endpoints in each state", "endpoint_state");
        _regenerations = factory.CreateCounter("tendril_endpoint_regenerations_total", "Endpoint policy regenerations by outcome", "outcome");
        _policies = factory.CreateGauge("tendril_policy", "Number of policy rules loaded");
        _policyRevision = factory.CreateGauge("tendril_policy_max_revision", "Highest policy revision");
        _policyChanges = factory.CreateCounter("tendril_policy_change_total", "Policy imports and deletions by outcome", "outcome");
        _policyImportErrors = factory.CreateCounter("tendril_policy_import_errors_total", "Policy imports refused as invalid");
        _enforcement = factory.CreateGauge("tendril_policy_endpoint_enforcement_status", "Endpoints by policy enforcement", "enforcement");
        _identities = factory.CreateGauge("tendril_identity", "Identities in use by type", "type");
        _mapPressure = factory.CreateGauge("tendril_bpf_map_pressure", "Fill ratio of BPF maps (policy maps when above 0.1)", "map_name");
        ApiTime = factory.CreateHistogram("tendril_agent_api_process_time_seconds", "Time the REST API took per request",
            new HistogramConfiguration { LabelNames = ["path", "method", "return_code"], Buckets = Histogram.ExponentialBuckets(0.0005, 2, 14) });
        factory.CreateGauge("tendril_version", "Tendril version", "version", "arch")
            .WithLabels(typeof(AgentMetrics).Assembly.GetName().Version?.ToString() ?? "0", System.Runtime.InteropServices.RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant())
            .Set(1);
        Registry.AddBeforeCollectCallback(Refresh);
    }

    /// <summary>The registry to expose (the agent serves it on --prometheus-serve-addr).</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>REST API latency by route template, method and status code.</summary>
    public Histogram ApiTime { get; }

    /// <summary>Middleware timing each REST request by its route template (not its path: IDs would explode the labels).</summary>
    public async Task TimeApiRequest(HttpContext context, RequestDelegate next)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            string route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
            ApiTime.WithLabels(route, context.Request.Method, context.Response.StatusCode.ToString(CultureInfo.InvariantCulture))
                .Observe(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
    }

    private void Refresh()
    {
        var runtime = _runtime;
        if (runtime.Endpoints is null)
            return; // not started yet
        foreach (var count in runtime.Datapath.Metrics.Read())
        {
            string direction = DirectionName(count.Direction);
            if (count.Reason == 0)
            {
                _forwardPackets.WithLabels(direction).IncTo(count.Packets);
                _forwardBytes.WithLabels(direction).IncTo(count.Bytes);
            }
            else
            {
                string reason = Tendril.Hubble.Api.DropReasons.Text(count.Reason);
                _dropPackets.WithLabels(reason, direction).IncTo(count.Packets);
                _dropBytes.WithLabels(reason, direction).IncTo(count.Bytes);
            }
        }

        var endpoints = runtime.Endpoints.List();
        _endpoints.Set(endpoints.Count);
        foreach (var state in Enum.GetValues<EndpointState>())
            _endpointStates.WithLabels(StateName(state)).Set(endpoints.Count(e => e.State == state));
        foreach (var (name, count) in Enforcement(endpoints))
            _enforcement.WithLabels(name).Set(count);
        _regenerations.WithLabels("success").IncTo(runtime.Endpoints.Regenerations.Succeeded);
        _regenerations.WithLabels("fail").IncTo(runtime.Endpoints.Regenerations.Failed);

        var snapshot = runtime.Policy.Snapshot;
        _policies.Set(snapshot.Rules.Length);
        _policyRevision.Set(snapshot.Revision);
        _policyChanges.WithLabels("success").IncTo(runtime.Policy.Changes.Succeeded);
        _policyChanges.WithLabels("failure").IncTo(runtime.Policy.Changes.Failed);
        _policyImportErrors.IncTo(runtime.Policy.Changes.Failed);

        var identities = runtime.Identities.All;
        _identities.WithLabels("cluster_local").Set(identities.Count);
        _identities.WithLabels("node_local").Set(runtime.Policy.CidrIdentityCount);
        _identities.WithLabels("reserved").Set(ReservedIdentities.All.Length);

        foreach (var (map, pressure) in runtime.Datapath.MapPressure().Concat(runtime.Endpoints.PolicyMapPressure()))
        {
            if (!map.StartsWith("tendril_policy_", StringComparison.Ordinal) || pressure > 0.1)
                _mapPressure.WithLabels(map).Set(pressure);
            else
                _mapPressure.RemoveLabelled(map);
        }
    }

    private static IEnumerable<(string Name, int Count)> Enforcement(IReadOnlyList<EndpointModel> endpoints)
    {
        yield return ("none", endpoints.Count(e => !e.IngressEnforced && !e.EgressEnforced));
        yield return ("ingress", endpoints.Count(e => e.IngressEnforced && !e.EgressEnforced));
        yield return ("egress", endpoints.Count(e => !e.IngressEnforced && e.EgressEnforced));
        yield return ("both", endpoints.Count(e => e.IngressEnforced && e.EgressEnforced));
    }

    private static string DirectionName(byte direction) => direction switch
    {
        1 => "INGRESS",
        2 => "EGRESS",
        _ => "UNKNOWN",
    };

    /// <summary>Cilium's endpoint state names (waiting-for-identity, regenerating, ready …).</summary>
    private static string StateName(EndpointState state) => state switch
    {
        EndpointState.WaitingForIdentity => "waiting-for-identity",
        EndpointState.Regenerating => "regenerating",
        EndpointState.Ready => "ready",
        EndpointState.Restoring => "restoring",
        EndpointState.Disconnecting => "disconnecting",
        _ => state.ToString().ToLowerInvariant(),
    };
}
