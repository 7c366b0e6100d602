using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tendril.Agent;
using Tendril.Agent.Api;

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

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders().AddSimpleConsole(o => o.SingleLine = true)
    .AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
string socket = options.ResolvedSocketPath;
Directory.CreateDirectory(Path.GetDirectoryName(socket)!);
File.Delete(socket); // a stale socket of a killed agent
builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenUnixSocket(socket));

builder.Services.AddSingleton(options);                                      // this node's settings
builder.Services.AddSingleton<AgentRuntime>();                               // datapath, identities, endpoints
builder.Services.AddHostedService(sp => sp.GetRequiredService<AgentRuntime>());

var app = builder.Build();
AgentApi.Map(app, app.Services.GetRequiredService<AgentRuntime>());          // REST API under /v1
app.Lifetime.ApplicationStarted.Register(() => File.SetUnixFileMode(socket, UnixFileMode.UserRead | UnixFileMode.UserWrite));
await app.RunAsync();
return 0;
