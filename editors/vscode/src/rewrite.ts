// "Rewrite with instruction…": asks for the instruction and hands it to the server, which
// answers with a `workspace/applyEdit` that the language client applies.
import * as vscode from 'vscode';
import { LSPErrorCodes, ResponseError } from 'vscode-languageclient/node';
import type { CodeAssistClient } from './codeAssistClient';

interface ProtocolPosition {
  line: number;
  character: number;
}

interface ProtocolRange {
  start: ProtocolPosition;
  end: ProtocolPosition;
}

function isProtocolRange(value: unknown): value is ProtocolRange {
  const range = value as ProtocolRange | undefined;
  return typeof range?.start?.line === 'number' && typeof range.start.character === 'number'
    && typeof range.end?.line === 'number' && typeof range.end.character === 'number';
}

/**
 * Runs from the editor's context menu or the command palette (on the active selection), or from
 * the server's "Rewrite with instruction…" code action, whose command carries `[uri, range]`.
 */
export async function rewriteWithInstruction(client: CodeAssistClient, ...args: unknown[]): Promise<void> {
  const languageClient = client.languageClient;
  if (languageClient === undefined) {
    void vscode.window.showErrorMessage('CodeAssist: the server is not running. Run "CodeAssist: Restart Server" or see "CodeAssist: Show Log".');
    return;
  }
  let target: [string, ProtocolRange];
  if (typeof args[0] === 'string' && isProtocolRange(args[1])) {
    target = [args[0], args[1]];
  } else {
    const editor = vscode.window.activeTextEditor;
    if (editor === undefined || editor.selection.isEmpty) {
      void vscode.window.showInformationMessage('CodeAssist: select the code to rewrite first.');
      return;
    }
    const converter = languageClient.code2ProtocolConverter;
    target = [converter.asUri(editor.document.uri), converter.asRange(editor.selection)];
  }

  const instruction = await vscode.window.showInputBox({
    title: 'CodeAssist: Rewrite with Instruction',
    prompt: 'How should the selected code be rewritten?',
    placeHolder: 'e.g. use LINQ instead of the loop',
    ignoreFocusOut: true,
  });
  if (instruction === undefined || instruction.trim() === '') return;

  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'CodeAssist: rewriting…', cancellable: true },
    async (_progress, token) => {
      try {
        await client.executeCommand('codeassist.rewrite', [...target, instruction.trim()], token);
      } catch (error) {
        // A refusal (RequestFailed) comes with the server's own window/showMessage saying why; one message is enough.
        const refused = error instanceof ResponseError && error.code === LSPErrorCodes.RequestFailed;
        if (!token.isCancellationRequested && !refused) {
          void vscode.window.showErrorMessage(`CodeAssist: rewrite failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    },
  );
}
