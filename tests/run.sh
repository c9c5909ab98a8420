#!/usr/bin/env bash
# The project's test command: first the house rule no build checks (no C# line over 160 characters), then sets up what
# the tests need (tests/setup.sh), then every xunit project, the training tool, the benchmark, the editor clients against
# the published server and the install checks.
# Closes with "N passed, N failed, N skipped" and the reason of every skip; exits non-zero when anything failed.
# A part that cannot run here (no registry for its packages, no strace) is counted as skipped, never as passed.
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
started=$SECONDS
mark=$SECONDS # when the current part started: each part's closing line says how long it took

passed=0
failed=0
skipped=0
status=0
log_dir="$(mktemp -d)"
trap 'rm -rf "$log_dir"' EXIT
# Servers started by the editor tests and the bench keep their project-system cache here, never in the user's cache
# (the xunit tests give each server a folder of its own).
export CODEASSIST_CACHE_DIR="$log_dir/project-cache"
skips="$log_dir/skips"
: >"$skips"

fail() { # fail REASON: the run exits non-zero, and says why at the end
  status=1
  echo "$1" >>"$log_dir/failures"
}

skip() { # skip PART REASON: one part that cannot run here, counted as one skipped test
  skipped=$((skipped + 1))
  echo "$1: $2" >>"$skips"
  echo "== $1: skipped: $2"
}

