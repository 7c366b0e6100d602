using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Tendril.Tests.Common;

namespace Tendril.Agent.PrivilegedTests;

/// <summary>
/// A real Prometheus server (Debian's /usr/bin/prometheus) on loopback, scraping the given targets every second, with
/// its configuration and TSDB in a temporary directory. Dispose kills it (by PID) and removes the directory.
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly HttpClient _http;

    private PrometheusServer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(5) };
    }

    public static async Task<PrometheusServer> StartAsync(int port, IReadOnlyList<string> targets)
    {
        string directory = Path.Combine(Path.GetTempPath(), TestNames.Unique("prom"));
        Directory.CreateDirectory(directory);
        string config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, $$"""
            global: {scrape_interval: 1s, evaluation_interval: 1s}
            scrape_configs:
            - job_name: tendril
              static_configs: [{targets: [{{string.Join(", ", targets.Select(t => $"'{t}'"))}}]}]
            """);
        var psi = new ProcessStartInfo("prometheus") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(directory, "data")}",
                     $"--web.listen-address=127.0.0.1:{port}" })
            psi.ArgumentList.Add(arg);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("prometheus did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new PrometheusServer(process, directory, port);
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!await server.ReadyAsync())
            {
                if (process.HasExited || DateTime.UtcNow > deadline)
                    throw new InvalidOperationException($"prometheus on 127.0.0.1:{port} did not become ready");
                await Task.Delay(200);
            }
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private async Task<bool> ReadyAsync()
    {
        try
        {
            return (await _http.GetAsync("-/ready")).IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>The value of an instant query once it has one (scrapes take a second or two), or 0 after 30 s.</summary>
    public async Task<double> QueryAsync(string query)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            using var answer = JsonDocument.Parse(await _http.GetStringAsync($"api/v1/query?query={Uri.EscapeDataString(query)}"));
            var result = answer.RootElement.GetProperty("data").GetProperty("result");
            if (result.GetArrayLength() > 0)
                return double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
            await Task.Delay(500);
        }
        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _http.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
