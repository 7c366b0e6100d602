using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tendril.Agent.Services;
using Tendril.ControlPlane.Services;
using Tendril.ControlPlane.Services.LoadBalancing;
using Tendril.ControlPlane.Services.Model;

namespace Tendril.Agent.Api;

/// <summary>Services under /v1/services, and the load-balancer maps read back under /v1/bpf/lb.</summary>
internal static class ServiceApi
{
    public static void Map(RouteGroupBuilder v1, AgentRuntime runtime)
    {
        v1.MapPost("/services", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            string text = await reader.ReadToEndAsync();
            try
            {
                var result = runtime.Services.Apply(text);
                return Results.Ok(new
                {
                    revision = result.Change.Revision,
                    services = result.Change.Affected.Select(k => k.ToString()),
                });
            }
            catch (ServiceImportException e)
            {
                return Results.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest, title: "invalid service definition",
                    extensions: new Dictionary<string, object?> { ["errors"] = e.Errors.Select(x => new { document = x.DocumentIndex, path = x.Path, reason = x.Reason, line = x.Line }).ToList() });
            }
        });
        v1.MapGet("/services", () =>
        {
            var lb = runtime.Services.LoadBalancer;
            return Results.Ok(runtime.Services.Snapshot.Services.Values.Select(s => Describe(s, lb)));
        });
        v1.MapDelete("/services/{ns}/{name}", (string ns, string name) =>
            runtime.Services.Delete(new ServiceKey(ns, name))
                ? Results.Ok(new { revision = runtime.Services.Snapshot.Revision })
                : Results.Problem($"no service {ns}/{name}", statusCode: StatusCodes.Status404NotFound, title: "not found"));

        v1.MapGet("/bpf/lb", () =>
        {
            var maps = runtime.Datapath.LoadBalancer;
            var backends = maps.Backends().ToDictionary(b => b.Id);
            var reverseNat = maps.ReverseNat();
            var maglev = maps.Maglev.Services().ToHashSet();
            return Results.Ok(maps.Services().SelectMany(s =>
                s.BackendIds.Select((id, i) => new
                {
                    service = s.Frontend.ToString(),
                    slot = i + 1,
                    backendId = id,
                    backend = backends.TryGetValue(id, out var b) ? $"{b.Address}:{b.Port}/{Protocol(b.Protocol)}" : "(missing)",
                    state = backends.TryGetValue(id, out var c) ? c.State.ToString().ToLowerInvariant() : "",
                    revNat = s.RevNatIndex,
                    flags = "",
                    scope = s.Frontend.Scope == 0 ? "external" : "internal",
                })
                .Prepend(new
                {
                    service = s.Frontend.ToString(),
                    slot = 0,
                    backendId = 0u,
                    backend = $"0.0.0.0:0 ({s.BackendIds.Count} backends)",
                    state = "",
                    revNat = s.RevNatIndex,
                    flags = string.Join(", ", new[]
                    {
                        s.Flags.HasFlag(Datapath.Abi.ServiceFlags.SessionAffinity) ? $"affinity {s.AffinityTimeoutSeconds}s" : null,
                        s.Flags.HasFlag(Datapath.Abi.ServiceFlags.Maglev) ? maglev.Contains(s.RevNatIndex) ? "maglev" : "maglev (no table)" : null,
                        s.Flags.HasFlag(Datapath.Abi.ServiceFlags.RejectWithoutBackends) ? "reject" : "drop",
                        s.Flags.HasFlag(Datapath.Abi.ServiceFlags.Routable) ? "routable" : null,
                        reverseNat.TryGetValue(s.RevNatIndex, out var r) ? $"rev-NAT {r.Address}:{r.Port}" : "no rev-NAT",
                    }.Where(f => f is not null)),
                    scope = s.Frontend.Scope == 0 ? "external" : "internal",
                })));
        });
    }

    private static object Describe(ResolvedService resolved, LoadBalancerState lb)
    {
        var service = resolved.Service;
        var pods = resolved.Ports.SelectMany(p => p.Backends).Where(b => b.PodName is not null)
            .GroupBy(b => b.Backend).ToDictionary(g => g.Key, g => g.First().PodName);
        return new
        {
            @namespace = service.Key.Namespace,
            name = service.Key.Name,
            type = service.Type.ToString(),
            clusterIP = service.IsHeadless ? "None" : service.ClusterIP?.ToString(),
            selector = service.Selector?.ToDictionary(l => l.Key, l => l.Value),
            sessionAffinity = service.SessionAffinity.ToString(),
            affinityTimeoutSeconds = service.SessionAffinity == SessionAffinity.ClientIP ? service.AffinityTimeoutSeconds : 0,
            ports = resolved.Ports.Select(p => new
            {
                name = p.Port.Name,
                protocol = p.Port.Protocol.ToString(),
                port = p.Port.Port,
                targetPort = p.Port.TargetPort.ToString(),
                nodePort = p.Port.NodePort,
                backends = p.Backends.Select(b => new { address = b.Backend.ToString(), state = b.State.ToString().ToLowerInvariant(), pod = b.PodName, local = b.IsLocal }),
            }),
            frontends = lb.Frontends.Values.Where(f => f.Service == service.Key).Select(f => new
            {
                id = f.ServiceId,
                address = f.Key.Address.ToString(),
                scope = f.Key.Scope.ToString().ToLowerInvariant(),
                kind = f.Kind.ToString(),
                algorithm = f.Algorithm.ToString().ToLowerInvariant(),
                backends = f.ActiveBackends.Concat(f.TerminatingBackends).Select(id => lb.Backends.TryGetValue(id, out var b)
                    ? new { id, address = b.Address.ToString(), state = b.State.ToString().ToLowerInvariant(), pod = pods.GetValueOrDefault(b.Address) }
                    : new { id, address = "(missing)", state = "", pod = (string?)null }),
            }),
        };
    }

    private static string Protocol(byte protocol) => protocol switch { 6 => "TCP", 17 => "UDP", 132 => "SCTP", _ => protocol.ToString(System.Globalization.CultureInfo.InvariantCulture) };
}
