using System.Net;
using Tendril.ControlPlane.Policy.Model;
using Tendril.ControlPlane.Services;
using Tendril.ControlPlane.Services.Model;
using Tendril.ControlPlane.Services.Parsing;

namespace Tendril.ControlPlane.Tests.Services;

public class ServiceRepositoryTests
{
    internal const string WebService = """
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          selector: {app: web}
          ports:
          - {name: http, port: 80, targetPort: http}
          - {name: metrics, port: 9090, targetPort: 9100}
        """;

    internal static PodInfo Pod(string name, string ip, string app = "web", bool terminating = false, ushort httpPort = 8080, string ns = "default") =>
        PodInfo.Create(ns, name, IPAddress.Parse(ip), new Dictionary<string, string> { ["app"] = app },
            httpPort == 0 ? [] : [new NamedPort("http", httpPort, L4Protocol.TCP)]) with { Terminating = terminating };

    internal static ServiceRepository With(string yaml, params PodInfo[] pods)
    {
        var repo = new ServiceRepository(nodeName: "node-a");
        Assert.True(repo.Apply(ServiceParserTests.ParseOk(yaml)).Succeeded);
        repo.UpdatePods(pods);
        return repo;
    }

    private static ResolvedService Web(ServiceRepository repo) => repo.Snapshot.Services[new ServiceKey("default", "web")];

    [Fact]
    public void Apply_ServiceWithoutClusterIP_AllocatedFromCidr()
    {
        var repo = With(WebService);
        IPAddress? ip = Web(repo).Service.ClusterIP;
        Assert.NotNull(ip);
        Assert.True(ServiceParserOptions.DefaultServiceCidr.Contains(ip));
        Assert.Equal(1, repo.Revision);
    }

    [Fact]
    public void Apply_SameImportTwice_SecondIsNoChangeAndKeepsClusterIP()
    {
        var repo = With(WebService);
        IPAddress? ip = Web(repo).Service.ClusterIP;
        ServiceApplyResult again = repo.Apply(ServiceParserTests.ParseOk(WebService));
        Assert.True(again.Change.IsEmpty);
        Assert.Equal(1, repo.Revision);
        Assert.Equal(ip, Web(repo).Service.ClusterIP);
    }

    [Fact]
    public void UpdatePods_SelectorMatches_NamedTargetPortResolvedPerPod()
    {
        var repo = With(WebService, Pod("web-1", "10.0.1.1", httpPort: 8080), Pod("web-2", "10.0.1.2", httpPort: 8081),
            Pod("other", "10.0.1.3", app: "db"), Pod("web-other-ns", "10.0.1.4", ns: "prod"));
        ResolvedService web = Web(repo);
        Assert.Equal([("10.0.1.1", 8080), ("10.0.1.2", 8081)],
            web.Ports[0].Backends.Select(b => (b.Backend.Address.ToString(), (int)b.Backend.Port)));
        Assert.Equal([("10.0.1.1", 9100), ("10.0.1.2", 9100)],
            web.Ports[1].Backends.Select(b => (b.Backend.Address.ToString(), (int)b.Backend.Port)));
    }

    [Fact]
    public void UpdatePods_PodWithoutNamedPort_NotABackendOfThatPortOnly()
    {
        var repo = With(WebService, Pod("web-1", "10.0.1.1", httpPort: 0));
        Assert.Empty(Web(repo).Ports[0].Backends);
        Assert.Single(Web(repo).Ports[1].Backends);
    }

    [Fact]
    public void UpsertAndRemovePod_BackendsFollowAndChangeNamesService()
    {
        var repo = With(WebService, Pod("web-1", "10.0.1.1"));
        var changes = new List<ServiceChange>();
        repo.Changed += (_, c) => changes.Add(c);

        ServiceChange added = repo.UpsertPod(Pod("web-2", "10.0.1.2"));
        Assert.Equal([new ServiceKey("default", "web")], added.Affected.ToArray());
        Assert.Equal(2, Web(repo).Ports[0].Backends.Count);

        repo.RemovePod(new ServiceKey("default", "web-1"));
        Assert.Equal("10.0.1.2", Web(repo).Ports[0].Backends.Single().Backend.Address.ToString());

        ServiceChange unrelated = repo.UpsertPod(Pod("db-1", "10.0.1.9", app: "db"));
        Assert.True(unrelated.IsEmpty);
        Assert.Equal(2, changes.Count);
    }

    [Fact]
    public void UpsertPod_Terminating_BackendKeptAsTerminating()
    {
        var repo = With(WebService, Pod("web-1", "10.0.1.1"));
        repo.UpsertPod(Pod("web-1", "10.0.1.1", terminating: true));
        Assert.Equal(BackendState.Terminating, Web(repo).Ports[0].Backends.Single().State);
    }

    [Fact]
    public void UpsertPod_NotReady_NoBackendUnlessPublishNotReady()
    {
        var repo = With(WebService);
        repo.UpsertPod(Pod("web-1", "10.0.1.1") with { Ready = false });
        Assert.Empty(Web(repo).Ports[0].Backends);
    }

