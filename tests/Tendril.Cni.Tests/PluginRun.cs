using System.Text.Json;

namespace Tendril.Cni.Tests;

/// <summary>One run of the plugin: its exit code and what it printed.</summary>
internal sealed record PluginRun(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Runs <see cref="CniPlugin"/> with exactly these variables and this stdin.</summary>
    public static PluginRun Of(FakeHost host, IReadOnlyDictionary<string, string> environment, string stdin)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CniPlugin.RunAsync(environment, new StringReader(stdin), host, stdout, stderr).GetAwaiter().GetResult();
        return new PluginRun(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>stdout as JSON; fails the test when it is not.</summary>
    public JsonElement Json()
    {
        using var document = JsonDocument.Parse(Stdout);
        return document.RootElement.Clone();
    }

    /// <summary>Asserts a CNI error result with <paramref name="code"/> and returns it.</summary>
    public JsonElement AssertError(int code)
    {
        Assert.True(ExitCode == 1, $"expected exit code 1, got {ExitCode}; stdout: {Stdout}");
        var error = Json();
        Assert.Equal(code, error.GetProperty("code").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("msg").GetString()));
        Assert.Single(Stderr.TrimEnd().Split('\n'));
        return error;
    }

    /// <summary>Asserts success with nothing on stdout (DEL, CHECK, STATUS, GC).</summary>
    public void AssertSilentSuccess()
    {
        Assert.True(ExitCode == 0, $"expected exit code 0, got {ExitCode}; stdout: {Stdout}");
        Assert.Equal("", Stdout);
    }

    public string Message => Json().GetProperty("msg").GetString()!;
}
