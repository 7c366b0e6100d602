using System.Collections.Immutable;
using System.Net;
using Tendril.ControlPlane.Labels;
using Tendril.ControlPlane.Policy.Model;
using Tendril.ControlPlane.Policy.Parsing;
using Tendril.ControlPlane.Services.Model;

namespace Tendril.ControlPlane.Services.Parsing;

/// <summary>Decodes a <c>v1 Service</c> (spec and status) into a <see cref="Service"/>, reporting every error.</summary>
internal sealed partial class ServiceSpecDecoder(DecodeContext ctx, ServiceParserOptions options)
{
    public static readonly string[] TopFields = ["apiVersion", "kind", "metadata", "spec", "status"];

    /// <summary>The annotation that chooses the backend selection algorithm of one service.</summary>
    public const string AlgorithmAnnotation = "service.cilium.io/lb-algorithm";

    private static readonly string[] SpecFields =
    [
        "ports", "selector", "clusterIP", "clusterIPs", "type", "externalIPs", "sessionAffinity", "loadBalancerIP",
        "externalName", "externalTrafficPolicy", "healthCheckNodePort", "publishNotReadyAddresses",
        "sessionAffinityConfig", "ipFamilies", "ipFamilyPolicy", "allocateLoadBalancerNodePorts", "loadBalancerClass",
        "internalTrafficPolicy", "trafficDistribution",
    ];

    private static readonly Dictionary<string, string> UnsupportedSpec = new()
    {
        ["loadBalancerSourceRanges"] = "loadBalancerSourceRanges is not supported yet: Tendril would not restrict the clients, so the service is refused; remove the field or filter the sources with a network policy",
    };

    private static readonly string[] PortFields = ["name", "protocol", "appProtocol", "port", "targetPort", "nodePort"];
    private static readonly string[] StatusFields = ["loadBalancer", "conditions"];
    private static readonly string[] IngressFields = ["ip", "hostname", "ipMode", "ports"];

    public Service? Decode(PMap doc, string path, ObjectMeta meta)
    {
        string specPath = FieldPath.Field(path, "spec");
        PMap? spec = ctx.Map(doc.Get("spec"), specPath);
        if (spec is null)
        {
            ctx.Error(specPath, doc, "missing required field \"spec\"");
            return null;
        }

        ctx.CheckFields(spec, specPath, SpecFields, UnsupportedSpec);
        ServiceType? type = Type(spec, specPath);
        if (type is not { } t)
            return null;

        (IPAddress? clusterIP, bool headless) = ClusterIP(spec, specPath, t);
        ImmutableArray<ServicePort> ports = Ports(spec, specPath, t, headless);
        IpFamilies(spec, specPath);
        var service = new Service(meta.Key, t)
        {
            ClusterIP = clusterIP,
            IsHeadless = headless,
            Ports = ports,
            Selector = Selector(spec, specPath),
            ExternalIPs = Addresses(spec.Get("externalIPs"), FieldPath.Field(specPath, "externalIPs"), "external IP"),
            LoadBalancerIP = LoadBalancerIP(spec, specPath, t),
            LoadBalancerIngress = Ingress(doc, path, t),
            AllocateLoadBalancerNodePorts = AllocateNodePorts(spec, specPath, t),
            PublishNotReadyAddresses = ctx.Bool(spec.Get("publishNotReadyAddresses"), FieldPath.Field(specPath, "publishNotReadyAddresses")) ?? false,
            Algorithm = Algorithm(meta),
            Labels = meta.Labels,
        };
        service = Affinity(spec, specPath, service);
        service = TrafficPolicies(spec, specPath, service);
        ctx.Integer(spec.Get("healthCheckNodePort"), FieldPath.Field(specPath, "healthCheckNodePort"));
        ctx.String(spec.Get("loadBalancerClass"), FieldPath.Field(specPath, "loadBalancerClass"));
        ctx.String(spec.Get("trafficDistribution"), FieldPath.Field(specPath, "trafficDistribution"));
        return service;
    }

