namespace Tendril.Store;

/// <summary>Argument rules shared by every store, so an embedded store and a remote one reject the same input.</summary>
internal static class KeyRules
{
    public static void ValidateKey(string key, string name = "key")
    {
        ArgumentNullException.ThrowIfNull(key, name);
        if (key.Length == 0)
            throw new ArgumentException("a key must not be empty", name);
        ValidateText(key, name);
    }

    public static void ValidatePrefix(string prefix, string name = "prefix")
    {
        ArgumentNullException.ThrowIfNull(prefix, name);
        ValidateText(prefix, name);
    }

    public static void ValidateValue(string value, string name = "value")
    {
        ArgumentNullException.ThrowIfNull(value, name);
        ValidateText(value, name);
    }

    public static void ValidateLeaseId(long leaseId, string name = "leaseId") =>
        ArgumentOutOfRangeException.ThrowIfNegative(leaseId, name);

    /// <summary>Leases live between a millisecond and a year: shorter is a bug, longer is not a lease.</summary>
    public static void ValidateTtl(TimeSpan ttl, string name = "ttl")
    {
        if (ttl < TimeSpan.FromMilliseconds(1) || ttl > TimeSpan.FromDays(365))
            throw new ArgumentOutOfRangeException(name, ttl, "a lease TTL must be between 1 ms and 365 days");
    }

    public static void ValidateCompare(Compare compare, string name = "compares")
    {
        ArgumentNullException.ThrowIfNull(compare, name);
        ValidateKey(compare.Key, name);
        if (!Enum.IsDefined(compare.Operator))
            throw new ArgumentException($"compare on {compare.Key}: unknown operator {compare.Operator}", name);
        switch (compare.Target)
        {
            case CompareTarget.Value:
                if (compare.Text is null)
                    throw new ArgumentException($"compare on the value of {compare.Key} needs a Text operand", name);
                ValidateText(compare.Text, name);
                break;
            case CompareTarget.Version or CompareTarget.ModRevision or CompareTarget.CreateRevision:
                break;
            default:
                throw new ArgumentException($"compare on {compare.Key}: unknown target {compare.Target}", name);
        }
    }

    public static void ValidateOp(TxnOp op, string branch)
    {
        ArgumentNullException.ThrowIfNull(op, branch);
        switch (op.Kind)
        {
            case TxnOpKind.Get or TxnOpKind.Delete:
                ValidateKey(op.Key, branch);
                break;
            case TxnOpKind.DeletePrefix:
                ValidatePrefix(op.Key, branch);
                break;
            case TxnOpKind.Put:
                ValidateKey(op.Key, branch);
                if (op.Value is null)
                    throw new ArgumentException($"put of {op.Key} has no value", branch);
                ValidateText(op.Value, branch);
                ValidateLeaseId(op.LeaseId, branch);
                break;
            default:
                throw new ArgumentException($"unknown operation kind {op.Kind} on {op.Key}", branch);
        }
    }

    /// <summary>Lone surrogates cannot be stored as UTF-8 and would come back changed after a restart.</summary>
    private static void ValidateText(string text, string name)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                i++;
            else if (char.IsSurrogate(c))
                throw new ArgumentException($"{name} is not well-formed UTF-16: lone surrogate U+{(int)c:X4} at index {i}", name);
        }
    }
}
