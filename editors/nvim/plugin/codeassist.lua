-- CodeAssist: the command only; everything else loads on first use (see lua/codeassist/).
if vim.g.loaded_codeassist then
  return
end
vim.g.loaded_codeassist = true

vim.api.nvim_create_user_command("CodeAssist", function(args)
  require("codeassist.commands").run(args)
end, {
  nargs = "*",
  range = true,
  desc = "CodeAssist: enable, disable, toggle, status, log, doctor, rewrite, trust",
  complete = function(arg_lead)
    return require("codeassist.commands").complete(arg_lead)
  end,
})
