// A team server end to end in a real VS Code: codeassist.backend points the extension's server at
// a llama.cpp-shaped stand-in on 127.0.0.1 (codeassist-bench stand-in; no inference engine can be
// installed here). The ghost text is the stand-in's reply, not the local model's script, and the
// status bar shows the server's host.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { STATUS_ITEM_ID, artifacts, extensionRoot, startEditor, startTeamServerStandIn } from './harness.mjs';

const FROM_SERVER = 'a + b;';
const FROM_LOCAL = 'a - b;';
const FIXTURE = path.join(extensionRoot, 'test', 'fixtures', 'workspace');
let standIn;
let editor;

before(async () => {
  standIn = await startTeamServerStandIn(FROM_SERVER);
  editor = await startEditor({
    name: 'team-server',
    script: FROM_LOCAL,
    fixture: FIXTURE,
    settings: { 'codeassist.backend': { kind: 'llamacpp', url: standIn.url } },
  });
});

after(async () => {
  await editor?.page.screenshot({ path: path.join(artifacts, 'team-server.png') }).catch(() => {});
  await editor?.close();
  await standIn?.close();
});

/** Monaco renders spaces as no-break spaces. */
const plain = (text) => text.replaceAll('\u00a0', ' ');

test('ghost text comes from the team server codeassist.backend names, and the status bar shows its host', { timeout: 300_000 }, async () => {
  const { page } = editor;
  const statusItem = page.locator(`[id="${STATUS_ITEM_ID}"]`);
  await editor.openFile('Calculator.cs', 'public static int Add');

  // The model is the one the server lists; the host replaces the device.
  // Waited for whole: a progress (the project's load) may take the item over right after "ready", so the text is not
  // read a second time.
  await statusItem.getByText(/qwen2\.5-coder-7b-q8_0\.gguf\s@\s127\.0\.0\.1:\sready/).waitFor({ timeout: 120_000 });

  await editor.goTo(7, 1);
  await page.keyboard.type('        return ', { delay: 20 });
  const ghost = page.locator('.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text');
  await ghost.first().waitFor({ timeout: 60_000 });
  assert.equal(plain((await ghost.allTextContents()).join('')), FROM_SERVER);
  assert.ok(standIn.requests().includes('POST /infill'), `the stand-in answered: ${JSON.stringify(standIn.requests())}`);
});
