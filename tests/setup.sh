#!/usr/bin/env bash
# Sets up what the test command needs beyond the .NET SDK, from the package registries: strace (the air-gap trace),
# Neovim and the VS Code extension's npm dependencies and code-server (each editor's ci-setup.sh), PowerShell as a
# .NET tool (the install.ps1 checks). Idempotent: with everything in place it installs nothing and reaches no network.
#
# Usage: tests/setup.sh [STATUS_FILE]
# Prints one line per part and, in STATUS_FILE, one line per part: "PART ok", "PART skip REASON" (the part cannot be
# set up here: no registry, not root) or "PART fail REASON" (setting it up failed where it should have worked).
# Exits 0 unless a part failed. The PowerShell it installs or finds is written as "pwsh-path PATH".
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
status_file="${1:-/dev/null}"
: >"$status_file"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
tools="${CODEASSIST_TEST_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/codeassist-tests}"
POWERSHELL_VERSION=7.6.9
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
failed=0

record() { # record PART ok|skip|fail [REASON]
  echo "$1 $2${3:+ $3}" >>"$status_file"
  case "$2" in
    ok) printf '[setup] %-10s ready\n' "$1" ;;
    skip) printf '[setup] %-10s cannot be set up here: %s\n' "$1" "$3" ;;
    fail) printf '[setup] %-10s FAILED: %s\n' "$1" "$3"; failed=1 ;;
  esac
}

last_line() { grep -v '^\s*$' "$log" | tail -1 | cut -c1-200; }

# apt-get works as root only; without root (or sudo) a missing Debian package makes its part a skip.
can_apt() { command -v apt-get >/dev/null && [ "$(id -u)" -eq 0 ]; }

# Whether a registry answers at all: a failure with no registry is a skip (an air-gapped machine), not a failure.
npm_registry_answers() { timeout 30 npm ping >/dev/null 2>&1; }
nuget_answers() { timeout 30 dotnet package search Xunit.SkippableFact --take 1 >/dev/null 2>&1; }

# --- strace: the air-gap test traces the server's network syscalls -----------------------------------------------
if command -v strace >/dev/null; then
  record strace ok
elif ! can_apt; then
  record strace skip "strace is not installed and apt-get needs root"
elif { apt-get -o DPkg::Lock::Timeout=600 update -q && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends strace; } >"$log" 2>&1; then
  record strace ok
else
  record strace skip "apt-get install strace failed: $(last_line)"
fi

# --- the editors: each editor's own ci-setup.sh ----------------------------------------------------------------
for editor in nvim vscode; do
  setup="$repo/editors/$editor/ci-setup.sh"
  [ -f "$setup" ] || continue
  if bash "$setup" >"$log" 2>&1; then
    record "$editor" ok
    continue
  fi
  reason="$(last_line)"
  case "$editor" in
    nvim) if ! can_apt; then record nvim skip "nvim is not installed and apt-get needs root"; else record nvim skip "apt-get could not install neovim: $reason"; fi ;;
    vscode) if npm_registry_answers; then record vscode fail "editors/vscode/ci-setup.sh: $reason"; else record vscode skip "the npm registry does not answer and the extension's npm packages are not installed"; fi ;;
  esac
done

# --- PowerShell as a .NET tool: install.ps1 is checked like install.sh --------------------------------------------
pwsh="$(command -v pwsh || true)"
[ -z "$pwsh" ] && [ -x "$tools/pwsh/pwsh" ] && pwsh="$tools/pwsh/pwsh"
[ -z "$pwsh" ] && [ -x /tmp/codeassist-pwsh/pwsh ] && pwsh=/tmp/codeassist-pwsh/pwsh
if [ -z "$pwsh" ]; then
  if dotnet tool install --tool-path "$tools/pwsh" PowerShell --version "$POWERSHELL_VERSION" >"$log" 2>&1; then
    pwsh="$tools/pwsh/pwsh"
  elif nuget_answers; then
    record pwsh fail "dotnet tool install PowerShell $POWERSHELL_VERSION: $(last_line)"
  else
    record pwsh skip "NuGet does not answer and PowerShell is not installed"
  fi
fi
if [ -n "$pwsh" ]; then
  echo "pwsh-path $pwsh" >>"$status_file"
  record pwsh ok
fi

exit $failed
