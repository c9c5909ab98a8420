-- Ghost text: asking the server for inline completions as the user types, showing
-- one as virtual text, and accepting it whole, by word or by line.
--
-- Everything hangs off one augroup and one extmark namespace. A request is sent after
-- `debounce_ms` of quiet; a newer change cancels the timer and the request in flight
-- ($/cancelRequest), and a response that arrives for an older changedtick or cursor
-- is dropped. On 0.12+ Neovim's own vim.lsp.inline_completion does the showing instead
-- (option `native`), and this module only wires its keys.
local compat = require("codeassist.compat")
local config = require("codeassist.config")
local client_mod = require("codeassist.client")
local keymaps = require("codeassist.keymaps")
local log = require("codeassist.log")
local suggestion = require("codeassist.suggestion")

local M = {}

M.ns = vim.api.nvim_create_namespace("codeassist")
M.group = vim.api.nvim_create_augroup("codeassist", { clear = false })
M.hl = "CodeAssistSuggestion"

local INVOKED, AUTOMATIC = 1, 2
local REQUEST_CANCELLED = -32800

--- Counters for :CodeAssist status and the tests.
M.stats = { requests = 0, responses = 0, stale = 0, cancelled = 0, shown = 0, accepted = 0 }

local buffers = {} -- bufnr -> state

local function state(bufnr)
  return buffers[bufnr]
end

local function cursor()
  local pos = vim.api.nvim_win_get_cursor(0)
  return pos[1] - 1, pos[2]
end

local function line_at(bufnr, row)
  return vim.api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ""
end

local function tick(bufnr)
  return vim.api.nvim_buf_get_changedtick(bufnr)
end

local function in_insert_mode()
  return vim.api.nvim_get_mode().mode:sub(1, 1) == "i"
end

--- Whether to use vim.lsp.inline_completion rather than our own rendering.
function M.use_native()
  local native = config.current.native
  if native == false then
    return false
  end
  return compat.native_inline_completion() ~= nil
end

local function run_command(bufnr, command)
  local client = client_mod.for_buffer(bufnr)
  if not client or type(command) ~= "table" or not command.command then
    return
  end
  compat.request(client, "workspace/executeCommand", { command = command.command, arguments = command.arguments },
    function(err)
      if err then
        log.debug("%s failed: %s", command.command, err.message or vim.inspect(err))
      end
    end, bufnr)
end

local function utf16_length(s)
  local _, utf16 = vim.str_utfindex(s)
  return utf16
end

local function stop_timer(st)
  if st.timer then
    st.timer:stop()
  end
end

--- True while something can still bring a suggestion to `bufnr`: a debounce timer that
--- will send a request, or a request in flight. False means nothing will show until the
--- user types or asks again.
function M.pending(bufnr)
  bufnr = bufnr == 0 and vim.api.nvim_get_current_buf() or bufnr
  local st = state(bufnr)
  if not st then
    return false
  end
  return (st.timer ~= nil and st.timer:is_active()) or st.request ~= nil
end

--- True once the plugin has seen the buffer's latest change and nothing is pending: what
--- tests wait for instead of "a while" before checking that nothing happened.
function M.settled(bufnr)
  bufnr = bufnr == 0 and vim.api.nvim_get_current_buf() or bufnr
  local st = state(bufnr)
  return st ~= nil and st.seen_tick == tick(bufnr) and not M.pending(bufnr)
end

--- Cancels the pending debounce and the request in flight.
function M.cancel(bufnr)
  local st = state(bufnr)
  if not st then
    return
  end
  stop_timer(st)
  local req = st.request
  st.request = nil
  if req and req.id then
    local client = vim.lsp.get_client_by_id(req.client_id)
    if client then
      compat.cancel_request(client, req.id)
      M.stats.cancelled = M.stats.cancelled + 1
      log.trace("cancelled request %d", req.id)
    end
  end
end

--- Removes the suggestion from view, with its keys.
function M.hide(bufnr)
  local st = state(bufnr)
  if not st then
    return
  end
  st.items, st.index, st.invoked = nil, nil, false
  if vim.api.nvim_buf_is_valid(bufnr) then
    vim.api.nvim_buf_clear_namespace(bufnr, M.ns, 0, -1)
  end
  keymaps.remove(bufnr)
end

function M.clear(bufnr)
  M.cancel(bufnr)
  M.hide(bufnr)
end

--- The suggestion showing in `bufnr`: the current item and the text still to insert.
function M.current(bufnr)
  local st = state(bufnr)
  if not st or not st.items then
    return nil
  end
  local item = st.items[st.index]
  local row, col = cursor()
  local rest = item and suggestion.remaining(item, line_at(bufnr, row), row, col)
  if not rest then
    return nil
  end
  return item, rest, row, col
