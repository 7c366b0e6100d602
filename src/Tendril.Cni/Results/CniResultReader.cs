using System.Text.Json;
using static Tendril.Cni.ConfigJson;

namespace Tendril.Cni.Results;

/// <summary>
/// Reads a result of any supported version (a <c>prevResult</c>): the <c>ips[].version</c> of 0.3.x/0.4.0 is accepted
/// and checked against the address; fields of later versions are kept. Malformed content fails with code 7 naming
/// the field. Pure.
/// </summary>
internal static class CniResultReader
{
    public static CniResult Read(JsonElement result, string path)
    {
        RequireObject(result, path);
        var interfaces = ReadList(result, "interfaces", path, ReadInterface);
        var ips = ReadList(result, "ips", path, ReadIp);
        for (int i = 0; i < ips.Count; i++)
        {
            if (ips[i].Interface is { } index && index >= interfaces.Count)
                throw Invalid($"{Item(Field(path, "ips"), i)}.interface is {index}, but {Field(path, "interfaces")} has {interfaces.Count} entries");
        }
        return new CniResult
        {
            Interfaces = interfaces,
            Ips = ips,
            Routes = ReadList(result, "routes", path, ReadRoute),
            Dns = OptionalObject(result, "dns", path) is { } dns ? ReadDns(dns, Field(path, "dns")) : null,
        };
    }

    /// <summary>Reads a <c>dns</c> object, of a configuration or a result.</summary>
    public static CniDns ReadDns(JsonElement dns, string path) => new()
    {
        Nameservers = OptionalStringList(dns, "nameservers", path),
        Domain = OptionalString(dns, "domain", path),
        Search = OptionalStringList(dns, "search", path),
        Options = OptionalStringList(dns, "options", path),
    };

    private static CniInterface ReadInterface(JsonElement item, string path) => new(RequiredString(item, "name", path))
    {
        Mac = OptionalString(item, "mac", path),
        Mtu = OptionalUInt(item, "mtu", path),
        Sandbox = OptionalString(item, "sandbox", path),
        SocketPath = OptionalString(item, "socketPath", path),
        PciId = OptionalString(item, "pciID", path),
    };

    private static CniIpConfig ReadIp(JsonElement item, string path)
    {
        string text = RequiredString(item, "address", path);
        if (!CniAddress.TryParse(text, out var address))
            throw Invalid($"{Field(path, "address")} '{text}' is not an address with a prefix length, like 10.1.0.5/24");
        if (OptionalString(item, "version", path) is { } version && version != address.Family)
            throw Invalid($"{Field(path, "version")} is \"{version}\" but the address {text} is IPv{address.Family}");
        return new CniIpConfig(address)
        {
            Gateway = OptionalString(item, "gateway", path),
            Interface = OptionalUInt(item, "interface", path),
        };
    }

    private static CniRoute ReadRoute(JsonElement item, string path) => new(RequiredString(item, "dst", path))
    {
        Gw = OptionalString(item, "gw", path),
        Mtu = OptionalUInt(item, "mtu", path),
        AdvMss = OptionalUInt(item, "advmss", path),
        Priority = OptionalUInt(item, "priority", path),
        Table = OptionalUInt(item, "table", path),
        Scope = OptionalUInt(item, "scope", path),
    };

    private static List<T> ReadList<T>(JsonElement result, string name, string path, Func<JsonElement, string, T> read)
    {
        var items = new List<T>();
        if (OptionalArray(result, name, path) is not { } array)
            return items;
        int index = 0;
        foreach (var item in array.EnumerateArray())
        {
            string itemPath = Item(Field(path, name), index++);
            RequireObject(item, itemPath);
            items.Add(read(item, itemPath));
        }
        return items;
    }
}
