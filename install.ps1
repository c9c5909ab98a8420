<#
.SYNOPSIS
    Installs CodeAssist on Windows (and anywhere PowerShell 7 runs): the same options and behaviour as install.sh.

.DESCRIPTION
    Builds and publishes `codeassist` into a prefix, installs the default model, the editor clients it finds, and ends
    with `codeassist doctor` and a demo completion. Run it again to update; -Uninstall removes what it installed and
    nothing else. Nothing here downloads a model; with -Offline nothing is downloaded at all.

.EXAMPLE
    ./install.ps1
    ./install.ps1 -Prefix D:\Tools\CodeAssist -Model E:\usb\qwen2.5-coder-1.5b-int4
    ./install.ps1 -Uninstall
#>
[CmdletBinding()]
param(
    # Install under this folder (default: %LOCALAPPDATA%\CodeAssist on Windows, ~/.local elsewhere).
    [string] $Prefix,
    # Install this GenAI model folder (copied in from elsewhere) as the default model.
    [string] $Model,
    # Build the CUDA variant (needs Microsoft.ML.OnnxRuntimeGenAI.Cuda in the package feed, CUDA 12 and cuDNN 9).
    [switch] $Gpu,
    # Restore packages only from a local folder (or the local NuGet cache); no network at all.
    [switch] $Offline,
    [string] $OfflineSource,
    # Do not install the VS Code extension or the Neovim plugin.
    [switch] $NoEditors,
    # Also install the VS Code extension into code-server.
    [switch] $CodeServer,
    # Skip the closing doctor run and demo completion.
    [switch] $NoDemo,
    # Remove everything a previous install put under -Prefix.
    [switch] $Uninstall
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$RequiredSdkMajor = 10
$Repo = $PSScriptRoot
$OnWindows = [System.Runtime.InteropServices.RuntimeInformation]::IsOSPlatform([System.Runtime.InteropServices.OSPlatform]::Windows)

function Say([string] $Message) { Write-Host "==> $Message" -ForegroundColor Cyan }
function Fail([string] $Message) { Write-Error "install.ps1: $Message"; exit 1 }

if (-not $Prefix) {
    $Prefix = if ($OnWindows) { Join-Path $env:LOCALAPPDATA 'CodeAssist' } else { Join-Path $HOME '.local' }
}
New-Item -ItemType Directory -Force -Path $Prefix | Out-Null
$Prefix = (Resolve-Path $Prefix).Path
$Lib = Join-Path (Join-Path $Prefix 'lib') 'codeassist'
$Bin = Join-Path $Prefix 'bin'
$Manifest = Join-Path $Lib '.install-manifest'
$Exe = if ($OnWindows) { 'codeassist.exe' } else { 'codeassist' }
$Launcher = if ($OnWindows) { Join-Path $Bin 'codeassist.cmd' } else { Join-Path $Bin 'codeassist' }
$NvimPackRoot = if ($OnWindows) { Join-Path $env:LOCALAPPDATA 'nvim-data/site/pack/codeassist' } else { Join-Path $HOME '.local/share/nvim/site/pack/codeassist' }
$NvimPack = Join-Path $NvimPackRoot 'start/codeassist'

function Remove-FromUserPath([string] $Folder) {
    if (-not $OnWindows) { return }
    $current = [Environment]::GetEnvironmentVariable('Path', 'User')
    $kept = ($current -split ';' | Where-Object { $_ -and $_ -ne $Folder }) -join ';'
    [Environment]::SetEnvironmentVariable('Path', $kept, 'User')
}

if ($Uninstall) {
    if (-not (Test-Path $Manifest)) { Fail "nothing to uninstall: $Manifest does not exist (was CodeAssist installed with -Prefix $($Prefix)?)" }
    Say "Removing CodeAssist from $Prefix"
    foreach ($entry in Get-Content $Manifest | Where-Object { $_ -and -not $_.StartsWith('#') }) {
        if ($entry.StartsWith('vscode:')) {
            foreach ($editor in 'code', 'code-server') {
                if (Get-Command $editor -ErrorAction SilentlyContinue) { & $editor --uninstall-extension $entry.Substring(7) *> $null }
            }
        }
        elseif ($entry -eq 'user-path') { Remove-FromUserPath $Bin }
        elseif (Test-Path $entry) { Remove-Item -Recurse -Force $entry }
    }
    if (Test-Path $Lib) { Remove-Item -Recurse -Force $Lib }
    foreach ($folder in (Join-Path $Prefix 'lib'), $Bin) {
        if ((Test-Path $folder) -and -not (Get-ChildItem $folder -Force)) { Remove-Item $folder }
    }
    Say 'CodeAssist is uninstalled.'
    exit 0
}

# ---- prerequisites -------------------------------------------------------------------------------
Say 'Checking prerequisites'
if (-not (Get-Command dotnet -ErrorAction SilentlyContinue)) {
    Fail ".NET SDK $RequiredSdkMajor is missing: install it (winget install Microsoft.DotNet.SDK.$RequiredSdkMajor, or https://dot.net), then run ./install.ps1 again"
}
$sdkMajor = (& dotnet --list-sdks | ForEach-Object { [int]($_ -split '\.')[0] } | Measure-Object -Maximum).Maximum
if (-not $sdkMajor -or $sdkMajor -lt $RequiredSdkMajor) {
    Fail ".NET SDK $RequiredSdkMajor or newer is needed (found: $((& dotnet --list-sdks) -join ', ')); install Microsoft.DotNet.SDK.$RequiredSdkMajor"
}
Write-Host "    .NET SDK $(& dotnet --version)"

$arch = [System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture.ToString().ToLowerInvariant()
$os = if ($OnWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
$Rid = "$os-$arch"

$Accelerator = 'cpu'
if ($Gpu) {
    $Accelerator = 'cuda'
    if ($Rid -notin 'win-x64', 'linux-x64') { Fail '-Gpu is supported on win-x64 and linux-x64 only' }
    if (-not (Get-Command nvidia-smi -ErrorAction SilentlyContinue)) { Write-Warning 'nvidia-smi not found: is the NVIDIA driver installed?' }
    if ($OnWindows -and -not ($env:CUDA_PATH)) { Write-Warning 'CUDA_PATH is not set: install the CUDA 12 toolkit and cuDNN 9 (cudnn64_9.dll on PATH)' }
}

$RestoreArgs = @()
if ($Offline) {
    $source = if ($OfflineSource) { $OfflineSource } elseif ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
    if (-not (Test-Path $source)) { Fail "-OfflineSource $source does not exist (prepare it with 'dotnet restore --packages DIR' on an online machine; see README)" }
    $RestoreArgs = @('--source', (Resolve-Path $source).Path)
}

# ---- build and publish ---------------------------------------------------------------------------
Say "Building codeassist ($Accelerator, $Rid) into $Lib"
$Staging = Join-Path ([System.IO.Path]::GetTempPath()) ("codeassist-install-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory -Force -Path $Staging | Out-Null
try {
    $publishLog = Join-Path $Staging 'publish.log'
    & dotnet publish (Join-Path $Repo 'src/CodeAssist.Server') -c Release -r $Rid --self-contained false "-p:Accelerator=$Accelerator" @RestoreArgs --nologo -v quiet -o (Join-Path $Staging 'app') *> $publishLog
    if ($LASTEXITCODE -ne 0) { Get-Content $publishLog | Write-Host; Fail 'the build failed (log above)' }

    # Models survive an update; everything else is replaced.
    New-Item -ItemType Directory -Force -Path (Join-Path $Lib 'models') | Out-Null
    Get-ChildItem $Lib -Force | Where-Object { $_.Name -notin 'models', '.install-manifest' } | Remove-Item -Recurse -Force
    Copy-Item -Recurse -Force (Join-Path (Join-Path $Staging 'app') '*') $Lib
    New-Item -ItemType Directory -Force -Path $Bin | Out-Null
    $target = Join-Path $Lib $Exe
    if ($OnWindows) {
        Set-Content -Path $Launcher -Value "@echo off`r`n`"$target`" %*" -Encoding ascii
    }
    else {
        Set-Content -Path $Launcher -Value "#!/usr/bin/env sh`nexec `"$target`" `"`$@`"" -NoNewline
        & chmod +x $Launcher
    }
    $codeassist = $Launcher
    Set-Content -Path $Manifest -Value @('# files installed by CodeAssist install.ps1; -Uninstall removes exactly these', $Launcher, $Lib)

    # ---- model -----------------------------------------------------------------------------------
    $shipped = Join-Path $Repo 'models/codeassist-tiny'
    if ($Model) {
        Say "Installing the model in $Model"
        & $codeassist model verify $Model
        if ($LASTEXITCODE -ne 0) { Fail "$Model is not a usable model folder (see above)" }
        & $codeassist model add $Model --default
    }
    elseif (Test-Path (Join-Path $shipped 'genai_config.json')) {
        Say 'Installing the default model (CodeAssist-Tiny)'
        & $codeassist model add $shipped --default
    }
    elseif (-not (Test-Path (Join-Path $Lib 'models/codeassist-tiny/genai_config.json'))) {
        # A checkout without models/codeassist-tiny (a partial copy of the repository). A generated random-weight model
        # would make doctor pass and then suggest noise, so nothing is installed and the user is told how to bring one.
        Say "No default model: $shipped is missing from this copy of the repository"
        Write-Host "    codeassist serves without suggestions until a model is installed: copy a GenAI model folder onto this"
        Write-Host "    machine and run: $Launcher model add DIR --default   (or ./install.ps1 -Model DIR)"
    }

    # ---- PATH ------------------------------------------------------------------------------------
    $separator = [System.IO.Path]::PathSeparator
    if (($env:Path -split $separator) -notcontains $Bin) {
        if ($OnWindows) {
            $userPath = [Environment]::GetEnvironmentVariable('Path', 'User')
            [Environment]::SetEnvironmentVariable('Path', ($userPath.TrimEnd(';') + ";$Bin"), 'User')
            Add-Content $Manifest 'user-path'
            Write-Host "    added $Bin to your user PATH (open a new terminal)"
        }
        else {
            Write-Host "    $Bin is not on PATH; add it: export PATH=`"$Bin`:`$PATH`""
        }
    }

    # ---- editors ---------------------------------------------------------------------------------
    if (-not $NoEditors) {
        $targets = @()
        if (Get-Command code -ErrorAction SilentlyContinue) { $targets += 'code' }
        if ($CodeServer -and (Get-Command code-server -ErrorAction SilentlyContinue)) { $targets += 'code-server' }
        if ($targets.Count -gt 0) {
            Say 'Installing the VS Code extension'
            Push-Location (Join-Path $Repo 'editors/vscode')
            try {
                if ($Offline) { & npm ci --offline --no-audit --no-fund *> $null } else { & npm ci --no-audit --no-fund *> $null }
                & npm run package *> $null
                if ($LASTEXITCODE -eq 0) {
                    foreach ($editor in $targets) { & $editor --install-extension (Join-Path (Get-Location) 'codeassist.vsix') --force *> $null; Write-Host "    installed into $editor" }
                    Add-Content $Manifest 'vscode:codeassist.codeassist'
                }
                else { Write-Warning "building the extension failed (npm); run 'npm ci; npm run package' in editors/vscode" }
            }
            finally { Pop-Location }
        }
        if (Get-Command nvim -ErrorAction SilentlyContinue) {
            Say "Installing the Neovim plugin into $NvimPack"
            if (Test-Path $NvimPackRoot) { Remove-Item -Recurse -Force $NvimPackRoot }
            New-Item -ItemType Directory -Force -Path $NvimPack | Out-Null
            foreach ($part in 'plugin', 'lua', 'doc', 'lsp') { Copy-Item -Recurse (Join-Path $Repo "editors/nvim/$part") $NvimPack }
            Add-Content $Manifest $NvimPackRoot
            $cmdPath = $Launcher.Replace('\', '/')
            Write-Host "    add to your init.lua:  require('codeassist').setup({ cmd = { '$cmdPath', 'serve' } })"
        }
    }

    # ---- doctor and demo -------------------------------------------------------------------------
    if (-not $NoDemo) {
        Say 'codeassist doctor'
        & $codeassist doctor
        if ($LASTEXITCODE -ne 0) { Write-Host '    (doctor reported a problem; see above)' }
        Say 'Demo: completing a C# file'
        $sample = Join-Path $Staging 'Demo.cs'
        Set-Content -Path $sample -Value @(
            'using System;', '', 'public static class Program', '{', '    public static void Main(string[] args)', '    {',
            '        Console.WriteLine("Hello, world!"', '    }', '}')
        Write-Host '    suggestion at line 7, column 42:'
        $suggestion = & $codeassist complete $sample --line 7 --column 42 --no-project 2>&1
        $suggestion | ForEach-Object { Write-Host "    > $_" }
    }

    Say "CodeAssist is installed: $codeassist ($(& $codeassist --version))"
    Write-Host "    uninstall with: ./install.ps1 -Uninstall -Prefix $Prefix"
}
finally {
    Remove-Item -Recurse -Force $Staging -ErrorAction SilentlyContinue
}
