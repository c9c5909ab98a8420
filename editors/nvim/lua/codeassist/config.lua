-- Options: the one table of defaults, merging with the user's options, and the
-- translation of options into the server's `codeassist` settings section.
local M = {}

-- Every key is documented in doc/codeassist.txt (|codeassist-options|).
M.defaults = {
  -- Ask for suggestions at all. `:CodeAssist enable|disable|toggle` flips it at run time
  -- and tells the server through workspace/didChangeConfiguration.
  enabled = true,
  -- How the server is started. `log_level` is appended as `--log-level LEVEL`.
  cmd = { "codeassist", "serve" },
  -- Buffers of these filetypes get a client.
  filetypes = { "cs" },
  -- Root detection, in priority order: the first marker found anywhere above the
  -- file wins, so a solution beats the project inside it. Globs are allowed.
  root_markers = { "*.sln", "*.csproj", ".git" },
  -- Folders whose projects you trust: a root in or below one of them gets a server that
  -- evaluates its project. Any other root's server runs `--untrusted` (no project evaluated,
  -- installed models only) until `:CodeAssist trust`; see :help codeassist-trust.
  trusted_roots = {},
  -- GenAI model folder; false lets the server use its installed default model.
  model_path = false,
  -- Execution provider: "auto", "cuda" or "cpu".
  device = "auto",
  -- "local" (the model in-process), or a team's inference server (|codeassist-team|):
  -- { kind = "openai"|"llamacpp"|"ollama", url = "https://gpu01:8080", model = ..., promptFormat = ...,
  --   apiKeyEnv = "TEAM_KEY" (or apiKeyFile), caBundle, clientCertificate, clientKey, fallback = "local" }.
  -- Never the key itself: name the environment variable or the file that holds it.
  backend = "local",
  -- New tokens per suggestion.
  max_tokens = 64,
  -- Allow suggestions that span several lines.
  multiline = true,
  -- Items asked for by an explicit request (trigger, next, previous).
  candidates = 3,
  -- Prompt tokens the server may spend on context.
  context_budget = 1536,
  -- Quiet time after typing or moving before a suggestion is requested.
  debounce_ms = 150,
  -- "trace", "debug", "info", "warn" or "error": the server's --log-level and
  -- what `:CodeAssist log` keeps.
  log_level = "info",
  -- Next-edit suggestions after your edits (|codeassist-next-edit|): asked for after `debounce_ms` of quiet,
  -- shown with extmarks where the edit is, taken with `keymaps.next_edit` or :CodeAssist next.
  next_edit = true,
  -- Use Neovim's own inline completion (0.12+) when it exists: "auto", true or false.
  native = "auto",
  -- Buffer-local insert-mode keys, active only while a suggestion shows (except
  -- `trigger`, which asks for one). Set a key to false to leave it unmapped.
  keymaps = {
    accept = "<M-l>",
    accept_word = "<M-Right>",
    accept_line = "<M-Down>",
    next = "<M-]>",
    prev = "<M-[>",
    dismiss = "<C-]>",
    trigger = "<M-\\>",
    -- <Tab> accepts too, but only while no popup menu is visible; otherwise it
    -- does whatever it did before.
    tab = true,
    -- While a next edit shows (normal and insert mode): jump to it, then accept it; dismiss it.
    next_edit = "<M-n>",
    next_edit_dismiss = "<M-N>",
  },
}

local levels = { trace = true, debug = true, info = true, warn = true, error = true }
local devices = { auto = true, cuda = true, cpu = true }

local function is_list(t)
  return type(t) == "table" and (next(t) == nil or t[1] ~= nil)
end

-- Dictionaries merge key by key; lists (cmd, filetypes, root_markers) and scalars
-- are replaced whole, so `cmd = { "/opt/codeassist" }` does not keep a stale "serve".
local function merge(base, override)
  local result = {}
  for k, v in pairs(base) do
    result[k] = v
  end
  for k, v in pairs(override) do
    if type(v) == "table" and type(base[k]) == "table" and not is_list(v) and not is_list(base[k]) then
      result[k] = merge(base[k], v)
    else
      result[k] = v
    end
  end
  return result
end

local function list_of_strings(v)
  if not is_list(v) then
    return false
  end
  for _, s in ipairs(v) do
    if type(s) ~= "string" then
      return false
    end
  end
  return true
end

local function positive(v)
  return type(v) == "number" and v > 0
end

local function boolean(v)
  return type(v) == "boolean"
end

