using Tendril.ControlPlane.Policy.Parsing;
using Tendril.ControlPlane.Services.Model;

namespace Tendril.ControlPlane.Services.Parsing;

/// <summary>The behaviour fields of a Service spec: session affinity, traffic policies and IP families.</summary>
internal sealed partial class ServiceSpecDecoder
{
    private Service Affinity(PMap spec, string specPath, Service service)
    {
        string path = FieldPath.Field(specPath, "sessionAffinity");
        SessionAffinity affinity = ctx.String(spec.Get("sessionAffinity"), path) switch
        {
            null or "None" => SessionAffinity.None,
            "ClientIP" => SessionAffinity.ClientIP,
            { } other => Bad(path, spec.Get("sessionAffinity"), $"unknown sessionAffinity \"{other}\": use None or ClientIP", SessionAffinity.None),
        };
        string configPath = FieldPath.Field(specPath, "sessionAffinityConfig");
        int timeout = Service.DefaultAffinityTimeoutSeconds;
        if (ctx.Map(spec.Get("sessionAffinityConfig"), configPath) is { } config)
        {
            ctx.CheckFields(config, configPath, ["clientIP"]);
            string clientPath = FieldPath.Field(configPath, "clientIP");
            if (ctx.Map(config.Get("clientIP"), clientPath) is { } client)
            {
                ctx.CheckFields(client, clientPath, ["timeoutSeconds"]);
                string timeoutPath = FieldPath.Field(clientPath, "timeoutSeconds");
                if (ctx.Integer(client.Get("timeoutSeconds"), timeoutPath) is { } t)
                {
                    if (t is < 1 or > 86400)
                        ctx.Error(timeoutPath, client.Get("timeoutSeconds"), $"timeoutSeconds {t} is out of range 1-86400");
                    else
                        timeout = (int)t;
                }
            }

            if (affinity != SessionAffinity.ClientIP)
                ctx.Error(configPath, spec.Get("sessionAffinityConfig"), "sessionAffinityConfig is only allowed with sessionAffinity: ClientIP");
        }

        return service with { SessionAffinity = affinity, AffinityTimeoutSeconds = timeout };
    }

    private Service TrafficPolicies(PMap spec, string specPath, Service service)
    {
        string extPath = FieldPath.Field(specPath, "externalTrafficPolicy");
        TrafficPolicy? external = Policy(spec.Get("externalTrafficPolicy"), extPath);
        if (external is not null && service.Type == ServiceType.ClusterIP && service.ExternalIPs.IsEmpty)
            ctx.Error(extPath, spec.Get("externalTrafficPolicy"), "externalTrafficPolicy may only be set on a service reachable from outside (NodePort, LoadBalancer or with externalIPs)");
        TrafficPolicy? @internal = Policy(spec.Get("internalTrafficPolicy"), FieldPath.Field(specPath, "internalTrafficPolicy"));
        return service with { ExternalTrafficPolicy = external ?? TrafficPolicy.Cluster, InternalTrafficPolicy = @internal ?? TrafficPolicy.Cluster };
    }

    private TrafficPolicy? Policy(PNode? node, string path) => ctx.String(node, path) switch
    {
        null => null,
        "Cluster" => TrafficPolicy.Cluster,
        "Local" => TrafficPolicy.Local,
        { } other => Bad(path, node, $"unknown traffic policy \"{other}\": use Cluster or Local", (TrafficPolicy?)null),
    };

    private void IpFamilies(PMap spec, string specPath)
    {
        string path = FieldPath.Field(specPath, "ipFamilies");
        List<string>? families = ctx.Strings(spec.Get("ipFamilies"), path);
        foreach (string family in families ?? [])
        {
            if (family != "IPv4")
                ctx.Error(path, spec.Get("ipFamilies"), family == "IPv6" ? "IPv6 services are not supported yet: use ipFamilies: [IPv4]" : $"unknown IP family \"{family}\": use IPv4");
        }

        string policyPath = FieldPath.Field(specPath, "ipFamilyPolicy");
        switch (ctx.String(spec.Get("ipFamilyPolicy"), policyPath))
        {
            case null or "SingleStack" or "PreferDualStack":
                break;
            case "RequireDualStack":
                ctx.Error(policyPath, spec.Get("ipFamilyPolicy"), "RequireDualStack cannot be met: Tendril serves IPv4 services only; use SingleStack or PreferDualStack");
                break;
            case { } other:
                ctx.Error(policyPath, spec.Get("ipFamilyPolicy"), $"unknown ipFamilyPolicy \"{other}\": use SingleStack, PreferDualStack or RequireDualStack");
                break;
        }
    }

    private T Bad<T>(string path, PNode? node, string reason, T fallback)
    {
        ctx.Error(path, node, reason);
        return fallback;
    }
}
