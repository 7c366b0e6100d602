using System.Runtime.ExceptionServices;
using Tendril.Interop.LibC;

namespace Tendril.Interop.Namespaces;

/// <summary>
/// A dedicated, long-lived OS thread that runs queued synchronous work inside one network namespace.
/// </summary>
/// <remarks>
/// <para>
/// setns(2) changes only the calling thread, and every thread created from it inherits its namespace —
/// including thread-pool workers the runtime injects from whichever thread queues work. So nothing here
/// touches the thread pool while inside the namespace: the thread enters the namespace for a batch of
/// work items, returns to its original namespace, and only then completes the callers' tasks.
/// </para>
/// <para>
/// Work items must be synchronous: no <c>await</c>, <c>Task.Run</c>, timers, or anything that starts
/// threads. Sockets and BPF links created inside keep their namespace after the item returns.
/// Thread-safe: any thread may queue work. Dispose joins the thread and closes the namespace fd.
/// </para>
/// </remarks>
public sealed class NetNsThread : IDisposable
{
    private readonly Queue<WorkItem> _queue = new();
    private readonly string _path;
    private SafeFd? _target;
    private SafeFd? _home;
    private Thread? _thread;
    private bool _stopping;
    private int _threadId = -1;

    private NetNsThread(string path)
    {
        _path = path;
    }

    /// <summary>The namespace file this thread enters (<c>/var/run/netns/NAME</c>, <c>/proc/PID/ns/net</c>).</summary>
    public string Path => _path;

    /// <summary>Opens the namespace file and starts the thread.</summary>
    public static NetNsThread Start(string namespacePath)
    {
        var worker = new NetNsThread(namespacePath);
        int fd = Fcntl.open(namespacePath, Fcntl.O_RDONLY | Fcntl.O_CLOEXEC, 0);
        if (fd < 0)
            throw LinuxException.FromLastError($"open network namespace {namespacePath}");
        worker._target = new SafeFd(fd);
        var started = new ManualResetEventSlim();
        Exception? startError = null;
        worker._thread = new Thread(() =>
        {
            try
            {
                worker._threadId = Environment.CurrentManagedThreadId;
                int home = Fcntl.open("/proc/thread-self/ns/net", Fcntl.O_RDONLY | Fcntl.O_CLOEXEC, 0);
                if (home < 0)
                    throw LinuxException.FromLastError("open /proc/thread-self/ns/net");
                worker._home = new SafeFd(home);
            }
            catch (Exception e)
            {
                startError = e;
                started.Set();
                return;
            }
            started.Set();
            worker.Loop();
        })
        {
            IsBackground = true,
            Name = $"netns {System.IO.Path.GetFileName(namespacePath)}",
        };
        worker._thread.Start();
        started.Wait();
        started.Dispose();
        if (startError is not null)
        {
            worker._target.Dispose();
            ExceptionDispatchInfo.Throw(startError);
        }
        return worker;
    }

    /// <summary>Starts a thread for a namespace created by <c>ip netns add</c> or Tendril.Netlink.</summary>
    public static NetNsThread StartNamed(string name) => Start($"/var/run/netns/{name}");

    /// <summary>Runs <paramref name="work"/> inside the namespace and returns its result; blocks the caller.</summary>
    public T Invoke<T>(Func<T> work)
    {
        if (Environment.CurrentManagedThreadId == _threadId)
            return work();
        var item = new WorkItem<T>(work, asynchronous: false);
        Enqueue(item);
        return item.Wait();
    }

    /// <summary>Runs <paramref name="work"/> inside the namespace; blocks the caller.</summary>
    public void Invoke(Action work) => Invoke(() =>
    {
        work();
        return true;
    });

    /// <summary>Queues <paramref name="work"/>; the task completes on a thread outside the namespace.</summary>
    public Task<T> InvokeAsync<T>(Func<T> work)
    {
        var item = new WorkItem<T>(work, asynchronous: true);
        Enqueue(item);
        return item.Task!;
    }

    public void Dispose()
    {
        lock (_queue)
        {
            if (_stopping)
                return;
            _stopping = true;
            Monitor.PulseAll(_queue);
        }
        if (_thread is not null && Environment.CurrentManagedThreadId != _threadId)
            _thread.Join();
        _target?.Dispose();
        _home?.Dispose();
    }

    private void Enqueue(WorkItem item)
    {
        lock (_queue)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            _queue.Enqueue(item);
            Monitor.Pulse(_queue);
        }
    }

    private void Loop()
    {
        var batch = new List<WorkItem>();
        while (true)
        {
            lock (_queue)
            {
                while (_queue.Count == 0 && !_stopping)
                    Monitor.Wait(_queue);
                while (_queue.Count > 0)
                    batch.Add(_queue.Dequeue());
            }
            if (batch.Count == 0)
                return;

            Exception? enterError = Enter(_target!, $"enter network namespace {_path}");
            foreach (var item in batch)
            {
                if (enterError is null)
                    item.Run();
                else
                    item.Fail(enterError);
            }
            Exception? leaveError = enterError is null ? Enter(_home!, "return to the original network namespace") : null;
            // Back in the original namespace (or never left it): completing tasks may inject pool threads safely.
            foreach (var item in batch)
                item.Complete();
            batch.Clear();
            if (leaveError is not null)
            {
                // The thread is stuck in the target namespace; refuse all further work rather than run it in the wrong place.
                lock (_queue)
                {
                    _stopping = true;
                    while (_queue.Count > 0)
                    {
                        var pending = _queue.Dequeue();
                        pending.Fail(leaveError);
                        pending.Complete();
                    }
                }
                return;
            }
        }
    }

    private static Exception? Enter(SafeFd ns, string operation) =>
        Sched.setns(ns.Fd, Sched.CLONE_NEWNET) == 0 ? null : LinuxException.FromLastError(operation);

    private abstract class WorkItem
    {
        public abstract void Run();

        public abstract void Fail(Exception error);

        public abstract void Complete();
    }

    private sealed class WorkItem<T>(Func<T> work, bool asynchronous) : WorkItem
    {
        private readonly ManualResetEventSlim? _done = asynchronous ? null : new ManualResetEventSlim();
        private T? _result;
        private Exception? _error;

        public TaskCompletionSource<T>? Source { get; } =
            asynchronous ? new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously) : null;

        public Task<T>? Task => Source?.Task;

        public override void Run()
        {
            try
            {
                _result = work();
            }
            catch (Exception e)
            {
                _error = e;
            }
        }

        public override void Fail(Exception error) => _error = error;

        public override void Complete()
        {
            if (Source is not null)
            {
                if (_error is not null)
                    Source.SetException(_error);
                else
                    Source.SetResult(_result!);
            }
            else
            {
                _done!.Set();
            }
        }

        public T Wait()
        {
            _done!.Wait();
            _done.Dispose();
            if (_error is not null)
                ExceptionDispatchInfo.Throw(_error);
            return _result!;
        }
    }
}
