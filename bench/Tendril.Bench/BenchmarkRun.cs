using System.Runtime.InteropServices;

namespace Tendril.Bench;

/// <summary>
/// Runs one benchmark with the exit codes every verb shares: 0 when it measured, 1 with a one-line reason when it could
/// not. Ctrl+C and SIGTERM cancel the measurement instead of killing the process, so whatever it created (namespaces,
/// pins, cgroups, child processes) is removed by its own clean-up.
/// </summary>
internal static class BenchmarkRun
{
    public static async Task<int> RunAsync(string name, Func<CancellationToken, Task> measure)
    {
        using var interrupted = new CancellationTokenSource();
        void Interrupt(PosixSignalContext context)
        {
            context.Cancel = true;
            interrupted.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);
        try
        {
            await measure(interrupted.Token);
            return 0;
        }
        catch (OperationCanceledException) when (interrupted.IsCancellationRequested)
        {
            Console.Error.WriteLine($"{name} benchmark: interrupted; what it had created is removed");
            return 1;
        }
        catch (BenchmarkException e)
        {
            Console.Error.WriteLine($"{name} benchmark: {e.Message}");
            return 1;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"{name} benchmark: {e.Message}");
            Console.Error.WriteLine(e);
            return 1;
        }
    }
}