end

local suggestion_keys

--- Draws the current item at the cursor. Returns false when it no longer fits.
function M.render(bufnr)
  local st = state(bufnr)
  local item, rest, row, col = M.current(bufnr)
  if not item then
    M.hide(bufnr)
    return false
  end
  local lines = suggestion.display_lines(rest, vim.bo[bufnr].tabstop)
  local at_eol = col >= #line_at(bufnr, row)
  local opts = {
    virt_text = { { lines[1], M.hl } },
    -- "inline" (0.10+) pushes the rest of the line right; before that, "overlay" at the end
    -- of a line looks the same, and "eol" keeps text right of the cursor readable.
    virt_text_pos = compat.inline_virt_text and "inline" or (at_eol and "overlay" or "eol"),
    hl_mode = "combine",
  }
  if #lines > 1 then
    local virt_lines = {}
    for i = 2, #lines do
      virt_lines[#virt_lines + 1] = { { lines[i], M.hl } }
    end
    opts.virt_lines = virt_lines
  end
  vim.api.nvim_buf_clear_namespace(bufnr, M.ns, 0, -1)
  st.extmark = vim.api.nvim_buf_set_extmark(bufnr, M.ns, row, col, opts)
  keymaps.install(bufnr, suggestion_keys(bufnr))
  if item.id ~= nil and not st.shown[item.id] then
    st.shown[item.id] = true
    M.stats.shown = M.stats.shown + 1
    run_command(bufnr, { command = "codeassist.didShowCompletion", arguments = { item.id } })
  end
  return true
end

--- Why a response to `req` no longer applies, or nil when it still does.
function M.stale_reason(bufnr, req)
  if vim.api.nvim_get_current_buf() ~= bufnr then
    return "buffer"
  end
  if not in_insert_mode() then
    return "mode"
  end
  if tick(bufnr) ~= req.tick then
    return "changedtick"
  end
  local row, col = cursor()
  if row ~= req.row or col ~= req.col then
    return "cursor"
  end
  return nil
end

local function on_response(bufnr, req, client, err, result)
  local st = state(bufnr)
  if not st or st.request ~= req then
    log.trace("dropped a response to superseded request %s", tostring(req.id))
    return
  end
  st.request = nil
  M.stats.responses = M.stats.responses + 1
  if err then
    if err.code == REQUEST_CANCELLED then
      log.trace("request %s was cancelled", tostring(req.id))
    else
      log.warn("textDocument/inlineCompletion failed: %s (code %s)", tostring(err.message), tostring(err.code))
    end
    return
  end
  local reason = M.stale_reason(bufnr, req)
  if reason then
    M.stats.stale = M.stats.stale + 1
    log.debug("dropped a stale suggestion (%s changed since the request)", reason)
    return
  end
  local encoding = compat.offset_encoding(client)
  local items = {}
  for _, raw in ipairs(suggestion.result_items(result)) do
    local item = suggestion.from_lsp(raw, req.row, req.col, function(r)
      return line_at(bufnr, r)
    end, function(line, character)
      return compat.from_lsp_col(line, character, encoding)
    end)
    if item and suggestion.remaining(item, line_at(bufnr, req.row), req.row, req.col) then
      items[#items + 1] = item
    end
  end
  local index = 1
  if req.cycle and st.items then
    table.insert(items, 1, st.items[st.index])
    items = suggestion.unique(items)
    index = (req.cycle % #items) + 1
  end
  if #items == 0 then
    log.trace("no suggestion at %d:%d", req.row + 1, req.col)
    return
  end
  M.show(bufnr, items, index, req.kind == INVOKED)
end

--- Shows `items` (in editor terms, see suggestion.lua) in `bufnr`, candidate `index` first.
--- `invoked` says they answer an explicit request, so next/previous only cycle through them.
function M.show(bufnr, items, index, invoked)
  local st = state(bufnr)
  if not st then
    return false
  end
  st.items, st.index, st.invoked = suggestion.unique(items), index or 1, invoked or false
  return M.render(bufnr)
end

--- Sends textDocument/inlineCompletion for the cursor in `bufnr`. `opts.kind` is the
--- trigger kind; `opts.cycle` (+1/-1) keeps the shown item and moves to another candidate.
function M.request(bufnr, opts)
  opts = opts or {}
  local st = state(bufnr)
  if not st or not config.current.enabled or vim.api.nvim_get_current_buf() ~= bufnr or not in_insert_mode() then
    return
  end
  local client = client_mod.for_buffer(bufnr)
  if not client then
    log.trace("no initialized server for buffer %d yet", bufnr)
    return
  end
  M.cancel(bufnr)
  local row, col = cursor()
  local line = line_at(bufnr, row)
  local req = { tick = tick(bufnr), row = row, col = col, kind = opts.kind or AUTOMATIC, cycle = opts.cycle }
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = row, character = compat.to_lsp_col(line, col, compat.offset_encoding(client)) },
    context = { triggerKind = req.kind },
  }
  st.request = req
  M.stats.requests = M.stats.requests + 1
  -- Not every Neovim knows this LSP 3.18 method; client.request sends it anyway
  -- because the handler is given explicitly.
  local ok, id = compat.request(client, "textDocument/inlineCompletion", params, function(err, result)
    on_response(bufnr, req, client, err, result)
  end, bufnr)
  if not ok then
    st.request = nil
    log.warn("could not send textDocument/inlineCompletion: the server has stopped")
    return
  end
  req.id, req.client_id = id, client.id
end

--- Called on TextChangedI and CursorMovedI: keeps a suggestion the user is typing
--- through, otherwise hides it and asks again after the debounce.
function M.on_change(bufnr)
  local st = state(bufnr)
  if st then
    st.seen_tick = tick(bufnr)
  end
  if not st or not config.current.enabled then
    return
  end
  local row, col = cursor()
  local t = tick(bufnr)
  local last = st.last
  if last and last.tick == t and last.row == row and last.col == col then
    return
  end
  st.last = { tick = t, row = row, col = col }
  if st.items and last and last.tick ~= t and M.render(bufnr) then
    return
  end
  M.clear(bufnr)
  stop_timer(st)
  st.timer = st.timer or compat.uv.new_timer()
  st.timer:start(config.current.debounce_ms, 0, vim.schedule_wrap(function()
    if buffers[bufnr] == st then
      M.request(bufnr, { kind = AUTOMATIC })
    end
  end))
end

local function remember_position(bufnr)
  local st = state(bufnr)
  local row, col = cursor()
  st.last = { tick = tick(bufnr), row = row, col = col }
end

local function break_undo()
  -- Setting 'undolevels' to itself closes the current undo block (:help undo-blocks),
  -- so the accepted text is undone in one step, apart from what was typed before it.
  vim.cmd("let &l:undolevels = &l:undolevels")
end

local function apply(bufnr, edit)
  break_undo()
  vim.api.nvim_buf_set_text(bufnr, edit.start_row, edit.start_col, edit.end_row, edit.end_col, edit.lines)
  vim.api.nvim_win_set_cursor(0, { edit.cursor_row + 1, edit.cursor_col })
  remember_position(bufnr)
end

--- Accepts the whole suggestion: its insertText over its range, then its command.
function M.accept(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local item, _, row, col = M.current(bufnr)
  if not item then
    return false
  end
  M.clear(bufnr)
  apply(bufnr, suggestion.accept_edit(item, row, col))
  M.stats.accepted = M.stats.accepted + 1
  run_command(bufnr, item.command)
  return true
end

local function accept_part(bufnr, take)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local item, rest, row, col = M.current(bufnr)
  if not item then
    return false
  end
  local chunk = take(rest)
  local edit, remaining = suggestion.accept_part(item, rest, chunk, row, col)
  M.cancel(bufnr)
  apply(bufnr, edit)
  if not remaining then
    M.hide(bufnr)
    M.stats.accepted = M.stats.accepted + 1
    run_command(bufnr, item.command)
    return true
  end
  local st = state(bufnr)
  st.items, st.index = { remaining }, 1
  M.render(bufnr)
  if remaining.id ~= nil then
    run_command(bufnr, { command = "codeassist.didPartiallyAcceptCompletion",
      arguments = { remaining.id, utf16_length(remaining.accepted) } })
  end
  return true
end

function M.accept_word(bufnr)
  return accept_part(bufnr, suggestion.take_word)
end

function M.accept_line(bufnr)
  return accept_part(bufnr, suggestion.take_line)
end

--- Shows the next (+1) or previous (-1) candidate; the first time, asks the server
--- for several (an Invoked request), keeping the one showing.
function M.cycle(bufnr, delta)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local st = state(bufnr)
  if not st or not st.items then
    return M.request(bufnr, { kind = INVOKED })
  end
  if st.invoked or #st.items > 1 then
    st.index = (st.index - 1 + delta) % #st.items + 1
    M.render(bufnr)
    return
  end
  M.request(bufnr, { kind = INVOKED, cycle = delta })
end

function M.dismiss(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  M.clear(bufnr)
  if state(bufnr) then
    remember_position(bufnr)
  end
end

--- Asks for suggestions now (an Invoked request: several candidates).
function M.trigger(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  if M.use_native() then
    return compat.native_inline_completion().get()
  end
  M.request(bufnr, { kind = INVOKED })
end

--- Puts the suggestion keys back after a key fell through to its previous mapping.
function M.rearm(bufnr)
  if M.current(bufnr) then
    keymaps.install(bufnr, suggestion_keys(bufnr))
  end
end

suggestion_keys = function(bufnr)
  local k = config.current.keymaps
  local keys = {}
  local function add(lhs, fn, desc)
    if lhs then
      keys[#keys + 1] = { lhs = lhs, fn = fn, desc = "CodeAssist: " .. desc }
    end
  end
  add(k.accept, function() M.accept(bufnr) end, "accept suggestion")
  add(k.accept_word, function() M.accept_word(bufnr) end, "accept next word")
  add(k.accept_line, function() M.accept_line(bufnr) end, "accept next line")
  add(k.next, function() M.cycle(bufnr, 1) end, "next candidate")
  add(k.prev, function() M.cycle(bufnr, -1) end, "previous candidate")
  add(k.dismiss, function() M.dismiss(bufnr) end, "dismiss suggestion")
  if k.tab then
    add("<Tab>", function()
      if vim.fn.pumvisible() == 1 then
        keymaps.fall_through(bufnr, "<Tab>")
      else
        M.accept(bufnr)
      end
    end, "accept suggestion (no popup menu)")
  end
  return keys
end

local function native_keys(bufnr)
  local ic = compat.native_inline_completion()
  local k = config.current.keymaps
  local select = ic.select or ic.jump
  local map = function(lhs, fn, desc)
    if lhs then
      vim.keymap.set("i", lhs, fn, { buffer = bufnr, silent = true, desc = "CodeAssist: " .. desc })
    end
  end
  map(k.accept, function() ic.get({ bufnr = bufnr }) end, "accept or request (native)")
  map(k.trigger, function() ic.get({ bufnr = bufnr }) end, "accept or request (native)")
  if select then
    map(k.next, function() select({ bufnr = bufnr, count = 1 }) end, "next candidate (native)")
    map(k.prev, function() select({ bufnr = bufnr, count = -1 }) end, "previous candidate (native)")
  end
end

--- Starts ghost text in `bufnr` (attached to a CodeAssist client).
function M.attach(bufnr)
  if buffers[bufnr] then
    return
  end
  buffers[bufnr] = { shown = {}, native = M.use_native() }
  vim.cmd("highlight default link " .. M.hl .. " Comment")
  if buffers[bufnr].native then
    compat.native_inline_completion().enable(config.current.enabled, { bufnr = bufnr })
    native_keys(bufnr)
    log.info("buffer %d uses vim.lsp.inline_completion", bufnr)
    return
  end
  vim.api.nvim_create_autocmd({ "TextChangedI", "CursorMovedI" }, {
    group = M.group,
    buffer = bufnr,
    callback = function()
      M.on_change(bufnr)
    end,
  })
  vim.api.nvim_create_autocmd({ "InsertLeave", "BufLeave" }, {
    group = M.group,
    buffer = bufnr,
    callback = function()
      M.clear(bufnr)
      if buffers[bufnr] then
        buffers[bufnr].last = nil
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
  local trigger = config.current.keymaps.trigger
  if trigger then
    vim.keymap.set("i", trigger, function() M.trigger(bufnr) end,
      { buffer = bufnr, silent = true, desc = "CodeAssist: ask for suggestions" })
  end
  vim.keymap.set("i", "<Plug>(codeassist-rearm)", function() M.rearm(bufnr) end, { buffer = bufnr })
end

function M.detach(bufnr)
  local st = buffers[bufnr]
  if not st then
    return
  end
  M.clear(bufnr)
  if st.timer then
    st.timer:close()
  end
  buffers[bufnr] = nil
  if vim.api.nvim_buf_is_valid(bufnr) then
    pcall(vim.api.nvim_clear_autocmds, { group = M.group, buffer = bufnr })
  end
end

function M.attached()
  local result = {}
  for bufnr in pairs(buffers) do
    result[#result + 1] = bufnr
  end
  table.sort(result)
  return result
end

--- Turns suggestions on or off in every attached buffer.
function M.set_enabled(enabled)
  for bufnr, st in pairs(buffers) do
    if st.native then
      compat.native_inline_completion().enable(enabled, { bufnr = bufnr })
    else
      M.clear(bufnr)
    end
  end
end

--- Which candidate shows, how many there are, and whether they answer an invoked
--- request (so that next/previous only cycle), for the status line.
function M.position(bufnr)
  local st = state(bufnr or vim.api.nvim_get_current_buf())
  if not st or not st.items then
    return nil
  end
  return st.index, #st.items, st.invoked
end

return M
