using Tendril.Api;
using Tendril.Cni.Agent;
using Tendril.Cni.Commands;

namespace Tendril.Cni;

/// <summary>
/// The plugin as the CNI spec defines it, free of the process: parameters in, result or error JSON on
/// <c>stdout</c>, notes on <c>stderr</c>, the exit code back. Stateless; the agent and the pod's namespace are reached
/// through the <see cref="ICniHost"/>, and the only thing it looks at itself is whether CNI_NETNS exists.
/// </summary>
internal static class CniPlugin
{
    /// <summary>Runs the command <c>CNI_COMMAND</c> names; 0 on success, 1 after printing an error result.</summary>
    public static async Task<int> RunAsync(IReadOnlyDictionary<string, string> environment, TextReader stdin, ICniHost host,
        TextWriter stdout, TextWriter stderr, CancellationToken token = default)
    {
        var errorVersion = CniVersion.Latest;
        string command = environment.GetValueOrDefault(CniEnvironment.CommandVariable) ?? "";
        try
        {
            // Without CNI_COMMAND this is a person at a terminal, not a runtime: answer without waiting for stdin.
            string text = command.Length > 0 ? ReadStdin(stdin) : "";
            var requested = PeekVersion(text);
            errorVersion = requested ?? CniVersion.Latest;
            var env = CniEnvironment.Parse(environment);
            if (env.Command == CniCommand.Version)
            {
                stdout.WriteLine(CniOutput.Versions(requested ?? CniVersion.Latest));
                return 0;
            }

            NetworkConfig config;
            using (var document = NetworkConfig.Decode(text))
                config = NetworkConfig.Read(document.RootElement, env.Command);
            string socket = config.AgentSocket ?? env.AgentSocket ?? AgentClient.DefaultSocket;
            var call = new CniInvocation
            {
                Environment = env, Config = config, Host = host, AgentSocket = socket, Stdout = stdout, Stderr = stderr,
            };
            try
            {
                await RunCommandAsync(call, token);
            }
            catch (Exception e) when (AgentFailures.IsAgentFailure(e))
            {
                throw new CniException(AgentFailures.ToCniError(e, socket));
            }
            return 0;
        }
        catch (CniException e)
        {
            return Fail(e.Error);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Still a CNI error, so the runtime reports something better than "invalid JSON from plugin".
            return Fail(new CniError(CniErrorCode.Internal, $"tendril-cni failed unexpectedly: {e.Message}", e.ToString()));
        }

        int Fail(CniError error)
        {
            stdout.WriteLine(CniOutput.Error(error, errorVersion));
            stderr.WriteLine(OneLine(command, error));
            return 1;
        }
    }

    private static Task RunCommandAsync(CniInvocation call, CancellationToken token) => call.Environment.Command switch
    {
        CniCommand.Add => AddCommand.RunAsync(call, token),
        CniCommand.Del => DelCommand.RunAsync(call, token),
        CniCommand.Check => CheckCommand.RunAsync(call, token),
        CniCommand.Status => StatusCommand.RunAsync(call, token),
        CniCommand.Gc => GcCommand.RunAsync(call, token),
        _ => throw new InvalidOperationException($"{call.Environment.Command} has no handler"),
    };

    private static string ReadStdin(TextReader stdin)
    {
        try
        {
            return stdin.ReadToEnd();
        }
        catch (IOException e)
        {
            throw new CniException(CniErrorCode.IoFailure, "cannot read the network configuration from stdin", e.Message);
        }
    }

    /// <summary>The supported version stdin asks for, if it is a configuration that names one; never fails.</summary>
    private static CniVersion? PeekVersion(string stdin)
    {
        if (string.IsNullOrWhiteSpace(stdin))
            return null;
        try
        {
            using var document = NetworkConfig.Decode(stdin);
            return NetworkConfig.TryReadVersion(document.RootElement);
        }
        catch (CniException)
        {
            return null;
        }
    }

    private static string OneLine(string command, CniError error)
    {
        string line = $"tendril-cni {(command.Length > 0 ? command : "(no CNI_COMMAND)")}: error {(int)error.Code}: {error.Message}";
        if (!string.IsNullOrEmpty(error.Details))
            line += $" ({error.Details})";
        return line.ReplaceLineEndings(" ");
    }
}
