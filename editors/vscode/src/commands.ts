// Registers the contributed commands; each command's work lives in its feature's file.
import * as vscode from 'vscode';
import type { CodeAssistClient } from './codeAssistClient';
import { runDoctor } from './doctor';
import { showMenu } from './menu';
import { rewriteWithInstruction } from './rewrite';
import { toggleLevel } from './settings';

const TARGETS = {
  global: vscode.ConfigurationTarget.Global,
  workspace: vscode.ConfigurationTarget.Workspace,
  workspaceFolder: vscode.ConfigurationTarget.WorkspaceFolder,
} as const;

/** Flips `codeassist.enable`; the configuration listener then tells the server. */
async function toggle(client: CodeAssistClient): Promise<void> {
  const configuration = vscode.workspace.getConfiguration('codeassist', vscode.window.activeTextEditor?.document);
  await configuration.update('enable', !client.current.enable, TARGETS[toggleLevel(configuration.inspect('enable'))]);
}

export function registerCommands(client: CodeAssistClient, log: vscode.OutputChannel): vscode.Disposable[] {
  const doctorChannel = vscode.window.createOutputChannel('CodeAssist Doctor');
  return [
    doctorChannel,
    vscode.commands.registerCommand('codeassist.toggle', () => toggle(client)),
    vscode.commands.registerCommand('codeassist.restartServer', () => client.restart()),
    vscode.commands.registerCommand('codeassist.showLog', () => log.show()),
    vscode.commands.registerCommand('codeassist.runDoctor', () => runDoctor(client, doctorChannel)),
    vscode.commands.registerCommand('codeassist.showMenu', () => showMenu(client.current.enable)),
    vscode.commands.registerCommand('codeassist.rewriteWithInstruction', (...args: unknown[]) => rewriteWithInstruction(client, ...args)),
  ];
}
