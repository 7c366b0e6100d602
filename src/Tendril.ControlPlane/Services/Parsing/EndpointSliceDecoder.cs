using System.Collections.Immutable;
using System.Net;
using Tendril.ControlPlane.Policy.Model;
using Tendril.ControlPlane.Policy.Parsing;
using Tendril.ControlPlane.Services.Model;

namespace Tendril.ControlPlane.Services.Parsing;

/// <summary>Decodes a <c>discovery.k8s.io/v1 EndpointSlice</c> into an <see cref="EndpointSlice"/>, reporting every error.</summary>
internal static class EndpointSliceDecoder
{
    public static readonly string[] TopFields = ["apiVersion", "kind", "metadata", "addressType", "endpoints", "ports"];

    private static readonly string[] EndpointFields =
        ["addresses", "conditions", "hostname", "targetRef", "nodeName", "zone", "hints", "deprecatedTopology"];

    private static readonly string[] ConditionFields = ["ready", "serving", "terminating"];
    private static readonly string[] TargetRefFields = ["kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"];
    private static readonly string[] PortFields = ["name", "protocol", "port", "appProtocol"];

    public static EndpointSlice? Decode(DecodeContext ctx, PMap doc, string path, ObjectMeta meta)
    {
        string? serviceName = meta.Labels.ValueOf(Labels.LabelSources.K8s, EndpointSlice.ServiceNameLabel);
        string labelsPath = FieldPath.Field(FieldPath.Field(path, "metadata"), "labels");
        if (string.IsNullOrEmpty(serviceName))
            ctx.Error(labelsPath, doc.Get("metadata"), $"an EndpointSlice needs the label {EndpointSlice.ServiceNameLabel} naming the service it feeds");
        else if (!Names.IsDns1035Label(serviceName))
            ctx.Error(FieldPath.Field(labelsPath, EndpointSlice.ServiceNameLabel), doc.Get("metadata"), $"\"{serviceName}\" is not a valid service name");

        string typePath = FieldPath.Field(path, "addressType");
        switch (ctx.String(doc.Get("addressType"), typePath))
        {
            case "IPv4":
                break;
            case null:
                ctx.Error(typePath, doc, "missing required field \"addressType\" (IPv4)");
                break;
            case "IPv6" or "FQDN":
                ctx.Error(typePath, doc.Get("addressType"), $"addressType {ctx.String(doc.Get("addressType"), typePath)} is not supported yet: only IPv4 slices are load-balanced");
                break;
            case { } other:
                ctx.Error(typePath, doc.Get("addressType"), $"unknown addressType \"{other}\": use IPv4");
                break;
        }

        ImmutableArray<SliceEndpoint> endpoints = Endpoints(ctx, doc.Get("endpoints"), FieldPath.Field(path, "endpoints"));
        ImmutableArray<SlicePort> ports = Ports(ctx, doc.Get("ports"), FieldPath.Field(path, "ports"));
        return string.IsNullOrEmpty(serviceName) ? null : new EndpointSlice(meta.Key, serviceName) { Endpoints = endpoints, Ports = ports };
    }

    private static ImmutableArray<SliceEndpoint> Endpoints(DecodeContext ctx, PNode? node, string path)
    {
        List<PNode>? items = ctx.Seq(node, path);
        var result = ImmutableArray.CreateBuilder<SliceEndpoint>();
        for (int i = 0; items is not null && i < items.Count; i++)
        {
            string itemPath = FieldPath.Index(path, i);
            if (ctx.Map(items[i], itemPath) is not { } map)
                continue;
            ctx.CheckFields(map, itemPath, EndpointFields);
            string addressesPath = FieldPath.Field(itemPath, "addresses");
            List<PNode>? addressNodes = ctx.Seq(map.Get("addresses"), addressesPath);
            if (addressNodes is null or { Count: 0 })
                ctx.Error(addressesPath, map, "an endpoint needs at least one address");
            var addresses = new List<IPAddress>();
            for (int a = 0; addressNodes is not null && a < addressNodes.Count; a++)
            {
                string addressPath = FieldPath.Index(addressesPath, a);
                if (AddressDecoder.Ipv4(ctx, addressNodes[a], addressPath, "endpoint address") is not { } ip)
                    continue;
                if (AddressDecoder.FrontendProblem(ip) is { } problem)
                    ctx.Error(addressPath, addressNodes[a], $"endpoint address {ip}: {problem.Replace("service address", "backend", StringComparison.Ordinal)}");
                else
                    addresses.Add(ip);
            }

            result.Add(new SliceEndpoint(ValueArray.From(addresses.Distinct()), Conditions(ctx, map.Get("conditions"), FieldPath.Field(itemPath, "conditions")),
                PodName(ctx, map.Get("targetRef"), FieldPath.Field(itemPath, "targetRef")),
                ctx.String(map.Get("nodeName"), FieldPath.Field(itemPath, "nodeName"))));
            ctx.String(map.Get("hostname"), FieldPath.Field(itemPath, "hostname"));
            ctx.String(map.Get("zone"), FieldPath.Field(itemPath, "zone"));
        }

        return result.ToImmutable();
    }

