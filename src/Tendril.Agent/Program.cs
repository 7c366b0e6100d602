using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tendril.Agent;
using Tendril.Agent.Api;
using Tendril.Agent.Metrics;
using Tendril.Agent.Observability;

AgentOptions options;
try
{
    options = AgentCommandLine.Parse(args);
    options.Validate();
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"tendril-agent: {e.Message}");
    Console.Error.WriteLine(AgentCommandLine.Usage);
    return 2;
}

static void Logging(ILoggingBuilder logging) =>
    logging.ClearProviders().AddSimpleConsole(o => o.SingleLine = true).AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

// Started in order, stopped in reverse: the runtime (datapath, state, endpoints, policy), the observability server
// (Hubble gRPC and metrics, reading the runtime's event ring), then the REST API, so that an answering API means
// everything is up.
using var loggers = LoggerFactory.Create(Logging);
var runtime = new AgentRuntime(options, loggers.CreateLogger<AgentRuntime>());
await runtime.StartAsync(CancellationToken.None);

var metrics = new AgentMetrics(runtime);                                                  // read at scrape time
await using var observability = ObservabilityServer.Build(options, runtime, metrics, Logging); // Hubble gRPC, metrics
await observability.StartAsync();
File.SetUnixFileMode(options.ResolvedHubbleSocketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);

var builder = WebApplication.CreateSlimBuilder();
Logging(builder.Logging);
string socket = options.ResolvedSocketPath;
Directory.CreateDirectory(Path.GetDirectoryName(socket)!);
File.Delete(socket); // a stale socket of a killed agent
builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenUnixSocket(socket));
await using var api = builder.Build();
api.Use(metrics.TimeApiRequest);                                                          // tendril_agent_api_process_time_seconds
AgentApi.Map(api, runtime);                                                               // REST API under /v1, unix socket only
await api.StartAsync();
File.SetUnixFileMode(socket, UnixFileMode.UserRead | UnixFileMode.UserWrite);

await api.WaitForShutdownAsync();                                                         // SIGTERM / SIGINT
await observability.StopAsync();                                                          // lets go of the event ring
await runtime.StopAsync(CancellationToken.None);                                          // pinned maps and links stay
return 0;
