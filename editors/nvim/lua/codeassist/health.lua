-- :checkhealth codeassist
local compat = require("codeassist.compat")
local config = require("codeassist.config")

local M = {}

local function version_command(cmd)
  -- `codeassist serve ...` -> `codeassist --version`; a wrapper such as
  -- { "dotnet", "codeassist.dll", "serve" } keeps everything before "serve".
  local result = {}
  for _, part in ipairs(cmd) do
    if part == "serve" then
      break
    end
    result[#result + 1] = part
  end
  result[#result + 1] = "--version"
  return result
end

function M.check()
  local h = compat.health()
  local o = config.current
  local d = compat.describe()
  h.start("codeassist")
  h.info(("Neovim %s; starts the server with %s; ghost text: %s"):format(d.version, d.start,
    require("codeassist.ghost").use_native() and "vim.lsp.inline_completion" or d.ghost))
  if not require("codeassist").did_setup then
    h.warn("require('codeassist').setup{} has not been called; nothing starts the server",
      { "Add require('codeassist').setup{} to your init.lua, or use the plain LSP setup in :help codeassist-lsp" })
  end

  local exe = o.cmd[1]
  if vim.fn.executable(exe) == 0 then
    h.error(("server %q not found"):format(exe),
      { "Install CodeAssist so that `codeassist` is on $PATH, or set cmd = { '/path/to/codeassist', 'serve' } in setup()" })
  else
    h.ok(("server found: %s"):format(vim.fn.exepath(exe)))
    local vcmd = version_command(o.cmd)
    local out = vim.fn.system(vcmd)
    if vim.v.shell_error == 0 then
      h.ok(("%s: %s"):format(table.concat(vcmd, " "), vim.trim(out)))
    else
      h.error(("%s failed (exit %d): %s"):format(table.concat(vcmd, " "), vim.v.shell_error, vim.trim(out)),
        { "Run it in a terminal to see the full error; reinstall CodeAssist if it does not start" })
    end
  end

  if o.model_path then
    local dir = vim.fn.fnamemodify(o.model_path, ":p")
    if vim.fn.isdirectory(dir) == 0 then
      h.error(("model_path %s does not exist"):format(dir), { "Point model_path at a GenAI model folder, or set it to false for the default model" })
    elseif vim.fn.filereadable(dir .. "/genai_config.json") == 0 then
      h.error(("model_path %s has no genai_config.json"):format(dir), { "Copy the whole model folder again" })
    else
      h.ok(("model folder: %s"):format(dir))
    end
  else
    h.info("model_path not set: the server uses its installed default model (see :CodeAssist doctor)")
  end

  local client = require("codeassist.client")
  local clients = client.clients()
  if #clients == 0 then
    h.info("no server running; open a " .. table.concat(o.filetypes, "/") .. " file to start one")
  end
  for _, c in ipairs(clients) do
    local s = client.status[c.id]
    if not s then
      h.warn(("server %d (%s) has sent no codeAssist/status yet"):format(c.id, tostring(c.config.root_dir)))
    else
      local function show(v)
        return (v == nil or v == vim.NIL) and "unknown" or tostring(v)
      end
      local line = ("server %d: %s, model %s, device %s"):format(c.id, show(s.state), show(s.model), show(s.device))
      if s.message and s.message ~= vim.NIL then
        line = line .. " — " .. s.message
      end
      if s.state == "error" then
        h.error(line, { "Run :CodeAssist doctor for the full report" })
      elseif o.device == "cuda" and s.device ~= "cuda" then
        h.warn(line .. " (device = \"cuda\" was asked for)", { "Run :CodeAssist doctor to see why the GPU is not used" })
      else
        h.ok(line)
      end
    end
  end
end

return M