count() { # count NAME LOGFILE: adds the log's closing "N passed, N failed[, N skipped]" (or dotnet test's totals)
  local p f s line
  p=$(grep -aoE '^ +Passed: +[0-9]+' "$2" | awk '{s+=$2} END {print s+0}')
  f=$(grep -aoE '^ +Failed: +[0-9]+' "$2" | awk '{s+=$2} END {print s+0}')
  s=$(grep -aoE '^ +Skipped: +[0-9]+' "$2" | awk '{s+=$2} END {print s+0}')
  if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
    line=$(grep -aoE '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$2" | tail -1)
    p=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+' || echo 0)
    f=$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+' || echo 0)
    s=$(grep -oE '[0-9]+ skipped' <<<"$line" | grep -oE '[0-9]+' || echo 0)
    [ -n "$line" ] || { f=1; echo "$1: no closing \"N passed, N failed\" line" >>"$log_dir/missing"; }
  fi
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  skipped=$((skipped + ${s:-0}))
  echo "== $1: ${p:-0} passed, ${f:-0} failed, ${s:-0} skipped ($((SECONDS - mark)) s)"
  mark=$SECONDS
}

# Skip reasons that a part printed as "skip NAME: REASON" lines (the install checks, the editors).
collect_skips() { grep -aE '^ *skip ' "$2" | sed -E "s/^ *skip /$1: /" >>"$skips" || true; }

# What tests/setup.sh said about PART: ok, skip REASON or fail REASON.
setup_state() { grep -E "^$1 " "$log_dir/setup.status" | tail -1 | cut -d' ' -f2-; }

# The house rule that no analyzer checks (.editorconfig's max_line_length): one check, run first because it takes
# milliseconds, so an offender is named before the slow parts start. The run goes on and fails at the end.
check_line_length() {
  echo "== line length (tests/check-line-length.sh)"
  local log="$log_dir/line-length.log"
  if bash tests/check-line-length.sh | tee "$log"; then
    echo "1 passed, 0 failed" >>"$log"
  else
    echo "0 passed, 1 failed" >>"$log"
    fail "C# lines over 160 characters: tests/check-line-length.sh names them"
  fi
  count "line length" "$log"
}

check_line_length

echo "== setting up (tests/setup.sh)"
bash tests/setup.sh "$log_dir/setup.status" || fail "tests/setup.sh exited non-zero"
failed=$((failed + $(grep -c ' fail ' "$log_dir/setup.status")))
pwsh_path="$(sed -n 's/^pwsh-path //p' "$log_dir/setup.status")"
[ -n "$pwsh_path" ] && export CODEASSIST_PWSH="$pwsh_path"

echo "== setup: $((SECONDS - mark)) s"
mark=$SECONDS
echo "== building"
dotnet build CodeAssist.sln -c Release --nologo -v quiet 2>&1 | tail -3
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "dotnet build CodeAssist.sln failed"
echo "== build: $((SECONDS - mark)) s"
mark=$SECONDS

echo "== xunit"
# Normal verbosity prints each skipped test with its reason on the next line.
dotnet test CodeAssist.sln -c Release --no-build --nologo --logger "console;verbosity=normal" >"$log_dir/xunit.log" 2>&1
grep -aE '^(Test Run|\[xUnit.*(FAIL|SKIP)\]|  Failed )' "$log_dir/xunit.log" || true
grep -qaE '^ +Failed: +[1-9]' "$log_dir/xunit.log" && fail "xunit: a test failed"
# dotnet test prints "Total tests: N" at the start of the line (no indent, unlike Passed/Failed/Skipped).
grep -qaE '^ *Total tests: +[1-9]' "$log_dir/xunit.log" || fail "xunit: no test ran (no \"Total tests: N\" line)"
grep -aA1 '\[SKIP\]$' "$log_dir/xunit.log" | grep -v '^--$' | paste - - |
  sed -E 's/^\[xUnit[^]]*\] +([^ ]+).*\t\[xUnit[^]]*\] +/xunit \1: /' >>"$skips"
count xunit "$log_dir/xunit.log"

echo "== training tool (models/CodeAssist.Training, outside the solution)"
if bash models/CodeAssist.Training/smoke-test.sh >"$log_dir/training.log" 2>&1; then
  tail -3 "$log_dir/training.log"
else
  tail -40 "$log_dir/training.log"
  fail "the training tool's smoke test failed"
fi
collect_skips training "$log_dir/training.log"
count training "$log_dir/training.log"

echo "== publishing the server and the bench tool for the editor tests"
publish_started=$SECONDS
server_dir="$log_dir/server"
bench_dir="$log_dir/bench"
if dotnet publish src/CodeAssist.Server -c Release -r linux-x64 --self-contained false --nologo -v quiet -o "$server_dir" >"$log_dir/publish.log" 2>&1 &&
   dotnet publish src/CodeAssist.Bench -c Release -r linux-x64 --self-contained false --nologo -v quiet -o "$bench_dir" >>"$log_dir/publish.log" 2>&1; then
  export CODEASSIST_SERVER="$server_dir/codeassist" CODEASSIST_BENCH="$bench_dir/codeassist-bench"
  echo "== publish: $((SECONDS - publish_started)) s"
  mark=$SECONDS
  # The benchmark runs so that it cannot rot; its figures are read, not asserted (docs/PERFORMANCE.md). It measures
  # the published server ($CODEASSIST_SERVER), the one the editor tests and users run.
  echo "== bench --quick"
  if "$CODEASSIST_BENCH" bench --quick --json "$log_dir/bench.json" >"$log_dir/bench.log" 2>&1; then
    sed '/^{/,$d' "$log_dir/bench.log"
    echo "bench: 1 passed, 0 failed" >>"$log_dir/bench.log"
  else
    tail -40 "$log_dir/bench.log"
    echo "bench: 0 passed, 1 failed" >>"$log_dir/bench.log"
    fail "bench --quick failed"
  fi
  count bench "$log_dir/bench.log"
  for editor in nvim vscode; do
    script="editors/$editor/run-tests.sh"
    [ -f "$script" ] || continue
    state="$(setup_state "$editor")"
    case "$state" in
      skip*) skip "$editor" "${state#skip }"; continue ;;
      fail*) echo "== $editor: not run, its setup failed: ${state#fail }"; fail "$editor: its setup failed"; continue ;;
    esac
    echo "== $editor"
    if bash "$script" 2>&1 | tee "$log_dir/$editor.log"; then :; else fail "$editor: $script exited non-zero"; fi
    collect_skips "$editor" "$log_dir/$editor.log"
    count "$editor" "$log_dir/$editor.log"
  done
else
  cat "$log_dir/publish.log"
  echo "publish: 0 passed, 1 failed" >"$log_dir/publish-count.log"
  count publish "$log_dir/publish-count.log"
  fail "publishing the server or the bench tool failed"
fi

echo "== install"
if bash tests/install-test.sh 2>&1 | tee "$log_dir/install.log"; then :; else fail "tests/install-test.sh exited non-zero"; fi
collect_skips install "$log_dir/install.log"
count install "$log_dir/install.log"

strace_state="$(setup_state strace)"
case "$strace_state" in skip*) echo "setup: strace: ${strace_state#skip } (the air-gap trace test skips itself)" >>"$skips" ;; esac
if [ -s "$skips" ]; then
  echo "== skipped, and why"
  sed 's/^/   /' "$skips"
fi
[ -f "$log_dir/missing" ] && cat "$log_dir/missing"
echo "== $((SECONDS - started)) s"
[ "$failed" -eq 0 ] || fail "$failed test(s) failed"
if [ -s "$log_dir/failures" ]; then
  echo "== why this run fails"
  sed 's/^/   /' "$log_dir/failures"
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
