#!/usr/bin/env bash
# Builds codeassist.vsix, runs the unit tests (node --test, no editor), then the end-to-end test
# (the .vsix in code-server, driven through headless Chromium, against the real server).
# The server is $CODEASSIST_SERVER (absolute path of the published codeassist executable) and the
# scripted model is written by $CODEASSIST_BENCH (the codeassist-bench development tool); each is
# published from this repository when unset. Run ci-setup.sh once first.
# Closes with "N passed, N failed" over every test it ran; exits non-zero on any failure.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
started=$SECONDS
passed=0
failed=0
work="$(mktemp -d "${TMPDIR:-/tmp}/codeassist-vscode-tests-XXXXXX")"
trap 'rm -rf "$work"' EXIT

say() { printf '[run-tests] %s\n' "$*"; }

# A step that is not a test runner but must work for the tests to mean anything (packaging,
# publishing the server) counts as one failed test when it fails, so the summary never hides it.
step_failed() {
  say "FAILED: $1"
  failed=$((failed + 1))
}

# Runs node's test runner with the readable reporter on the console and TAP in a file, and
# adds the TAP totals to the summary. Cancelled tests (a hook that failed, a timeout) count as failed.
run_node_tests() {
  local name="$1"
  shift
  local tap="$work/$name.tap"
  local stage_start=$SECONDS
  node --test --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" "$@"
  local status=$?
  local pass fail cancelled
  pass="$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$tap" | tail -1)"
  fail="$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$tap" | tail -1)"
  cancelled="$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' "$tap" | tail -1)"
  pass="${pass:-0}" fail="$((${fail:-0} + ${cancelled:-0}))"
  if ((status != 0 && fail == 0)); then fail=1; fi
  passed=$((passed + pass))
  failed=$((failed + fail))
  say "$name: $pass passed, $fail failed in $((SECONDS - stage_start)) s"
}

# --- Build ----------------------------------------------------------------------------------
# tests/run.sh runs the install checks beside this, and their `install.sh --pack` packages the extension in this
# folder too (dist/, out/, codeassist.vsix): the two hold $CODEASSIST_VSCODE_LOCK while they write there.
if [[ -n "${CODEASSIST_VSCODE_LOCK:-}" ]]; then
  exec 9>"$CODEASSIST_VSCODE_LOCK"
  flock 9
fi
say "packaging codeassist.vsix"
vsix_ok=true
if ! npm run --silent package; then
  step_failed "npm run package"
  vsix_ok=false
elif [[ -z "${CODEASSIST_VSIX:-}" ]]; then
  # The end-to-end test installs a copy, which no later packaging rewrites while code-server reads it.
  cp codeassist.vsix "$work/codeassist.vsix"
  export CODEASSIST_VSIX="$work/codeassist.vsix"
fi

# --- Unit tests -----------------------------------------------------------------------------
say "unit tests"
rm -rf out
if npx tsc -p tsconfig.json; then
  run_node_tests unit out/test/unit/
else
  step_failed "tsc (unit tests not run)"
fi
if [[ -n "${CODEASSIST_VSCODE_LOCK:-}" ]]; then
  flock -u 9
  exec 9>&-
fi

# --- End-to-end test ------------------------------------------------------------------------
if [[ -z "${CODEASSIST_SERVER:-}" ]]; then
  say "CODEASSIST_SERVER unset: publishing the server"
  if dotnet publish "$here/../../src/CodeAssist.Server" -c Release -r linux-x64 --self-contained false \
       -o "$work/server" -nologo -v quiet; then
    export CODEASSIST_SERVER="$work/server/codeassist"
  fi
fi
if [[ -z "${CODEASSIST_BENCH:-}" ]]; then
  say "CODEASSIST_BENCH unset: publishing the bench tool (it writes the test model)"
  if dotnet publish "$here/../../src/CodeAssist.Bench" -c Release -o "$work/bench" -nologo -v quiet; then
    export CODEASSIST_BENCH="$work/bench/codeassist-bench"
  fi
fi
if [[ -z "${CODEASSIST_SERVER:-}" || ! -x "${CODEASSIST_SERVER}" ]]; then
  step_failed "no server executable (CODEASSIST_SERVER='${CODEASSIST_SERVER:-}'): end-to-end test not run"
elif [[ -z "${CODEASSIST_BENCH:-}" || ! -x "${CODEASSIST_BENCH}" ]]; then
  step_failed "no codeassist-bench executable (CODEASSIST_BENCH='${CODEASSIST_BENCH:-}'): end-to-end test not run"
elif [[ "$vsix_ok" != true ]]; then
  step_failed "no codeassist.vsix: end-to-end test not run"
else
  say "end-to-end test with $CODEASSIST_SERVER"
  rm -rf test-artifacts
  mkdir -p test-artifacts
  run_node_tests e2e --test-concurrency=1 test/e2e/
  say "screenshots and logs: $here/test-artifacts"
fi

say "done in $((SECONDS - started)) s"
echo "$passed passed, $failed failed"
((failed == 0 && passed > 0))
