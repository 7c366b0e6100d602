using Tendril.Api;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Tendril.Agent.Endpoints;
using Tendril.Agent.Policy;
using Tendril.ControlPlane.Policy.Model;
using Tendril.Datapath.Loader;

namespace Tendril.Agent.Api;

/// <summary>The REST API on the agent's unix socket, under /v1. Errors are RFC 7807 problem documents.</summary>
internal static class AgentApi
{
    public static void Map(IEndpointRouteBuilder app, AgentRuntime runtime)
    {
        var v1 = app.MapGroup("/v1");
        v1.MapGet("/healthz", () => Results.Ok(new
        {
            status = "ok",
            node = runtime.Options.NodeName,
            endpoints = runtime.Endpoints.List().Count,
            podCidr = runtime.Options.PodCidr.ToString(),
            version = typeof(AgentApi).Assembly.GetName().Version?.ToString(),
        }));

        v1.MapGet("/endpoints", ([FromQuery] string? containerId, [FromQuery(Name = "interface")] string? podDevice) =>
            Results.Ok(containerId is null ? runtime.Endpoints.List() : runtime.Endpoints.FindAttachment(containerId, podDevice)));
        // A CNI attachment's endpoint: deleting one that does not exist succeeds (CNI DEL is idempotent).
        v1.MapDelete("/endpoints", ([FromQuery] string? containerId, [FromQuery(Name = "interface")] string? podDevice) =>
            string.IsNullOrEmpty(containerId) || string.IsNullOrEmpty(podDevice)
                ? Results.Problem("containerId and interface are both required to delete an attachment's endpoint", statusCode: StatusCodes.Status400BadRequest, title: "invalid request")
                : Results.Ok(new EndpointDeleteResponse(runtime.Endpoints.DeleteAttachment(containerId, podDevice))));
        v1.MapPost("/endpoints/gc", (EndpointGcRequest request) =>
            string.IsNullOrEmpty(request.Network) || request.Valid is null || request.Valid.Any(a => string.IsNullOrEmpty(a.ContainerId) || string.IsNullOrEmpty(a.Interface))
                ? Results.Problem("network and valid attachments, each with containerId and interface, are required", statusCode: StatusCodes.Status400BadRequest, title: "invalid request")
                : Results.Ok(new EndpointGcResponse(runtime.Endpoints.CollectGarbage(request.Network, request.Valid).ToList())));
        v1.MapGet("/endpoints/{id:int}/check", (int id) => runtime.Endpoints.Check((ushort)id) is { } problems
            ? Results.Ok(new EndpointCheckResponse(problems.ToList()))
            : NotFound($"endpoint {id} does not exist"));
        v1.MapGet("/endpoints/{id:int}", (int id) => runtime.Endpoints.Get((ushort)id) is { } e ? Results.Ok(e) : NotFound($"endpoint {id} does not exist"));
        v1.MapPost("/endpoints", (EndpointCreateRequest request) => Guard(() =>
        {
            var created = runtime.CreateEndpoint(request);
            return Results.Created($"/v1/endpoints/{created.Id}", created);
        }));
        v1.MapDelete("/endpoints/{id:int}", (int id) => runtime.Endpoints.Delete((ushort)id) ? Results.NoContent() : NotFound($"endpoint {id} does not exist"));

        v1.MapPost("/policies", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            string text = await reader.ReadToEndAsync();
            try
            {
                var result = runtime.Policy.Import(text);
                return Results.Ok(new { revision = result.Revision, rules = result.Rules, notEnforced = result.NotEnforced });
            }
            catch (PolicyImportException e)
            {
                return Results.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest, title: "invalid policy",
                    extensions: new Dictionary<string, object?> { ["errors"] = e.Errors.Select(x => new { document = x.DocumentIndex, path = x.Path, reason = x.Reason, line = x.Line }).ToList() });
            }
        });
        v1.MapGet("/policies", () =>
        {
            var snapshot = runtime.Policy.Snapshot;
            return Results.Ok(new
            {
                revision = snapshot.Revision,
                rules = snapshot.Rules.Select(r => new
                {
                    policy = r.Origin.Namespace is null ? $"{r.Origin.Kind}/{r.Origin.Name}" : $"{r.Origin.Kind}/{r.Origin.Namespace}/{r.Origin.Name}",
                    description = r.Description,
                    endpointSelector = r.EndpointSelector.Key,
                    ingress = r.Ingress.Length,
                    ingressDeny = r.IngressDeny.Length,
                    egress = r.Egress.Length,
                    egressDeny = r.EgressDeny.Length,
                    notEnforced = r.NotEnforced,
                }),
            });
        });
        v1.MapDelete("/policies/{kind}/{ns}/{name}", (string kind, string ns, string name) =>
        {
            if (!Enum.TryParse<PolicyKind>(kind, out var policyKind))
                return Results.Problem($"unknown policy kind {kind}: use {string.Join(", ", Enum.GetNames<PolicyKind>())}", statusCode: StatusCodes.Status400BadRequest, title: "invalid request");
            var origin = new RuleOrigin(policyKind, policyKind == PolicyKind.CiliumClusterwideNetworkPolicy || ns == "-" ? null : ns, name);
            if (!runtime.Policy.Delete(origin))
                return NotFound($"no policy {kind}/{ns}/{name}");
            return Results.Ok(new { revision = runtime.Policy.Snapshot.Revision });
        });
        v1.MapGet("/policies/selectors", () => Results.Ok(runtime.Policy.Selections().Select(s => new { selector = s.Selector, identities = s.Identities })));

        v1.MapGet("/namespaces", () => Results.Ok(runtime.Namespaces.List().Select(n => new { name = n.Key, labels = n.Value })));
        v1.MapPut("/namespaces/{name}", (string name, Dictionary<string, string?>? labels) => Guard(() =>
            Results.Ok(new { name, labels = runtime.LabelNamespace(name, labels ?? new Dictionary<string, string?>()) })));

        v1.MapGet("/identities", () => Results.Ok(runtime.Identities.List().Select(i => new { id = i.Identity.Id.Value, labels = i.Identity.Labels.Select(l => l.ToString()), endpoints = i.Users })));

        v1.MapGet("/bpf/endpoints", () => Results.Ok(runtime.Datapath.Endpoints.List().Select(e => new
        {
            ip = e.Address.ToString(), id = e.EndpointId, identity = e.Identity, ifindex = e.Ifindex, mac = e.Mac.ToString(), nodeMac = e.NodeMac.ToString(),
        })));
        v1.MapGet("/bpf/ipcache", () => Results.Ok(runtime.Datapath.IpCache.List().Select(e => new { prefix = e.Prefix.ToString(), identity = e.Identity })));
        v1.MapGet("/bpf/policy/{id:int}", (int id) => runtime.PolicyEntries((ushort)id) is { } entries
            ? Results.Ok(entries.Select(kv => new
            {
                verdict = kv.Value.Deny ? "Deny" : "Allow",
                direction = kv.Key.Egress ? "Egress" : "Ingress",
                identity = kv.Key.Identity,
                labels = kv.Key.Identity == 0 ? "ANY" : runtime.IdentityLabelsOf(kv.Key.Identity) ?? $"identity {kv.Key.Identity}",
                protocol = kv.Key.Protocol,
                port = kv.Key.Port,
                portPrefix = kv.Key.PortPrefixLength,
                proxyPort = kv.Value.ProxyPort,
            }))
            : NotFound($"endpoint {id} does not exist"));
        v1.MapGet("/bpf/ct", () => Results.Ok(runtime.Datapath.Conntrack.List(MonotonicNow()).Select(c => new
        {
            protocol = c.Protocol, source = $"{c.Source}:{c.SourcePort}", destination = $"{c.Destination}:{c.DestinationPort}",
            sourceIdentity = c.SourceIdentity, expiresInSeconds = (int)c.ExpiresIn.TotalSeconds,
            packetsForward = c.PacketsForward, packetsReverse = c.PacketsReverse, seenReply = c.SeenReply, closing = c.Closing,
            service = c.IsService, portRemap = c.IsPortRemap, natPort = c.NatPort,
        })));
        v1.MapDelete("/bpf/ct", () => Results.Ok(new { flushed = runtime.Datapath.Conntrack.Flush() }));

        ServiceApi.Map(v1, runtime);                                                            // /services, /bpf/lb
    }

    /// <summary>bpf_ktime_get_ns() is CLOCK_MONOTONIC, which Stopwatch reads on Linux.</summary>
    public static ulong MonotonicNow() =>
        (ulong)(System.Diagnostics.Stopwatch.GetTimestamp() * (1_000_000_000.0 / System.Diagnostics.Stopwatch.Frequency));


    private static IResult Guard(Func<IResult> action)
    {
        try
        {
            return action();
        }
        catch (ArgumentException e)
        {
            return Results.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest, title: "invalid request");
        }
        catch (InvalidOperationException e)
        {
            return Results.Problem(e.Message, statusCode: StatusCodes.Status409Conflict, title: "conflict");
        }
    }

    private static IResult NotFound(string message) => Results.Problem(message, statusCode: StatusCodes.Status404NotFound, title: "not found");
}
