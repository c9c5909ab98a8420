using System.Globalization;
using System.Text;

namespace CodeAssist.Bench.Performance;

/// <summary>The size of a generated solution.</summary>
public sealed record SolutionShape(int Projects, int FilesPerProject, int MethodsPerClass)
{
    /// <summary>About 100,000 lines: 8 projects × 50 files of about 250 lines.</summary>
    public static SolutionShape Full { get; } = new(Projects: 8, FilesPerProject: 50, MethodsPerClass: 20);

    /// <summary>About 10,000 lines, for <c>codeassist-bench bench --quick</c>.</summary>
    public static SolutionShape Quick { get; } = new(Projects: 4, FilesPerProject: 10, MethodsPerClass: 20);
}

/// <summary>One generated C# file and where it sits.</summary>
public sealed record GeneratedFile(string Path, int Project, int Index, string ClassName, int Lines);

/// <summary>
/// Writes a deterministic C# solution that compiles: projects in a chain of project references, each file one class
/// with fields, properties and methods that call methods of classes in the same project and in the referenced one,
/// LINQ over records, and overloads. The same shape always gives byte-identical files, so figures from two runs
/// describe the same code.
/// </summary>
public static class GeneratedSolution
{
    public const string SolutionName = "BenchShop";

    private static readonly string[] Nouns =
    [
        "Order", "Invoice", "Customer", "Ledger", "Shipment", "Warehouse", "Catalog", "Payment", "Account", "Report",
        "Supplier", "Discount", "Basket", "Refund", "Parcel", "Tariff", "Budget", "Contract", "Voucher", "Station",
    ];

    private static readonly string[] Roles =
    [
        "Service", "Processor", "Calculator", "Registry", "Planner", "Validator", "Builder", "Tracker", "Router", "Auditor",
    ];

