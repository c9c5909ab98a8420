// Next-edit suggestions: after the user edits, asks the server for the next edit (codeAssist/nextEdit, debounced,
// cancelled by the next keystroke, pinned to the document's version) and shows it at its place: removed text struck
// through, new text after it, a gutter marker and an overview-ruler mark for when it is off-screen, and a hint at the
// cursor while it is elsewhere. Tab jumps to it, Tab again accepts it (then the server's command reports the
// acceptance), Esc dismisses it. The keys only apply while a suggestion is shown and no inline completion or
// suggest widget wants Tab (package.json's `when` clauses, on the `codeassist.nextEditVisible` context key).
import * as vscode from 'vscode';
import type { CodeAssistClient } from './codeAssistClient';
import { NEXT_EDIT_METHOD, NextEditResponse, NextEditSuggestion, endOfInsertion, jumpHint, nextEditParams, pickSuggestion, preview, tabAction } from './nextEditModel';
import { documentSelector } from './settings';

const CONTEXT_KEY = 'codeassist.nextEditVisible';

/** A small arrow for the gutter; a data URI because the .vsix ships only the bundle. */
const GUTTER_ICON = vscode.Uri.parse(`data:image/svg+xml;base64,${Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16"><path d="M3 3h2l5 5-5 5H3l5-5z" fill="#3794ff"/><path d="M9 3h2l5 5-5 5H9l5-5z" fill="#3794ff" opacity=".6"/></svg>',
).toString('base64')}`);

const sameUri = (a: string, b: string) => vscode.Uri.parse(a).toString() === vscode.Uri.parse(b).toString();

export class NextEdits implements vscode.Disposable {
  private readonly deleted = vscode.window.createTextEditorDecorationType({
    textDecoration: 'line-through',
    backgroundColor: new vscode.ThemeColor('diffEditor.removedTextBackground'),
  });
  private readonly inserted = vscode.window.createTextEditorDecorationType({
    after: {
      color: new vscode.ThemeColor('editorGhostText.foreground'),
      backgroundColor: new vscode.ThemeColor('diffEditor.insertedTextBackground'),
    },
  });
  private readonly gutter = vscode.window.createTextEditorDecorationType({
    gutterIconPath: GUTTER_ICON,
    gutterIconSize: 'contain',
    overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.infoForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Right,
  });
  private readonly hint = vscode.window.createTextEditorDecorationType({
    after: { color: new vscode.ThemeColor('editorGhostText.foreground'), margin: '0 0 0 2em' },
  });
  private suggestion: NextEditSuggestion | undefined;
  private timer: NodeJS.Timeout | undefined;
  private request: vscode.CancellationTokenSource | undefined;
  /** Whether decorations may be on screen: a suggestion was drawn and not yet cleared everywhere. */
  private drawn = false;

  constructor(
    private readonly client: CodeAssistClient,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  register(): vscode.Disposable[] {
    return [
      this,
      vscode.workspace.onDidChangeTextDocument((event) => this.onDidChange(event)),
      vscode.window.onDidChangeVisibleTextEditors(() => this.render()),
      vscode.window.onDidChangeTextEditorSelection(() => this.render()),
      vscode.workspace.onDidCloseTextDocument(() => this.render()),
      vscode.commands.registerCommand('codeassist.nextEdit.tab', () => this.tab()),
      vscode.commands.registerCommand('codeassist.nextEdit.dismiss', () => this.dismiss()),
      vscode.commands.registerCommand('codeassist.nextEdit.suggest', () => this.ask(vscode.window.activeTextEditor)),
    ];
  }

  /** Any edit makes the shown suggestion stale; an edit by the user in the active editor asks for the next one. */
  private onDidChange(event: vscode.TextDocumentChangeEvent): void {
    if (event.contentChanges.length === 0) return;
    this.cancelPending();
    this.show(undefined);
    const editor = vscode.window.activeTextEditor;
    const settings = this.client.current;
    if (!settings.enable || !settings.nextEdits || editor?.document !== event.document) return;
    if (vscode.languages.match(documentSelector(settings.languages), event.document) === 0) return;
    // A pause in typing, so that only the last keystroke's request reaches the server.
    this.timer = setTimeout(() => void this.ask(editor), settings.debounceMs);
  }

  /** Asks for the next edit at the editor's cursor and shows it, unless the document changed meanwhile. */
  private async ask(editor: vscode.TextEditor | undefined): Promise<void> {
    this.cancelPending();
    if (editor === undefined || this.client.languageClient === undefined) return;
    const source = new vscode.CancellationTokenSource();
    this.request = source;
    const document = editor.document;
    const version = document.version;
    let response: NextEditResponse | null;
    try {
      response = await this.client.request<NextEditResponse | null>(NEXT_EDIT_METHOD, nextEditParams(document.uri.toString(), editor.selection.active, version), source.token);
    } catch (error) {
      if (!source.token.isCancellationRequested) this.log.debug(`codeAssist/nextEdit failed: ${error instanceof Error ? error.message : String(error)}`);
      return;
    } finally {
      if (this.request === source) this.request = undefined;
      source.dispose();
    }
    if (source.token.isCancellationRequested || document.version !== version) return;
    const openVersion = (uri: string) => vscode.workspace.textDocuments.find((d) => sameUri(d.uri.toString(), uri))?.version;
    const suggestion = pickSuggestion(response, openVersion);
    if (suggestion !== undefined) this.log.info(`Next edit suggested at ${suggestion.edit.textDocument.uri}:${suggestion.edit.range.start.line + 1} (${suggestion.edit.reason})`);
    this.show(suggestion);
  }

  /** Tab: jump to the suggestion, or accept it when the cursor is already on it. */
  private async tab(): Promise<void> {
    const suggestion = this.suggestion;
    if (suggestion === undefined) return;
    const editor = vscode.window.activeTextEditor;
    const cursor = editor && { uri: editor.document.uri.toString(), line: editor.selection.active.line };
    if (tabAction(suggestion.edit, cursor, sameUri) === 'jump') await this.jump(suggestion);
    else await this.accept(suggestion);
  }

  private async jump(suggestion: NextEditSuggestion): Promise<void> {
    const range = toRange(suggestion.edit.range);
    const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(suggestion.edit.textDocument.uri));
    const editor = await vscode.window.showTextDocument(document, { preview: false });
    editor.selection = new vscode.Selection(range.start, range.start);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    this.render();
  }

