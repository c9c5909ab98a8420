-- Pure logic of a suggestion: turning LSP inline-completion items into editor terms
-- (rows, byte columns, text), deciding what still shows as the user types, and
-- cutting a word or a line off the front. No buffer, window or client is touched
-- here, so every rule is unit-tested without a server.
--
-- An item, in editor terms:
--   text        the whole insertText (snippet syntax removed), "\n" line breaks
--   start_row   0-based row where the replaced range starts
--   start_col   byte column where the replaced range starts
--   tail        bytes right of the cursor that the range also replaces
--   end_row/end_col  only for a range that ends on a later row (then fixed_end = true)
--   command     the item's lsp.Command (codeassist.didAcceptCompletion)
--   id          the item id the server put in command.arguments[1]
--   accepted    text already accepted by word or line, for the partial-accept stat
local M = {}

--- The items of an InlineCompletionItem[] or InlineCompletionList result.
function M.result_items(result)
  if type(result) ~= "table" then
    return {}
  end
  if type(result.items) == "table" then
    return result.items
  end
  return result
end

--- Snippet syntax reduced to its default text: ${1:x} -> x, $1 / ${1} / $0 -> "".
function M.snippet_text(s)
  local previous
  repeat
    previous = s
    s = s:gsub("%${%d+:([^${}]*)}", "%1")
  until s == previous
  s = s:gsub("%${%d+}", ""):gsub("%$%d+", "")
  s = s:gsub("\\([$}\\])", "%1")
  return s
end

--- The text an item inserts: a plain string, or a StringValue ({ kind = "snippet", value }).
function M.insert_text(raw)
  local t = raw.insertText
  if type(t) == "table" then
    t = t.kind == "snippet" and M.snippet_text(t.value or "") or (t.value or "")
  end
  if type(t) ~= "string" then
    return nil
  end
  return (t:gsub("\r\n", "\n"))
end

--- Converts one raw LSP item into editor terms, given the cursor (0-based row, byte col)
--- at request time, a function returning the text of a buffer row, and the position
--- encoding. Returns nil for an item that cannot apply at the cursor.
function M.from_lsp(raw, cursor_row, cursor_col, get_line, to_col)
  local text = type(raw) == "table" and M.insert_text(raw)
  if not text or text == "" then
    return nil
  end
  local item = { text = text, command = raw.command, accepted = "" }
  if type(raw.command) == "table" and type(raw.command.arguments) == "table" then
    item.id = raw.command.arguments[1]
  end
  local range = raw.range
  if type(range) ~= "table" then
    item.start_row, item.start_col, item.tail = cursor_row, cursor_col, 0
    return item
  end
  local s, e = range.start, range["end"]
  item.start_row = s.line
  item.start_col = to_col(get_line(s.line), s.character)
  -- The range must start on the cursor's row, at or before the cursor: what it
  -- covers left of the cursor is what the user already typed of it.
  if item.start_row ~= cursor_row or item.start_col > cursor_col then
    return nil
  end
  if e.line == cursor_row then
    local end_col = to_col(get_line(e.line), e.character)
    item.tail = math.max(end_col - cursor_col, 0)
  elseif e.line > cursor_row then
    item.fixed_end = true
    item.end_row = e.line
    item.end_col = to_col(get_line(e.line), e.character)
  else
    return nil
  end
  return item
end

--- What is left to show of `item` with the cursor at (row, col) on a row reading `line`:
--- the text after what the user already typed, or nil when the item no longer fits.
function M.remaining(item, line, row, col)
  if row ~= item.start_row or col < item.start_col then
    return nil
  end
  local typed = line:sub(item.start_col + 1, col)
  if item.text:sub(1, #typed) ~= typed then
    return nil
  end
  local rest = item.text:sub(#typed + 1)
  if rest == "" then
    return nil
  end
  return rest
end

--- The first "word" of a suggestion: any punctuation or blanks, then a run of word
--- characters; never past a line break. At a line break: the break and the next
--- line's indentation, so that the following word lands where it belongs.
function M.take_word(s)
  if s:sub(1, 1) == "\n" then
    return s:match("^\n[ \t]*")
  end
  local word = s:match("^[^%w_\128-\255\n]*[%w_\128-\255]*")
  if word == "" then
    return s:sub(1, 1)
  end
  return word
end

--- The rest of the current line of a suggestion; at a line break, the break and the next line.
function M.take_line(s)
  if s:sub(1, 1) == "\n" then
    return s:match("^\n[^\n]*")
  end
  return s:match("^[^\n]*")
end

local function split_lines(s)
  local lines = {}
  local pos = 1
  while true do
    local nl = s:find("\n", pos, true)
    if not nl then
      lines[#lines + 1] = s:sub(pos)
      return lines
    end
    lines[#lines + 1] = s:sub(pos, nl - 1)
    pos = nl + 1
  end
end
M.split_lines = split_lines

--- Where the cursor ends after `text` is put at (row, col): 0-based row, byte col.
local function after(row, col, lines)
  if #lines == 1 then
    return row, col + #lines[1]
  end
  return row + #lines - 1, #lines[#lines]
end

--- The nvim_buf_set_text call that accepts the whole item with the cursor at (row, col):
--- the item's range, with its right end following the cursor, replaced by exactly its text.
function M.accept_edit(item, row, col)
  local lines = split_lines(item.text)
  local end_row, end_col
  if item.fixed_end then
    end_row, end_col = item.end_row, item.end_col
  else
    end_row, end_col = row, col + (item.tail or 0)
  end
  local cursor_row, cursor_col = after(item.start_row, item.start_col, lines)
  return {
    start_row = item.start_row,
    start_col = item.start_col,
    end_row = end_row,
    end_col = end_col,
    lines = lines,
    cursor_row = cursor_row,
    cursor_col = cursor_col,
  }
end

--- The edit that accepts `chunk` (the front of what remains) at the cursor, and the item
--- that remains afterwards, anchored at the new cursor. `remaining` is nil when
--- the chunk was all that was left.
function M.accept_part(item, rest, chunk, row, col)
  local lines = split_lines(chunk)
  local cursor_row, cursor_col = after(row, col, lines)
  local edit = {
    start_row = row,
    start_col = col,
    end_row = row,
    end_col = col,
    lines = lines,
    cursor_row = cursor_row,
    cursor_col = cursor_col,
  }
  local left = rest:sub(#chunk + 1)
  local remaining
  if left ~= "" then
    remaining = {
      text = left,
      start_row = cursor_row,
      start_col = cursor_col,
      tail = item.tail,
      fixed_end = item.fixed_end,
      end_row = item.fixed_end and item.end_row + (cursor_row - row) or nil,
      end_col = item.end_col,
      command = item.command,
      id = item.id,
      accepted = (item.accepted or "") .. (item.text:sub(1, #item.text - #rest)) .. chunk,
    }
  end
  return edit, remaining
end

--- Items without duplicates (same text and start), first occurrence kept.
function M.unique(items)
  local seen, result = {}, {}
  for _, item in ipairs(items) do
    local key = item.start_row .. ":" .. item.start_col .. ":" .. item.text
    if not seen[key] then
      seen[key] = true
      result[#result + 1] = item
    end
  end
  return result
end

--- Virtual-text lines for `rest`: the first goes at the cursor, the others below.
--- Tabs are expanded because virtual text does not expand them on every version.
function M.display_lines(rest, tabstop)
  local lines = split_lines(rest)
  local spaces = string.rep(" ", tabstop or 8)
  for i, l in ipairs(lines) do
    lines[i] = l:gsub("\t", spaces)
  end
  return lines
end

return M
