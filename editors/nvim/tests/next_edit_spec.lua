-- Next edits end to end, in headless Neovim against the real server, a real project and a scripted model: adding a
-- parameter to Order.AddLine brings the hint "<M-n>: next edit at Checkout.cs:8" (the call it broke, in a file not
-- open), <M-n> opens Checkout.cs at the call with the fix drawn by extmarks, <M-n> again applies it and the server
-- counts the acceptance; the edit made asks again, :CodeAssist next jumps to the next call, and <M-N> dismisses it.
--   CODEASSIST_SERVER=... CODEASSIST_BENCH=... nvim --headless -u NONE -i NONE -n -c "luafile tests/next_edit_spec.lua"
local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h") .. "/harness.lua")
local T, eq = H.test, H.eq

local server, bench = H.published_executables("next_edit")

-- Every generation answers this; the server cuts it to the minimal change at the call and checks it compiles.
local FIX = '        order.AddLine("tea", 2m, "");\n'
-- Loading the project and a generation on a loaded machine: generous, since every wait ends on its event.
local WAIT = 240000

local work = vim.fn.resolve(vim.fn.tempname())
vim.fn.mkdir(work .. "/Shop", "p")
for _, name in ipairs({ "Shop.csproj", "Order.cs", "Checkout.cs" }) do
  vim.fn.writefile(vim.fn.readfile(H.tests_dir .. "/fixtures/shop/" .. name, "b"), work .. "/Shop/" .. name, "b")
end
local model = H.scripted_model("next_edit", bench, work .. "/model", FIX)

local client = require("codeassist.client")
local nextedit = require("codeassist.nextedit")

H.teardown = function()
  for _, c in ipairs(client.clients()) do
    require("codeassist.compat").stop(c)
  end
  vim.fn.delete(work, "rf")
end

-- codeAssist/stats, asked without blocking: a request_sync inside a wait condition would run the harness's timer
-- again from within vim.wait. One request at a time; `stats_where` waits until an answer satisfies `pred`.
local stats = { latest = nil, asking = false }
local function ask_stats()
  local c = client.for_buffer(0)
  if not c or stats.asking then
    return
  end
  stats.asking = true
  require("codeassist.compat").request(c, "codeAssist/stats", vim.empty_dict(), function(err, result)
    stats.asking = false
    if not err then
      stats.latest = result
    end
  end, 0)
end

local function stats_where(pred, fix)
  stats.latest = nil
  return H.wait(WAIT, function()
    ask_stats()
    return stats.latest and pred(stats.latest) and stats.latest
  end, fix)
end

