using Tendril.ControlPlane.Identities;
using Tendril.ControlPlane.Labels;
using Tendril.ControlPlane.Policy;
using Tendril.ControlPlane.Policy.Parsing;
using Tendril.ControlPlane.PolicyMap;

namespace Tendril.ControlPlane.Tests;

/// <summary>The control plane wired as the agent wires it, on in-memory fakes.</summary>
public sealed class PolicyHarness
{
    public PolicyHarness(EnforcementMode mode = EnforcementMode.Default)
    {
        Selectors = new SelectorCache();
        Cidrs = new CidrIdentityAllocator();
        Identities = new InMemoryIdentityAllocator();
        Repository = new PolicyRepository(Selectors, Cidrs);
        Identities.Changed += (_, change) => Repository.UpdateIdentities(change);
        Resolver = new PolicyResolver(Repository, Selectors, new PolicyResolverOptions { Mode = mode });
    }

    public SelectorCache Selectors { get; }

    public CidrIdentityAllocator Cidrs { get; }

    public InMemoryIdentityAllocator Identities { get; }

    public PolicyRepository Repository { get; }

    public PolicyResolver Resolver { get; }

    /// <summary>A pod endpoint with an identity from the allocator.</summary>
    public EndpointInfo Pod(int id, string ns, params (string Key, string Value)[] labels)
    {
        LabelSet set = PodIdentityLabels.For(labels.Select(l => KeyValuePair.Create(l.Key, l.Value)), ns);
        Identity identity = Identities.Allocate(set);
        return new EndpointInfo(id, identity.Id, set);
    }

    /// <summary>Parses and applies; fails the test on a parse error.</summary>
    public PolicyChange Apply(string yaml)
    {
        PolicyParseResult result = PolicyDocumentParser.Parse(yaml);
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        return Repository.Apply(result);
    }

    public MapState Map(EndpointInfo endpoint) => Resolver.Resolve(endpoint).MapState;

    public uint CidrIdentity(string prefix) =>
        Cidrs.Lookup(Net.CidrPrefix.Parse(prefix))?.Id.Value ?? throw new InvalidOperationException($"no identity for {prefix}");
}
