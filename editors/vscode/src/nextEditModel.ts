// What the next-edit feature decides, without an editor: the request, which edit of a reply to keep, what Tab does
// and how the edit reads on screen. Pure (no `vscode` import), so `node --test` covers it; nextEdit.ts draws it.

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** One edit of a `codeAssist/nextEdit` reply (docs/PROTOCOL.md). */
export interface NextEditItem {
  textDocument: { uri: string; version?: number | null };
  range: Range;
  newText: string;
  reason: string;
}

export interface ServerCommand {
  title: string;
  command: string;
  arguments?: unknown[];
}

export interface NextEditResponse {
  edits: NextEditItem[];
  command?: ServerCommand | null;
  inlineCompletionItems?: unknown[];
}

/** The suggestion on screen: the reply's first edit and the command that reports its acceptance. */
export interface NextEditSuggestion {
  edit: NextEditItem;
  command: ServerCommand | undefined;
}

export const NEXT_EDIT_METHOD = 'codeAssist/nextEdit';

/** The request's params: pinned to the version the editor has, so the server answers nothing for a stale one. */
export function nextEditParams(uri: string, position: Position, version: number) {
  return { textDocument: { uri }, position: { line: position.line, character: position.character }, version };
}

/**
 * The suggestion to show from a reply, or none. `versionOf` gives the version of a document the editor has open
 * (undefined when it is not open). An edit computed for another version of an open document than the one the editor
 * has now would land in the wrong place, so it is dropped; an edit for a file the server read from disk has no version.
 */
export function pickSuggestion(response: NextEditResponse | null | undefined, versionOf: (uri: string) => number | undefined): NextEditSuggestion | undefined {
  const edit = response?.edits?.[0];
  if (edit === undefined) return undefined;
  const expected = edit.textDocument.version;
  if (expected !== undefined && expected !== null) {
    const open = versionOf(edit.textDocument.uri);
    if (open !== undefined && open !== expected) return undefined;
  }
  return { edit, command: response?.command ?? undefined };
}

/**
 * What Tab does: with the cursor on the edit's lines in its document it accepts the edit, anywhere else it jumps there
 * first, so the user always sees the change before it is made.
 */
export function tabAction(edit: NextEditItem, cursor: { uri: string; line: number } | undefined, sameUri: (a: string, b: string) => boolean): 'jump' | 'accept' {
  if (cursor === undefined || !sameUri(cursor.uri, edit.textDocument.uri)) return 'jump';
  return cursor.line >= edit.range.start.line && cursor.line <= edit.range.end.line ? 'accept' : 'jump';
}

/** Where the cursor goes once the edit is made: the end of its new text, where the user would be had they typed it. */
export function endOfInsertion(edit: NextEditItem): Position {
  const lines = edit.newText.split(/\r?\n/);
  const start = edit.range.start;
  const last = lines[lines.length - 1];
  return lines.length === 1 ? { line: start.line, character: start.character + last.length } : { line: start.line + lines.length - 1, character: last.length };
}

/** How the edit reads at its place: the text it removes (struck through) and the text it adds (shown after the range). */
export interface NextEditPreview {
  /** Whether the edit removes text: its range is then decorated struck through. */
  deletes: boolean;
  /** The inserted text as it fits on one line: its first line, with an ellipsis when more follow. Empty for a pure deletion. */
  inserted: string;
  /** The whole change as a small diff, for the hover. */
  diff: string;
}

export function preview(edit: NextEditItem, oldText: string): NextEditPreview {
  const deletes = edit.range.start.line !== edit.range.end.line || edit.range.start.character !== edit.range.end.character;
  const lines = edit.newText.split(/\r?\n/);
  const inserted = lines.length > 1 ? `${lines[0]}…` : lines[0];
  const diff = [
    ...(oldText === '' ? [] : oldText.split(/\r?\n/).map((line) => `- ${line}`)),
    ...(edit.newText === '' ? [] : lines.map((line) => `+ ${line}`)),
  ].join('\n');
  return { deletes, inserted, diff };
}

/** The last path segment of a file: URI, decoded, for the hint. */
export function fileName(uri: string): string {
  const last = uri.split('/').pop() ?? uri;
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

/**
 * The hint shown at the cursor while the edit is elsewhere: where it is (1-based line, as the editor shows lines) and
 * the key that goes there.
 */
export function jumpHint(edit: NextEditItem, cursorUri: string, sameUri: (a: string, b: string) => boolean): string {
  const line = edit.range.start.line + 1;
  const where = sameUri(cursorUri, edit.textDocument.uri) ? `line ${line}` : `${fileName(edit.textDocument.uri)}:${line}`;
  return `Tab: next edit at ${where}`;
}