    private ServiceType? Type(PMap spec, string specPath)
    {
        string path = FieldPath.Field(specPath, "type");
        switch (ctx.String(spec.Get("type"), path))
        {
            case null or "ClusterIP":
                return ServiceType.ClusterIP;
            case "NodePort":
                return ServiceType.NodePort;
            case "LoadBalancer":
                return ServiceType.LoadBalancer;
            case "ExternalName":
                ctx.Error(path, spec.Get("type"), "type ExternalName is not supported: it is a DNS alias with nothing to load-balance");
                return null;
            case { } other:
                ctx.Error(path, spec.Get("type"), $"unknown service type \"{other}\": use ClusterIP, NodePort or LoadBalancer");
                return null;
        }
    }

    private (IPAddress? Ip, bool Headless) ClusterIP(PMap spec, string specPath, ServiceType type)
    {
        string path = FieldPath.Field(specPath, "clusterIP");
        string listPath = FieldPath.Field(specPath, "clusterIPs");
        string? single = ctx.String(spec.Get("clusterIP"), path);
        List<string>? list = ctx.Strings(spec.Get("clusterIPs"), listPath);
        if (list is { Count: > 1 })
            ctx.Error(listPath, spec.Get("clusterIPs"), "more than one cluster IP (dual stack) is not supported yet; give one IPv4 address");
        string? first = list is { Count: > 0 } ? list[0] : null;
        if (single is { Length: > 0 } && first is not null && first != single)
            ctx.Error(listPath, spec.Get("clusterIPs"), $"clusterIPs[0] \"{first}\" must equal clusterIP \"{single}\"");
        string? text = single is { Length: > 0 } ? single : first;
        PNode? node = single is { Length: > 0 } ? spec.Get("clusterIP") : spec.Get("clusterIPs");
        if (string.IsNullOrEmpty(text))
            return (null, false);
        if (text == "None")
        {
            if (type != ServiceType.ClusterIP)
                ctx.Error(path, node, $"a headless service (clusterIP: None) must be of type ClusterIP, not {type}");
            return (null, true);
        }

        if (AddressDecoder.Ipv4(ctx, new PScalar { Value = text, Line = node?.Line }, path, "cluster IP") is not { } ip)
            return (null, false);
        Net.CidrPrefix cidr = options.ServiceCidr;
        uint value = Model.Ipv4.ToUInt32(ip), network = Model.Ipv4.ToUInt32(cidr.Address);
        uint broadcast = network | (uint)((1UL << (32 - cidr.PrefixLength)) - 1);
        if (!cidr.Contains(ip))
            ctx.Error(path, node, $"cluster IP {ip} is outside the service CIDR {cidr}; pick an address inside it or leave clusterIP empty to have one allocated");
        else if (value == network || value == broadcast)
            ctx.Error(path, node, $"cluster IP {ip} is the {(value == network ? "network" : "broadcast")} address of the service CIDR {cidr} and cannot be used");
        return (ip, false);
    }

    private ImmutableArray<ServicePort> Ports(PMap spec, string specPath, ServiceType type, bool headless)
    {
        string path = FieldPath.Field(specPath, "ports");
        List<PNode>? items = ctx.Seq(spec.Get("ports"), path);
        if (items is null or { Count: 0 })
        {
            if (!headless)
                ctx.Error(path, spec.Get("ports") ?? spec, "a service needs at least one port (only a headless service may have none)");
            return [];
        }

        var ports = ImmutableArray.CreateBuilder<ServicePort>(items.Count);
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var frontends = new Dictionary<(ushort, L4Protocol), int>();
        var nodePorts = new Dictionary<(ushort, L4Protocol), int>();
        for (int i = 0; i < items.Count; i++)
        {
            string itemPath = FieldPath.Index(path, i);
            if (Port(items[i], itemPath, type, headless) is not { } port)
                continue;
            if (items.Count > 1 && port.Name.Length == 0)
                ctx.Error(FieldPath.Field(itemPath, "name"), items[i], "a service with more than one port must name every port");
            else if (!names.TryAdd(port.Name, i))
                ctx.Error(FieldPath.Field(itemPath, "name"), items[i], $"port name \"{port.Name}\" is already used by ports[{names[port.Name]}]");
            if (!frontends.TryAdd((port.Port, port.Protocol), i))
                ctx.Error(FieldPath.Field(itemPath, "port"), items[i], $"port {port.Port}/{port.Protocol} is already used by ports[{frontends[(port.Port, port.Protocol)]}]");
            if (port.NodePort != 0 && !nodePorts.TryAdd((port.NodePort, port.Protocol), i))
                ctx.Error(FieldPath.Field(itemPath, "nodePort"), items[i], $"node port {port.NodePort}/{port.Protocol} is already used by ports[{nodePorts[(port.NodePort, port.Protocol)]}]");
            ports.Add(port);
        }

        return ports.ToImmutable();
    }

