-- Starting the server and attaching buffers to it: vim.lsp.start where it exists
-- (0.8+), vim.lsp.start_client + vim.lsp.buf_attach_client on 0.7. One client per
-- root directory, shared by every buffer below it.
local compat = require("codeassist.compat")
local config = require("codeassist.config")
local log = require("codeassist.log")

local M = {}

M.name = "codeassist"

--- Last codeAssist/status params per client id.
M.status = {}

local clients_by_root = {} -- root -> client id (0.7 path only; vim.lsp.start reuses on its own)

local function exists(path)
  return compat.uv.fs_stat(path) ~= nil
end

local function has_marker(dir, marker)
  if marker:find("[*?%[]") then
    return vim.fn.glob(dir .. "/" .. marker, true, true)[1] ~= nil
  end
  return exists(dir .. "/" .. marker)
end

--- The root for a file: the nearest directory above it holding the first marker found,
--- markers tried in order, so "*.sln" beats a closer "*.csproj". Falls back to the file's
--- own directory.
function M.find_root(path, markers)
  local start = vim.fn.fnamemodify(path, ":p:h")
  for _, marker in ipairs(markers) do
    local dir = start
    while true do
      if has_marker(dir, marker) then
        return dir
      end
      local parent = vim.fn.fnamemodify(dir, ":h")
      if parent == dir then
        break
      end
      dir = parent
    end
  end
  return start
end

local function on_status(_, params, ctx)
  params = params or {}
  M.status[ctx.client_id] = params
  log.debug("status %s model=%s device=%s %s", tostring(params.state), tostring(params.model),
    tostring(params.device), params.message or "")
  vim.schedule(function()
    pcall(vim.api.nvim_exec_autocmds, "User", { pattern = "CodeAssistStatus", modeline = false })
  end)
end

local function on_log_message(err, params, ctx, cfg)
  log.server_message(params)
  -- The built-in handler still writes the message to Neovim's LSP log.
  local default = vim.lsp.handlers["window/logMessage"]
  if default then
    return default(err, params, ctx, cfg)
  end
end

--- Sends the current settings with workspace/didChangeConfiguration to every running client.
function M.push_settings()
  for _, client in ipairs(M.clients()) do
    compat.notify(client, "workspace/didChangeConfiguration",
      { settings = { codeassist = config.server_settings(config.current) } })
  end
end

function M.clients()
  local result = {}
  for _, client in ipairs(compat.clients()) do
    if client.name == M.name then
      result[#result + 1] = client
    end
  end
  return result
end

local function capabilities()
  local caps = vim.lsp.protocol.make_client_capabilities()
  caps.textDocument = caps.textDocument or {}
  -- Older clients do not know LSP 3.18's inline completion; this plugin renders it.
  caps.textDocument.inlineCompletion = caps.textDocument.inlineCompletion or { dynamicRegistration = false }
  return caps
end

--- The client configuration for a buffer whose root is `root`. An untrusted root's server
--- runs --untrusted (see lua/codeassist/trust.lua).
function M.client_config(root, on_attach)
  local o = config.current
  local trusted, why = require("codeassist.trust").check(root)
  local settings = config.server_settings(o)
  return {
    name = M.name,
    cmd = config.server_cmd(o, not trusted),
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    init_options = config.server_settings(o, not trusted),
    settings = { codeassist = settings },
    capabilities = capabilities(),
    handlers = {
      ["codeAssist/status"] = on_status,
      ["window/logMessage"] = on_log_message,
    },
    on_init = function(client)
      log.info("server started for %s (%s: %s)", root, trusted and "trusted" or "untrusted", why)
      compat.notify(client, "workspace/didChangeConfiguration", { settings = { codeassist = settings } })
    end,
    on_exit = function(code, signal, client_id)
      M.status[client_id] = nil
      for r, id in pairs(clients_by_root) do
        if id == client_id then
          clients_by_root[r] = nil
        end
      end
      if code ~= 0 then
        log.error("server exited with code %d (signal %d); see :CodeAssist log and :lua print(vim.lsp.get_log_path())",
          code, signal or 0)
      else
        log.info("server exited")
      end
    end,
    on_attach = on_attach,
  }
end

local function buffer_path(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == "" then
    return nil
  end
  return name
end

--- Starts (or reuses) the client for `bufnr` and attaches it. Returns the client id or nil.
function M.attach(bufnr, on_attach)
  local path = buffer_path(bufnr)
  if not path or vim.bo[bufnr].buftype ~= "" then
    return nil
  end
  local root = M.find_root(path, config.current.root_markers)
  local cfg = M.client_config(root, on_attach)
  if vim.fn.executable(cfg.cmd[1]) == 0 then
    log.error("%s is not executable; install CodeAssist or set cmd in require('codeassist').setup{}", cfg.cmd[1])
    if not M.warned_missing then
      -- Once per session: every C# buffer would otherwise repeat it.
      M.warned_missing = true
      vim.notify(("codeassist: %q not found; install it or set `cmd` in setup(). See :checkhealth codeassist")
        :format(cfg.cmd[1]), vim.log.levels.WARN)
    end
    return nil
  end
  if vim.lsp.start then
    -- A server of the same root started with other trust (before :CodeAssist trust) is not reused.
    return vim.lsp.start(cfg, {
      bufnr = bufnr,
      reuse_client = function(c, wanted)
        return c.name == wanted.name and c.config.root_dir == wanted.root_dir and vim.deep_equal(c.config.cmd, wanted.cmd)
          and not compat.is_stopped(c)
      end,
    })
  end
  local id = clients_by_root[root]
  if not id or not vim.lsp.get_client_by_id(id) then
    id = vim.lsp.start_client(cfg)
    if not id then
      log.error("vim.lsp.start_client failed for %s", table.concat(cfg.cmd, " "))
      return nil
    end
    clients_by_root[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

--- Stops the servers of `root` and starts them again for every loaded buffer below it, so that
--- a changed trust takes effect (:CodeAssist trust). `on_attach` as for M.attach.
function M.restart_root(root, on_attach)
  for _, c in ipairs(M.clients()) do
    if c.config.root_dir == root then
      M.status[c.id] = nil
      compat.stop(c)
    end
  end
  clients_by_root[root] = nil
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    local path = vim.api.nvim_buf_is_loaded(bufnr) and buffer_path(bufnr)
    if path and vim.tbl_contains(config.current.filetypes, vim.bo[bufnr].filetype)
        and M.find_root(path, config.current.root_markers) == root then
      M.attach(bufnr, on_attach)
    end
  end
end

--- The running, initialized client attached to `bufnr`, or nil.
function M.for_buffer(bufnr)
  for _, client in ipairs(compat.clients(bufnr)) do
    if client.name == M.name and client.initialized and not compat.is_stopped(client) then
      return client
    end
  end
  return nil
end

return M
