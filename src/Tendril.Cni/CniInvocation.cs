namespace Tendril.Cni;

/// <summary>One validated plugin call, as each command receives it. Immutable; the writers belong to the caller.</summary>
internal sealed record CniInvocation
{
    public required CniEnvironment Environment { get; init; }

    public required NetworkConfig Config { get; init; }

    public required ICniHost Host { get; init; }

    /// <summary>The agent's socket: the configuration's <c>agentSocket</c>, else TENDRIL_SOCK, else the default.</summary>
    public required string AgentSocket { get; init; }

    /// <summary>Where the result goes (nothing for DEL, CHECK, STATUS and GC).</summary>
    public required TextWriter Stdout { get; init; }

    /// <summary>Where notes for people go; runtimes pass it through to their logs.</summary>
    public required TextWriter Stderr { get; init; }

    /// <summary>Writes one line for people on stderr, prefixed with the plugin and command.</summary>
    public void Note(string message) =>
        Stderr.WriteLine($"tendril-cni {CniEnvironment.NameOf(Environment.Command)}: {message}");

    /// <summary>Fails with code 3 unless CNI_NETNS names an existing file: the container is gone.</summary>
    public void RequireNetns()
    {
        if (!File.Exists(Environment.Netns))
        {
            throw new CniException(CniErrorCode.UnknownContainer,
                $"the network namespace {Environment.Netns} of container {Environment.ContainerId} does not exist",
                "the container is gone or CNI_NETNS is wrong; nothing was changed");
        }
    }

    /// <summary>Fails with code 1 when the configuration's version predates <paramref name="minimum"/>.</summary>
    public void RequireVersion(CniVersion minimum)
    {
        if (Config.Version < minimum)
        {
            throw new CniException(CniErrorCode.IncompatibleVersion,
                $"{CniEnvironment.NameOf(Environment.Command)} needs cniVersion {minimum} or later; the configuration says {Config.Version}");
        }
    }
}
