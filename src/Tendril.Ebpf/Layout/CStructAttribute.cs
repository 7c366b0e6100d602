namespace Tendril.Ebpf.Layout;

/// <summary>
/// Marks a C# struct as the mirror of a C struct in a BPF header. The layout-parity test compiles the header with
/// clang, reads the record layout clang computed, and fails unless the size and every field's offset and size
/// match — in both directions, so a field added on one side only is caught.
/// </summary>
/// <param name="cName">The C struct's name, without "struct".</param>
/// <param name="header">The header declaring it, relative to bpf/ (e.g. "shared/selftest.h").</param>
[AttributeUsage(AttributeTargets.Struct, AllowMultiple = false)]
public sealed class CStructAttribute(string cName, string header) : Attribute
{
    public string CName { get; } = cName;

    public string Header { get; } = header;
}

/// <summary>
/// Names the C field a C# field mirrors when it is not the snake_case form of the C# name
/// (e.g. <c>SourcePort</c> → <c>source_port</c>). Padding fields map to C padding fields the same way.
/// </summary>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = false)]
public sealed class CFieldAttribute(string cName) : Attribute
{
    public string CName { get; } = cName;
}
