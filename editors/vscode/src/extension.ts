// Activation: reads the settings, starts the language client and wires each feature.
// Every feature lives in its own file; this file only connects them.
import * as vscode from 'vscode';
import { CodeAssistClient } from './codeAssistClient';
import { registerCommands } from './commands';
import { NextEdits } from './nextEdit';
import { readSettings } from './settings';
import { StatusBar } from './statusBar';

let client: CodeAssistClient | undefined;

function currentSettings() {
  const configuration = vscode.workspace.getConfiguration('codeassist');
  return readSettings((key) => configuration.get(key));
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const settings = currentSettings();
  const log = vscode.window.createOutputChannel('CodeAssist', { log: true });
  const statusBar = new StatusBar(settings.enable);
  client = new CodeAssistClient(settings, log, statusBar.dispatch);

  context.subscriptions.push(
    log,
    statusBar,
    ...registerCommands(client, log),
    ...new NextEdits(client, log).register(),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('codeassist')) void client?.update(currentSettings());
    }),
    // Trust granted: the workspace's own serverPath and modelPath now count too, and the server restarts trusted.
    vscode.workspace.onDidGrantWorkspaceTrust(() => void client?.update(currentSettings())),
  );
  // Activation must not wait for the server: the status bar reports how its start goes.
  void client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
