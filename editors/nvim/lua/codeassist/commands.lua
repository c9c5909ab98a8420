-- :CodeAssist enable|disable|toggle|status|log|doctor|rewrite|trust|next
local compat = require("codeassist.compat")
local config = require("codeassist.config")
local log = require("codeassist.log")

local M = {}

local function notify(message, level)
  vim.notify("codeassist: " .. message, level or vim.log.levels.INFO)
end

--- Opens a scratch buffer named `name` in a split, holding `lines`.
function M.scratch(name, lines)
  local bufnr = vim.fn.bufnr(name)
  if bufnr == -1 then
    bufnr = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_name(bufnr, name)
  end
  vim.bo[bufnr].buftype = "nofile"
  vim.bo[bufnr].bufhidden = "hide"
  vim.bo[bufnr].swapfile = false
  vim.bo[bufnr].modifiable = true
  vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, lines)
  vim.bo[bufnr].modifiable = false
  local win = vim.fn.bufwinid(bufnr)
  if win == -1 then
    vim.cmd("botright split")
    vim.api.nvim_win_set_buf(0, bufnr)
  else
    vim.api.nvim_set_current_win(win)
  end
  return bufnr
end

local function client_for_current()
  local client = require("codeassist.client")
  local c = client.for_buffer(vim.api.nvim_get_current_buf()) or client.clients()[1]
  if not c then
    notify("no CodeAssist server is running; open a " .. table.concat(config.current.filetypes, "/")
      .. " file after require('codeassist').setup{}", vim.log.levels.WARN)
  end
  return c
end