    private ServicePort? Port(PNode node, string path, ServiceType type, bool headless)
    {
        if (ctx.Map(node, path) is not { } map)
        {
            if (node is PScalar { IsNull: true })
                ctx.Error(path, node, "a port must be an object, not null");
            return null;
        }

        ctx.CheckFields(map, path, PortFields);
        int before = ctx.ErrorCount;
        string namePath = FieldPath.Field(path, "name");
        string name = ctx.String(map.Get("name"), namePath) ?? "";
        if (name.Length > 0 && !Names.IsDnsLabel(name))
            ctx.Error(namePath, map.Get("name"), $"port name \"{name}\" is not valid: use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit");
        L4Protocol? protocol = AddressDecoder.Protocol(ctx, map.Get("protocol"), FieldPath.Field(path, "protocol"));
        ctx.String(map.Get("appProtocol"), FieldPath.Field(path, "appProtocol"));
        string portPath = FieldPath.Field(path, "port");
        ushort? port = AddressDecoder.Port(ctx, map.Get("port"), portPath, "port");
        if (!map.Has("port"))
            ctx.Error(portPath, map, "missing required field \"port\"");
        TargetPort? target = TargetPortOf(map.Get("targetPort"), FieldPath.Field(path, "targetPort"), port);
        ushort nodePort = NodePort(map.Get("nodePort"), FieldPath.Field(path, "nodePort"), type, headless);
        if (ctx.ErrorCount != before || port is not { } p || protocol is not { } proto || target is not { } tp)
            return null;
        return new ServicePort(name, proto, p, tp, nodePort);
    }

    private TargetPort? TargetPortOf(PNode? node, string path, ushort? port)
    {
        switch (node)
        {
            case null or PScalar { IsNull: true }:
                return port is { } p ? TargetPort.FromNumber(p) : null;
            case PScalar { Quoted: false } s when s.Value!.All(char.IsAsciiDigit) || s.Value!.StartsWith('-'):
                return AddressDecoder.Port(ctx, node, path, "targetPort") is { } n ? TargetPort.FromNumber(n) : null;
            case PScalar { Quoted: true } s when s.Value!.Length > 0 && s.Value!.All(char.IsAsciiDigit):
                ctx.Error(path, node, $"targetPort \"{s.Value}\" is quoted: write it unquoted ({s.Value}) for a port number, or give a container port name");
                return null;
            case PScalar s when Names.IsIanaServiceName(s.Value!):
                return TargetPort.FromName(s.Value!);
            case PScalar s:
                ctx.Error(path, node, $"targetPort \"{s.Value}\" is neither a port number nor a valid container port name (at most 15 lowercase letters, digits and '-', with at least one letter)");
                return null;
            default:
                ctx.Error(path, node, $"targetPort must be a port number or a container port name, not {DecodeContext.Describe(node)}");
                return null;
        }
    }

    private ushort NodePort(PNode? node, string path, ServiceType type, bool headless)
    {
        if (node is null or PScalar { IsNull: true })
            return 0;
        long? value = ctx.Integer(node, path);
        if (value is null or 0)
            return 0;
        if (type == ServiceType.ClusterIP || headless)
        {
            ctx.Error(path, node, "nodePort may only be set on a NodePort or LoadBalancer service");
            return 0;
        }

        if (value < options.NodePortMin || value > options.NodePortMax)
        {
            ctx.Error(path, node, $"node port {value} is outside the node port range {options.NodePortRange}; pick one inside it or leave nodePort out to have one allocated");
            return 0;
        }

        return (ushort)value.Value;
    }

    private LabelSet? Selector(PMap spec, string specPath)
    {
        string path = FieldPath.Field(specPath, "selector");
        ImmutableSortedDictionary<string, string>? selector = ServiceDocumentParser.StringMap(ctx, spec.Get("selector"), path);
        if (selector is null or { Count: 0 })
            return null; // No selector: the backends come from EndpointSlices, as in Kubernetes.
        return LabelSet.Of(selector.Select(kv => Label.K8s(kv.Key, kv.Value)));
    }