    [Fact]
    public void Apply_ServiceWithoutSelector_BackendsFromItsSlicesByPortName()
    {
        var repo = With("""
            apiVersion: v1
            kind: Service
            metadata: {name: ext}
            spec: {ports: [{name: http, port: 80}, {name: https, port: 443}]}
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: ext-1, labels: {kubernetes.io/service-name: ext}}
            addressType: IPv4
            ports: [{name: http, port: 8080}, {name: https, port: 8443}]
            endpoints:
            - {addresses: [10.2.0.1], nodeName: node-a}
            - {addresses: [10.2.0.2], nodeName: node-b, conditions: {ready: false, serving: true, terminating: true}}
            - {addresses: [10.2.0.3], conditions: {ready: false}}
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: other, labels: {kubernetes.io/service-name: nothing-here}}
            addressType: IPv4
            ports: [{name: http, port: 1}]
            endpoints: [{addresses: [10.9.9.9]}]
            """);
        ResolvedService ext = repo.Snapshot.Services[new ServiceKey("default", "ext")];
        var http = ext.Ports[0].Backends;
        Assert.Equal(["10.2.0.1:8080/TCP", "10.2.0.2:8080/TCP"], http.Select(b => b.Backend.ToString()));
        Assert.Equal([BackendState.Active, BackendState.Terminating], http.Select(b => b.State));
        Assert.Equal([true, false], http.Select(b => b.IsLocal));
        Assert.Equal(8443, ext.Ports[1].Backends[0].Backend.Port);

        ServiceChange deleted = repo.DeleteSlice(new ServiceKey("default", "ext-1"));
        Assert.Equal([ext.Key], deleted.Affected.ToArray());
        Assert.Empty(repo.Snapshot.Services[ext.Key].Ports[0].Backends);
    }

    [Fact]
    public void Apply_ClusterIPTakenByOtherService_RejectedAndNothingApplied()
    {
        var repo = With("""
            {apiVersion: v1, kind: Service, metadata: {name: a}, spec: {clusterIP: 10.96.0.50, ports: [{port: 80}]}}
            """);
        ServiceApplyResult result = repo.Apply(ServiceParserTests.ParseOk("""
            apiVersion: v1
            kind: Service
            metadata: {name: fine}
            spec: {ports: [{port: 80}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: b}
            spec: {clusterIP: 10.96.0.50, ports: [{port: 80}]}
            """));
        ServiceError error = Assert.Single(result.Errors);
        Assert.Equal((1, "spec.clusterIP"), (error.DocumentIndex, error.Path));
        Assert.Contains("already allocated to service default/a", error.Reason, StringComparison.Ordinal);
        Assert.Equal(["a"], repo.Snapshot.Services.Keys.Select(k => k.Name));
        Assert.Single(repo.Allocations.ClusterIPs);
    }

    [Fact]
    public void Apply_NodePortTakenOrExternalIPShared_Rejected()
    {
        var repo = With("""
            {apiVersion: v1, kind: Service, metadata: {name: a}, spec: {type: NodePort, externalIPs: [192.0.2.1], ports: [{port: 80, nodePort: 30080}]}}
            """);
        ServiceApplyResult result = repo.Apply(ServiceParserTests.ParseOk("""
            {apiVersion: v1, kind: Service, metadata: {name: b}, spec: {type: NodePort, externalIPs: [192.0.2.1], ports: [{port: 80, nodePort: 30080}]}}
            """));
        Assert.Equal(["spec.ports[0].nodePort", "spec.externalIPs"], result.Errors.Select(e => e.Path));
        Assert.Single(repo.Snapshot.Services);
    }

    [Fact]
    public void Apply_NodePortServiceWithoutNodePort_AllocatedAndKeptOnReapply()
    {
        const string yaml = "{apiVersion: v1, kind: Service, metadata: {name: np}, spec: {type: NodePort, ports: [{port: 80}]}}";
        var repo = With(yaml);
        ushort nodePort = repo.Snapshot.Services.Values.Single().Service.Ports[0].NodePort;
        Assert.InRange(nodePort, 30000, 32767);
        repo.Apply(ServiceParserTests.ParseOk(yaml));
        Assert.Equal(nodePort, repo.Snapshot.Services.Values.Single().Service.Ports[0].NodePort);
    }

    [Fact]
    public void DeleteService_AllocationsFreedAndChangeReported()
    {
        var repo = With("{apiVersion: v1, kind: Service, metadata: {name: np}, spec: {type: NodePort, ports: [{port: 80}]}}");
        ServiceChange change = repo.DeleteService(new ServiceKey("default", "np"));
        Assert.Equal([new ServiceKey("default", "np")], change.Affected.ToArray());
        Assert.Empty(repo.Snapshot.Services);
        Assert.Empty(repo.Allocations.ClusterIPs);
        Assert.Empty(repo.Allocations.NodePorts);
    }

    [Fact]
    public void Restore_PersistedAllocations_ServiceGetsSameAddressAndNodePortBack()
    {
        const string yaml = "{apiVersion: v1, kind: Service, metadata: {name: np}, spec: {type: NodePort, ports: [{port: 80}]}}";
        var first = new ServiceRepository();
        first.Apply(ServiceDocumentParser.Parse("{apiVersion: v1, kind: Service, metadata: {name: x}, spec: {ports: [{port: 1}]}}"));
        first.Apply(ServiceDocumentParser.Parse(yaml));
        Service before = first.Snapshot.Services[new ServiceKey("default", "np")].Service;

        var second = new ServiceRepository(restored: first.Allocations);
        second.Apply(ServiceDocumentParser.Parse(yaml));
        Service after = second.Snapshot.Services[new ServiceKey("default", "np")].Service;
        Assert.Equal((before.ClusterIP, before.Ports[0].NodePort), (after.ClusterIP, after.Ports[0].NodePort));

        second.PruneAllocations();
        Assert.Single(second.Allocations.ClusterIPs);
    }

    [Fact]
    public void Apply_FailedParseResult_ErrorsReturnedNothingApplied()
    {
        var repo = new ServiceRepository();
        ServiceApplyResult result = repo.Apply(ServiceDocumentParser.Parse("kind: Service"));
        Assert.False(result.Succeeded);
        Assert.Equal(0, repo.Revision);
    }
}