function M.status_lines()
  local client = require("codeassist.client")
  local ghost = require("codeassist.ghost")
  local d = compat.describe()
  local lines = {
    "CodeAssist",
    "  suggestions: " .. (config.current.enabled and "enabled" or "disabled"),
    "  neovim:      " .. d.version .. " (start: " .. d.start .. "; ghost text: "
      .. (ghost.use_native() and "vim.lsp.inline_completion" or d.ghost) .. ")",
    "  command:     " .. table.concat(config.server_cmd(config.current), " "),
    "  disk changes: " .. d.files,
  }
  local clients = client.clients()
  if #clients == 0 then
    lines[#lines + 1] = "  server:      not running"
  end
  for _, c in ipairs(clients) do
    local s = client.status[c.id] or {}
    local function show(v)
      return (v == nil or v == vim.NIL) and "-" or tostring(v)
    end
    lines[#lines + 1] = ("  server %d:    %s, model %s, %s%s"):format(c.id, show(s.state), show(s.model),
      (type(s.backend) == "string" and s.backend:find(" at ", 1, true)) and ("backend " .. s.backend) or ("device " .. show(s.device)),
      s.message and s.message ~= vim.NIL and (" (" .. s.message .. ")") or "")
    lines[#lines + 1] = "    root:      " .. tostring(c.config.root_dir)
    local trusted, why = require("codeassist.trust").check(c.config.root_dir)
    local running = vim.tbl_contains(c.config.cmd, "--untrusted") and "untrusted" or "trusted"
    lines[#lines + 1] = ("    trust:     server runs %s; the root is %s (%s)"):format(running, trusted and "trusted" or "untrusted", why)
  end
  local st = ghost.stats
  lines[#lines + 1] = ("  this session: %d requests, %d shown, %d accepted, %d stale dropped, %d cancelled")
    :format(st.requests, st.shown, st.accepted, st.stale, st.cancelled)
  local ne = require("codeassist.nextedit").stats
  lines[#lines + 1] = ("  next edits:  %s; %d requests, %d shown, %d accepted, %d dismissed, %d stale dropped")
    :format(config.current.next_edit and "on" or "off", ne.requests, ne.shown, ne.accepted, ne.dismissed, ne.stale)
  return lines
end

local function doctor()
  local c = client_for_current()
  if not c then
    return
  end
  compat.request(c, "codeAssist/doctor", vim.empty_dict(), function(err, result)
    if err then
      notify("codeAssist/doctor failed: " .. tostring(err.message), vim.log.levels.ERROR)
      return
    end
    local report = type(result) == "table" and result.report or tostring(result)
    M.scratch("codeassist://doctor", vim.split(report, "\n", { plain = true }))
  end, vim.api.nvim_get_current_buf())
end

local function visual_range(bufnr, line1, line2)
  -- A charwise selection keeps its columns; a linewise one (or a plain :N,M range) takes whole lines.
  local s = vim.api.nvim_buf_get_mark(bufnr, "<")
  local e = vim.api.nvim_buf_get_mark(bufnr, ">")
  local charwise = vim.fn.visualmode() == "v" and s[1] == line1 and e[1] == line2
  local start_row, start_col, end_row, end_col
  if charwise then
    start_row, start_col = s[1] - 1, s[2]
    end_row = e[1] - 1
    local last = vim.api.nvim_buf_get_lines(bufnr, end_row, end_row + 1, false)[1] or ""
    -- '> points at the first byte of the last selected character; include the whole character.
    local lead = last:byte(e[2] + 1) or 0
    local width = lead >= 0xF0 and 4 or lead >= 0xE0 and 3 or lead >= 0xC0 and 2 or 1
    end_col = math.min(e[2] + width, #last)
  else
    start_row, start_col = line1 - 1, 0
    end_row = line2 - 1
    end_col = #(vim.api.nvim_buf_get_lines(bufnr, end_row, end_row + 1, false)[1] or "")
  end
  return start_row, start_col, end_row, end_col
end

--- Asks for the instruction (unless given) and sends codeassist.rewrite [uri, range, instruction]; the server
--- answers with workspace/applyEdit.
local function send_rewrite(c, bufnr, range, instruction)
  local function send(text)
    if not text or text == "" then
      return
    end
    compat.request(c, "workspace/executeCommand", {
      command = "codeassist.rewrite",
      arguments = { vim.uri_from_bufnr(bufnr), range, text },
    }, function(err)
      if err then
        notify("rewrite failed: " .. tostring(err.message), vim.log.levels.ERROR)
      end
    end, bufnr)
  end
  if instruction and instruction ~= "" then
    return send(instruction)
  end
  vim.ui.input({ prompt = "Rewrite with instruction: " }, send)
end

--- `:'<,'>CodeAssist rewrite [instruction]` on the lines or the visual selection.
function M.rewrite(line1, line2, instruction)
  local bufnr = vim.api.nvim_get_current_buf()
  local c = client_for_current()
  if not c then
    return
  end
  local sr, sc, er, ec = visual_range(bufnr, line1, line2)
  local encoding = compat.offset_encoding(c)
  local function pos(row, col)
    local line = vim.api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ""
    return { line = row, character = compat.to_lsp_col(line, col, encoding) }
  end
  send_rewrite(c, bufnr, { start = pos(sr, sc), ["end"] = pos(er, ec) }, instruction)
end

--- The client-side command behind the server's "Rewrite with instruction…" code action (arguments [uri, range]):
--- vim.lsp.buf.code_action() runs it through vim.lsp.commands.
function M.rewrite_with_instruction(command, ctx)
  local args = command.arguments or {}
  local bufnr = args[1] and vim.uri_to_bufnr(args[1]) or (ctx and ctx.bufnr) or vim.api.nvim_get_current_buf()
  local c = (ctx and ctx.client_id and vim.lsp.get_client_by_id(ctx.client_id)) or client_for_current()
  if not c or not args[2] then
    return notify("rewrite: no server or no range", vim.log.levels.ERROR)
  end
  send_rewrite(c, bufnr, args[2], nil)
end

--- `:CodeAssist trust`: trusts the current buffer's root for this session and restarts its
--- server without --untrusted, so that the project loads.
function M.trust()
  local client = require("codeassist.client")
  local trust = require("codeassist.trust")
  local path = vim.api.nvim_buf_get_name(0)
  if path == "" then
    return notify("trust: this buffer has no file; run it in a file of the project to trust", vim.log.levels.WARN)
  end
  local root = client.find_root(path, config.current.root_markers)
  local _, why = trust.check(root)
  trust.grant(root)
  if not trust.is_trusted(root) then
    return notify(("trust: %s is %s; remove it there first (:trust ++remove)"):format(root, why), vim.log.levels.ERROR)
  end
  log.info("trusted %s; restarting its server", root)
  notify(("trusted %s for this session; its server restarts and loads the project. To keep it trusted, add it to trusted_roots%s")
    :format(root, vim.secure and " (or :trust its .nvim.lua)" or ""))
  client.restart_root(root, require("codeassist").on_attach)
end

M.subcommands = {
  enable = function()
    require("codeassist").set_enabled(true)
  end,
  disable = function()
    require("codeassist").set_enabled(false)
  end,
  toggle = function()
    require("codeassist").set_enabled(not config.current.enabled)
    notify(config.current.enabled and "enabled" or "disabled")
  end,
  status = function()
    print(table.concat(M.status_lines(), "\n"))
  end,
  log = function()
    local lines = log.lines()
    lines[#lines + 1] = ""
    lines[#lines + 1] = "Server stderr is in Neovim's LSP log: " .. vim.lsp.get_log_path()
    M.scratch("codeassist://log", lines)
  end,
  doctor = doctor,
  trust = function()
    M.trust()
  end,
  rewrite = function(args)
    M.rewrite(args.line1, args.line2, args.rest)
  end,
  next = function()
    require("codeassist.nextedit").next()
  end,
}

--- Entry point of the :CodeAssist user command.
function M.run(args)
  local name, rest = (args.args or ""):match("^%s*(%S*)%s*(.-)%s*$")
  if name == "" then
    name = "status"
  end
  local fn = M.subcommands[name]
  if not fn then
    notify(("unknown subcommand %q; use one of: %s"):format(name, table.concat(M.complete(""), ", ")),
      vim.log.levels.ERROR)
    return
  end
  fn({ line1 = args.line1, line2 = args.line2, range = args.range, rest = rest })
end

function M.complete(arg_lead)
  local names = {}
  for name in pairs(M.subcommands) do
    if name:sub(1, #arg_lead) == arg_lead then
      names[#names + 1] = name
    end
  end
  table.sort(names)
  return names
end

return M
