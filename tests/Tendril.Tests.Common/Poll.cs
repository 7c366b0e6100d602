namespace Tendril.Tests.Common;

/// <summary>Waits for a condition with a deadline instead of sleeping for a fixed time.</summary>
public static class Poll
{
    public static async Task<bool> UntilAsync(Func<bool> condition, TimeSpan timeout, TimeSpan? interval = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (condition())
                return true;
            if (DateTime.UtcNow >= deadline)
                return false;
            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(20));
        }
    }

    public static bool Until(Func<bool> condition, TimeSpan timeout, TimeSpan? interval = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (condition())
                return true;
            if (DateTime.UtcNow >= deadline)
                return false;
            Thread.Sleep(interval ?? TimeSpan.FromMilliseconds(20));
        }
    }
}