    /// <summary>Writes the solution under <paramref name="root"/> and returns its files; the .sln is at <see cref="SolutionPath"/>.</summary>
    public static IReadOnlyList<GeneratedFile> Write(string root, SolutionShape shape)
    {
        Directory.CreateDirectory(root);
        var files = new List<GeneratedFile>();
        var solution = new StringBuilder();
        solution.Append("\nMicrosoft Visual Studio Solution File, Format Version 12.00\n# Visual Studio Version 17\n");
        for (var project = 0; project < shape.Projects; project++)
        {
            var name = ProjectName(project);
            var folder = Path.Combine(root, name);
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, name + ".csproj"), ProjectFile(project));
            solution.Append(CultureInfo.InvariantCulture,
                $"Project(\"{{9A19103F-16F7-4668-BE54-9A1E7A4F7556}}\") = \"{name}\", \"{name}/{name}.csproj\", \"{ProjectGuid(project)}\"\nEndProject\n");
            for (var index = 0; index < shape.FilesPerProject; index++)
            {
                var className = ClassName(shape, project, index);
                var text = ClassFile(shape, project, index);
                var path = Path.Combine(folder, className + ".cs");
                File.WriteAllText(path, text);
                files.Add(new GeneratedFile(path, project, index, className, text.Count(c => c == '\n')));
            }
        }
        solution.Append("Global\nEndGlobal\n");
        File.WriteAllText(SolutionPath(root), solution.ToString());
        return files;
    }

    public static string SolutionPath(string root) => Path.Combine(root, SolutionName + ".sln");

    private static string ProjectName(int project) => $"Bench.Domain{project}";

    private static string ProjectGuid(int project) => $"{{6F1C2A00-0000-4000-8000-{project + 1:D12}}}";

    private static string Namespace(int project) => $"Bench.Domain{project}";

    /// <summary>Unique across the solution, so a using of another project's namespace never makes a name ambiguous.</summary>
    private static string ClassName(SolutionShape shape, int project, int index)
    {
        var global = project * shape.FilesPerProject + index;
        return $"{Nouns[global % Nouns.Length]}{Roles[global / Nouns.Length % Roles.Length]}{global}";
    }

    private static string RecordName(SolutionShape shape, int project, int index) => ClassName(shape, project, index) + "Entry";

    private static string ProjectFile(int project)
    {
        var text = new StringBuilder();
        text.Append("<Project Sdk=\"Microsoft.NET.Sdk\">\n  <PropertyGroup>\n    <TargetFramework>net10.0</TargetFramework>\n");
        text.Append("    <Nullable>enable</Nullable>\n    <ImplicitUsings>enable</ImplicitUsings>\n  </PropertyGroup>\n");
        if (project > 0)
        {
            var reference = ProjectName(project - 1);
            text.Append("  <ItemGroup>\n");
            text.Append(CultureInfo.InvariantCulture, $"    <ProjectReference Include=\"../{reference}/{reference}.csproj\" />\n");
            text.Append("  </ItemGroup>\n");
        }
        text.Append("</Project>\n");
        return text.ToString();
    }

    private static string ClassFile(SolutionShape shape, int project, int index)
    {
        var random = new SplitMix(((ulong)project << 32) | (uint)index);
        var name = ClassName(shape, project, index);
        var entry = RecordName(shape, project, index);
        // A peer in the same project and, past the first project, a class of the referenced project.
        var peerIndex = (index + 1 + (int)random.Next((ulong)Math.Max(1, shape.FilesPerProject - 1))) % shape.FilesPerProject;
        var peer = ClassName(shape, project, peerIndex);
        var peerEntry = RecordName(shape, project, peerIndex);
        var upstream = project > 0 ? ClassName(shape, project - 1, (int)random.Next((ulong)shape.FilesPerProject)) : null;

        var text = new StringBuilder();
        text.Append("using System.Globalization;\nusing System.Text;\n");
        if (project > 0)
            text.Append(CultureInfo.InvariantCulture, $"using {Namespace(project - 1)};\n");
        text.Append(CultureInfo.InvariantCulture, $"\nnamespace {Namespace(project)};\n\n");
        text.Append(CultureInfo.InvariantCulture, $"/// <summary>One line of {name}: what it is, how much, and when.</summary>\n");
        text.Append(CultureInfo.InvariantCulture, $"public sealed record {entry}(int Id, string Label, decimal Amount, DateOnly Day);\n\n");
        var calls = upstream is null ? peer : $"{peer} and {upstream}";
        text.Append(CultureInfo.InvariantCulture, $"/// <summary>Generated for benchmarks: calls {calls}.</summary>\n");
        text.Append(CultureInfo.InvariantCulture, $"public sealed class {name}\n{{\n");
        text.Append(CultureInfo.InvariantCulture, $"    private readonly List<{entry}> _entries = new();\n");
        text.Append(CultureInfo.InvariantCulture, $"    private readonly Dictionary<string, decimal> _totals = new(StringComparer.Ordinal);\n");
        text.Append(CultureInfo.InvariantCulture, $"    private {peer}? _peer;\n");
        if (upstream is not null)
            text.Append(CultureInfo.InvariantCulture, $"    private readonly {upstream} _upstream = new();\n");
        text.Append("    private int _version;\n\n");
        text.Append("    public string Name { get; set; } = \"").Append(name).Append("\";\n");
        text.Append("    public int Count => _entries.Count;\n");
        text.Append("    public decimal Total { get; private set; }\n");
        text.Append(CultureInfo.InvariantCulture, $"    public IReadOnlyList<{entry}> Entries => _entries;\n\n");
        text.Append(CultureInfo.InvariantCulture, $"    public {peer} Peer => _peer ??= new {peer}();\n\n");

        text.Append(CultureInfo.InvariantCulture, $"    public void Add({entry} entry)\n    {{\n");
        text.Append("        _entries.Add(entry);\n        Total += entry.Amount;\n        _version++;\n    }\n\n");
        text.Append(CultureInfo.InvariantCulture,
            $"    public void Add(int id, string label, decimal amount) => Add(new {entry}(id, label, amount, new DateOnly(2024, 1, 1 + id % 28)));\n\n");

        for (var method = 0; method < shape.MethodsPerClass; method++)
        {
            var factor = 2 + random.Next(9);
            var offset = 1 + random.Next(50);
            text.Append(CultureInfo.InvariantCulture, $"    /// <summary>Step {method} of the {name} pipeline.</summary>\n");
            text.Append(CultureInfo.InvariantCulture, $"    public decimal Compute{method}(int value, string label)\n    {{\n");
            switch ((method + index) % 4)
            {
                case 0:
                    text.Append(CultureInfo.InvariantCulture, $"        var selected = _entries.Where(e => e.Amount > value).OrderBy(e => e.Day).ToList();\n");
                    text.Append(CultureInfo.InvariantCulture, $"        var sum = selected.Sum(e => e.Amount * {factor});\n");
                    text.Append("        if (selected.Count == 0)\n");
                    var next = (method + 1) % shape.MethodsPerClass;
                    text.Append(CultureInfo.InvariantCulture, $"            return Peer.Compute{next}(value + {offset}, label);\n");
                    text.Append(CultureInfo.InvariantCulture, $"        _totals[label] = sum;\n");
                    break;
                case 1:
                    text.Append(CultureInfo.InvariantCulture, $"        var builder = new StringBuilder(label);\n");
                    text.Append("        foreach (var entry in _entries)\n            builder.Append(entry.Label).Append(';');\n");
                    text.Append(CultureInfo.InvariantCulture, $"        var sum = builder.Length * {factor}m + Peer.Total;\n");
                    text.Append(CultureInfo.InvariantCulture, $"        Peer.Add(value, builder.ToString(), sum);\n");
                    break;
                case 2:
                    text.Append(CultureInfo.InvariantCulture, $"        var first = _entries.FirstOrDefault(e => e.Id == value);\n");
                    text.Append(CultureInfo.InvariantCulture, $"        var sum = first is null ? {offset}m : first.Amount / {factor};\n");
                    if (upstream is not null)
                    {
                        var called = random.Next((ulong)shape.MethodsPerClass);
                        text.Append(CultureInfo.InvariantCulture, $"        sum += _upstream.Compute{called}(value * {factor}, label.ToUpperInvariant());\n");
                    }
                    text.Append("        _totals[label] = _totals.TryGetValue(label, out var previous) ? previous + sum : sum;\n");
                    break;
                default:
                    text.Append("        var groups = _entries.GroupBy(e => e.Day.Month).ToDictionary(g => g.Key, g => g.Sum(e => e.Amount));\n");
                    text.Append(CultureInfo.InvariantCulture, $"        var sum = groups.Values.DefaultIfEmpty(0m).Max() + value % {factor};\n");
                    text.Append("        var peerEntries = Peer.Entries");
                    text.Append(".Where(e => e.Label.StartsWith(label, StringComparison.Ordinal)).Select(e => e.Amount);\n");
                    text.Append(CultureInfo.InvariantCulture, $"        sum += peerEntries.Sum();\n");
                    break;
            }
            text.Append(CultureInfo.InvariantCulture, $"        Total = Math.Round(Total + sum / {offset}, 2);\n");
            text.Append(CultureInfo.InvariantCulture, $"        return sum + _version;\n    }}\n\n");
        }

        text.Append("    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $\"{Name}: {Count} entries, {Total}\");\n");
        text.Append("}\n");
        return text.ToString();
    }

    /// <summary>SplitMix64: a small generator whose sequence is fixed by its seed on every runtime.</summary>
    private struct SplitMix(ulong seed)
    {
        private ulong _state = seed;

        public ulong Next(ulong bound)
        {
            _state += 0x9E3779B97F4A7C15;
            var z = _state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            return (z ^ (z >> 31)) % bound;
        }

        public int Next(int bound) => (int)Next((ulong)bound);
    }
}
