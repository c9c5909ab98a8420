-- Workspace trust: whether the server may evaluate the project under a root. A project's
-- MSBuild files run code when they are evaluated, and a repository cloned from outside must not
-- run code because a file of it was opened. An untrusted root gets `codeassist serve --untrusted`:
-- no project evaluated (loose-file context), installed models only.
--
-- A root is trusted when (a) it is, or lies below, one of the `trusted_roots` option's folders
-- (every Neovim version), (b) `:CodeAssist trust` granted it in this session, or (c) on Neovim
-- 0.9+ (vim.secure), the user's trust database says so: the root itself allowed as a directory
-- (`:trust` on a directory, Neovim 0.12), or its .nvim.lua, .nvimrc or .exrc allowed with
-- `:trust` and unchanged since; whoever lets a project's exrc run has trusted the project.
-- A root denied in the trust database (`:trust ++deny`) is untrusted whatever else says.
local compat = require("codeassist.compat")
local config = require("codeassist.config")

local M = {}

--- Roots granted by :CodeAssist trust in this session.
M.granted = {}

-- The files Neovim's 'exrc' runs, in the order it looks for them.
M.exrc_files = { ".nvim.lua", ".nvimrc", ".exrc" }

local function realpath(path)
  return compat.uv.fs_realpath(path) or vim.fn.fnamemodify(path, ":p"):gsub("/$", "")
end

--- Whether `path` is `folder` or lies below it (whole path components only).
function M.is_within(path, folder)
  folder = folder:gsub("/+$", "")
  if folder == "" then
    return true
  end
  return path == folder or path:sub(1, #folder + 1) == folder .. "/"
end

--- Reads a trust database in vim.secure's format ("HASH PATH" per line; "!" denies,
--- "directory" allows a directory by name). Returns path -> hash; none when unreadable.
function M.read_database(file)
  local entries = {}
  if vim.fn.filereadable(file) == 0 then
    return entries
  end
  for _, line in ipairs(vim.fn.readfile(file)) do
    local hash, path = line:match("^(%S+) (.+)$")
    if hash then
      entries[path] = hash
    end
  end
  return entries
end

--- What the trust database `entries` says of `root`: true (trusted), false (denied) or nil.
function M.database_verdict(root, entries)
  local verdict = nil
  if entries[root] == "!" then
    return false
  end
  if entries[root] == "directory" then
    verdict = true
  end
  for _, name in ipairs(M.exrc_files) do
    local file = root .. "/" .. name
    local hash = entries[file]
    if hash == "!" then
      return false
    end
    local f = hash and io.open(file, "rb")
    if f then
      local contents = f:read("*a")
      f:close()
      if vim.fn.sha256(contents) == hash then
        verdict = true
      end
    end
  end
  return verdict
end

--- The user's trust database, where vim.secure exists (Neovim 0.9+).
function M.database_file()
  if not vim.secure then
    return nil
  end
  return vim.fn.stdpath("state") .. "/trust"
end

--- Whether `root` is trusted, and why (a sentence for :CodeAssist status).
function M.check(root)
  root = realpath(root)
  local file = M.database_file()
  local verdict = file and M.database_verdict(root, M.read_database(file))
  if verdict == false then
    return false, "denied in Neovim's trust database (:trust ++deny)"
  end
  if M.granted[root] then
    return true, "granted with :CodeAssist trust"
  end
  for _, folder in ipairs(config.current.trusted_roots) do
    if M.is_within(root, realpath(vim.fn.expand(folder))) then
      return true, "below trusted_roots entry " .. folder
    end
  end
  if verdict then
    return true, "trusted in Neovim's trust database (:trust)"
  end
  return false, "not in trusted_roots; :CodeAssist trust grants it"
end

function M.is_trusted(root)
  return (M.check(root))
end

--- Grants `root` for this session (:CodeAssist trust).
function M.grant(root)
  M.granted[realpath(root)] = true
end

return M
