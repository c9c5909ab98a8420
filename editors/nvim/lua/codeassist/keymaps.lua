-- Buffer-local insert-mode keys that exist only while a suggestion shows.
-- A buffer-local mapping the user already had on the same key is put back when the
-- suggestion goes away; a key whose mapping cannot be put back is left alone.
local M = {}

local installed = {} -- bufnr -> { lhs -> saved maparg dict or false }

local function termcodes(s)
  return vim.api.nvim_replace_termcodes(s, true, true, true)
end

local function restorable(saved)
  -- 0.7 reports a Lua callback as a number that cannot be called or mapped again.
  return saved.rhs ~= nil and saved.rhs ~= "" or type(saved.callback) == "function"
end

local function restore(bufnr, lhs, saved)
  local opts = {
    noremap = saved.noremap == 1,
    silent = saved.silent == 1,
    expr = saved.expr == 1,
    nowait = saved.nowait == 1,
  }
  if type(saved.callback) == "function" then
    opts.callback = saved.callback
  end
  pcall(vim.api.nvim_buf_set_keymap, bufnr, "i", lhs, saved.rhs or "", opts)
end

--- Maps each { lhs, fn, desc } in `keys` for `bufnr` until M.remove(bufnr).
function M.install(bufnr, keys)
  if installed[bufnr] then
    return
  end
  local saved = {}
  vim.api.nvim_buf_call(bufnr, function()
    for _, key in ipairs(keys) do
      local existing = vim.fn.maparg(key.lhs, "i", false, true)
      local ok = true
      if existing.buffer == 1 then
        ok = restorable(existing)
        saved[key.lhs] = ok and existing or nil
      else
        saved[key.lhs] = false
      end
      if ok then
        vim.keymap.set("i", key.lhs, key.fn, { buffer = bufnr, silent = true, desc = key.desc })
      end
    end
  end)
  installed[bufnr] = saved
end

--- Removes the suggestion keys of `bufnr` and puts back what they covered.
function M.remove(bufnr)
  local saved = installed[bufnr]
  if not saved then
    return
  end
  installed[bufnr] = nil
  if not vim.api.nvim_buf_is_valid(bufnr) then
    return
  end
  for lhs, previous in pairs(saved) do
    pcall(vim.keymap.del, "i", lhs, { buffer = bufnr })
    if previous then
      restore(bufnr, lhs, previous)
    end
  end
end

function M.active(bufnr)
  return installed[bufnr] ~= nil
end

--- Lets `lhs` do what it did before our mapping: ours is removed and the key is fed
--- again with remapping, so a global or restored mapping (or the plain key) runs.
--- `rearm` is fed after it so that the keys come back if the suggestion still shows.
function M.fall_through(bufnr, lhs)
  M.remove(bufnr)
  vim.api.nvim_feedkeys(termcodes(lhs .. "<Plug>(codeassist-rearm)"), "m", false)
end

return M
