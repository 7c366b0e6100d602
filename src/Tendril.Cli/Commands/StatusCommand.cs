using System.CommandLine;
using Tendril.Cli.Output;

namespace Tendril.Cli.Commands;

/// <summary><c>tendril status</c>: is the agent up, and what does it run.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var command = new Command("status", "Show the agent's health, node and endpoint count");
        command.SetAgentAction(async (parse, client) =>
        {
            var health = await client.HealthAsync();
            AgentCommand.Print(parse, health, ("Status", "status"), ("Node", "node"), ("Pod CIDR", "podCidr"), ("Endpoints", "endpoints"), ("Version", "version"));
            return 0;
        });
        return command;
    }
}
