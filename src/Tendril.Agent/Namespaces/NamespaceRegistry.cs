using System.Text.Json;
using System.Text.RegularExpressions;
using Tendril.Agent.State;

namespace Tendril.Agent.Namespaces;

/// <summary>
/// Kubernetes-style namespaces and their labels, persisted in the state directory. Every namespace carries
/// <c>kubernetes.io/metadata.name=&lt;name&gt;</c>, as in Kubernetes, so namespaceSelector works as people write it.
/// A namespace comes into being when first used. Thread-safe.
/// </summary>
public sealed partial class NamespaceRegistry
{
    public const string NameLabel = "kubernetes.io/metadata.name";

    private readonly object _gate = new();
    private readonly StateDocument<Dictionary<string, Dictionary<string, string>>> _file;
    private readonly Dictionary<string, Dictionary<string, string>> _namespaces;

    public NamespaceRegistry(AgentState state)
    {
        _file = state.Document<Dictionary<string, Dictionary<string, string>>>("namespaces");
        _namespaces = _file.Load() ?? new Dictionary<string, Dictionary<string, string>>();
    }

    /// <summary>The namespace's labels, creating it (with only its name label) if needed.</summary>
    public IReadOnlyDictionary<string, string> Ensure(string name)
    {
        Validate(name);
        lock (_gate)
        {
            if (!_namespaces.TryGetValue(name, out var labels))
            {
                labels = new Dictionary<string, string> { [NameLabel] = name };
                _namespaces[name] = labels;
                _file.Save(_namespaces);
            }
            return new Dictionary<string, string>(labels);
        }
    }

    /// <summary>
    /// Sets and removes labels (a null value removes). The name label cannot change. Returns true when the labels changed.
    /// </summary>
    public bool Label(string name, IReadOnlyDictionary<string, string?> changes)
    {
        Validate(name);
        lock (_gate)
        {
            var labels = new Dictionary<string, string>(Ensure(name));
            foreach (var (key, value) in changes)
            {
                if (key == NameLabel)
                    throw new ArgumentException($"label {NameLabel} is set by Tendril and cannot be changed");
                if (!LabelKey().IsMatch(key))
                    throw new ArgumentException($"label key '{key}' is not a valid Kubernetes label key");
                if (value is null)
                    labels.Remove(key);
                else if (value.Length > 63 || !LabelValue().IsMatch(value))
                    throw new ArgumentException($"label value '{value}' of {key} is not a valid Kubernetes label value");
                else
                    labels[key] = value;
            }
            bool changed = !labels.OrderBy(l => l.Key).SequenceEqual(_namespaces[name].OrderBy(l => l.Key));
            _namespaces[name] = labels;
            _file.Save(_namespaces);
            return changed;
        }
    }

    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> List()
    {
        lock (_gate)
            return _namespaces.OrderBy(n => n.Key).ToDictionary(n => n.Key, n => (IReadOnlyDictionary<string, string>)new Dictionary<string, string>(n.Value));
    }

    private static void Validate(string name)
    {
        if (!NamespaceName().IsMatch(name))
            throw new ArgumentException($"namespace name '{name}' must be lower-case letters, digits and '-', at most 63 characters");
    }

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex NamespaceName();

    [GeneratedRegex(@"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")]
    private static partial Regex LabelKey();

    [GeneratedRegex(@"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")]
    private static partial Regex LabelValue();
}
