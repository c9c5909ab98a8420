using System.Diagnostics;
using System.Runtime.InteropServices;

namespace CodeAssist.Bench.Performance;

/// <summary>
/// A .NET hello world published ReadyToRun for this runtime: the yardstick for the server's start-up, started in the
/// same run so both see the same machine and load. It is published once per runtime version into the user's local
/// data folder (about half a minute, with the same Crossgen2 pack the server's publish uses) and reused after.
/// </summary>
internal static class HelloWorldYardstick
{
    private const string Project = """
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <OutputType>Exe</OutputType>
            <TargetFramework>TFM</TargetFramework>
            <AssemblyName>hello</AssemblyName>
            <PublishReadyToRun>true</PublishReadyToRun>
            <SelfContained>false</SelfContained>
          </PropertyGroup>
        </Project>
        """;

    /// <summary>The published hello world's executable, publishing it first when this runtime has none yet.</summary>
    public static async Task<string> PublishedAsync(CancellationToken cancellationToken)
    {
        var rid = RuntimeInformation.RuntimeIdentifier;
        var folder = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create),
            "codeassist-bench", $"hello-r2r-{Environment.Version}-{rid}");
        var executable = Path.Combine(folder, "out", OperatingSystem.IsWindows() ? "hello.exe" : "hello");
        var stamp = Path.Combine(folder, "published");
        if (File.Exists(stamp) && File.Exists(executable))
            return executable;
        Directory.CreateDirectory(folder);
        var project = Project.Replace("TFM", $"net{Environment.Version.Major}.0", StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(folder, "hello.csproj"), project, cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(folder, "Program.cs"), "System.Console.WriteLine(\"Hello, World!\");\n", cancellationToken)
            .ConfigureAwait(false);
        var publish = new ProcessStartInfo(
            DotnetHost(),
            ["publish", Path.Combine(folder, "hello.csproj"), "-c", "Release", "-r", rid, "-o", Path.Combine(folder, "out"), "--nologo", "-v", "quiet"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = folder,
        };
        using var process = Process.Start(publish) ?? throw new InvalidOperationException("dotnet did not start");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0 || !File.Exists(executable))
        {
            var printed = (await output.ConfigureAwait(false) + await errors.ConfigureAwait(false)).Trim();
            throw new InvalidOperationException($"publishing the ReadyToRun hello world in {folder} failed (exit {process.ExitCode}): {printed}");
        }
        await File.WriteAllTextAsync(stamp, DateTimeOffset.UtcNow.ToString("O"), cancellationToken).ConfigureAwait(false);
        return executable;
    }

    /// <summary>Starts it once: milliseconds from the start to its line read, and to its exit.</summary>
    public static async Task<(double LineMs, double ExitMs)> RunAsync(string executable)
    {
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, UseShellExecute = false };
        var startedAt = Clock.Now();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{executable} did not start");
        var line = await process.StandardOutput.ReadLineAsync().ConfigureAwait(false);
        var lineAt = Clock.Now();
        await process.WaitForExitAsync().ConfigureAwait(false);
        var exitAt = Clock.Now();
        if (line != "Hello, World!")
            throw new InvalidOperationException($"{executable} wrote \"{line}\", not its greeting");
        return (Clock.Milliseconds(startedAt, lineAt), Clock.Milliseconds(startedAt, exitAt));
    }

    /// <summary>The dotnet host that runs this tool (so the same SDK publishes), else the one on PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
        : Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet") is var beside
            && File.Exists(beside) ? Path.GetFullPath(beside)
        : "dotnet";
}
