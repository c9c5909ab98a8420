-- CodeAssist as a plain LSP server, for Neovim 0.11+ without the plugin:
--
--   vim.lsp.enable("codeassist")                      -- finds this file on 'runtimepath'
--   vim.lsp.inline_completion.enable()                 -- 0.12+: ghost text, <C-CR>-style accept via get()
--
-- See :help codeassist-lsp for settings, older versions and nvim-lspconfig.
local function suffix(ext)
  return function(name)
    return name:sub(-#ext) == ext
  end
end

return {
  cmd = { "codeassist", "serve" },
  filetypes = { "cs" },
  -- A solution above the file wins over the project next to it; .git last.
  root_markers = { suffix(".sln"), suffix(".csproj"), ".git" },
}