-- One rule per option: the test and the sentence that tells the user what to write instead.
local rules = {
  enabled = { boolean, "enabled must be true or false" },
  cmd = { function(v) return list_of_strings(v) and #v > 0 end, 'cmd must be a list of strings such as { "codeassist", "serve" }' },
  filetypes = { list_of_strings, 'filetypes must be a list of strings such as { "cs" }' },
  root_markers = { list_of_strings, 'root_markers must be a list of strings such as { "*.sln", ".git" }' },
  trusted_roots = { list_of_strings, 'trusted_roots must be a list of folders such as { "~/src/work" }' },
  model_path = { function(v) return v == false or type(v) == "string" end, "model_path must be a folder path or false" },
  device = { function(v) return devices[v] == true end, 'device must be "auto", "cuda" or "cpu"' },
  backend = {
    function(v)
      return v == "local" or (type(v) == "table" and type(v.kind) == "string" and type(v.url) == "string" and v.apiKey == nil)
    end,
    'backend must be "local" or { kind = "openai"|"llamacpp"|"ollama", url = "..." }, without apiKey (use apiKeyEnv or apiKeyFile)',
  },
  max_tokens = { positive, "max_tokens must be a positive number" },
  multiline = { boolean, "multiline must be true or false" },
  candidates = { function(v) return type(v) == "number" and v >= 1 end, "candidates must be a number, at least 1" },
  context_budget = { positive, "context_budget must be a positive number" },
  debounce_ms = { function(v) return type(v) == "number" and v >= 0 end, "debounce_ms must be a number of milliseconds, 0 or more" },
  log_level = { function(v) return levels[v] == true end, "log_level must be one of trace, debug, info, warn, error" },
  native = { function(v) return v == "auto" or type(v) == "boolean" end, 'native must be "auto", true or false' },
  next_edit = { boolean, "next_edit must be true or false" },
  keymaps = { function(v) return type(v) == "table" end, "keymaps must be a table" },
}

--- Merges `user` over the defaults and validates the result.
--- Returns the options and a list of problems, each a sentence that says what to change.
--- An invalid value falls back to its default so that one typo does not cost the whole plugin.
function M.resolve(user)
  user = user or {}
  local errors = {}
  if type(user) ~= "table" then
    return merge(M.defaults, {}), { "setup() takes a table of options" }
  end
  for k in pairs(user) do
    if M.defaults[k] == nil then
      errors[#errors + 1] = ("unknown option %q; see :help codeassist-options"):format(tostring(k))
    end
  end
  local o = merge(vim.deepcopy(M.defaults), user)
  for k, rule in pairs(rules) do
    if not rule[1](o[k]) then
      errors[#errors + 1] = ("%s (got %s)"):format(rule[2], vim.inspect(o[k]))
      o[k] = vim.deepcopy(M.defaults[k])
    end
  end
  for k, v in pairs(o.keymaps) do
    local default = M.defaults.keymaps[k]
    if default == nil then
      errors[#errors + 1] = ("unknown key keymaps.%s; see :help codeassist-keymaps"):format(tostring(k))
      o.keymaps[k] = nil
    elseif k == "tab" and type(v) ~= "boolean" then
      errors[#errors + 1] = "keymaps.tab must be true or false"
      o.keymaps[k] = default
    elseif k ~= "tab" and v ~= false and type(v) ~= "string" then
      errors[#errors + 1] = ('keymaps.%s must be a key such as "<M-l>", or false'):format(k)
      o.keymaps[k] = default
    end
  end
  return o, errors
end

--- The server's settings section (PROTOCOL.md "Settings"), used both as
--- initializationOptions and as workspace/didChangeConfiguration's settings.codeassist.
--- `untrusted` (initializationOptions only) is PROTOCOL.md's trust flag.
function M.server_settings(o, untrusted)
  local s = {
    enable = o.enabled,
    device = o.device,
    maxTokens = o.max_tokens,
    multiline = o.multiline,
    candidates = o.candidates,
    contextBudget = o.context_budget,
  }
  if o.backend ~= "local" then
    s.backend = o.backend
  end
  if o.model_path then
    s.modelPath = vim.fn.fnamemodify(o.model_path, ":p"):gsub("/$", "")
  end
  if untrusted then
    s.untrusted = true
  end
  return s
end

--- The command that starts the server; `--untrusted` for a root that is not trusted.
function M.server_cmd(o, untrusted)
  local cmd = vim.deepcopy(o.cmd)
  cmd[#cmd + 1] = "--log-level"
  cmd[#cmd + 1] = o.log_level
  if untrusted then
    cmd[#cmd + 1] = "--untrusted"
  end
  return cmd
end

M.current = M.resolve({})

return M
