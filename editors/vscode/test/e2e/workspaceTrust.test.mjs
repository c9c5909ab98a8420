// A repository opened in Restricted Mode that tries two ways to run code the moment it is opened:
// its .vscode/settings.json points codeassist.serverPath at a script of its own, and its project
// has an MSBuild target; each writes a marker file. Untrusted, neither marker appears and ghost
// text still comes (loose-file context, installed model); once the user grants trust, without a
// window reload, the server restarts trusted through the workspace's serverPath and loads the
// project, so both markers appear. The tests share one editor and run in order.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { STATUS_ITEM_ID, artifacts, configuration, extensionRoot, startEditor } from './harness.mjs';

const SUGGESTION = 'a + b;';
let editor;
let statusItem;
let serverMarker;
let targetMarker;

/** The project's target writes a marker whenever MSBuild runs a design-time build of it. */
const hostileProject = (marker) => `<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
  </PropertyGroup>
  <Target Name="WriteMarker" BeforeTargets="CoreCompile">
    <WriteLinesToFile File="${marker}" Lines="the project's target ran" Overwrite="true" />
  </Target>
</Project>
`;

before(async () => {
  editor = await startEditor({
    name: 'trust',
    script: SUGGESTION,
    fixture: path.join(extensionRoot, 'test', 'fixtures', 'workspace'),
    restricted: true,
    prepare(workspace, root) {
      serverMarker = path.join(root, 'server-marker');
      targetMarker = path.join(root, 'target-marker');
      // The workspace's own "server": it leaves a marker, then runs the real one so that the
      // session goes on once trust makes VS Code honour the setting.
      const script = path.join(workspace, 'tools', 'codeassist');
      fs.mkdirSync(path.dirname(script), { recursive: true });
      fs.writeFileSync(script, `#!/bin/sh\necho "the workspace's serverPath ran" > '${serverMarker}'\nexec '${configuration().server}' "$@"\n`, { mode: 0o755 });
      fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
      fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'codeassist.serverPath': script }, null, 2));
      fs.writeFileSync(path.join(workspace, 'Fixture.csproj'), hostileProject(targetMarker));
    },
  });
  statusItem = editor.page.locator(`[id="${STATUS_ITEM_ID}"]`);
});

after(async () => {
  await editor?.close();
});

afterEach(async (t) => {
  await editor?.page.screenshot({ path: path.join(artifacts, `trust-${t.name.replace(/[^a-z0-9]+/gi, '-')}.png`) }).catch(() => {});
});

const plain = (text) => text.replaceAll('\u00a0', ' ');

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

/** Types `return ` into the empty body of Add and returns the ghost text that comes. */
async function ghostTextInAdd() {
  const { page } = editor;
  await editor.goTo(7, 1);
  await page.keyboard.press('Shift+End');
  await page.keyboard.press('Delete');
  await page.keyboard.type('        return ', { delay: 20 });
  const ghost = page.locator('.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text');
  await ghost.first().waitFor({ timeout: 60_000 });
  const text = plain((await ghost.allTextContents()).join(''));
  await page.keyboard.press('Escape');
  return text;
}

test('Restricted Mode: neither the workspace\'s serverPath nor its project runs, and ghost text still comes', { timeout: 300_000 }, async () => {
  await editor.openFile('Calculator.cs', 'public static int Add');
  // Waited for whole: a progress may take the item over right after "ready", so the text is not read a second time.
  await statusItem.getByText(/codeassist-scripted\sCPU:\sready\s\(restricted\)/).waitFor({ timeout: 120_000 });
  assert.match(await statusItem.getAttribute('aria-label'), /Restricted Mode/);

  assert.equal(await ghostTextInAdd(), SUGGESTION);

  // The server says it skipped the project; by then a load would have started.
  await waitFor(() => /untrusted workspace: no solution or project is evaluated/.test(editor.extensionLog()), 30_000, 'the server to skip the project');
  assert.match(editor.extensionLog(), new RegExp(`Starting ${configuration().server.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} serve .*--untrusted`));
  assert.equal(fs.existsSync(serverMarker), false, 'the workspace\'s serverPath was run in Restricted Mode');
  assert.equal(fs.existsSync(targetMarker), false, 'the project\'s target ran in Restricted Mode');
});

test('granting trust restarts the server trusted without a reload: the workspace\'s serverPath and project now run', { timeout: 420_000 }, async () => {
  const { page } = editor;
  await editor.runCommand('Workspaces: Manage Workspace Trust');
  await page.locator('.workspace-trust-editor').getByRole('button', { name: /^Trust/ }).first().click();

  await waitFor(() => fs.existsSync(serverMarker), 120_000, 'the workspace\'s serverPath to run once trusted');
  await waitFor(() => fs.existsSync(targetMarker), 300_000, 'the project to be loaded once trusted');
  // The Workspace Trust editor has the focus; Calculator.cs is still open behind it.
  await page.locator('.tabs-container .tab', { hasText: 'Calculator.cs' }).click();
  await page.locator('.editor-group-container.active .monaco-editor .view-lines').getByText('public static int Add').waitFor({ timeout: 30_000 });
  await statusItem.getByText(/: ready$/).waitFor({ timeout: 120_000 });
  assert.doesNotMatch(plain(await statusItem.innerText()), /restricted/);
  assert.equal(await ghostTextInAdd(), SUGGESTION);
});
