-- A ring of recent plugin and server messages, shown by `:CodeAssist log`.
-- Nothing is written to disk: the server's own stderr already goes to Neovim's LSP log.
local M = {}

local order = { trace = 1, debug = 2, info = 3, warn = 4, error = 5 }
local capacity = 1000
local entries = {}
local first = 1

M.level = "info"

local function add(level, source, message)
  if order[level] < order[M.level] then
    return
  end
  local line = ("%s %-5s %s: %s"):format(os.date("%H:%M:%S"), level, source, message)
  entries[#entries + 1] = line
  if #entries - first + 1 > capacity then
    entries[first] = nil
    first = first + 1
  end
end

--- Records a message from `source` ("plugin" or "server").
function M.write(level, source, fmt, ...)
  local ok, message = pcall(string.format, fmt, ...)
  add(level, source, ok and message or fmt)
end

for level in pairs(order) do
  M[level] = function(fmt, ...)
    M.write(level, "plugin", fmt, ...)
  end
end

-- LSP MessageType (1 error .. 4 log) to our levels.
local lsp_levels = { "error", "warn", "info", "debug" }

--- Records a window/logMessage notification.
function M.server_message(params)
  local level = lsp_levels[params and params.type or 4] or "debug"
  for line in tostring(params and params.message or ""):gmatch("[^\n]+") do
    add(level, "server", line)
  end
end

function M.lines()
  local result = {}
  for i = first, #entries do
    result[#result + 1] = entries[i]
  end
  return result
end

return M
