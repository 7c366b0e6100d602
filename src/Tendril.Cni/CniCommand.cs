namespace Tendril.Cni;

/// <summary>The operations a runtime asks for through <c>CNI_COMMAND</c>.</summary>
internal enum CniCommand
{
    Add,
    Del,
    Check,
    Status,
    Gc,
    Version,
}
