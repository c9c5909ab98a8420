#!/usr/bin/env bash
# The project's test command: first the house rule no build checks (no C# line over 160 characters), then sets up what
# the tests need (tests/setup.sh) while the solution builds, then every xunit project, the training tool, the benchmark,
# the editor clients against the published server and the install checks, in three lanes side by side (see below).
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
# VS Code's tests and the install checks' `install.sh --pack` both package the extension in editors/vscode, in two
# lanes: they take turns on this lock.
export CODEASSIST_VSCODE_LOCK="$log_dir/vscode-package.lock"
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

count() { # count NAME LOGFILE [SECONDS [CPU-FILE]]: adds the log's closing "N passed, N failed[, N skipped]" (or dotnet test's totals)
  local p f s line took="${3:-$((SECONDS - mark))}" cpu=""
  [ -s "${4:-}" ] && cpu=", CPU $(cat "$4") s"
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
  echo "== $1: ${p:-0} passed, ${f:-0} failed, ${s:-0} skipped ($took s$cpu)"
  mark=$SECONDS
}

# cpu_seconds FILE: writes into FILE the CPU seconds (user + system) that the processes this shell has waited for
# used. `times` reports on the shell that runs it, so it runs here with its output redirected, never in a pipe.
cpu_seconds() {
  times >"$1.times"
  awk 'function s(t, a) { split(t, a, "m"); return a[1] * 60 + substr(a[2], 1, length(a[2]) - 1) }
    NR == 2 { printf "%.0f\n", s($1) + s($2) }' "$1.times" >"$1"
}

# with_cpu FILE COMMAND...: runs the command in a subshell and writes the CPU seconds it used into FILE. On two shared
# cores the parts' CPU, not their wall time, says what each costs the run: the lanes' wall times include the waits.
with_cpu() {
  local file="$1"
  shift
  ( "$@"; code=$?; cpu_seconds "$file"; exit $code )
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

# Setting up (registries, disk) and building (the cores) run side by side.
echo "== setting up (tests/setup.sh) while building"
bash tests/setup.sh "$log_dir/setup.status" >"$log_dir/setup.log" 2>&1 &
setup_pid=$!
dotnet build CodeAssist.sln -c Release --nologo -v quiet 2>&1 | tail -3
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "dotnet build CodeAssist.sln failed"
echo "== build: $((SECONDS - mark)) s"
wait "$setup_pid" || fail "tests/setup.sh exited non-zero"
cat "$log_dir/setup.log"
failed=$((failed + $(grep -c ' fail ' "$log_dir/setup.status")))
pwsh_path="$(sed -n 's/^pwsh-path //p' "$log_dir/setup.status")"
[ -n "$pwsh_path" ] && export CODEASSIST_PWSH="$pwsh_path"
echo "== setup and build: $((SECONDS - mark)) s"
mark=$SECONDS

# After the build the server is published (ReadyToRun compiles on both cores: under the lanes' load it took minutes),
# then the parts run in three lanes, because most of their time is spent waiting on child processes (servers over
# stdio, MSBuild's build host, code-server and Chromium), not on the two cores:
#   1. the xunit projects, three at a time (-m:3) so that the longest one (Server.Tests) starts at once;
#   2. the bench and VS Code's end-to-end tests against the published server;
#   3. the training tool's smoke test, the install checks (which publish and pack the server again: after the
#      publish above, so that they find its outputs up to date and never build the same project at the same time),
#      then Neovim's tests against the published server.
# Every test waits for events, never for periods, so the overlap is also a load test. A part in the background
# writes its log, exit status and time; they are printed, and counted, once its lane has finished.
seconds_since() { echo $(($(date +%s) - $1)); }

run_part() { # run_part NAME COMMAND...: runs one part into NAME.log and records its exit status and time
  local name="$1" started_at
  shift
  started_at=$(date +%s)
  with_cpu "$log_dir/$name.cpu" "$@" >"$log_dir/$name.log" 2>&1
  echo $? >"$log_dir/$name.status"
  seconds_since "$started_at" >"$log_dir/$name.seconds"
}

report_part() { # report_part NAME TITLE FAILURE [whole]: prints what run_part recorded (its tail, or the whole log), counts it
  local name="$1"
  echo "== $2"
  if [ "$(cat "$log_dir/$name.status")" = 0 ] && [ "${4:-}" != whole ]; then
    tail -3 "$log_dir/$name.log"
  elif [ "${4:-}" = whole ]; then
    cat "$log_dir/$name.log"
  else
    tail -40 "$log_dir/$name.log"
  fi
  [ "$(cat "$log_dir/$name.status")" = 0 ] || fail "$3"
  collect_skips "$name" "$log_dir/$name.log"
  count "$name" "$log_dir/$name.log" "$(cat "$log_dir/$name.seconds")" "$log_dir/$name.cpu"
}

editor_runs() { # editor_runs EDITOR: whether its tests can run; a setup that skipped or failed is reported here
  local state
  [ -f "editors/$1/run-tests.sh" ] || return 1
  state="$(setup_state "$1")"
  case "$state" in
    skip*) skip "$1" "${state#skip }"; return 1 ;;
    fail*) echo "== $1: not run, its setup failed: ${state#fail }"; fail "$1: its setup failed"; return 1 ;;
  esac
}

