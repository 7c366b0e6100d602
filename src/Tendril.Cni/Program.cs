using System.Collections;
using System.Text;

namespace Tendril.Cni;

internal static class Program
{
    /// <summary>
    /// A container runtime runs the plugin once per operation: CNI_* variables and the network configuration in, the
    /// result or error out, exit code 0 or 1.
    /// </summary>
    private static async Task<int> Main()
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
            environment[(string)variable.Key] = (string?)variable.Value ?? "";

        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        using var stdin = new StreamReader(Console.OpenStandardInput(), utf8);
        await using var stdout = new StreamWriter(Console.OpenStandardOutput(), utf8);
        await using var stderr = new StreamWriter(Console.OpenStandardError(), utf8) { AutoFlush = true };
        return await CniPlugin.RunAsync(environment, stdin, new SystemCniHost(), stdout, stderr);
    }
}
