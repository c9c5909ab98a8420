#!/usr/bin/env bash
# Runs the Neovim plugin's tests in real headless Neovim: the unit tests (no server), then the
# end-to-end tests against the real server and a scripted model. The server is
# $CODEASSIST_SERVER (absolute path of the published codeassist executable) and the scripted model
# is written by $CODEASSIST_BENCH (the codeassist-bench development tool); each is published from
# this repository when unset. Run ci-setup.sh once first.
# Closes with "N passed, N failed"; exits non-zero on any failure.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
started=$SECONDS
passed=0
failed=0
work="$(mktemp -d "${TMPDIR:-/tmp}/codeassist-nvim-tests-XXXXXX")"
trap 'rm -rf "$work"' EXIT

say() { printf '[nvim run-tests] %s\n' "$*"; }

if ! command -v nvim >/dev/null 2>&1; then
  say "FAILED: nvim not found; run editors/nvim/ci-setup.sh first"
  echo "0 passed, 1 failed"
  exit 1
fi
say "$(nvim --version | head -1)"

if [ -z "${CODEASSIST_SERVER:-}" ]; then
  say "CODEASSIST_SERVER unset: publishing src/CodeAssist.Server"
  if dotnet publish "$repo/src/CodeAssist.Server" -c Release -r linux-x64 --self-contained false --nologo -v quiet \
      -o "$work/server" >"$work/publish.log" 2>&1; then
    export CODEASSIST_SERVER="$work/server/codeassist"
  else
    cat "$work/publish.log"
    say "FAILED: dotnet publish src/CodeAssist.Server"
  fi
fi
if [ -z "${CODEASSIST_BENCH:-}" ]; then
  say "CODEASSIST_BENCH unset: publishing src/CodeAssist.Bench (it writes the test model)"
  if dotnet publish "$repo/src/CodeAssist.Bench" -c Release --nologo -v quiet -o "$work/bench" >"$work/publish-bench.log" 2>&1; then
    export CODEASSIST_BENCH="$work/bench/codeassist-bench"
  else
    cat "$work/publish-bench.log"
    say "FAILED: dotnet publish src/CodeAssist.Bench"
  fi
fi

# Runs one spec file; its harness appends "passed failed" to the results file. A spec that
# dies before reporting (crash, hang, missing server) counts as one failed test.
run_spec() {
  local spec="$1" name
  name="$(basename "$spec" .lua)"
  local results="$work/$name.results"
  local spec_start=$SECONDS
  : >"$results"
  # Own cache/state folders keep Neovim's LSP log here, and stdin from /dev/null keeps
  # headless Neovim from waiting on a pipe.
  CODEASSIST_NVIM_RESULTS="$results" XDG_CACHE_HOME="$work/cache" XDG_STATE_HOME="$work/state" \
    timeout 600 nvim --headless -u NONE -i NONE -n -c "luafile $spec" </dev/null
  local status=$?
  local p f
  read -r p f <"$results" || true
  p="${p:-0}" f="${f:-0}"
  if ((status != 0 && f == 0)); then
    say "$name exited with status $status before reporting its tests"
    f=1
  fi
  if ((f > 0)); then
    for log in "$work"/cache/nvim/lsp.log "$work"/state/nvim/lsp.log; do
      [ -f "$log" ] && { say "last lines of $log:"; tail -n 40 "$log"; }
    done
  fi
  passed=$((passed + p))
  failed=$((failed + f))
  say "$name: $p passed, $f failed in $((SECONDS - spec_start)) s"
}

run_spec "$here/tests/unit_spec.lua"
if [ -n "${CODEASSIST_SERVER:-}" ] && [ -x "$CODEASSIST_SERVER" ] && [ -n "${CODEASSIST_BENCH:-}" ] && [ -x "$CODEASSIST_BENCH" ]; then
  run_spec "$here/tests/e2e_spec.lua"
  run_spec "$here/tests/trust_spec.lua"
  run_spec "$here/tests/team_server_spec.lua"
  run_spec "$here/tests/watch_spec.lua"
  run_spec "$here/tests/next_edit_spec.lua"
else
  say "FAILED: no server or bench executable for the end-to-end tests (CODEASSIST_SERVER=${CODEASSIST_SERVER:-}, CODEASSIST_BENCH=${CODEASSIST_BENCH:-})"
  failed=$((failed + 1))
fi

say "done in $((SECONDS - started)) s"
echo "$passed passed, $failed failed"
((failed == 0))
