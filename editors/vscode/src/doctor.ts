// "CodeAssist: Run Doctor": the server's own diagnosis, shown as it wrote it.
import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import type { CodeAssistClient } from './codeAssistClient';

interface DoctorResult {
  report: string;
}

export async function runDoctor(client: CodeAssistClient, channel: vscode.OutputChannel): Promise<void> {
  channel.clear();
  channel.show(true);
  channel.appendLine(`CodeAssist doctor — ${new Date().toISOString()}`);
  try {
    if (client.languageClient !== undefined) {
      const result = await client.request<DoctorResult>('codeAssist/doctor');
      channel.appendLine(result.report);
      return;
    }
    // No server runs (it may be what is broken): ask the executable directly, the same report.
    const server = client.serverPath();
    if (!server.found) {
      channel.appendLine(`The codeassist executable was not found. Looked at:\n  ${server.tried.join('\n  ')}`);
      channel.appendLine('Install CodeAssist or set codeassist.serverPath.');
      return;
    }
    channel.appendLine(`The server is not running; output of "${server.command} doctor":`);
    channel.appendLine(await runExecutable(server.command, ['doctor']));
  } catch (error) {
    channel.appendLine(`Doctor failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function runExecutable(command: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 60_000 }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`.trimEnd();
      resolve(error ? `${output}\n(${command} ${args.join(' ')} failed: ${error.message})` : output);
    });
  });
}
