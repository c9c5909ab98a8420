-- A small test runner for real headless Neovim (0.7+):
--   nvim --headless -u NONE -i NONE -n -c "luafile tests/<name>_spec.lua"
-- Tests run one after the other, each in a coroutine, so a test can wait for the
-- editor (typed keys, timers, server responses) without blocking Neovim's own loop.
-- Prints one line per test and "N passed, N failed"; exits with :cquit on any failure.
local H = {}

local uv = vim.uv or vim.loop
local source = debug.getinfo(1, "S").source:sub(2)
H.tests_dir = vim.fn.fnamemodify(source, ":p:h")
H.plugin_dir = vim.fn.fnamemodify(H.tests_dir, ":h")

vim.opt.runtimepath:prepend(H.plugin_dir)
vim.opt.swapfile = false
vim.opt.showmode = false
vim.opt.shortmess:append("Fc")
vim.cmd("filetype on")
vim.cmd("runtime plugin/codeassist.lua")

-- Messages the plugin shows end up between test lines on their own line.
vim.notify = function(message, level)
  io.stdout:write(("      notify(%s): %s\n"):format(tostring(level), tostring(message)))
end

local cases = {}
local passed, failed = 0, 0
local failures = {}

local function out(s)
  io.stdout:write(s .. "\n")
  io.stdout:flush()
end
H.out = out

function H.test(name, fn)
  cases[#cases + 1] = { name = name, fn = fn }
end

local function show(v)
  return type(v) == "string" and string.format("%q", v) or vim.inspect(v)
end

--- The published server and bench (run-tests.sh sets both) for the end-to-end specs; quits the
--- spec `name` when either is missing.
function H.published_executables(name)
  local server, bench = os.getenv("CODEASSIST_SERVER"), os.getenv("CODEASSIST_BENCH")
  if not server or vim.fn.executable(server) == 0 or not bench or vim.fn.executable(bench) == 0 then
    out(name .. ": CODEASSIST_SERVER and CODEASSIST_BENCH must name the published executables")
    vim.cmd("cquit 1")
  end
  return server, bench
end

--- Writes a scripted model that answers `script` into `folder` with the bench; quits the spec
--- `name` when that fails.
function H.scripted_model(name, bench, folder, script)
  local created = vim.fn.system({ bench, "model", "create", folder, "--kind", "scripted", "--script", script })
  if vim.v.shell_error ~= 0 then
    out(name .. ": `codeassist-bench model create` failed: " .. created)
    vim.cmd("cquit 1")
  end
  return folder
end

--- Fails the test unless `actual` equals `expected` (deeply). `fix` says what to fix.
function H.eq(expected, actual, fix)
  if not vim.deep_equal(expected, actual) then
    error(("%s\n      expected: %s\n      actual:   %s"):format(fix or "values differ", show(expected), show(actual)), 2)
  end
end

function H.truthy(value, fix)
  if not value then
    error(fix or "expected a true value", 2)
  end
  return value
end

--- Waits (inside a test) until `cond()` returns a true value, for at most `timeout_ms`.
--- Returns that value; fails with `fix` on timeout.
function H.wait(timeout_ms, cond, fix)
  local co = assert(coroutine.running(), "H.wait must run inside a test")
  local deadline = uv.now() + timeout_ms
  local timer = uv.new_timer()
  local done, busy = false, false
  timer:start(10, 20, vim.schedule_wrap(function()
    -- A condition that waits itself (request_sync runs the event loop) lets this timer fire again inside it: the
    -- nested call must not close the timer a second time.
    if done or busy then
      return
    end
    busy = true
    local ok, value = pcall(cond)
    busy = false
    if done then
      return
    end
    if (ok and value) or uv.now() >= deadline then
      done = true
      timer:stop()
      timer:close()
      H.resume(co, ok and value or nil)
    end
  end))
  local value = coroutine.yield()
  if not value then
    error(("timed out after %d ms: %s"):format(timeout_ms, fix or "condition never became true"), 2)
  end
  return value
end

--- Lets Neovim run for `ms` (typed keys are processed, timers fire).
function H.sleep(ms)
  local co = assert(coroutine.running())
  vim.defer_fn(function()
    H.resume(co, true)
  end, ms)
  coroutine.yield()
end

--- Types `keys` as if the user did (mappings apply); they run once the test waits.
function H.feed(keys)
  vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes(keys, true, false, true), "mt", false)
end

--- Lines of the current buffer.
function H.lines(bufnr)
  return vim.api.nvim_buf_get_lines(bufnr or 0, 0, -1, false)
end

local next_case
local current

function H.resume(co, ...)
  local ok, err = coroutine.resume(co, ...)
  if coroutine.status(co) == "dead" then
    if co == current.co then
      if ok then
        passed = passed + 1
        out("ok     " .. current.name)
      else
        failed = failed + 1
        failures[#failures + 1] = current.name
        out("FAILED " .. current.name .. "\n      " .. tostring(err))
      end
      if H.after_each then
        pcall(H.after_each)
      end
      vim.schedule(next_case)
    end
  end
end

local index = 0
local function finish()
  out(("%s: %d passed, %d failed"):format(H.name or "tests", passed, failed))
  local results = os.getenv("CODEASSIST_NVIM_RESULTS")
  if results then
    local f = io.open(results, "a")
    if f then
      f:write(("%d %d\n"):format(passed, failed))
      f:close()
    end
  end
  if H.teardown then
    pcall(H.teardown)
  end
  if failed > 0 then
    io.stderr:write("failed: " .. table.concat(failures, "; ") .. "\n")
    vim.cmd("cquit 1")
  else
    vim.cmd("qall!")
  end
end

next_case = function()
  index = index + 1
  local case = cases[index]
  if not case then
    return finish()
  end
  current = { name = case.name, co = coroutine.create(case.fn) }
  H.resume(current.co)
end

--- Runs every test; `timeout_ms` bounds the whole file so a hang still ends in :cquit.
function H.run(name, timeout_ms)
  H.name = name
  vim.defer_fn(function()
    out(("%s: stopped after %d ms while running %q; the test is hanging — see the last output above")
      :format(name, timeout_ms, current and current.name or "?"))
    io.stderr:write("timed out\n")
    vim.cmd("cquit 2")
  end, timeout_ms)
  vim.schedule(next_case)
end

return H
