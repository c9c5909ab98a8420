-- Workspace trust end to end, in headless Neovim against the real server: a root that is not
-- trusted gets `codeassist serve --untrusted`, whose server never evaluates the fixture's project
-- (its MSBuild target would write a marker) yet still suggests; `:CodeAssist trust` restarts it
-- trusted and the project loads (the marker appears).
--   CODEASSIST_SERVER=... CODEASSIST_BENCH=... nvim --headless -u NONE -i NONE -n -c "luafile tests/trust_spec.lua"
local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h") .. "/harness.lua")
local T, eq = H.test, H.eq

local server, bench = H.published_executables("trust")

local SCRIPT = "int sum = a + b;"
local WAIT = 30000
local LOAD_WAIT = 300000 -- a design-time build on a loaded machine

local work = vim.fn.resolve(vim.fn.tempname())
local root = work .. "/ws"
local marker = work .. "/target-marker"
vim.fn.mkdir(root, "p")
vim.fn.writefile(vim.fn.readfile(H.tests_dir .. "/fixtures/Calculator.cs", "b"), root .. "/Calculator.cs", "b")
-- The fixture's project with one target more: it writes the marker whenever MSBuild evaluates
-- and builds the project, as a hostile repository's would run anything.
vim.fn.writefile({
  '<Project Sdk="Microsoft.NET.Sdk">',
  "  <PropertyGroup>",
  "    <TargetFramework>net10.0</TargetFramework>",
  "    <ImplicitUsings>enable</ImplicitUsings>",
  "  </PropertyGroup>",
  '  <Target Name="WriteMarker" BeforeTargets="CoreCompile">',
  '    <WriteLinesToFile File="' .. marker .. '" Lines="the project\'s target ran" Overwrite="true" />',
  "  </Target>",
  "</Project>",
}, root .. "/Fixture.csproj")
-- An untrusted server loads only installed models: the model goes into a models directory of
-- this test's own, which the server (a child of this Neovim) finds through the environment.
local models = work .. "/models"
local model = H.scripted_model("trust", bench, models .. "/scripted", SCRIPT)
vim.env.CODEASSIST_MODELS_DIR = models

local client = require("codeassist.client")

H.teardown = function()
  for _, c in ipairs(client.clients()) do
    require("codeassist.compat").stop(c)
  end
  vim.fn.delete(work, "rf")
end

local function ready_status(c)
  local s = client.status[c.id]
  return s and s.state == "ready" and s
end

T("an untrusted root starts the server --untrusted: no project evaluated, suggestions from the open file", function()
  require("codeassist").setup({ cmd = { server, "serve" }, model_path = model, device = "cpu", log_level = "debug" })
  vim.cmd("edit " .. vim.fn.fnameescape(root .. "/Calculator.cs"))
  local c = H.wait(WAIT, function() return client.for_buffer(0) end, "no codeassist client started for the buffer")
  eq(true, vim.tbl_contains(c.config.cmd, "--untrusted"), "the server of an untrusted root must run --untrusted")
  eq(true, c.config.init_options.untrusted, "initializationOptions must say untrusted")
  local s = H.wait(WAIT, function() return ready_status(c) end, "the untrusted server never became ready; an installed model must load")
  eq(false, s.trusted, "codeAssist/status must report trusted = false")
  H.truthy(require("codeassist").statusline():find("(untrusted)", 1, true), "the status line must say untrusted")
  H.truthy(table.concat(require("codeassist.commands").status_lines(), "\n"):find("server runs untrusted", 1, true),
    ":CodeAssist status must say the server runs untrusted")

  -- A suggestion still comes: loose-file context, installed model.
  local r = c.request_sync("textDocument/inlineCompletion", {
    textDocument = { uri = vim.uri_from_bufnr(0) },
    position = { line = 6, character = 0 },
    context = { triggerKind = 1 },
  }, WAIT, 0)
  H.truthy(r and r.result and r.result.items and r.result.items[1], "no inline completion from the untrusted server: " .. vim.inspect(r))
  eq(SCRIPT, vim.trim(r.result.items[1].insertText))
  eq(0, vim.fn.filereadable(marker), "the untrusted server evaluated the project: its target wrote the marker")
end)

T(":CodeAssist trust restarts the server trusted and the project loads", function()
  local before = client.for_buffer(0)
  vim.cmd("CodeAssist trust")
  local c = H.wait(WAIT, function()
    local now = client.for_buffer(0)
    return now and now.id ~= before.id and now
  end, ":CodeAssist trust did not start a new server for the buffer")
  eq(false, vim.tbl_contains(c.config.cmd, "--untrusted"), "the trusted server must not run --untrusted")
  eq(true, require("codeassist.trust").is_trusted(root))
  H.wait(LOAD_WAIT, function() return vim.fn.filereadable(marker) == 1 end,
    "the trusted server did not load the project (the target's marker never appeared)")
  local s = H.wait(LOAD_WAIT, function() return ready_status(c) end, "the trusted server never became ready")
  eq(true, s.trusted ~= false, "codeAssist/status must not report untrusted any more")
  eq(true, #vim.tbl_filter(function(x) return x.id == before.id end, client.clients()) == 0, "the untrusted server must be stopped")
end)

H.run("trust", 600000)
