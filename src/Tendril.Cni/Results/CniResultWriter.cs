using System.Text.Json;

namespace Tendril.Cni.Results;

/// <summary>
/// Writes a result in one CNI version: <c>cniVersion</c> first, <c>ips[].version</c> only before 1.0.0, the 1.1.0
/// interface and route fields only from 1.1.0, absent values left out — except <c>dns</c>, written as <c>{}</c> when
/// empty, as the reference plugins' Go types always write it, so a chained plugin that passes our result through
/// prints the same document. Pure.
/// </summary>
internal static class CniResultWriter
{
    private static readonly CniDns NoDns = new();

    public static string Write(CniResult result, CniVersion version) => CniOutput.Json(json =>
    {
        json.WriteStartObject();
        json.WriteString("cniVersion", version.ToString());
        WriteInterfaces(json, result.Interfaces, version);
        WriteIps(json, result.Ips, version);
        WriteRoutes(json, result.Routes, version);
        WriteDns(json, result.Dns ?? NoDns);
        json.WriteEndObject();
    });

    private static void WriteInterfaces(Utf8JsonWriter json, IReadOnlyList<CniInterface> interfaces, CniVersion version)
    {
        if (interfaces.Count == 0)
            return;
        json.WriteStartArray("interfaces");
        foreach (var item in interfaces)
        {
            json.WriteStartObject();
            json.WriteString("name", item.Name);
            WriteIfSet(json, "mac", item.Mac);
            if (version.HasV11Fields)
            {
                WriteIfSet(json, "mtu", item.Mtu);
                WriteIfSet(json, "socketPath", item.SocketPath);
                WriteIfSet(json, "pciID", item.PciId);
            }
            WriteIfSet(json, "sandbox", item.Sandbox);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteIps(Utf8JsonWriter json, IReadOnlyList<CniIpConfig> ips, CniVersion version)
    {
        if (ips.Count == 0)
            return;
        json.WriteStartArray("ips");
        foreach (var ip in ips)
        {
            json.WriteStartObject();
            if (version.HasIpVersionField)
                json.WriteString("version", ip.Address.Family);
            json.WriteString("address", ip.Address.ToString());
            WriteIfSet(json, "gateway", ip.Gateway);
            WriteIfSet(json, "interface", ip.Interface);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteRoutes(Utf8JsonWriter json, IReadOnlyList<CniRoute> routes, CniVersion version)
    {
        if (routes.Count == 0)
            return;
        json.WriteStartArray("routes");
        foreach (var route in routes)
        {
            json.WriteStartObject();
            json.WriteString("dst", route.Dst);
            WriteIfSet(json, "gw", route.Gw);
            if (version.HasV11Fields)
            {
                WriteIfSet(json, "mtu", route.Mtu);
                WriteIfSet(json, "advmss", route.AdvMss);
                WriteIfSet(json, "priority", route.Priority);
                WriteIfSet(json, "table", route.Table);
                WriteIfSet(json, "scope", route.Scope);
            }
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteDns(Utf8JsonWriter json, CniDns dns)
    {
        json.WriteStartObject("dns");
        WriteList(json, "nameservers", dns.Nameservers);
        WriteIfSet(json, "domain", dns.Domain);
        WriteList(json, "search", dns.Search);
        WriteList(json, "options", dns.Options);
        json.WriteEndObject();
    }

    private static void WriteList(Utf8JsonWriter json, string name, IReadOnlyList<string> values)
    {
        if (values.Count == 0)
            return;
        json.WriteStartArray(name);
        foreach (string value in values)
            json.WriteStringValue(value);
        json.WriteEndArray();
    }

    private static void WriteIfSet(Utf8JsonWriter json, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
            json.WriteString(name, value);
    }

    private static void WriteIfSet(Utf8JsonWriter json, string name, uint? value)
    {
        if (value is { } number)
            json.WriteNumber(name, number);
    }
}