--- The extmarks of the next-edit namespace in the current buffer: { row, col, details }.
local function marks()
  local result = {}
  for _, m in ipairs(vim.api.nvim_buf_get_extmarks(0, nextedit.ns, 0, -1, { details = true })) do
    result[#result + 1] = { row = m[2], col = m[3], d = m[4] }
  end
  return result
end

--- The text of every virt_text chunk shown in the current buffer, joined.
local function virtual_text()
  local parts = {}
  for _, m in ipairs(marks()) do
    for _, chunk in ipairs(m.d.virt_text or {}) do
      parts[#parts + 1] = chunk[1]
    end
  end
  return table.concat(parts)
end

local function line(n)
  return vim.api.nvim_buf_get_lines(0, n - 1, n, false)[1]
end

local function mode()
  return vim.api.nvim_get_mode().mode
end

T("a signature change: the hint names the broken call, <M-n> jumps there, <M-n> again applies the validated fix", function()
  require("codeassist").setup({ cmd = { server, "serve" }, trusted_roots = { work }, model_path = model, device = "cpu", log_level = "debug" })
  vim.cmd("edit " .. vim.fn.fnameescape(work .. "/Shop/Order.cs"))
  H.wait(WAIT, function() return client.for_buffer(0) end, "no initialized codeassist client for Order.cs")
  -- Locations need the loaded project: the server's start-up timeline says when it is.
  stats_where(function(s) return type(s.startup) == "table" and s.startup.solutionLoaded end,
    "the server never reported the project loaded (codeAssist/stats startup.solutionLoaded)")

  local signature = "public void AddLine(string sku, decimal price"
  vim.api.nvim_win_set_cursor(0, { 9, line(9):find(signature, 1, true) - 1 + #signature })
  H.feed("i, string note<Esc>")
  H.wait(5000, function() return mode() == "n" and line(9):find("decimal price, string note)", 1, true) end, "typing did not reach the buffer")

  H.wait(WAIT, function() return nextedit.current() end, "no next edit was suggested; see :CodeAssist log")
  local shown = nextedit.current().edit
  eq(vim.uri_from_fname(work .. "/Shop/Checkout.cs"), shown.textDocument.uri, "the edit is in Checkout.cs")
  eq({ 7, 31, ', ""' }, { shown.range.start.line, shown.range.start.character, shown.newText }, "the fix of the call")
  H.truthy(tostring(shown.reason):find("^CS7036"), "the reason is the compiler's error, got " .. tostring(shown.reason))
  eq("  <M-n>: next edit at Checkout.cs:8", virtual_text(), "the hint at the cursor names the file and line")
  eq(1, vim.fn.maparg("<M-n>", "n", false, true).buffer, "<M-n> is mapped buffer-locally in normal mode")
  eq(1, vim.fn.maparg("<M-n>", "i", false, true).buffer, "and in insert mode")

  H.feed("<M-n>")
  H.wait(10000, function() return vim.api.nvim_buf_get_name(0):find("Checkout.cs$") end, "<M-n> did not open Checkout.cs")
  H.wait(10000, function() return virtual_text():find('order.AddLine("tea", 2m, "");', 1, true) end,
    "the line as it will read is drawn at the call")
  eq({ 8, 31 }, vim.api.nvim_win_get_cursor(0), "the cursor is at the call")
  -- Extmark details name their sign from 0.10 on; 0.7 draws it but does not report it.
  if vim.fn.has("nvim-0.10") == 1 then
    local signs = vim.tbl_filter(function(m) return m.d.sign_text ~= nil end, marks())
    eq({ 7, "»" }, { signs[1] and signs[1].row, signs[1] and vim.trim(signs[1].d.sign_text) }, "a sign marks the edit's line")
  end
  eq('        order.AddLine("tea", 2m);', line(8), "drawn only: the buffer is unchanged")

  local accepted = stats_where(function(s) return s.nextEdits end, "no codeAssist/stats answer").nextEdits.accepted
  H.feed("<M-n>")
  H.wait(10000, function() return line(8) == '        order.AddLine("tea", 2m, "");' end, "<M-n> did not apply the edit")
  eq({ 8, 35 }, vim.api.nvim_win_get_cursor(0), "the cursor is after the new text")
  stats_where(function(s) return s.nextEdits.accepted == accepted + 1 end,
    "codeassist.didAcceptNextEdit (the reply's command) did not reach the server")
  vim.cmd("silent normal! u")
  H.wait(2000, function() return line(8) == '        order.AddLine("tea", 2m);' end, "one undo takes back exactly the edit")
  vim.cmd("silent normal! \18") -- <C-r>
  H.wait(2000, function() return line(8) == '        order.AddLine("tea", 2m, "");' end, "redo")
end)

T("the edit made asks again: :CodeAssist next jumps to the next broken call, <M-N> dismisses it", function()
  -- Undo and redo were edits too; once they settle, the other call that lacks the new argument is suggested.
  H.wait(WAIT, function() return nextedit.settled(0) and nextedit.current() end, "no next edit after the accepted one")
  eq(8, nextedit.current().edit.range.start.line, "the milk call, line 9")
  H.truthy(virtual_text():find("next edit at line 9", 1, true), "the hint names the line, got " .. virtual_text())
  vim.cmd("CodeAssist next")
  eq(9, vim.api.nvim_win_get_cursor(0)[1], ":CodeAssist next jumps to line 9")
  H.feed("<M-N>")
  H.wait(5000, function() return nextedit.current() == nil end, "<M-N> did not dismiss the next edit")
  eq({}, marks(), "no extmark is left")
  eq("", vim.fn.maparg("<M-n>", "n"), "the keys go with the suggestion")
  eq('        order.AddLine("milk", 1m);', line(9), "dismissing changes nothing")
end)

H.run("next_edit", 590000)