  private async accept(suggestion: NextEditSuggestion): Promise<void> {
    const { edit, command } = suggestion;
    const uri = vscode.Uri.parse(edit.textDocument.uri);
    const workspaceEdit = new vscode.WorkspaceEdit();
    workspaceEdit.replace(uri, toRange(edit.range), edit.newText);
    this.show(undefined);
    if (!(await vscode.workspace.applyEdit(workspaceEdit))) {
      this.log.warn(`The next edit at ${edit.textDocument.uri}:${edit.range.start.line + 1} could not be applied`);
      return;
    }
    // The cursor goes to the end of the new text, where the user would be had they typed it.
    const editor = vscode.window.activeTextEditor;
    if (editor !== undefined && sameUri(editor.document.uri.toString(), edit.textDocument.uri)) {
      const end = endOfInsertion(edit);
      editor.selection = new vscode.Selection(end.line, end.character, end.line, end.character);
    }
    this.log.info(`Next edit accepted at ${edit.textDocument.uri}:${edit.range.start.line + 1}`);
    if (command !== undefined) {
      try {
        await this.client.executeCommand(command.command, command.arguments ?? []);
      } catch (error) {
        this.log.debug(`${command.command} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  private dismiss(): void {
    this.cancelPending();
    this.show(undefined);
  }

  private cancelPending(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.request?.cancel();
    this.request = undefined;
  }

  private show(suggestion: NextEditSuggestion | undefined): void {
    if (this.suggestion === undefined && suggestion === undefined) return;
    this.suggestion = suggestion;
    // Drawn once the key context holds, so that a Tab pressed on seeing the suggestion always reaches it.
    void Promise.resolve(vscode.commands.executeCommand('setContext', CONTEXT_KEY, suggestion !== undefined)).then(() => {
      if (this.suggestion === suggestion) this.render();
    });
    if (suggestion === undefined) this.render();
  }

  /** Draws the suggestion in every visible editor: at its place in its document, a hint at the active cursor elsewhere. */
  private render(): void {
    const suggestion = this.suggestion;
    // Cursor moves render too: with nothing shown and nothing left to clear, that costs nothing.
    if (suggestion === undefined && !this.drawn) return;
    this.drawn = suggestion !== undefined;
    const active = vscode.window.activeTextEditor;
    for (const editor of vscode.window.visibleTextEditors) {
      const here = suggestion !== undefined && sameUri(editor.document.uri.toString(), suggestion.edit.textDocument.uri);
      const cursor = editor.selection.active;
      const onIt = here && cursor.line >= suggestion.edit.range.start.line && cursor.line <= suggestion.edit.range.end.line;
      if (here) {
        const range = toRange(suggestion.edit.range);
        const shown = preview(suggestion.edit, editor.document.getText(range));
        const hover = new vscode.MarkdownString().appendMarkdown(`**CodeAssist next edit** (Tab to ${onIt ? 'accept' : 'jump'}, Esc to dismiss)\n\n${suggestion.edit.reason}\n`).appendCodeblock(shown.diff, 'diff');
        editor.setDecorations(this.deleted, shown.deletes ? [{ range, hoverMessage: hover }] : []);
        editor.setDecorations(this.inserted, shown.inserted === '' ? [] : [{ range: new vscode.Range(range.end, range.end), hoverMessage: hover, renderOptions: { after: { contentText: shown.inserted } } }]);
        editor.setDecorations(this.gutter, [{ range: new vscode.Range(range.start, range.start), hoverMessage: hover }]);
      } else {
        editor.setDecorations(this.deleted, []);
        editor.setDecorations(this.inserted, []);
        editor.setDecorations(this.gutter, []);
      }
      const hinted = suggestion !== undefined && editor === active && !onIt;
      if (hinted) {
        const end = editor.document.lineAt(cursor.line).range.end;
        const text = jumpHint(suggestion.edit, editor.document.uri.toString(), sameUri);
        editor.setDecorations(this.hint, [{ range: new vscode.Range(end, end), renderOptions: { after: { contentText: text } } }]);
      } else {
        editor.setDecorations(this.hint, []);
      }
    }
  }

  dispose(): void {
    this.cancelPending();
    for (const type of [this.deleted, this.inserted, this.gutter, this.hint]) type.dispose();
  }
}

function toRange(range: NextEditResponse['edits'][number]['range']): vscode.Range {
  return new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
}
