using System.Net;
using Tendril.ControlPlane.Services.Model;

namespace Tendril.ControlPlane.Services;

/// <summary>
/// Turns a service plus this node's pods (selector services) or its EndpointSlices (services without a selector)
/// into the backends of each service port. Pure and thread-safe.
/// </summary>
internal static class BackendResolver
{
    public static ValueArray<ServicePortBackends> Resolve(Service service, IEnumerable<PodInfo> podsInNamespace,
        IEnumerable<EndpointSlice> slicesOfService, string? nodeName, IReadOnlySet<IPAddress> localPodAddresses)
    {
        var result = new List<ServicePortBackends>(service.Ports.Count);
        if (service.Selector is { } selector)
        {
            // A selector service follows the pods; slices of it (which Kubernetes' controller would write from the
            // same pods) are ignored so that the two sources cannot disagree.
            List<PodInfo> pods = [.. podsInNamespace.Where(p => p.Address is not null && p.Labels.ContainsAll(selector))];
            foreach (ServicePort port in service.Ports)
                result.Add(new ServicePortBackends(port, Sorted(pods.Select(p => FromPod(service, port, p)))));
        }
        else
        {
            List<EndpointSlice> slices = [.. slicesOfService];
            foreach (ServicePort port in service.Ports)
                result.Add(new ServicePortBackends(port, Sorted(slices.SelectMany(s => FromSlice(port, s, nodeName, localPodAddresses)))));
        }

        return ValueArray.From(result);
    }

    private static ServiceBackend? FromPod(Service service, ServicePort port, PodInfo pod)
    {
        BackendState state;
        if (pod.Terminating)
            state = BackendState.Terminating;
        else if (pod.Ready || service.PublishNotReadyAddresses)
            state = BackendState.Active;
        else
            return null;

        ushort target = port.TargetPort.Number;
        if (port.TargetPort.Name is { } name)
        {
            // A named target port resolves per pod; a pod without that port (for this protocol) is not a backend of it.
            target = pod.NamedPorts.FirstOrDefault(n => n.Name == name && n.Protocol == port.Protocol)?.Port ?? 0;
            if (target == 0)
                return null;
        }

        return new ServiceBackend(new BackendAddress(pod.Address!, target, port.Protocol), state, IsLocal: true, pod.Key.Name);
    }

    private static IEnumerable<ServiceBackend> FromSlice(ServicePort port, EndpointSlice slice, string? nodeName, IReadOnlySet<IPAddress> localPods)
    {
        // Slice ports carry the service port's name: that is how Kubernetes ties them together.
        SlicePort? slicePort = slice.Ports.FirstOrDefault(p => p.Name == port.Name && p.Protocol == port.Protocol);
        if (slicePort is null)
            yield break;
        foreach (SliceEndpoint endpoint in slice.Endpoints)
        {
            BackendState state;
            if (endpoint.Conditions.Terminating)
                state = BackendState.Terminating;
            else if (endpoint.Conditions.Ready)
                state = BackendState.Active;
            else
                continue;
            foreach (IPAddress address in endpoint.Addresses)
            {
                bool local = (nodeName is not null && endpoint.NodeName == nodeName) || localPods.Contains(address);
                yield return new ServiceBackend(new BackendAddress(address, slicePort.Port, port.Protocol), state, local, endpoint.PodName);
            }
        }
    }

    // One entry per backend address (the same address in two slices counts once, active winning), by address.
    private static ValueArray<ServiceBackend> Sorted(IEnumerable<ServiceBackend?> backends) =>
        ValueArray.From(backends.OfType<ServiceBackend>()
            .GroupBy(b => b.Backend)
            .Select(g => g.OrderBy(b => b.State).First())
            .OrderBy(b => b.Backend));
}