    private static EndpointConditions Conditions(DecodeContext ctx, PNode? node, string path)
    {
        if (ctx.Map(node, path) is not { } map)
            return EndpointConditions.Default;
        ctx.CheckFields(map, path, ConditionFields);

        // Kubernetes: unknown ready means ready, unknown serving defers to ready, unknown terminating means not.
        bool ready = ctx.Bool(map.Get("ready"), FieldPath.Field(path, "ready")) ?? true;
        bool serving = ctx.Bool(map.Get("serving"), FieldPath.Field(path, "serving")) ?? ready;
        bool terminating = ctx.Bool(map.Get("terminating"), FieldPath.Field(path, "terminating")) ?? false;
        return new EndpointConditions(ready, serving, terminating);
    }

    private static string? PodName(DecodeContext ctx, PNode? node, string path)
    {
        if (ctx.Map(node, path) is not { } map)
            return null;
        ctx.CheckFields(map, path, TargetRefFields);
        foreach (string field in TargetRefFields)
            ctx.String(map.Get(field), FieldPath.Field(path, field));
        return ctx.String(map.Get("kind"), FieldPath.Field(path, "kind")) is null or "Pod"
            ? ctx.String(map.Get("name"), FieldPath.Field(path, "name"))
            : null;
    }

    private static ImmutableArray<SlicePort> Ports(DecodeContext ctx, PNode? node, string path)
    {
        List<PNode>? items = ctx.Seq(node, path);
        var result = ImmutableArray.CreateBuilder<SlicePort>();
        var names = new Dictionary<(string, L4Protocol), int>();
        for (int i = 0; items is not null && i < items.Count; i++)
        {
            string itemPath = FieldPath.Index(path, i);
            if (ctx.Map(items[i], itemPath) is not { } map)
                continue;
            ctx.CheckFields(map, itemPath, PortFields);
            int before = ctx.ErrorCount;
            string name = ctx.String(map.Get("name"), FieldPath.Field(itemPath, "name")) ?? "";
            if (name.Length > 0 && !Names.IsDnsLabel(name))
                ctx.Error(FieldPath.Field(itemPath, "name"), map.Get("name"), $"port name \"{name}\" is not valid: use at most 63 lowercase letters, digits and '-'");
            L4Protocol? protocol = AddressDecoder.Protocol(ctx, map.Get("protocol"), FieldPath.Field(itemPath, "protocol"));
            ushort? port = AddressDecoder.Port(ctx, map.Get("port"), FieldPath.Field(itemPath, "port"), "port");
            if (!map.Has("port"))
                ctx.Error(FieldPath.Field(itemPath, "port"), map, "missing required field \"port\" (a slice port without a number gives traffic nowhere to go)");
            ctx.String(map.Get("appProtocol"), FieldPath.Field(itemPath, "appProtocol"));
            if (ctx.ErrorCount != before || protocol is not { } proto || port is not { } p)
                continue;
            if (!names.TryAdd((name, proto), i))
                ctx.Error(FieldPath.Field(itemPath, "name"), map, $"port name \"{name}\" ({proto}) is already used by ports[{names[(name, proto)]}]");
            else
                result.Add(new SlicePort(name, proto, p));
        }

        return result.ToImmutable();
    }
}
