// A `git checkout` made outside VS Code reaches the server: VS Code's own file watcher, through
// vscode-languageclient's answer to the server's dynamic registration of
// workspace/didChangeWatchedFiles, reports the files the switch changed, and since the project
// file is among them the server reloads the projects. The workspace is a git repository with two
// branches that differ in the project file, a changed source and a new one.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { STATUS_ITEM_ID, artifacts, extensionRoot, startEditor } from './harness.mjs';

let editor;
let statusItem;

function git(workspace, ...args) {
  execFileSync('git', args, {
    cwd: workspace,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, GIT_AUTHOR_NAME: 'tests', GIT_COMMITTER_NAME: 'tests', GIT_AUTHOR_EMAIL: 'tests@localhost', GIT_COMMITTER_EMAIL: 'tests@localhost' },
  });
}

before(async () => {
  editor = await startEditor({
    name: 'watch',
    script: 'a + b;',
    fixture: path.join(extensionRoot, 'test', 'fixtures', 'workspace'),
    prepare(workspace) {
      git(workspace, 'init', '-q', '-b', 'main');
      git(workspace, 'add', '-A');
      git(workspace, 'commit', '-q', '-m', 'main');
      git(workspace, 'checkout', '-q', '-b', 'feature');
      const project = path.join(workspace, 'Fixture.csproj');
      fs.writeFileSync(project, fs.readFileSync(project, 'utf8').replace('</PropertyGroup>', '  <LangVersion>latest</LangVersion>\n  </PropertyGroup>'));
      fs.writeFileSync(path.join(workspace, 'Shelf.cs'), 'namespace Fixture;\n\npublic static class Shelf\n{\n    public static int Count => 0;\n}\n');
      git(workspace, 'add', '-A');
      git(workspace, 'commit', '-q', '-m', 'feature');
      git(workspace, 'checkout', '-q', 'main');
    },
  });
  statusItem = editor.page.locator(`[id="${STATUS_ITEM_ID}"]`);
});

after(async () => {
  await editor?.close();
});

afterEach(async (t) => {
  await editor?.page.screenshot({ path: path.join(artifacts, `watch-${t.name.replace(/[^a-z0-9]+/gi, '-')}.png`) }).catch(() => {});
});

async function waitFor(condition, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      const status = await statusItem.textContent({ timeout: 1000 }).catch(() => '(none)');
      throw new Error(`timed out waiting for ${what}; CodeAssist status bar: ${status}\nextension log:\n${editor.extensionLog().slice(-4000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const loads = () => editor.extensionLog().match(/loaded 1 project\(s\)/g)?.length ?? 0;

test('a branch switch outside the editor reaches the server through VS Code\'s file watcher and reloads the project', { timeout: 420_000 }, async () => {
  await editor.openFile('Calculator.cs', 'public static int Add');
  await statusItem.getByText(/: ready$/).waitFor({ timeout: 120_000 });
  await waitFor(() => /file watching: the client watches \*\*\/\*\.cs/.test(editor.extensionLog()), 120_000, 'the server to register its file watchers with VS Code');
  await waitFor(() => loads() >= 1, 300_000, 'the project to load');

  git(editor.workspace, 'checkout', '-q', 'feature');

  await waitFor(() => /watched file\(s\) changed on disk, \d+ document\(s\) updated, the projects reload/.test(editor.extensionLog()), 120_000, 'VS Code to report the switch');
  await waitFor(() => loads() >= 2, 300_000, 'the project to reload');
  assert.doesNotMatch(editor.extensionLog(), /the server watches/, 'VS Code watches files itself; the server must not watch as well');
});
