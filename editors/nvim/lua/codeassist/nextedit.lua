-- Next-edit suggestions: after the user edits a buffer (normal or insert mode), asks the server for the next edit
-- (codeAssist/nextEdit, after `debounce_ms` of quiet, cancelled by the next change, pinned to the buffer's version)
-- and shows it with extmarks where it is: the text it removes struck through, the line as it will read at the end
-- of the line (or the new lines as virtual lines below), and a sign. While the edit is elsewhere, a hint at the
-- cursor says where. `keymaps.next_edit` (and `:CodeAssist next`) jumps there, then accepts it (the server's command
-- reports the acceptance); `keymaps.next_edit_dismiss` dismisses it. The keys are buffer-local and exist only while a
-- suggestion shows. Only 0.7 extmark features are used (virt_text "eol", virt_lines, sign_text, hl_group).
local compat = require("codeassist.compat")
local config = require("codeassist.config")
local client_mod = require("codeassist.client")
local log = require("codeassist.log")

local M = {}

M.ns = vim.api.nvim_create_namespace("codeassist.nextedit")
M.group = vim.api.nvim_create_augroup("codeassist.nextedit", { clear = false })
M.hl = { hint = "CodeAssistNextEditHint", delete = "CodeAssistNextEditDelete", insert = "CodeAssistNextEdit", sign = "CodeAssistNextEditSign" }

--- Counters for :CodeAssist status and the tests.
M.stats = { requests = 0, responses = 0, stale = 0, shown = 0, accepted = 0, dismissed = 0 }

local REQUEST_CANCELLED = -32800
local buffers = {} -- bufnr -> { timer, request, seen_tick }
local current -- the suggestion shown: { edit, command, client_id }
local keyed = {} -- bufnr -> list of { mode, lhs } we mapped

local function tick(bufnr)
  return vim.api.nvim_buf_get_changedtick(bufnr)
end

local function line_at(bufnr, row)
  return vim.api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ""
end

--- The loaded buffer of a file: URI, without creating one.
local function loaded_buffer(uri)
  local path = vim.fn.resolve(vim.uri_to_fname(uri))
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.fn.resolve(vim.api.nvim_buf_get_name(bufnr)) == path then
      return bufnr
    end
  end
  return nil
end

--- The version vim.lsp last sent for `bufnr` (didOpen/didChange): what the server compares the request with.
local function lsp_version(bufnr)
  local versions = vim.lsp.util.buf_versions
  return versions and versions[bufnr] or tick(bufnr)
end

--- Pure: the suggestion to keep from a codeAssist/nextEdit result, or nil. `version_of(uri)` is the version of the
--- loaded buffer of `uri` (nil when none): an edit computed for another version of it would land in the wrong place.
function M.pick(result, version_of)
  local edit = type(result) == "table" and type(result.edits) == "table" and result.edits[1] or nil
  if type(edit) ~= "table" or type(edit.textDocument) ~= "table" then
    return nil
  end
  local expected = edit.textDocument.version
  if expected ~= nil and expected ~= vim.NIL then
    local have = version_of(edit.textDocument.uri)
    if have ~= nil and have ~= expected then
      return nil
    end
  end
  local command = result.command ~= vim.NIL and result.command or nil
  return { edit = edit, command = command }
end

--- Pure: the lines from the first to the last line of `range` as they read once `new_text` replaces it (byte columns).
function M.result_lines(first, last, start_col, end_col, new_text)
  local text = first:sub(1, start_col) .. new_text .. last:sub(end_col + 1)
  return vim.split(text, "\n", { plain = true })
end

--- Pure: the hint at the cursor while the edit is elsewhere (1-based line, as Neovim shows lines).
function M.hint(edit, cursor_uri, key)
  local line = edit.range.start.line + 1
  local where = cursor_uri == edit.textDocument.uri and ("line " .. line)
    or (vim.fn.fnamemodify(vim.uri_to_fname(edit.textDocument.uri), ":t") .. ":" .. line)
  return ("%s: next edit at %s"):format(key or ":CodeAssist next", where)
end

--- Pure: whether the cursor (0-based row in the buffer of `uri`) is on the edit's lines, where the key accepts it.
function M.on_edit(edit, uri, row)
  return uri == edit.textDocument.uri and row >= edit.range.start.line and row <= edit.range["end"].line
end

local function encoding(bufnr)
  local c = client_mod.for_buffer(bufnr)
  return compat.offset_encoding(c)
end

--- The edit's range in byte columns of `bufnr`.
local function byte_range(bufnr, edit)
  local enc = encoding(bufnr)
  local r = edit.range
  local sr, er = r.start.line, r["end"].line
  local first, last = line_at(bufnr, sr), line_at(bufnr, er)
  return sr, compat.from_lsp_col(first, r.start.character, enc), er, compat.from_lsp_col(last, r["end"].character, enc), first, last
end

local function unmap(bufnr)
  for _, key in ipairs(keyed[bufnr] or {}) do
    pcall(vim.keymap.del, key.mode, key.lhs, { buffer = bufnr })
  end
  keyed[bufnr] = nil
end

--- Maps the next-edit keys in `bufnr` (normal and insert mode) while a suggestion shows. A buffer-local mapping the
--- user already has on the key is left alone.
local function map(bufnr)
  if keyed[bufnr] or not vim.api.nvim_buf_is_valid(bufnr) then
    return
  end
  local k = config.current.keymaps
  local mapped = {}
  vim.api.nvim_buf_call(bufnr, function()
    for _, key in ipairs({ { k.next_edit, M.next, "jump to or accept the next edit" }, { k.next_edit_dismiss, M.dismiss, "dismiss the next edit" } }) do
      if key[1] then
        for _, mode in ipairs({ "n", "i" }) do
          if vim.fn.maparg(key[1], mode, false, true).buffer ~= 1 then
            vim.keymap.set(mode, key[1], function() key[2]() end, { buffer = bufnr, silent = true, desc = "CodeAssist: " .. key[3] })
            mapped[#mapped + 1] = { mode = mode, lhs = key[1] }
          end
        end
      end
    end
  end)
  keyed[bufnr] = mapped
end

--- Draws the suggestion: at its place in its buffer when that is loaded, and the hint at the cursor elsewhere.
function M.render()
  for bufnr in pairs(keyed) do
    if vim.api.nvim_buf_is_valid(bufnr) then
      vim.api.nvim_buf_clear_namespace(bufnr, M.ns, 0, -1)
    end
    unmap(bufnr)
  end
  if not current then
    return
  end
  local edit = current.edit
  local target = loaded_buffer(edit.textDocument.uri)
  local here = vim.api.nvim_get_current_buf()
  if target then
    local sr, sc, er, ec, first, last = byte_range(target, edit)
    if sr ~= er or sc ~= ec then
      vim.api.nvim_buf_set_extmark(target, M.ns, sr, sc, { end_row = er, end_col = ec, hl_group = M.hl.delete })
    end
    local lines = M.result_lines(first, last, sc, ec, edit.newText)
    local opts = { sign_text = "»", sign_hl_group = M.hl.sign }
    if #lines == 1 then
      opts.virt_text = { { "  ⇒ ", M.hl.hint }, { vim.trim(lines[1]), M.hl.insert } }
      opts.virt_text_pos = "eol"
    else
      local virt_lines = {}
      for _, l in ipairs(lines) do
        virt_lines[#virt_lines + 1] = { { l, M.hl.insert } }
      end
      opts.virt_lines = virt_lines
    end
    vim.api.nvim_buf_set_extmark(target, M.ns, er, 0, opts)
    map(target)
  end
  local row = vim.api.nvim_win_get_cursor(0)[1] - 1
  local uri = vim.uri_from_bufnr(here)
  if keyed[here] == nil and buffers[here] then
    map(here)
  end
  if not M.on_edit(edit, uri, row) and keyed[here] then
    local key = config.current.keymaps.next_edit
    vim.api.nvim_buf_set_extmark(here, M.ns, row, 0, {
      virt_text = { { "  " .. M.hint(edit, uri, key or nil), M.hl.hint } },
      virt_text_pos = "eol",
    })
  end
end

--- The suggestion showing, or nil: { edit, command } with the edit as the server sent it.
function M.current()
  return current
end

--- Hides the suggestion and its keys.
function M.hide()
  if current then
    current = nil
    M.render()
  end
end

local function cancel(bufnr)
  local st = buffers[bufnr]
  if not st then
    return
  end
  if st.timer then
    st.timer:stop()
  end
  local req = st.request
  st.request = nil
  if req and req.id then
    local client = vim.lsp.get_client_by_id(req.client_id)
    if client then
      compat.cancel_request(client, req.id)
    end
  end
end

--- True while a debounce timer or a request can still bring a suggestion to `bufnr`.
function M.pending(bufnr)
  bufnr = bufnr == 0 and vim.api.nvim_get_current_buf() or bufnr
  local st = buffers[bufnr]
  return st ~= nil and ((st.timer ~= nil and st.timer:is_active()) or st.request ~= nil)
end

--- True once the buffer's latest change has been seen and nothing is pending: what tests wait for.
function M.settled(bufnr)
  bufnr = bufnr == 0 and vim.api.nvim_get_current_buf() or bufnr
  local st = buffers[bufnr]
  return st ~= nil and st.seen_tick == tick(bufnr) and not M.pending(bufnr)
end

local function on_response(bufnr, req, err, result)
  local st = buffers[bufnr]
  if not st or st.request ~= req then
    return
  end
  st.request = nil
  M.stats.responses = M.stats.responses + 1
  if err then
    if err.code ~= REQUEST_CANCELLED then
      log.warn("codeAssist/nextEdit failed: %s (code %s)", tostring(err.message), tostring(err.code))
    end
    return
  end
  if tick(bufnr) ~= req.tick then
    M.stats.stale = M.stats.stale + 1
    return
  end
  local picked = M.pick(result, function(uri)
    local b = loaded_buffer(uri)
    return b and lsp_version(b) or nil
  end)
  if not picked then
    log.trace("no next edit")
    return
  end
  local e = picked.edit
  log.info("next edit suggested at %s:%d (%s)", e.textDocument.uri, e.range.start.line + 1, tostring(e.reason))
  M.stats.shown = M.stats.shown + 1
  current = picked
  M.render()
end

--- Asks for the next edit at the cursor of `bufnr` (the current buffer) now.
function M.request(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local st = buffers[bufnr]
  if not st or not config.current.enabled or not config.current.next_edit or vim.api.nvim_get_current_buf() ~= bufnr then
    return
  end
  local client = client_mod.for_buffer(bufnr)
  if not client then
    return
  end
  cancel(bufnr)
  local cur = vim.api.nvim_win_get_cursor(0)
  local row = cur[1] - 1
  local req = { tick = tick(bufnr) }
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = row, character = compat.to_lsp_col(line_at(bufnr, row), cur[2], compat.offset_encoding(client)) },
    version = lsp_version(bufnr),
  }
  st.request = req
  M.stats.requests = M.stats.requests + 1
  local ok, id = compat.request(client, "codeAssist/nextEdit", params, function(err, result)
    on_response(bufnr, req, err, result)
  end, bufnr)
  if not ok then
    st.request = nil
    return
  end
  req.id, req.client_id = id, client.id
end

--- TextChanged/TextChangedI: the shown suggestion is stale; the next one is asked for after the debounce.
function M.on_change(bufnr)
  local st = buffers[bufnr]
  -- TextChanged after leaving insert mode repeats the last TextChangedI: nothing new to ask about.
  if not st or st.seen_tick == tick(bufnr) then
    return
  end
  st.seen_tick = tick(bufnr)
  M.hide()
  cancel(bufnr)
  if not config.current.enabled or not config.current.next_edit then
    return
  end
  st.timer = st.timer or compat.uv.new_timer()
  st.timer:start(config.current.debounce_ms, 0, vim.schedule_wrap(function()
    if buffers[bufnr] == st then
      M.request(bufnr)
    end
  end))
end

local function run_command(bufnr, command)
  local client = client_mod.for_buffer(bufnr)
  if not client or type(command) ~= "table" or not command.command then
    return
  end
  compat.request(client, "workspace/executeCommand", { command = command.command, arguments = command.arguments }, function(err)
    if err then
      log.debug("%s failed: %s", command.command, tostring(err.message))
    end
  end, bufnr)
end

local function jump(edit)
  if vim.api.nvim_get_mode().mode:sub(1, 1) == "i" then
    vim.cmd("stopinsert")
  end
  -- `:hide` keeps the buffer left behind loaded even when it has unsaved changes and 'hidden' is off (0.7-0.9's
  -- default): the edit being followed up is usually unsaved.
  local target = loaded_buffer(edit.textDocument.uri)
  if target then
    vim.cmd("hide buffer " .. target)
  else
    vim.cmd("hide edit " .. vim.fn.fnameescape(vim.uri_to_fname(edit.textDocument.uri)))
    target = vim.api.nvim_get_current_buf()
  end
  local sr, sc = byte_range(target, edit)
  vim.api.nvim_win_set_cursor(0, { sr + 1, sc })
  M.render()
end

local function accept(edit, command)
  local bufnr = loaded_buffer(edit.textDocument.uri)
  local enc = encoding(bufnr)
  current = nil
  M.render()
  -- Setting 'undolevels' to itself closes the undo block, so one undo takes back exactly the accepted edit.
  vim.api.nvim_buf_call(bufnr, function()
    vim.cmd("let &l:undolevels = &l:undolevels")
  end)
  vim.lsp.util.apply_text_edits({ { range = edit.range, newText = edit.newText } }, bufnr, enc)
  local lines = vim.split(edit.newText, "\n", { plain = true })
  local sr, sc = edit.range.start.line, compat.from_lsp_col(line_at(bufnr, edit.range.start.line), edit.range.start.character, enc)
  local row = sr + #lines - 1
  local col = #lines == 1 and sc + #lines[1] or #lines[#lines]
  if vim.api.nvim_get_current_buf() == bufnr then
    vim.api.nvim_win_set_cursor(0, { row + 1, math.min(col, #line_at(bufnr, row)) })
  end
  M.stats.accepted = M.stats.accepted + 1
  log.info("next edit accepted at %s:%d", edit.textDocument.uri, edit.range.start.line + 1)
  run_command(bufnr, command)
end

--- The key and `:CodeAssist next`: jumps to the suggestion, accepts it once the cursor is on it, and asks for one
--- when none shows.
function M.next()
  local s = current
  if not s then
    return M.request(vim.api.nvim_get_current_buf())
  end
  local row = vim.api.nvim_win_get_cursor(0)[1] - 1
  if M.on_edit(s.edit, vim.uri_from_bufnr(0), row) then
    accept(s.edit, s.command)
  else
    jump(s.edit)
  end
end

function M.dismiss()
  for bufnr in pairs(buffers) do
    cancel(bufnr)
  end
  if current then
    M.stats.dismissed = M.stats.dismissed + 1
  end
  M.hide()
end

--- Starts next edits in `bufnr` (attached to a CodeAssist client).
function M.attach(bufnr)
  if buffers[bufnr] then
    return
  end
  buffers[bufnr] = { seen_tick = tick(bufnr) }
  vim.cmd("highlight default link " .. M.hl.hint .. " Comment")
  vim.cmd("highlight default link " .. M.hl.insert .. " DiffAdd")
  vim.cmd("highlight default link " .. M.hl.sign .. " DiagnosticSignInfo")
  vim.cmd("highlight default " .. M.hl.delete .. " gui=strikethrough cterm=strikethrough")
  vim.api.nvim_create_autocmd({ "TextChanged", "TextChangedI" }, {
    group = M.group,
    buffer = bufnr,
    callback = function()
      M.on_change(bufnr)
    end,
  })
  vim.api.nvim_create_autocmd({ "BufEnter", "CursorMoved", "CursorMovedI" }, {
    group = M.group,
    buffer = bufnr,
    callback = function()
      if current then
        M.render()
      end
    end,
  })
  vim.api.nvim_create_autocmd({ "BufUnload", "BufWipeout" }, {
    group = M.group,
    buffer = bufnr,
    callback = function()
      M.detach(bufnr)
    end,
  })
end

function M.detach(bufnr)
  local st = buffers[bufnr]
  if not st then
    return
  end
  cancel(bufnr)
  if st.timer then
    st.timer:close()
  end
  buffers[bufnr] = nil
  unmap(bufnr)
  if vim.api.nvim_buf_is_valid(bufnr) then
    pcall(vim.api.nvim_clear_autocmds, { group = M.group, buffer = bufnr })
  end
end

return M
