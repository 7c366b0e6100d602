using Tendril.Tests.Common;
using Xunit;

namespace Tendril.Agent.PrivilegedTests;

/// <summary>The README's main job, run as a user runs it.</summary>
[Trait("Category", "Privileged")]
public sealed class DemoPrivilegedTests
{
    [PrivilegedFact]
    public async Task PrivilegedDemo_AsTheReadmeRunsIt_TiefighterLandsXwingIsDeniedAndNothingRemains()
    {
        var (exit, output, stderr) = await ChildProcess.RunDotnetAsync("tendril.dll", ["demo"], TimeSpan.FromMinutes(3));

        Assert.True(exit == 0, output + stderr);
        Assert.Contains("tiefighter$ curl http://10.220.0.2/v1/request-landing → Ship landed", output);
        Assert.Contains("xwing$ curl http://10.220.0.2/v1/request-landing → no answer", output);
        Assert.Matches(@"default/xwing:\d+ \(ID:\d+\) -> default/deathstar:80 \(ID:\d+\) Policy denied DROPPED \(TCP Flags: SYN\)", output);
        Assert.Matches(@"tendril_drop_count_total\{reason=""Policy denied"",direction=""INGRESS""\} [1-9]", output);
        Assert.Contains("Demo complete", output);
        Assert.DoesNotContain("tendril-demo", Tendril.Netlink.Namespaces.NetworkNamespaces.List());
        Assert.False(Directory.Exists("/sys/fs/bpf/tendril/demo"));
        Assert.False(File.Exists("/var/run/tendril/demo-hubble.sock"));
    }
}
