#!/usr/bin/env bash
# Installs CodeAssist with install.sh (and install.ps1 where PowerShell is available) into temporary prefixes with a
# temporary HOME, runs the installed command, uninstalls, and checks that nothing is left behind. Then the .NET tool
# way: install.sh --pack writes the tool packages, `dotnet tool install` and install.sh --offline install them.
# Prints "N passed, N failed, N skipped"; a check that cannot run here prints "skip NAME: REASON".
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
skipped=0

check() { # check NAME COMMAND...: runs the command, counts the result, and says how long it took
  local name="$1" started=$SECONDS; shift
  # Each line of the command's output gets the second it came at, so a slow check can say which step was slow.
  if "$@" 2>&1 | while IFS= read -r line; do printf '%4d s  %s\n' $((SECONDS - started)) "$line"; done >"$work/check.log"; then
    passed=$((passed + 1)); echo "ok   $name ($((SECONDS - started)) s)"
    # install.sh's steps ("==> ...") with their times, for a check that took over a minute (in tests/run.sh's lanes
    # the first install took 460-550 s, against 15 s alone on an idle machine).
    [ $((SECONDS - started)) -gt 60 ] && grep -a '==>' "$work/check.log" | sed 's/\x1b\[[0-9;]*m//g; s/^/     /'
  else
    failed=$((failed + 1)); echo "FAIL $name ($((SECONDS - started)) s)"; sed 's/^/     /' "$work/check.log" | tail -20
  fi
}

sample="$work/Sample.cs"
printf 'using System;\n\npublic static class Program\n{\n    public static void Main(string[] args)\n    {\n        Console.WriteLine(\"Hello, world!\"\n    }\n}\n' >"$sample"

run_command() { # run_command CODEASSIST: it answers --version, doctor, and complete with the default model's exact answer
  local codeassist="$1" completion
  "$codeassist" --version | grep -qE '^[0-9]+\.[0-9]+\.[0-9]+' &&
  "$codeassist" doctor | grep -q 'model check *ok' &&
  completion="$("$codeassist" complete "$sample" --line 7 --column 42 --no-project)" &&
  { [ "$completion" = ");" ] || { echo "complete printed '$completion', not ');' (CodeAssist-Tiny closing the call)"; false; }; }
}

run_installed() { run_command "$1/bin/codeassist"; } # run_installed PREFIX

nothing_left() { # nothing_left PREFIX HOME: no file of ours remains
  [ -z "$(find "$1" -mindepth 1 2>/dev/null)" ] && [ ! -e "$2/.local/share/nvim/site/pack/codeassist" ]
}

# A home of its own, so that the checks see every file an install leaves there; NuGet's package folder stays the
# user's, as it is for anyone who runs install.sh: each install then restores nothing, and a publish whose inputs
# did not change since the last one (tests/run.sh publishes the same server first) compiles nothing again. Spelled as
# NuGet spells its default, with the trailing slash: restore writes the folder into every project's nuget.g.props, so
# "~/.nuget/packages" against the build's "~/.nuget/packages/" rewrote them all and the first install compiled the
# whole server again, ReadyToRun included (443-481 s in tests/run.sh's lanes).
export NUGET_PACKAGES="${NUGET_PACKAGES:-$HOME/.nuget/packages/}"
export HOME="$work/home"
mkdir -p "$HOME"

prefix="$work/prefix-sh"
check "install.sh installs into a prefix" bash "$repo/install.sh" --prefix "$prefix"
check "installed codeassist runs --version, doctor and complete" run_installed "$prefix"
check "install.sh is idempotent" bash "$repo/install.sh" --prefix "$prefix" --no-demo
check "install.sh --uninstall" bash "$repo/install.sh" --prefix "$prefix" --uninstall
check "nothing is left behind after install.sh --uninstall" nothing_left "$prefix" "$HOME"

# tests/setup.sh installs PowerShell as a .NET tool and names it in CODEASSIST_PWSH.
pwsh="${CODEASSIST_PWSH:-$(command -v pwsh || true)}"
[ -z "$pwsh" ] && [ -x /tmp/codeassist-pwsh/pwsh ] && pwsh=/tmp/codeassist-pwsh/pwsh
if [ -n "$pwsh" ]; then
  check "install.ps1 parses" "$pwsh" -NoProfile -Command "\$e=\$null; [void][System.Management.Automation.Language.Parser]::ParseFile('$repo/install.ps1',[ref]\$null,[ref]\$e); if (\$e.Count) { \$e | % { \$_.ToString() }; exit 1 }"
  prefix="$work/prefix-ps"
  check "install.ps1 installs into a prefix" "$pwsh" -NoProfile -File "$repo/install.ps1" -Prefix "$prefix" -NoDemo
  check "codeassist installed by install.ps1 runs" run_installed "$prefix"
  check "install.ps1 -Uninstall" "$pwsh" -NoProfile -File "$repo/install.ps1" -Prefix "$prefix" -Uninstall
  check "nothing is left behind after install.ps1 -Uninstall" nothing_left "$prefix" "$HOME"
else
  skipped=$((skipped + 1))
  echo "skip install.ps1: no PowerShell (pwsh) here, and tests/setup.sh could not install it"
fi

# --- the .NET tool package -------------------------------------------------------------------------------
pack="$work/pack"
# tests/run.sh runs VS Code's tests beside these; --pack packages the extension in editors/vscode, where they package
# and compile it too: both hold $CODEASSIST_VSCODE_LOCK (when set) while they write there.
in_vscode_folder() { if [ -n "${CODEASSIST_VSCODE_LOCK:-}" ]; then flock "$CODEASSIST_VSCODE_LOCK" "$@"; else "$@"; fi; }
check "install.sh --pack writes the CodeAssist tool packages" in_vscode_folder bash "$repo/install.sh" --pack "$pack"
# The tool installs get a package folder of their own: NuGet would take a CodeAssist package of the same version that
# an earlier run left in the shared one instead of the package just written.
export NUGET_PACKAGES="$work/tool-packages"
check "dotnet tool install CodeAssist --add-source PACK gives a working codeassist" \
  bash -c "dotnet tool install CodeAssist --tool-path '$work/tool' --add-source '$pack' && ls '$pack'/CodeAssist.*.nupkg"
check "the tool's codeassist runs --version, doctor and complete with its own default model" run_command "$work/tool/codeassist"
prefix="$work/prefix-tool"
check "install.sh --offline PACK installs the tool packages with no build" bash "$repo/install.sh" --offline "$pack" --prefix "$prefix" --no-demo
check "codeassist installed from the tool packages runs" run_installed "$prefix"
check "install.sh --uninstall removes the tool install" bash "$repo/install.sh" --prefix "$prefix" --uninstall
check "nothing is left behind after uninstalling the tool install" nothing_left "$prefix" "$HOME"

echo "install: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
