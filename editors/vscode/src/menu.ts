// The status bar item's click: a quick pick of the CodeAssist commands.
import * as vscode from 'vscode';

export async function showMenu(enabled: boolean): Promise<void> {
  const items: (vscode.QuickPickItem & { command: string })[] = [
    { label: enabled ? '$(circle-slash) Disable inline completions' : '$(check) Enable inline completions', command: 'codeassist.toggle' },
    { label: '$(output) Show log', command: 'codeassist.showLog' },
    { label: '$(debug-restart) Restart server', command: 'codeassist.restartServer' },
    { label: '$(pulse) Run doctor', command: 'codeassist.runDoctor' },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: 'CodeAssist', placeHolder: 'Choose an action' });
  if (picked) await vscode.commands.executeCommand(picked.command);
}
