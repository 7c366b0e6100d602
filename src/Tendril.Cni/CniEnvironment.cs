using System.Text;

namespace Tendril.Cni;

/// <summary>
/// The CNI parameters a runtime passes in environment variables, validated for the command they came with.
/// Immutable; a value the command does not take is empty.
/// </summary>
internal sealed record CniEnvironment
{
    public const string CommandVariable = "CNI_COMMAND";
    public const string ContainerIdVariable = "CNI_CONTAINERID";
    public const string NetnsVariable = "CNI_NETNS";
    public const string InterfaceVariable = "CNI_IFNAME";
    public const string PathVariable = "CNI_PATH";

    /// <summary>The agent's socket when the network configuration names none (as for the <c>tendril</c> CLI).</summary>
    public const string SocketVariable = "TENDRIL_SOCK";

    /// <summary>Linux interface names are at most IFNAMSIZ - 1 bytes.</summary>
    private const int MaxInterfaceNameBytes = 15;

    private static readonly Dictionary<string, CniCommand> Commands = new(StringComparer.Ordinal)
    {
        ["ADD"] = CniCommand.Add,
        ["DEL"] = CniCommand.Del,
        ["CHECK"] = CniCommand.Check,
        ["STATUS"] = CniCommand.Status,
        ["GC"] = CniCommand.Gc,
        ["VERSION"] = CniCommand.Version,
    };

    public required CniCommand Command { get; init; }

    /// <summary>CNI_CONTAINERID for ADD, CHECK and DEL.</summary>
    public string ContainerId { get; init; } = "";

    /// <summary>CNI_NETNS: always set for ADD and CHECK; empty for DEL when the runtime has none.</summary>
    public string Netns { get; init; } = "";

    /// <summary>CNI_IFNAME for ADD, CHECK and DEL.</summary>
    public string InterfaceName { get; init; } = "";

    /// <summary>CNI_ARGS for ADD, CHECK and DEL.</summary>
    public CniArgs Args { get; init; } = CniArgs.Empty;

    /// <summary>TENDRIL_SOCK, or null.</summary>
    public string? AgentSocket { get; init; }

    /// <summary>The command's name as runtimes spell it (ADD, DEL ...), for messages.</summary>
    public static string NameOf(CniCommand command) => Commands.First(pair => pair.Value == command).Key;

    /// <summary>
    /// Reads the variables <see cref="CniCommand"/> needs and checks them. Every problem found is listed in one error
    /// with code 4 (invalid environment), each naming its variable.
    /// </summary>
    public static CniEnvironment Parse(IReadOnlyDictionary<string, string> environment)
    {
        string? commandText = Get(environment, CommandVariable);
        if (commandText is null)
            throw Invalid($"{CommandVariable} is not set; it must be one of {string.Join(", ", Commands.Keys)}");
        if (!Commands.TryGetValue(commandText, out var command))
            throw Invalid($"{CommandVariable} '{commandText}' is not one of {string.Join(", ", Commands.Keys)}");

        bool attachment = command is CniCommand.Add or CniCommand.Check or CniCommand.Del;
        var problems = new List<string>();
        string? containerId = null, netns = null, ifname = null;
        if (attachment)
        {
            containerId = Require(environment, ContainerIdVariable, command, problems);
            if (containerId is not null && ContainerIdProblem(containerId) is { } idProblem)
                problems.Add($"{ContainerIdVariable} '{containerId}' {idProblem}");
            ifname = Require(environment, InterfaceVariable, command, problems);
            if (ifname is not null && InterfaceNameProblem(ifname) is { } nameProblem)
                problems.Add($"{InterfaceVariable} '{ifname}' {nameProblem}");
            netns = command == CniCommand.Del
                ? Get(environment, NetnsVariable)
                : Require(environment, NetnsVariable, command, problems);
        }
        if (command is not (CniCommand.Status or CniCommand.Version))
            Require(environment, PathVariable, command, problems);

        var args = CniArgs.Empty;
        if (attachment)
        {
            try
            {
                args = CniArgs.Parse(Get(environment, CniArgs.Variable));
            }
            catch (CniException e)
            {
                problems.Add(e.Error.Message);
            }
        }
        if (problems.Count > 0)
            throw Invalid(string.Join("; ", problems));

        return new CniEnvironment
        {
            Command = command,
            ContainerId = containerId ?? "",
            Netns = netns ?? "",
            InterfaceName = ifname ?? "",
            Args = args,
            AgentSocket = Get(environment, SocketVariable),
        };
    }

    /// <summary>Why a container ID breaks the spec's <c>^[A-Za-z0-9][A-Za-z0-9_.\-]*$</c>, or null when it does not.</summary>
    public static string? ContainerIdProblem(string id)
    {
        if (!char.IsAsciiLetterOrDigit(id[0]))
            return "must start with a letter or digit";
        foreach (char c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '.' or '-'))
                return $"contains '{c}'; only letters, digits, '_', '.' and '-' are allowed";
        }
        return null;
    }

    /// <summary>Why the kernel would refuse an interface name, or null when it would not.</summary>
    public static string? InterfaceNameProblem(string name)
    {
        int bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes > MaxInterfaceNameBytes)
            return $"is {bytes} bytes; Linux allows at most {MaxInterfaceNameBytes}";
        if (name is "." or "..")
            return "is reserved";
        foreach (char c in name)
        {
            if (c is '/' or ':' || char.IsWhiteSpace(c))
                return $"contains '{c}', which Linux does not allow in an interface name";
        }
        return null;
    }

    private static string? Require(IReadOnlyDictionary<string, string> environment, string variable, CniCommand command, List<string> problems)
    {
        string? value = Get(environment, variable);
        if (value is null)
            problems.Add($"{variable} is not set; {NameOf(command)} needs it");
        return value;
    }

    /// <summary>A variable's value; an empty one counts as not set.</summary>
    private static string? Get(IReadOnlyDictionary<string, string> environment, string variable) =>
        environment.TryGetValue(variable, out string? value) && value.Length > 0 ? value : null;

    private static CniException Invalid(string message) =>
        new(CniErrorCode.InvalidEnvironment, $"invalid CNI environment: {message}");
}
