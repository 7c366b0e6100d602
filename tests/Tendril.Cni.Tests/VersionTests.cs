namespace Tendril.Cni.Tests;

public sealed class VersionTests
{
    private static readonly string[] Supported = ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"];

    private static PluginRun Version(string stdin) =>
        PluginRun.Of(new FakeHost(), new Dictionary<string, string> { ["CNI_COMMAND"] = "VERSION" }, stdin);

    [Theory]
    [InlineData("", "1.1.0")]
    [InlineData("""{"cniVersion": "0.4.0"}""", "0.4.0")]
    [InlineData("""{"cniVersion": "1.0.0", "name": "x", "type": "tendril-cni"}""", "1.0.0")]
    [InlineData("""{"cniVersion": "0.2.0"}""", "1.1.0")]
    [InlineData("""not json""", "1.1.0")]
    public void Version_AnswersTheRequestedVersionWhenSupportedAndTheList(string stdin, string expected)
    {
        var run = Version(stdin);

        Assert.Equal(0, run.ExitCode);
        var result = run.Json();
        Assert.Equal(expected, result.GetProperty("cniVersion").GetString());
        Assert.Equal(Supported, result.GetProperty("supportedVersions").EnumerateArray().Select(v => v.GetString()));
    }

    [Fact]
    public void Version_NeedsNoAgent()
    {
        var host = new FakeHost();

        PluginRun.Of(host, new Dictionary<string, string> { ["CNI_COMMAND"] = "VERSION" }, "");

        Assert.Empty(host.Sockets);
    }
}
