using Google.Protobuf.WellKnownTypes;
using Tendril.Hubble.Api.Flow;
using Tendril.Hubble.Api.Observer;

namespace Tendril.Cli.Observe;

/// <summary>
/// Which flows to ask for — <c>--last</c>, <c>--first</c>, <c>--all</c>, <c>--follow</c>, <c>--since</c>,
/// <c>--until</c> — and how they become a <see cref="GetFlowsRequest"/>, with the hubble CLI's rules: a plain
/// <c>observe</c> asks for the last 20 flows; <c>--all</c> asks for every stored flow; <c>--until</c> is ignored
/// when following. Immutable.
/// </summary>
internal sealed record FlowSelection
{
    /// <summary>What a plain <c>observe</c> prints (hubble's default).</summary>
    public const ulong DefaultLast = 20;

    public ulong? Last { get; init; }
    public ulong? First { get; init; }
    public bool All { get; init; }
    public bool Follow { get; init; }
    public string? Since { get; init; }
    public string? Until { get; init; }

    /// <summary>The request for these selectors and filters; <paramref name="now"/> anchors relative times.</summary>
    /// <exception cref="FlagException">Selectors that cannot be combined, or an unreadable time.</exception>
    public GetFlowsRequest ToRequest(IEnumerable<FlowFilter> whitelist, IEnumerable<FlowFilter> blacklist, DateTimeOffset now)
    {
        bool first = First > 0;
        bool last = Last > 0;
        if (first && last)
            throw new FlagException("first", "cannot set both --first and --last");
        if (first && All)
            throw new FlagException("first", "cannot set both --first and --all");
        if (first && Follow)
            throw new FlagException("first", "cannot set both --first and --follow");
        if (last && All)
            throw new FlagException("last", "cannot set both --last and --all");

        Timestamp? since = Since is { Length: > 0 } s ? Timestamp.FromDateTimeOffset(TimeArguments.ParseTime("since", s, now)) : null;
        Timestamp? until = Until is { Length: > 0 } u && !Follow ? Timestamp.FromDateTimeOffset(TimeArguments.ParseTime("until", u, now)) : null;

        ulong number = first ? First!.Value : Last ?? 0;
        if (since is null && until is null && !first)
        {
            if (All)
                number = ulong.MaxValue;
            else if (number == 0 && !Follow)
                number = DefaultLast;
        }
        var request = new GetFlowsRequest { Number = number, First = first, Follow = Follow, Since = since, Until = until };
        request.Whitelist.AddRange(whitelist);
        request.Blacklist.AddRange(blacklist);
        return request;
    }
}
