namespace Tendril.Store.Embedded;

/// <summary>
/// Turns a transaction branch into the log operations it commits and the results it reports, without changing anything:
/// all reads see the state before the branch, and a branch that writes one key twice is refused, as etcd refuses it.
/// </summary>
internal static class TxnPlanner
{
    /// <exception cref="ArgumentException">The branch writes a key twice.</exception>
    /// <exception cref="LeaseNotFoundException">A put names a lease that does not exist.</exception>
    public static (List<LogOp> Ops, List<TxnOpResult> Results) Plan(KeySpace keys, IReadOnlyList<TxnOp> branch, string branchName)
    {
        var ops = new List<LogOp>();
        var results = new List<TxnOpResult>(branch.Count);
        var written = new HashSet<string>(StringComparer.Ordinal);
        var deletedPrefixes = new List<string>();

        void Claim(string key)
        {
            if (!written.Add(key) || deletedPrefixes.Any(p => key.StartsWith(p, StringComparison.Ordinal)))
                throw new ArgumentException($"transaction {branchName} writes key {key} more than once", branchName);
        }

        foreach (var op in branch)
        {
            switch (op.Kind)
            {
                case TxnOpKind.Get:
                    results.Add(new TxnOpResult(op.Kind, AsList(keys.Get(op.Key))));
                    break;
                case TxnOpKind.Put:
                    Claim(op.Key);
                    if (op.LeaseId != 0 && keys.FindLease(op.LeaseId) is null)
                        throw new LeaseNotFoundException(op.LeaseId, "it was never granted, or was revoked or expired");
                    results.Add(new TxnOpResult(op.Kind, AsList(keys.Get(op.Key))));
                    ops.Add(new LogOp.Put(op.Key, op.Value!, op.LeaseId));
                    break;
                case TxnOpKind.Delete:
                    Claim(op.Key);
                    var existing = keys.Get(op.Key);
                    if (existing is not null)
                        ops.Add(new LogOp.Delete(op.Key));
                    results.Add(new TxnOpResult(op.Kind, AsList(existing)));
                    break;
                case TxnOpKind.DeletePrefix:
                    string prefix = op.Key;
                    if (written.Any(k => k.StartsWith(prefix, StringComparison.Ordinal))
                        || deletedPrefixes.Any(p => p.StartsWith(prefix, StringComparison.Ordinal) || prefix.StartsWith(p, StringComparison.Ordinal)))
                        throw new ArgumentException($"transaction {branchName} deletes prefix '{prefix}', overlapping keys it writes elsewhere", branchName);
                    List<KeyValue> deleted = [.. keys.Range(prefix)];
                    foreach (var kv in deleted)
                    {
                        written.Add(kv.Key);
                        ops.Add(new LogOp.Delete(kv.Key));
                    }
                    deletedPrefixes.Add(prefix);
                    results.Add(new TxnOpResult(op.Kind, deleted));
                    break;
            }
        }
        return (ops, results);
    }

    private static IReadOnlyList<KeyValue> AsList(KeyValue? kv) => kv is null ? [] : [kv];
}
