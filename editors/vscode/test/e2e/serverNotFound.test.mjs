// A wrong codeassist.serverPath: the extension must say so in the status bar and in a message
// that names the path and the setting, rather than fail silently.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { STATUS_ITEM_ID, artifacts, extensionRoot, startEditor } from './harness.mjs';

const MISSING = '/nonexistent/codeassist';
let editor;

before(async () => {
  editor = await startEditor({
    name: 'not-found',
    script: 'unused',
    fixture: path.join(extensionRoot, 'test', 'fixtures', 'workspace'),
    settings: { 'codeassist.serverPath': MISSING },
  });
});

after(async () => {
  await editor?.close();
});

test('a serverPath that points nowhere shows an error that names it', { timeout: 120_000 }, async () => {
  const { page } = editor;
  const statusItem = page.locator(`[id="${STATUS_ITEM_ID}"]`);
  await statusItem.getByText(/: error/).waitFor({ timeout: 60_000 });
  const notification = page.locator('.notification-toast', { hasText: 'CodeAssist server not found' });
  await notification.waitFor({ timeout: 30_000 });
  await page.screenshot({ path: path.join(artifacts, 'server-not-found.png') });
  const text = (await notification.innerText()).replaceAll('\u00a0', ' ');
  assert.match(text, /codeassist\.serverPath is "\/nonexistent\/codeassist", which is not an executable file/);
  assert.match(text, /Open Settings/);
  assert.match(await statusItem.getAttribute('aria-label'), /CodeAssist server not found/);
});
