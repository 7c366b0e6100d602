using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tendril.Cli.Commands;
using Tendril.Hubble.Api.Flow;
using Tendril.Hubble.Api.Observer;

namespace Tendril.Cli.Tests;

/// <summary>
/// <c>tendril observe</c> against a real gRPC server: Kestrel on a unix socket in a temp directory, serving a stub
/// Observer with two canned flows.
/// </summary>
public sealed class ObserveEndToEndTests : IAsyncLifetime
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("tendril-cli-");
    private readonly StubObserver _observer = new();
    private WebApplication? _app;

    private string Socket => Path.Combine(_directory.FullName, "hubble.sock");

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ListenUnixSocket(Socket, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(_observer);
        _app = builder.Build();
        _app.MapGrpcService<StubObserver>();
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
            await _app.DisposeAsync();
        _directory.Delete(recursive: true);
    }

    [Fact]
    public async Task RunAsync_StubServer_PrintsCompactLinesAndSendsFilters()
    {
        var (exit, output, errors) = await Observe("--last", "2", "--not", "--verdict", "FORWARDED");
        Assert.Equal("", errors);
        Assert.Equal(0, exit);
        Assert.Equal(
        [
            "May  4 13:23:47.852: default/xwing:42818 (ID:22654) <> default/deathstar:80 (ID:16530) Policy denied DROPPED (TCP Flags: SYN)",
            "May  4 13:23:47.852: default/xwing:42818 (ID:22654) <> default/deathstar:80 (ID:16530) policy-verdict:none INGRESS DENIED (TCP Flags: SYN)",
        ], output);
        var request = Assert.Single(_observer.Requests);
        Assert.Equal(2UL, request.Number);
        Assert.Equal(Verdict.Forwarded, Assert.Single(Assert.Single(request.Blacklist).Verdict));

        (exit, output, _) = await Observe("--last", "1");
        Assert.Equal(0, exit);
        Assert.Equal(["May  4 13:23:47.852: default/xwing:42818 (ID:22654) <> default/deathstar:80 (ID:16530) policy-verdict:none INGRESS DENIED (TCP Flags: SYN)"], output);
    }

    [Fact]
    public async Task RunAsync_NothingListening_ErrorSaysWhere()
    {
        var parse = Program.BuildRoot().Parse(["observe", "--server", $"unix://{_directory.FullName}/missing.sock"]);
        var errors = new StringWriter();
        int exit = await ObserveCommand.RunAsync(parse, new ObserveConsole(TextWriter.Null, errors, false), TimeProvider.System, default);
        Assert.Equal(1, exit);
        Assert.StartsWith($"Error: cannot reach Hubble at unix://{_directory.FullName}/missing.sock", errors.ToString());
    }

    private async Task<(int Exit, string[] Lines, string Errors)> Observe(params string[] args)
    {
        var parse = Program.BuildRoot().Parse(["observe", "--server", "unix://" + Socket, .. args]);
        Assert.Empty(parse.Errors);
        var output = new StringWriter();
        var errors = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        int exit = await ObserveCommand.RunAsync(parse, new ObserveConsole(output, errors, false), TimeProvider.System, timeout.Token);
        return (exit, output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries), errors.ToString());
    }

    /// <summary>Serves a dropped SYN and its policy verdict, newest last, honouring <c>number</c>; records requests.</summary>
    public sealed class StubObserver : Observer.ObserverBase
    {
        public List<GetFlowsRequest> Requests { get; } = [];

        public override async Task GetFlows(GetFlowsRequest request, IServerStreamWriter<GetFlowsResponse> responseStream, ServerCallContext context)
        {
            lock (Requests)
                Requests.Add(request);
            var drop = FlowPrinterTests.DroppedSyn();
            var verdict = FlowPrinterTests.DroppedSyn();
            verdict.EventType = new CiliumEventType { Type = 5 };
            Flow[] flows = [drop, verdict];
            int skip = request.Number > 0 && request.Number < (ulong)flows.Length ? flows.Length - (int)request.Number : 0;
            foreach (var flow in flows.Skip(skip))
                await responseStream.WriteAsync(new GetFlowsResponse { Flow = flow, NodeName = flow.NodeName, Time = flow.Time });
        }
    }
}
