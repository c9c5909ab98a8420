-- CodeAssist for Neovim: `require("codeassist").setup{...}` starts `codeassist serve`
-- for the buffers of the configured filetypes and shows its suggestions as ghost text.
local config = require("codeassist.config")
local log = require("codeassist.log")

local M = {}

--- What every client does when it attaches to a buffer: ghost text and next edits for it.
function M.on_attach(_, bufnr)
  require("codeassist.ghost").attach(bufnr)
  require("codeassist.nextedit").attach(bufnr)
end

local function attach(bufnr)
  require("codeassist.client").attach(bufnr, M.on_attach)
end

local function wanted(bufnr)
  return vim.tbl_contains(config.current.filetypes, vim.bo[bufnr].filetype)
end

--- Applies the options (see :help codeassist-options) and starts serving matching buffers.
--- Calling it again replaces the options and sends the new settings to running servers.
function M.setup(opts)
  local resolved, problems = config.resolve(opts)
  config.current = resolved
  log.level = resolved.log_level
  for _, problem in ipairs(problems) do
    vim.notify("codeassist: " .. problem, vim.log.levels.WARN)
    log.warn("%s", problem)
  end
  -- The server's "Rewrite with instruction…" code action carries this client-side command.
  vim.lsp.commands["codeassist.rewriteWithInstruction"] = function(command, ctx)
    require("codeassist.commands").rewrite_with_instruction(command, ctx)
  end
  local group = vim.api.nvim_create_augroup("codeassist.setup", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = resolved.filetypes,
    callback = function(args)
      attach(args.buf)
    end,
  })
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and wanted(bufnr) then
      attach(bufnr)
    end
  end
  require("codeassist.client").push_settings()
  M.did_setup = true
end

--- Turns suggestions on or off everywhere and tells the servers (setting `enable`).
function M.set_enabled(enabled)
  config.current.enabled = enabled
  require("codeassist.ghost").set_enabled(enabled)
  if not enabled then
    require("codeassist.nextedit").dismiss()
  end
  require("codeassist.client").push_settings()
  log.info("suggestions %s", enabled and "enabled" or "disabled")
end

--- A short status for the status line: "CodeAssist: ready (cpu)", or "" without a server.
function M.statusline()
  local client = require("codeassist.client")
  local c = client.for_buffer(vim.api.nvim_get_current_buf())
  if not c then
    return ""
  end
  if not config.current.enabled then
    return "CodeAssist: off"
  end
  local s = client.status[c.id] or {}
  local text = "CodeAssist: " .. (s.state or "starting")
  if s.trusted == false then
    text = text .. " (untrusted)"
  end
  local host = type(s.backend) == "string" and s.backend:match(" at https?://([^:/]+)")
  if host then
    text = text .. " @" .. host
  elseif s.device and s.device ~= vim.NIL then
    text = text .. " (" .. s.device .. ")"
  end
  local index, count = require("codeassist.ghost").position()
  if index and count > 1 then
    text = text .. (" %d/%d"):format(index, count)
  end
  return text
end

return M
