using System.Text.Json;
using Tendril.Store;
using Tendril.Store.Embedded;

namespace Tendril.Agent.State;

/// <summary>
/// The agent's persistent state: documents (endpoints, identities, namespaces, the policy log) kept in the embedded
/// key-value store under <c>tendril/state/</c>. Each save is one store write, on disk (write-ahead log, fsync) before it
/// returns, so after a crash the agent finds either the old or the new document, never half of one.
/// Owns the store; dispose to close it. Thread-safe.
/// </summary>
public sealed class AgentState : IAsyncDisposable
{
    public const string Prefix = "tendril/state/";

    private readonly IKeyValueStore _store;

    private AgentState(IKeyValueStore store, JsonSerializerOptions json)
    {
        _store = store;
        Json = json;
    }

    public JsonSerializerOptions Json { get; }

    /// <summary>Opens (or creates) the store in <paramref name="directory"/>.</summary>
    public static async Task<AgentState> OpenAsync(string directory, JsonSerializerOptions json, CancellationToken cancellationToken = default)
    {
        var store = await EmbeddedStore.OpenAsync(new EmbeddedStoreOptions { Directory = directory }, cancellationToken: cancellationToken);
        return new AgentState(store, json);
    }

    /// <summary>The document stored under <c>tendril/state/<paramref name="name"/></c>.</summary>
    public StateDocument<T> Document<T>(string name) where T : class => new(_store, Prefix + name, Json);

    public ValueTask DisposeAsync() => _store.DisposeAsync();
}

/// <summary>One JSON document of the agent's state, under one key of the store. Thread-safe.</summary>
public sealed class StateDocument<T>(IKeyValueStore store, string key, JsonSerializerOptions json) where T : class
{
    public string Key { get; } = key;

    /// <summary>The saved document, or null when none was saved yet.</summary>
    public T? Load()
    {
        // The embedded store answers reads from memory; its tasks complete synchronously.
        var saved = store.GetAsync(Key).GetAwaiter().GetResult();
        if (saved is null)
            return null;
        return JsonSerializer.Deserialize<T>(saved.Value, json) ?? throw new InvalidDataException($"state {Key} is empty");
    }

    /// <summary>Replaces the document; durable when this returns.</summary>
    public void Save(T value) => store.PutAsync(Key, JsonSerializer.Serialize(value, json)).GetAwaiter().GetResult();
}