# The server is published as install.sh publishes it (ReadyToRun): the editors and the bench run what users run. The
# bench tool is a development tool that only starts that server and writes models: ReadyToRun would cost the suite
# a minute of compiling its whole closure again for nothing the tests look at.
echo "== publishing the server and the bench tool for the editor tests"
server_dir="$log_dir/server"
bench_dir="$log_dir/bench"
published=0
if dotnet publish src/CodeAssist.Server -c Release -r linux-x64 --self-contained false --nologo -v quiet -o "$server_dir" >"$log_dir/publish.log" 2>&1 &&
   dotnet publish src/CodeAssist.Bench -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=false --nologo -v quiet \
     -o "$bench_dir" >>"$log_dir/publish.log" 2>&1; then
  published=1
  export CODEASSIST_SERVER="$server_dir/codeassist" CODEASSIST_BENCH="$bench_dir/codeassist-bench"
  cpu_seconds "$log_dir/before-lanes.cpu"
  echo "== publish: $((SECONDS - mark)) s (setup, build and publish: CPU $(cat "$log_dir/before-lanes.cpu") s)"
else
  cat "$log_dir/publish.log"
  echo "publish: 0 passed, 1 failed" >"$log_dir/publish-count.log"
  count publish "$log_dir/publish-count.log"
  fail "publishing the server or the bench tool failed"
fi
mark=$SECONDS

echo "== xunit (in the background)"
# Normal verbosity prints each skipped test with its reason on the next line.
run_part xunit dotnet test CodeAssist.sln -c Release --no-build --nologo -m:3 --logger "console;verbosity=normal" &
xunit_pid=$!

nvim_runs=0
[ "$published" -eq 1 ] && editor_runs nvim && nvim_runs=1

echo "== training tool, install checks$([ "$nvim_runs" -eq 1 ] && echo ", nvim") (in the background)"
(
  run_part training bash models/CodeAssist.Training/smoke-test.sh
  run_part install bash tests/install-test.sh
  [ "$nvim_runs" -eq 0 ] || run_part nvim bash editors/nvim/run-tests.sh
) &
tools_pid=$!

if [ "$published" -eq 1 ]; then
  # The benchmark runs so that it cannot rot: every phase once, its checks kept (--smoke); its figures are samples,
  # not asserted (docs/PERFORMANCE.md). It drives the published server ($CODEASSIST_SERVER) the editor tests and users run.
  echo "== bench --smoke"
  if with_cpu "$log_dir/bench.cpu" "$CODEASSIST_BENCH" bench --smoke --json "$log_dir/bench.json" >"$log_dir/bench.log" 2>&1; then
    sed '/^{/,$d' "$log_dir/bench.log"
    echo "bench: 1 passed, 0 failed" >>"$log_dir/bench.log"
  else
    tail -40 "$log_dir/bench.log"
    echo "bench: 0 passed, 1 failed" >>"$log_dir/bench.log"
    fail "bench --smoke failed"
  fi
  count bench "$log_dir/bench.log" "$((SECONDS - mark))" "$log_dir/bench.cpu"
  if editor_runs vscode; then
    echo "== vscode"
    if with_cpu "$log_dir/vscode.cpu" bash editors/vscode/run-tests.sh 2>&1 | tee "$log_dir/vscode.log"; then :
    else fail "vscode: editors/vscode/run-tests.sh exited non-zero"; fi
    collect_skips vscode "$log_dir/vscode.log"
    count vscode "$log_dir/vscode.log" "$((SECONDS - mark))" "$log_dir/vscode.cpu"
  fi
fi

wait "$tools_pid"
report_part training "training tool (models/CodeAssist.Training, outside the solution)" "the training tool's smoke test failed"
report_part install "install" "tests/install-test.sh exited non-zero" whole
[ "$nvim_runs" -eq 0 ] || report_part nvim "nvim" "nvim: editors/nvim/run-tests.sh exited non-zero" whole

wait "$xunit_pid"
echo "== xunit"
grep -aE '^(Test Run|\[xUnit.*(FAIL|SKIP)\]|  Failed )' "$log_dir/xunit.log" || true
# The log goes with the run: a failed test's message and stack are printed here, or CI keeps nothing of them.
if grep -qaE '^  Failed ' "$log_dir/xunit.log"; then
  echo "== xunit: the failed tests' messages"
  grep -aA60 '^  Failed ' "$log_dir/xunit.log" | head -400
fi
grep -qaE '^ +Failed: +[1-9]' "$log_dir/xunit.log" && fail "xunit: a test failed"
# dotnet test prints "Total tests: N" at the start of the line (no indent, unlike Passed/Failed/Skipped).
grep -qaE '^ *Total tests: +[1-9]' "$log_dir/xunit.log" || fail "xunit: no test ran (no \"Total tests: N\" line)"
[ "$(cat "$log_dir/xunit.status")" = 0 ] || fail "xunit: dotnet test exited $(cat "$log_dir/xunit.status")"
grep -aA1 '\[SKIP\]$' "$log_dir/xunit.log" | grep -v '^--$' | paste - - |
  sed -E 's/^\[xUnit[^]]*\] +([^ ]+).*\t\[xUnit[^]]*\] +/xunit \1: /' >>"$skips"
count xunit "$log_dir/xunit.log" "$(cat "$log_dir/xunit.seconds")" "$log_dir/xunit.cpu"

strace_state="$(setup_state strace)"
case "$strace_state" in skip*) echo "setup: strace: ${strace_state#skip } (the air-gap trace test skips itself)" >>"$skips" ;; esac
if [ -s "$skips" ]; then
  echo "== skipped, and why"
  sed 's/^/   /' "$skips"
fi
[ -f "$log_dir/missing" ] && cat "$log_dir/missing"
cpu_seconds "$log_dir/run.cpu"
echo "== $((SECONDS - started)) s, CPU $(cat "$log_dir/run.cpu") s on $(nproc) cores"
[ "$failed" -eq 0 ] || fail "$failed test(s) failed"
if [ -s "$log_dir/failures" ]; then
  echo "== why this run fails"
  sed 's/^/   /' "$log_dir/failures"
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
