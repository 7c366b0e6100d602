using Google.Protobuf.WellKnownTypes;
using Tendril.Hubble.Api.Flow;

namespace Tendril.Hubble.Tests;

/// <summary>Hand-made flows for filter, store and server tests.</summary>
internal static class TestFlows
{
    public static Flow Tcp(
        string srcNs = "default", string srcPod = "client-1", string dstNs = "default", string dstPod = "web-1",
        string srcIp = "10.0.0.30", string dstIp = "10.0.0.89", uint dport = 80, bool syn = true, bool ack = false,
        Verdict verdict = Verdict.Forwarded, DateTimeOffset? time = null, string[]? srcLabels = null, uint srcIdentity = 31028,
        bool? reply = false, string node = "node-a")
    {
        var flow = new Flow
        {
            Time = Timestamp.FromDateTimeOffset(time ?? new DateTimeOffset(2026, 5, 4, 13, 0, 0, TimeSpan.Zero)),
            Uuid = Guid.NewGuid().ToString(),
            Verdict = verdict,
            Type = FlowType.L3L4,
            NodeName = node,
            IP = new IP { Source = srcIp, Destination = dstIp, IpVersion = IPVersion.Ipv4 },
            L4 = new Layer4 { TCP = new TCP { SourcePort = 40000, DestinationPort = dport, Flags = new TCPFlags { SYN = syn, ACK = ack } } },
            Source = new Endpoint { Namespace = srcNs, PodName = srcPod, Identity = srcIdentity },
            Destination = new Endpoint { Namespace = dstNs, PodName = dstPod, Identity = 16530 },
            EventType = new CiliumEventType { Type = 4, SubType = 0 },
            TrafficDirection = TrafficDirection.Ingress,
            Summary = "TCP Flags: SYN",
            IsReply = reply,
        };
        flow.Source.Labels.AddRange(srcLabels ?? ["k8s:app=client", "k8s:io.kubernetes.pod.namespace=" + srcNs]);
        flow.Destination.Labels.Add("k8s:app=web");
        if (verdict == Verdict.Dropped)
        {
            flow.DropReasonDesc = DropReason.PolicyDenied;
            flow.EventType = new CiliumEventType { Type = 1, SubType = 133 };
        }
        return flow;
    }

    public static Flow At(DateTimeOffset time) => Tcp(time: time);
}
