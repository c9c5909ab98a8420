-- A team server end to end, in headless Neovim against the real server: the `backend` option
-- points the server at a llama.cpp-shaped stand-in on 127.0.0.1 (`codeassist-bench stand-in`,
-- no engine can be installed here), the ghost text is the stand-in's reply (the local model's
-- script differs and is never asked), and the statusline names the server's host.
--   CODEASSIST_SERVER=... CODEASSIST_BENCH=... nvim --headless -u NONE -i NONE -n -c "luafile tests/team_server_spec.lua"
local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h") .. "/harness.lua")
local T, eq = H.test, H.eq

local server, bench = H.published_executables("team_server")

local FROM_SERVER = "int sum = a + b;"
local FROM_LOCAL = "int local = 0;"
local WAIT = 30000
local BLANK = 7 -- the empty line inside Add(), indented by 8 spaces

local work = vim.fn.resolve(vim.fn.tempname())
vim.fn.mkdir(work .. "/ws", "p")
for _, name in ipairs({ "Fixture.csproj", "Calculator.cs" }) do
  vim.fn.writefile(vim.fn.readfile(H.tests_dir .. "/fixtures/" .. name, "b"), work .. "/ws/" .. name, "b")
end
local model = H.scripted_model("team_server", bench, work .. "/model", FROM_LOCAL)

-- The stand-in prints its URL, then one line per request it answers.
local stand_in = { lines = {} }
stand_in.job = vim.fn.jobstart({ bench, "stand-in", "--reply", FROM_SERVER }, {
  on_stdout = function(_, data)
    for _, l in ipairs(data) do
      if l ~= "" then
        stand_in.lines[#stand_in.lines + 1] = l
      end
    end
  end,
})

local client = require("codeassist.client")
local ghost = require("codeassist.ghost")

H.teardown = function()
  for _, c in ipairs(client.clients()) do
    require("codeassist.compat").stop(c)
  end
  vim.fn.jobstop(stand_in.job)
  vim.fn.delete(work, "rf")
end

local function suggestion_shown()
  local m = vim.api.nvim_buf_get_extmarks(0, ghost.ns, 0, -1, { details = true })[1]
  return m and m[4].virt_text[1][1]
end

T("ghost text comes from the team server the backend option names, and the statusline shows its host", function()
  local url = H.wait(WAIT, function() return stand_in.lines[1] end, "`codeassist-bench stand-in` printed no URL")
  require("codeassist").setup({
    cmd = { server, "serve" },
    trusted_roots = { work },
    model_path = model,
    device = "cpu",
    log_level = "debug",
    backend = { kind = "llamacpp", url = url },
  })
  vim.cmd("edit " .. vim.fn.fnameescape(work .. "/ws/Calculator.cs"))
  local c = H.wait(WAIT, function() return client.for_buffer(0) end, "no codeassist client started for the buffer")
  local s = H.wait(WAIT, function()
    local s = client.status[c.id]
    return s and s.state == "ready" and s
  end, "the server never became ready with the team server backend")
  eq("llamacpp at " .. url:gsub("/$", ""), s.backend, "codeAssist/status must name the team server")
  H.truthy(require("codeassist").statusline():find("@127.0.0.1", 1, true),
    "the statusline must show the team server's host: " .. require("codeassist").statusline())

  vim.api.nvim_win_set_cursor(0, { BLANK, 0 })
  H.feed("Avar x = a; ")
  local text = H.wait(WAIT, suggestion_shown, "no ghost text appeared after typing; check :CodeAssist log")
  eq(FROM_SERVER, text, "the ghost text must be the team server's reply, not the local model's")
  H.truthy(vim.tbl_contains(stand_in.lines, "POST /infill"), "the stand-in never received /infill: " .. vim.inspect(stand_in.lines))
  H.feed("<Esc>")
end)

H.run("team_server", 300000)
