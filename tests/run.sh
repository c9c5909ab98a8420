#!/usr/bin/env bash
# The project's test command: every xunit project, then the editor clients against the published server.
# Prints one closing line "N passed, N failed" and exits non-zero when anything failed.
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

passed=0
failed=0
status=0
log_dir="$(mktemp -d)"
trap 'rm -rf "$log_dir"' EXIT

count() { # count NAME LOGFILE: adds the log's "N passed, N failed" or dotnet's summary lines to the totals
  local p f
  p=$(grep -aoE 'Passed: +[0-9]+' "$2" | awk '{s+=$2} END {print s+0}')
  f=$(grep -aoE 'Failed: +[0-9]+' "$2" | awk '{s+=$2} END {print s+0}')
  if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
    p=$(grep -aoE '^[^ ]*:? ?[0-9]+ passed, [0-9]+ failed' "$2" | tail -1 | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || echo 0)
    f=$(grep -aoE '^[^ ]*:? ?[0-9]+ passed, [0-9]+ failed' "$2" | tail -1 | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' || echo 0)
  fi
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  echo "== $1: ${p:-0} passed, ${f:-0} failed"
}

echo "== building"
dotnet build CodeAssist.sln -c Release --nologo -v quiet 2>&1 | tail -3 || status=1

echo "== xunit"
dotnet test CodeAssist.sln -c Release --no-build --nologo 2>&1 | tee "$log_dir/xunit.log" | grep -E '^(Passed!|Failed!|  Failed |\[xUnit.*FAIL)' || true
grep -q 'Failed!' "$log_dir/xunit.log" && status=1
grep -qE 'Passed!|Failed!' "$log_dir/xunit.log" || status=1
count xunit "$log_dir/xunit.log"

echo "== publishing the server and the bench tool for the editor tests"
server_dir="$log_dir/server"
bench_dir="$log_dir/bench"
if dotnet publish src/CodeAssist.Server -c Release -r linux-x64 --self-contained false --nologo -v quiet -o "$server_dir" >"$log_dir/publish.log" 2>&1 &&
   dotnet publish src/CodeAssist.Bench -c Release -r linux-x64 --self-contained false --nologo -v quiet -o "$bench_dir" >>"$log_dir/publish.log" 2>&1; then
  export CODEASSIST_SERVER="$server_dir/codeassist" CODEASSIST_BENCH="$bench_dir/codeassist-bench"
  # The benchmark runs so that it cannot rot; its figures are read, not asserted (docs/PERFORMANCE.md). It measures
  # the published server ($CODEASSIST_SERVER), the one the editor tests and users run.
  echo "== bench --quick"
  if "$CODEASSIST_BENCH" bench --quick --json "$log_dir/bench.json" >"$log_dir/bench.log" 2>&1; then
    sed '/^{/,$d' "$log_dir/bench.log"
    echo "bench: 1 passed, 0 failed" >>"$log_dir/bench.log"
  else
    tail -40 "$log_dir/bench.log"
    echo "bench: 0 passed, 1 failed" >>"$log_dir/bench.log"
    status=1
  fi
  count bench "$log_dir/bench.log"
  for editor in nvim vscode; do
    script="editors/$editor/run-tests.sh"
    [ -x "$script" ] || [ -f "$script" ] || continue
    echo "== $editor"
    if bash "$script" 2>&1 | tee "$log_dir/$editor.log"; then :; else status=1; fi
    count "$editor" "$log_dir/$editor.log"
  done
else
  cat "$log_dir/publish.log"
  status=1
fi

echo "== install"
if bash tests/install-test.sh 2>&1 | tee "$log_dir/install.log"; then :; else status=1; fi
count install "$log_dir/install.log"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] || status=1
exit $status
