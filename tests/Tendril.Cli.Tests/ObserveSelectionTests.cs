using Google.Protobuf.WellKnownTypes;
using Tendril.Cli.Commands;
using Tendril.Cli.Observe;
using Tendril.Hubble.Api.Observer;

namespace Tendril.Cli.Tests;

/// <summary>--last/--first/--all/--follow/--since/--until → GetFlowsRequest, and the time syntax they accept.</summary>
public sealed class ObserveSelectionTests
{
    private static readonly DateTimeOffset Now = new(2024, 5, 4, 13, 23, 47, 852, TimeSpan.Zero);

    [Fact]
    public void Request_NoSelectors_Last20()
    {
        var request = Request();
        Assert.Equal(20UL, request.Number);
        Assert.False(request.First);
        Assert.False(request.Follow);
    }

    [Fact]
    public void Request_Follow_NoNumber()
    {
        var request = Request("-f");
        Assert.Equal(0UL, request.Number);
        Assert.True(request.Follow);
    }

    [Fact]
    public void Request_First_OldestN()
    {
        var request = Request("--first", "5");
        Assert.Equal(5UL, request.Number);
        Assert.True(request.First);
    }

    [Fact]
    public void Request_All_EveryFlow()
    {
        Assert.Equal(ulong.MaxValue, Request("--all").Number);
    }

    [Fact]
    public void Request_SinceRelative_NoDefaultNumber()
    {
        var request = Request("--since", "1h43m", "--until", "2024-05-04T13:00:00Z");
        Assert.Equal(0UL, request.Number);
        Assert.Equal(Timestamp.FromDateTimeOffset(Now.AddMinutes(-103)), request.Since);
        Assert.Equal(Timestamp.FromDateTimeOffset(new DateTimeOffset(2024, 5, 4, 13, 0, 0, TimeSpan.Zero)), request.Until);
    }

    [Fact]
    public void Request_UntilWhileFollowing_Ignored()
    {
        Assert.Null(Request("--follow", "--until", "5m").Until);
    }

    [Theory]
    [InlineData("--first", "3", "--follow")]
    [InlineData("--first", "3", "--last", "2")]
    [InlineData("--last", "3", "--all")]
    public void Request_IncompatibleSelectors_Error(params string[] args)
    {
        var e = Assert.Throws<FlagException>(() => Request(args));
        Assert.Contains("cannot set both", e.Message);
    }

    [Theory]
    [InlineData("3s", 3)]
    [InlineData("4m", 240)]
    [InlineData("1h43m", 6180)]
    [InlineData("1.5h", 5400)]
    [InlineData("250ms", 0.25)]
    public void ParseTime_Relative_BeforeNow(string text, double secondsAgo)
    {
        Assert.Equal(Now - TimeSpan.FromSeconds(secondsAgo), TimeArguments.ParseTime("since", text, Now));
    }

    [Theory]
    [InlineData("2024-05-04T13:23:47Z", "2024-05-04T13:23:47.0000000+00:00")]
    [InlineData("2024-05-04T15:23:47.123456789+02:00", "2024-05-04T13:23:47.1234567+00:00")]
    [InlineData("2024-05-04", "2024-05-04T00:00:00.0000000+00:00")]
    [InlineData("Sat, 04 May 2024 15:23:47 +0200", "2024-05-04T13:23:47.0000000+00:00")]
    [InlineData("May  4 13:20:00.500", "2024-05-04T13:20:00.5000000+00:00")]
    public void ParseTime_Absolute_Utc(string text, string expected)
    {
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), TimeArguments.ParseTime("until", text, Now));
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("5")]
    [InlineData("3x")]
    [InlineData("")]
    public void ParseTime_Garbage_ErrorNamesFlag(string text)
    {
        var e = Assert.Throws<FlagException>(() => TimeArguments.ParseTime("since", text, Now));
        Assert.StartsWith("--since: cannot parse", e.Message);
    }

    [Theory]
    [InlineData("StampMilli", "May  4 13:23:47.852")]
    [InlineData("Stamp", "May  4 13:23:47")]
    [InlineData("RFC3339", "2024-05-04T13:23:47Z")]
    [InlineData("RFC3339Milli", "2024-05-04T13:23:47.852Z")]
    [InlineData("RFC3339Nano", "2024-05-04T13:23:47.8521Z")]
    [InlineData("RFC1123Z", "Sat, 04 May 2024 13:23:47 +0000")]
    public void Format_Layouts_GoShapes(string layout, string expected)
    {
        var timestamp = new Timestamp { Seconds = Now.ToUnixTimeSeconds(), Nanos = 852_100_000 };
        Assert.Equal(expected, TimeArguments.Format(timestamp, TimeArguments.ParseLayout("time-format", layout)));
    }

    [Fact]
    public void Format_NoTimestamp_NotAvailable()
    {
        Assert.Equal("N/A", TimeArguments.Format(null, TimeLayout.StampMilli));
    }

    private static GetFlowsRequest Request(params string[] args)
    {
        var parse = Program.BuildRoot().Parse(["observe", .. args]);
        Assert.Empty(parse.Errors);
        return ObserveCommand.BuildRequest(parse, Now);
    }
}
