-- What this Neovim can do, decided at run time. Every version-dependent call goes
-- through here so that the rest of the plugin reads the same on 0.7 and on 0.12.
local M = {}

local function has(feature)
  return vim.fn.has(feature) == 1
end

M.uv = vim.uv or vim.loop

--- "inline" virtual text (0.10+) pushes the text after the cursor to the right.
M.inline_virt_text = has("nvim-0.10")

--- Neovim's own LSP inline completion (0.12+).
function M.native_inline_completion()
  local ok, ic = pcall(function()
    return vim.lsp.inline_completion
  end)
  return ok and type(ic) == "table" and type(ic.enable) == "function" and ic or nil
end

--- 0.11 turned client functions into methods (`client:request`); the old dot form
--- is deprecated there, and 0.7-0.10 only know the dot form.
local method_style = has("nvim-0.11")

function M.request(client, method, params, handler, bufnr)
  if method_style then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

function M.notify(client, method, params)
  if method_style then
    return client:notify(method, params)
  end
  return client.notify(method, params)
end

function M.cancel_request(client, id)
  if method_style then
    return client:cancel_request(id)
  end
  return client.cancel_request(id)
end

function M.is_stopped(client)
  if method_style then
    return client:is_stopped()
  end
  return client.is_stopped()
end

function M.stop(client)
  if method_style then
    return client:stop()
  end
  return client.stop()
end

--- Clients, all or those attached to `bufnr`: vim.lsp.get_clients (0.10+),
--- get_active_clients with a filter (0.8-0.9), buf_get_clients (0.7).
function M.clients(bufnr)
  if vim.lsp.get_clients then
    return vim.lsp.get_clients(bufnr and { bufnr = bufnr } or nil)
  end
  if has("nvim-0.8") then
    return vim.lsp.get_active_clients(bufnr and { bufnr = bufnr } or nil)
  end
  if not bufnr then
    return vim.lsp.get_active_clients()
  end
  local result = {}
  for _, client in pairs(vim.lsp.buf_get_clients(bufnr)) do
    result[#result + 1] = client
  end
  return result
end

--- LSP character offset (in the client's position encoding) for byte `col` of `line`.
function M.to_lsp_col(line, col, encoding)
  col = math.min(col, #line)
  if encoding == "utf-8" then
    return col
  end
  if has("nvim-0.11") then
    return vim.str_utfindex(line, encoding, col, false)
  end
  local utf32, utf16 = vim.str_utfindex(line, col)
  return encoding == "utf-32" and utf32 or utf16
end

--- Byte column of LSP character offset `character` in `line`.
function M.from_lsp_col(line, character, encoding)
  if encoding == "utf-8" then
    return math.min(character, #line)
  end
  if has("nvim-0.11") then
    local ok, col = pcall(vim.str_byteindex, line, encoding, character, false)
    return ok and col or #line
  end
  local ok, col = pcall(vim.str_byteindex, line, character, encoding ~= "utf-32")
  return ok and col or #line
end

function M.offset_encoding(client)
  return client and client.offset_encoding or "utf-16"
end

--- The health report functions: vim.health.start/ok/... (0.10+), vim.health.report_*
--- (0.8-0.9) or require("health").report_* (0.7).
function M.health()
  local h = vim.health
  if h and h.start then
    return h
  end
  local legacy = (h and h.report_start) and h or require("health")
  return {
    start = legacy.report_start,
    ok = legacy.report_ok,
    warn = legacy.report_warn,
    error = legacy.report_error,
    info = legacy.report_info,
  }
end

--- Whether this Neovim watches files for a server that asks (workspace/didChangeWatchedFiles with
--- dynamic registration). Neovim decides per version and platform: 0.7 and 0.8 have no watcher, and
--- 0.9+ leaves it off on Linux unless the user turns it on. When it says no, the server watches the
--- workspace itself (see |codeassist-file-watching|), so a `git checkout` reaches it either way.
function M.watches_files(caps)
  caps = caps or vim.lsp.protocol.make_client_capabilities()
  local watched = caps.workspace and caps.workspace.didChangeWatchedFiles
  return type(watched) == "table" and watched.dynamicRegistration == true
end

--- A short description of the paths this Neovim takes, for :CodeAssist status and tests.
function M.describe()
  local v = vim.version()
  return {
    version = ("%d.%d.%d"):format(v.major, v.minor, v.patch),
    start = vim.lsp.start and "vim.lsp.start" or "vim.lsp.start_client + buf_attach_client",
    ghost = M.native_inline_completion() and "vim.lsp.inline_completion available"
      or (M.inline_virt_text and "extmarks, inline virt_text" or "extmarks, overlay/eol virt_text"),
    files = M.watches_files() and "Neovim's file watcher" or "the server's own file watcher",
  }
end

return M
