// "Rewrite with instruction…": asks for the instruction and hands it to the server, which
// answers with a `workspace/applyEdit` that the language client applies.
import * as vscode from 'vscode';
import type { CodeAssistClient } from './codeAssistClient';

export async function rewriteWithInstruction(client: CodeAssistClient): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (editor === undefined || editor.selection.isEmpty) {
    void vscode.window.showInformationMessage('CodeAssist: select the code to rewrite first.');
    return;
  }
  const languageClient = client.languageClient;
  if (languageClient === undefined) {
    void vscode.window.showErrorMessage('CodeAssist: the server is not running. Run "CodeAssist: Restart Server" or see "CodeAssist: Show Log".');
    return;
  }
  const instruction = await vscode.window.showInputBox({
    title: 'CodeAssist: Rewrite with Instruction',
    prompt: 'How should the selected code be rewritten?',
    placeHolder: 'e.g. use LINQ instead of the loop',
    ignoreFocusOut: true,
  });
  if (instruction === undefined || instruction.trim() === '') return;

  const converter = languageClient.code2ProtocolConverter;
  const args = [converter.asUri(editor.document.uri), converter.asRange(editor.selection), instruction.trim()];
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'CodeAssist: rewriting…', cancellable: true },
    async (_progress, token) => {
      try {
        await client.executeCommand('codeassist.rewrite', args, token);
      } catch (error) {
        if (!token.isCancellationRequested) {
          void vscode.window.showErrorMessage(`CodeAssist: rewrite failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    },
  );
}
