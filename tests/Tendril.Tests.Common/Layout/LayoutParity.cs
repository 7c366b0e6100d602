using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Tendril.Ebpf.Layout;

namespace Tendril.Tests.Common.Layout;

/// <summary>
/// Compares every <see cref="CStructAttribute"/> mirror with the layout clang computes for the C struct
/// (<c>-Xclang -fdump-record-layouts</c>, BPF target): size, and each field's name, offset and size, both ways.
/// </summary>
public static partial class LayoutParity
{
    /// <summary>The repository's bpf/ directory, found by walking up from the test binaries.</summary>
    public static string BpfRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Tendril.slnx")))
                return Path.Combine(dir.FullName, "bpf");
        }
        throw new DirectoryNotFoundException($"no Tendril.slnx above {AppContext.BaseDirectory}");
    }

    /// <summary>Every mirror type in <paramref name="assemblies"/>.</summary>
    public static IReadOnlyList<Type> Mirrors(params Assembly[] assemblies) =>
        assemblies.SelectMany(a => a.GetTypes()).Where(t => t.GetCustomAttribute<CStructAttribute>() is not null).ToList();

    /// <summary>Returns one line per mismatch; empty when every mirror matches.</summary>
    public static IReadOnlyList<string> Check(IEnumerable<Type> mirrors)
    {
        var list = mirrors.ToList();
        var layouts = ClangLayouts(list.Select(t => t.GetCustomAttribute<CStructAttribute>()!).ToList());
        var problems = new List<string>();
        foreach (var type in list)
        {
            var attr = type.GetCustomAttribute<CStructAttribute>()!;
            if (!layouts.TryGetValue(attr.CName, out var c))
            {
                problems.Add($"{type.Name}: clang reported no layout for struct {attr.CName} in {attr.Header}");
                continue;
            }
            problems.AddRange(Compare(type, attr.CName, c, layouts));
        }
        return problems;
    }

    /// <summary>"TcpFlags" → "tcp_flags", "KtimeNs" → "ktime_ns", "_pad" → "pad".</summary>
    public static string SnakeCase(string name)
    {
        var sb = new StringBuilder();
        foreach (char ch in name.TrimStart('_'))
        {
            if (char.IsUpper(ch) && sb.Length > 0)
                sb.Append('_');
            sb.Append(char.ToLowerInvariant(ch));
        }
        return sb.ToString();
    }

    private static IEnumerable<string> Compare(Type type, string cName, CRecord c, IReadOnlyDictionary<string, CRecord> all)
    {
        int size = Marshal.SizeOf(type);
        if (size != c.Size)
            yield return $"{type.Name}: size {size}, struct {cName} is {c.Size}";
        var fields = type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
        var seen = new HashSet<string>();
        foreach (var field in fields)
        {
            string name = field.GetCustomAttribute<CFieldAttribute>()?.CName ?? SnakeCase(field.Name);
            seen.Add(name);
            var cField = c.Fields.FirstOrDefault(f => f.Name == name);
            if (cField is null)
            {
                yield return $"{type.Name}.{field.Name}: struct {cName} has no field {name}";
                continue;
            }
            int offset = (int)Marshal.OffsetOf(type, field.Name);
            if (offset != cField.Offset)
                yield return $"{type.Name}.{field.Name}: offset {offset}, {cName}.{name} is at {cField.Offset}";
            int fieldSize = Marshal.SizeOf(field.FieldType.IsEnum ? Enum.GetUnderlyingType(field.FieldType) : field.FieldType);
            int? cSize = CTypeSize(cField.Type, all);
            if (cSize is null)
                yield return $"{type.Name}.{field.Name}: cannot size C type '{cField.Type}'";
            else if (cSize != fieldSize)
                yield return $"{type.Name}.{field.Name}: {fieldSize} bytes, {cName}.{name} ({cField.Type}) is {cSize}";
        }
        foreach (var cField in c.Fields.Where(f => !seen.Contains(f.Name)))
            yield return $"{type.Name}: no field mirrors {cName}.{cField.Name} ({cField.Type} at {cField.Offset})";
    }

    private static int? CTypeSize(string type, IReadOnlyDictionary<string, CRecord> all)
    {
        var array = ArrayType().Match(type);
        if (array.Success)
            return CTypeSize(array.Groups[1].Value.Trim(), all) * int.Parse(array.Groups[2].Value);
        if (type.StartsWith("struct ", StringComparison.Ordinal) || type.StartsWith("union ", StringComparison.Ordinal))
            return all.TryGetValue(type.Split(' ', 2)[1], out var nested) ? nested.Size : null;
        if (type.StartsWith("enum ", StringComparison.Ordinal))
            return 4;
        return type switch
        {
            "__u8" or "__s8" or "char" or "unsigned char" or "signed char" or "_Bool" => 1,
            "__u16" or "__s16" or "__be16" or "short" or "unsigned short" => 2,
            "__u32" or "__s32" or "__be32" or "int" or "unsigned int" => 4,
            "__u64" or "__s64" or "__be64" or "long" or "unsigned long" or "long long" or "unsigned long long" => 8,
            _ => null,
        };
    }

    private static Dictionary<string, CRecord> ClangLayouts(IReadOnlyList<CStructAttribute> structs)
    {
        string bpf = BpfRoot();
        var source = new StringBuilder();
        foreach (var header in structs.Select(s => s.Header).Distinct())
            source.AppendLine($"#include \"{header}\"");
        // Using each struct in sizeof makes clang lay it out.
        source.Append("int tendril_layout_probe[] = { 0");
        foreach (var s in structs)
            source.Append($", (int)sizeof(struct {s.CName})");
        source.AppendLine(" };");

        string file = Path.Combine(Path.GetTempPath(), $"tendril-layout-{Environment.ProcessId}-{Guid.NewGuid():N}.c");
        File.WriteAllText(file, source.ToString());
        try
        {
            var psi = new ProcessStartInfo("clang")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = bpf,
            };
            foreach (var arg in new[] { "-target", "bpf", "-I", bpf, "-I", "/usr/include/x86_64-linux-gnu", "-Xclang", "-fdump-record-layouts", "-fsyntax-only", file })
                psi.ArgumentList.Add(arg);
            using var clang = Process.Start(psi) ?? throw new InvalidOperationException("could not start clang");
            var stderr = clang.StandardError.ReadToEndAsync();
            string output = clang.StandardOutput.ReadToEnd();
            clang.WaitForExit();
            if (clang.ExitCode != 0)
                throw new InvalidOperationException($"clang failed on the layout probe: {stderr.Result}");
            return ParseLayouts(output);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Parses clang's record-layout dump into the top-level fields of each named struct.</summary>
    public static Dictionary<string, CRecord> ParseLayouts(string dump)
    {
        var result = new Dictionary<string, CRecord>();
        foreach (var block in dump.Split("*** Dumping AST Record Layout", StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = block.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var head = lines.Select(l => FieldLine().Match(l)).FirstOrDefault(m => m.Success);
            if (head is null || head.Groups[2].Value.Length != 1)
                continue;
            var recordName = RecordName().Match(head.Groups[3].Value);
            if (!recordName.Success)
                continue;
            var fields = new List<CField>();
            int size = -1;
            foreach (var line in lines)
            {
                var sizeMatch = SizeLine().Match(line);
                if (sizeMatch.Success)
                {
                    size = int.Parse(sizeMatch.Groups[1].Value);
                    break;
                }
                var m = FieldLine().Match(line);
                // Top-level fields are indented by exactly three spaces after the bar.
                if (!m.Success || m.Groups[2].Value.Length != 3)
                    continue;
                string decl = m.Groups[3].Value.Trim();
                int space = decl.LastIndexOf(' ');
                fields.Add(new CField(decl[(space + 1)..], decl[..space], int.Parse(m.Groups[1].Value)));
            }
            if (size >= 0)
                result.TryAdd(recordName.Groups[1].Value, new CRecord(size, fields));
        }
        return result;
    }

    public sealed record CField(string Name, string Type, int Offset);

    public sealed record CRecord(int Size, IReadOnlyList<CField> Fields);

    [GeneratedRegex(@"^\s*(\d+)(?::\d+-\d+)? \|( +)(.+)$")]
    private static partial Regex FieldLine();

    [GeneratedRegex(@"^(?:struct|union) (\w+)$")]
    private static partial Regex RecordName();

    [GeneratedRegex(@"\[sizeof=(\d+),")]
    private static partial Regex SizeLine();

    [GeneratedRegex(@"^(.+)\[(\d+)\]$")]
    private static partial Regex ArrayType();
}
