namespace Tendril.Store;

/// <summary>A key's value and revisions at one point in time.</summary>
/// <param name="CreateRevision">Revision of the put that created the key (it resets when the key is deleted and re-created).</param>
/// <param name="ModRevision">Revision of the last put to the key.</param>
/// <param name="Version">1 on creation, +1 per put.</param>
/// <param name="LeaseId">The lease the key is attached to, 0 for none.</param>
public sealed record KeyValue(string Key, string Value, long CreateRevision, long ModRevision, long Version, long LeaseId);

/// <summary>The keys under a prefix, sorted by key, as of <paramref name="Revision"/>.</summary>
public sealed record ListResult(IReadOnlyList<KeyValue> Items, long Revision);

public enum WatchEventType
{
    Put,
    Delete,
}

/// <summary>One change to one key.</summary>
/// <param name="Value">The new value; null for a delete.</param>
/// <param name="ModRevision">The revision of the change (for a delete: the revision that deleted the key).</param>
/// <param name="CreateRevision">The key's create revision after a put; 0 for a delete.</param>
/// <param name="Version">The key's version after a put; 0 for a delete.</param>
/// <param name="LeaseId">The key's lease after a put; 0 for a delete or no lease.</param>
/// <param name="PrevValue">The value before the change; null when the key was absent.</param>
public sealed record WatchEvent(WatchEventType Type, string Key, string? Value, long ModRevision, long CreateRevision, long Version,
    long LeaseId, string? PrevValue);

/// <summary>What a <see cref="Compare"/> looks at.</summary>
public enum CompareTarget
{
    /// <summary>The value; a compare on the value of an absent key is always false, as in etcd.</summary>
    Value,
    /// <summary>The version; 0 for an absent key.</summary>
    Version,
    /// <summary>The revision of the last put; 0 for an absent key.</summary>
    ModRevision,
    /// <summary>The revision that created the key; 0 for an absent key.</summary>
    CreateRevision,
}

public enum CompareOperator
{
    Equal,
    NotEqual,
    Greater,
    Less,
}

/// <summary>A condition of a transaction: <c>target(key) operator operand</c>. Values compare ordinally.</summary>
/// <param name="Number">The operand for Version, ModRevision and CreateRevision.</param>
/// <param name="Text">The operand for Value.</param>
public sealed record Compare(string Key, CompareTarget Target, CompareOperator Operator, long Number = 0, string? Text = null)
{
    public static Compare OnValue(string key, CompareOperator op, string value) => new(key, CompareTarget.Value, op, Text: value);

    public static Compare OnVersion(string key, CompareOperator op, long version) => new(key, CompareTarget.Version, op, version);

    public static Compare OnModRevision(string key, CompareOperator op, long revision) => new(key, CompareTarget.ModRevision, op, revision);

    public static Compare OnCreateRevision(string key, CompareOperator op, long revision) => new(key, CompareTarget.CreateRevision, op, revision);

    /// <summary>The key does not exist (version 0).</summary>
    public static Compare Absent(string key) => OnVersion(key, CompareOperator.Equal, 0);

    /// <summary>The key exists.</summary>
    public static Compare Exists(string key) => OnVersion(key, CompareOperator.Greater, 0);

    public static Compare ValueEquals(string key, string value) => OnValue(key, CompareOperator.Equal, value);

    /// <summary>The key was last written at <paramref name="revision"/> (0: the key is absent).</summary>
    public static Compare ModRevisionEquals(string key, long revision) => OnModRevision(key, CompareOperator.Equal, revision);
}

public enum TxnOpKind
{
    Get,
    Put,
    Delete,
    DeletePrefix,
}

/// <summary>One operation of a transaction branch. For <see cref="TxnOpKind.DeletePrefix"/>, <paramref name="Key"/> is the prefix.</summary>
public sealed record TxnOp(TxnOpKind Kind, string Key, string? Value = null, long LeaseId = 0)
{
    public static TxnOp Get(string key) => new(TxnOpKind.Get, key);

    public static TxnOp Put(string key, string value, long leaseId = 0) => new(TxnOpKind.Put, key, value, leaseId);

    public static TxnOp Delete(string key) => new(TxnOpKind.Delete, key);

    public static TxnOp DeletePrefix(string prefix) => new(TxnOpKind.DeletePrefix, prefix);
}

/// <summary>
/// What one operation saw: for Get the key found (zero or one item), for Put the previous key (zero or one),
/// for Delete and DeletePrefix the keys deleted.
/// </summary>
public sealed record TxnOpResult(TxnOpKind Kind, IReadOnlyList<KeyValue> Items);

/// <summary>The outcome of a transaction: which branch ran, the store revision after it, one result per operation.</summary>
public sealed record TxnResult(bool Succeeded, long Revision, IReadOnlyList<TxnOpResult> Results);
