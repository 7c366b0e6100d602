using System.Text.Json;
using Tendril.Agent.Endpoints;
using Tendril.Agent.State;

namespace Tendril.Agent.Identity;

/// <summary>
/// Node-local identity allocation: each distinct sorted label set gets a number from 256 up (Cilium's cluster
/// range), kept in the state directory so the same labels keep the same number across restarts. Reference-counted;
/// an identity nobody uses is kept (numbers are never reused for other labels within a node's life).
/// Thread-safe.
/// </summary>
public sealed class LocalIdentitySource : IIdentitySource
{
    public const uint First = 256;
    public const uint Last = 65535;

    private readonly object _gate = new();
    private readonly StateFile<Dictionary<string, uint>> _file;
    private readonly Dictionary<string, uint> _byLabels;
    private readonly Dictionary<uint, int> _users = new();

    public LocalIdentitySource(string stateDirectory, JsonSerializerOptions json)
    {
        _file = new StateFile<Dictionary<string, uint>>(Path.Combine(stateDirectory, "identities.json"), json);
        _byLabels = _file.Load() ?? new Dictionary<string, uint>();
    }

    /// <summary>Cilium's canonical form: sorted, each label followed by ';'.</summary>
    public static string Canonical(IReadOnlyList<string> labels) => string.Concat(labels.Order(StringComparer.Ordinal).Select(l => l + ";"));

    public uint Acquire(IReadOnlyList<string> identityLabels)
    {
        string key = Canonical(identityLabels);
        lock (_gate)
        {
            if (!_byLabels.TryGetValue(key, out uint id))
            {
                id = _byLabels.Count == 0 ? First : _byLabels.Values.Max() + 1;
                if (id > Last)
                    throw new InvalidOperationException($"no free identity in {First}..{Last}");
                _byLabels[key] = id;
                _file.Save(_byLabels);
            }
            _users[id] = _users.GetValueOrDefault(id) + 1;
            return id;
        }
    }

    public void Release(uint identity)
    {
        lock (_gate)
        {
            if (_users.TryGetValue(identity, out int n))
                _users[identity] = Math.Max(0, n - 1);
        }
    }

    /// <summary>Every identity with its labels and how many endpoints use it now.</summary>
    public IReadOnlyList<(uint Id, string Labels, int Users)> List()
    {
        lock (_gate)
            return _byLabels.Select(kv => (kv.Value, kv.Key, _users.GetValueOrDefault(kv.Value))).OrderBy(e => e.Value).ToList();
    }

    public string? LabelsOf(uint identity)
    {
        lock (_gate)
            return _byLabels.FirstOrDefault(kv => kv.Value == identity).Key;
    }
}