    private ValueArray<IPAddress> Addresses(PNode? node, string path, string what)
    {
        List<PNode>? items = ctx.Seq(node, path);
        if (items is null)
            return [];
        var result = new List<IPAddress>(items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            string itemPath = FieldPath.Index(path, i);
            if (AddressDecoder.Ipv4(ctx, items[i], itemPath, what) is not { } ip)
                continue;
            if (AddressDecoder.FrontendProblem(ip) is { } problem)
                ctx.Error(itemPath, items[i], $"{what} {ip}: {problem}");
            else if (result.Contains(ip))
                ctx.Error(itemPath, items[i], $"{what} {ip} is listed twice");
            else
                result.Add(ip);
        }

        return ValueArray.From(result);
    }

    private IPAddress? LoadBalancerIP(PMap spec, string specPath, ServiceType type)
    {
        string path = FieldPath.Field(specPath, "loadBalancerIP");
        if (ctx.String(spec.Get("loadBalancerIP"), path) is not { Length: > 0 })
            return null;
        IPAddress? ip = AddressDecoder.Ipv4(ctx, spec.Get("loadBalancerIP"), path, "load-balancer IP");
        if (ip is not null && type != ServiceType.LoadBalancer)
            ctx.Error(path, spec.Get("loadBalancerIP"), "loadBalancerIP may only be set on a LoadBalancer service");
        else if (ip is not null && AddressDecoder.FrontendProblem(ip) is { } problem)
            ctx.Error(path, spec.Get("loadBalancerIP"), $"load-balancer IP {ip}: {problem}");
        return ip;
    }

    private ValueArray<IPAddress> Ingress(PMap doc, string path, ServiceType type)
    {
        string statusPath = FieldPath.Field(path, "status");
        if (ctx.Map(doc.Get("status"), statusPath) is not { } status)
            return [];
        ctx.CheckFields(status, statusPath, StatusFields);
        string lbPath = FieldPath.Field(statusPath, "loadBalancer");
        if (ctx.Map(status.Get("loadBalancer"), lbPath) is not { } lb)
            return [];
        ctx.CheckFields(lb, lbPath, ["ingress"]);
        string ingressPath = FieldPath.Field(lbPath, "ingress");
        List<PNode>? items = ctx.Seq(lb.Get("ingress"), ingressPath);
        var ips = new List<PNode>();
        for (int i = 0; items is not null && i < items.Count; i++)
        {
            string itemPath = FieldPath.Index(ingressPath, i);
            if (ctx.Map(items[i], itemPath) is not { } entry)
                continue;
            ctx.CheckFields(entry, itemPath, IngressFields);
            if (entry.Has("ip"))
                ips.Add(entry.Get("ip")!);
            else if (!entry.Has("hostname"))
                ctx.Error(itemPath, entry, "a load-balancer ingress entry needs \"ip\" (a hostname alone gives Tendril nothing to listen on)");
        }

        if (ips.Count > 0 && type != ServiceType.LoadBalancer)
            ctx.Error(ingressPath, lb.Get("ingress"), "status.loadBalancer.ingress may only be set on a LoadBalancer service");
        var seq = new PSeq { Line = lb.Get("ingress")?.Line };
        seq.Items.AddRange(ips);
        return Addresses(seq, ingressPath, "load-balancer ingress IP");
    }

    private bool AllocateNodePorts(PMap spec, string specPath, ServiceType type)
    {
        string path = FieldPath.Field(specPath, "allocateLoadBalancerNodePorts");
        bool? value = ctx.Bool(spec.Get("allocateLoadBalancerNodePorts"), path);
        if (value is not null && type != ServiceType.LoadBalancer)
            ctx.Error(path, spec.Get("allocateLoadBalancerNodePorts"), "allocateLoadBalancerNodePorts may only be set on a LoadBalancer service");
        return value ?? true;
    }

    private LoadBalancingAlgorithm? Algorithm(ObjectMeta meta)
    {
        if (!meta.Annotations.TryGetValue(AlgorithmAnnotation, out string? value))
            return null;
        if (Enum.TryParse(value, ignoreCase: true, out LoadBalancingAlgorithm algorithm) && value.All(char.IsAsciiLetter))
            return algorithm;
        ctx.Error(FieldPath.Field(FieldPath.Field(meta.Path, "annotations"), AlgorithmAnnotation), null,
            $"annotation {AlgorithmAnnotation} is \"{value}\": use random or maglev");
        return null;
    }
}
