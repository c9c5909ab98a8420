-- A branch switch made outside Neovim reaches the server, in headless Neovim against the real
-- server and a scripted model:
--   CODEASSIST_SERVER=/path/to/codeassist CODEASSIST_BENCH=/path/to/codeassist-bench \
--     nvim --headless -u NONE -i NONE -n -c "luafile tests/watch_spec.lua"
-- The workspace is a git repository with two branches that differ in the project file and a new
-- source; `git checkout` runs outside the editor. On a Neovim that watches files for the server
-- (workspace.didChangeWatchedFiles.dynamicRegistration), its watcher reports the switch; on one
-- that does not (0.7.2 here, and 0.9+ on Linux by default) the server watches the folder itself.
-- Either way the server reloads the project, which it writes to its log.
local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h") .. "/harness.lua")
local T, eq = H.test, H.eq

local server = os.getenv("CODEASSIST_SERVER")
local bench = os.getenv("CODEASSIST_BENCH")
if not server or vim.fn.executable(server) == 0 or not bench or vim.fn.executable(bench) == 0 then
  H.out("watch: CODEASSIST_SERVER and CODEASSIST_BENCH must name the published binaries")
  vim.cmd("cquit 1")
end
local LOAD = 300000 -- ms for an MSBuild project load on a busy machine

local work = vim.fn.tempname()
local ws = work .. "/ws"
vim.fn.mkdir(ws, "p")
for _, name in ipairs({ "Fixture.csproj", "Calculator.cs" }) do
  vim.fn.writefile(vim.fn.readfile(H.tests_dir .. "/fixtures/" .. name, "b"), ws .. "/" .. name, "b")
end
local model = work .. "/model"
local created = vim.fn.system({ bench, "model", "create", model, "--kind", "scripted", "--script", "return a + b;" })
if vim.v.shell_error ~= 0 then
  H.out("watch: `codeassist-bench model create` failed: " .. created)
  vim.cmd("cquit 1")
end

local function git(...)
  local out = vim.fn.system(vim.list_extend({ "git", "-C", ws, "-c", "user.name=tests", "-c", "user.email=tests@localhost" }, { ... }))
  H.truthy(vim.v.shell_error == 0, "git " .. table.concat({ ... }, " ") .. " failed: " .. out)
end

local client = require("codeassist.client")
local compat = require("codeassist.compat")
local log = require("codeassist.log")

H.teardown = function()
  for _, c in ipairs(client.clients()) do
    compat.stop(c)
  end
  vim.fn.delete(work, "rf")
end

local function count(pattern)
  local n = 0
  for _, line in ipairs(log.lines()) do
    if line:find(pattern) then
      n = n + 1
    end
  end
  return n
end

T("a git checkout outside Neovim reloads the server's project", function()
  git("init", "-q")
  git("add", "-A")
  git("commit", "-q", "-m", "main")
  git("branch", "-M", "main")
  git("checkout", "-q", "-b", "feature")
  local project = vim.fn.readfile(ws .. "/Fixture.csproj")
  for i, l in ipairs(project) do
    if l:find("</PropertyGroup>", 1, true) then
      table.insert(project, i, "    <LangVersion>latest</LangVersion>")
      break
    end
  end
  vim.fn.writefile(project, ws .. "/Fixture.csproj")
  vim.fn.writefile({ "namespace Fixture;", "", "public static class Shelf", "{", "    public static int Count => 0;", "}" }, ws .. "/Shelf.cs")
  git("add", "-A")
  git("commit", "-q", "-m", "feature")
  git("checkout", "-q", "main")

  require("codeassist").setup({ cmd = { server, "serve" }, trusted_roots = { work }, model_path = model, device = "cpu", log_level = "debug" })
  vim.cmd("edit " .. vim.fn.fnameescape(ws .. "/Calculator.cs"))
  H.wait(20000, function() return client.for_buffer(0) end, "no codeassist client for the buffer (see :CodeAssist log)")
  local watcher = compat.watches_files() and "the client watches" or "the server watches"
  H.wait(60000, function() return count(watcher) > 0 end, "the server never said \"" .. watcher .. "\" (see :CodeAssist log)")
  H.wait(LOAD, function() return count("loaded 1 project%(s%)") >= 1 end, "the project never loaded")

  git("checkout", "-q", "feature")

  H.wait(60000, function() return count("changed on disk, %d+ document%(s%) updated, the projects reload") > 0 end,
    "the server never saw the switch's project file change (see :CodeAssist log)")
  H.wait(LOAD, function() return count("loaded 1 project%(s%)") >= 2 end, "the project did not reload after the switch")
  eq(0, count("cannot be watched"), "the watcher must have started")
end)

H.run("watch", 540000)
