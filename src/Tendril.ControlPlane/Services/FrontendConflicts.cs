using System.Collections.Immutable;
using System.Net;
using Tendril.ControlPlane.Policy.Model;
using Tendril.ControlPlane.Services.Model;
using Tendril.ControlPlane.Services.Parsing;

namespace Tendril.ControlPlane.Services;

/// <summary>
/// Finds two services claiming the same frontend (address, port, protocol) through their cluster IP, external IPs or
/// load-balancer IPs; only conflicts involving a service of the current import are reported (against it). Pure.
/// </summary>
internal static class FrontendConflicts
{
    public static void Check(ImmutableSortedDictionary<ServiceKey, Service> services, IReadOnlyDictionary<ServiceKey, int> imported,
        List<ServiceError> errors)
    {
        var claims = new Dictionary<(IPAddress, ushort, L4Protocol), ServiceKey>();

        // Services already in place claim first, so that the error lands on the newcomer.
        foreach (Service service in services.Values.OrderBy(s => imported.ContainsKey(s.Key)))
        {
            foreach ((string field, IPAddress address, ServicePort port) in Frontends(service))
            {
                if (!claims.TryAdd((address, port.Port, port.Protocol), service.Key)
                    && claims[(address, port.Port, port.Protocol)] is var owner && owner != service.Key
                    && imported.TryGetValue(service.Key, out int document))
                {
                    errors.Add(new ServiceError(document, field,
                        $"{address}:{port.Port}/{port.Protocol} is already a frontend of service {owner}; two services cannot share an address and port"));
                }
            }
        }
    }

    private static IEnumerable<(string Field, IPAddress Address, ServicePort Port)> Frontends(Service service)
    {
        foreach (ServicePort port in service.Ports)
        {
            if (service.ClusterIP is { } ip)
                yield return ("spec.clusterIP", ip, port);
            foreach (IPAddress external in service.ExternalIPs)
                yield return ("spec.externalIPs", external, port);
            foreach (IPAddress lb in service.LoadBalancerIPs)
                yield return ("status.loadBalancer.ingress", lb, port);
        }
    }
}
