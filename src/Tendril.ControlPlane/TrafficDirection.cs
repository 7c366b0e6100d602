namespace Tendril.ControlPlane;

/// <summary>Direction of traffic relative to an endpoint; the numbers are the datapath's (policy key bit).</summary>
public enum TrafficDirection : byte
{
    /// <summary>Traffic entering the endpoint.</summary>
    Ingress = 0,

    /// <summary>Traffic leaving the endpoint.</summary>
    Egress = 1,
}
