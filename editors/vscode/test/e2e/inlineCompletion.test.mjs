// Types in a C# file of a real workspace, sees the scripted model's ghost text, accepts it with
// Tab and checks the saved document.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { artifacts, extensionRoot, startEditor } from './harness.mjs';

const SUGGESTION = 'a + b;';
let editor;

before(async () => {
  editor = await startEditor({ script: SUGGESTION, fixture: path.join(extensionRoot, 'test', 'fixtures', 'workspace') });
});

after(async () => {
  await editor?.close();
});

test('ghost text from the scripted model is accepted with Tab', { timeout: 300_000 }, async () => {
  const { page, workspace } = editor;
  // VS Code names a status bar element after the extension's id and the item's id.
  const statusItem = page.locator('[id="codeassist.codeassist.codeassist.status"]');
  try {
    await page.keyboard.press('Control+P');
    await page.keyboard.type('Calculator.cs');
    await page.locator('.quick-input-list .monaco-list-row').first().waitFor();
    await page.keyboard.press('Enter');
    const lines = page.locator('.monaco-editor .view-lines').first();
    await lines.getByText('public static int Add').waitFor({ timeout: 30_000 });

    // The server announces "ready" once the model and the solution are loaded.
    await statusItem.getByText(/: ready/).waitFor({ timeout: 120_000 });

    await page.locator('.monaco-editor textarea').first().focus();
    await page.keyboard.press('Control+G');
    await page.keyboard.type('7');
    await page.keyboard.press('Enter');
    await page.keyboard.type('        return ', { delay: 20 });

    const ghost = page.locator('.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text');
    await ghost.first().waitFor({ timeout: 60_000 });
    // Monaco renders the ghost text's spaces as no-break spaces.
    assert.equal((await ghost.allTextContents()).join('').replaceAll('\u00a0', ' '), SUGGESTION);
    await page.screenshot({ path: path.join(artifacts, 'ghost-text.png') });

    await page.keyboard.press('Tab');
    await ghost.first().waitFor({ state: 'detached', timeout: 10_000 });
    await page.keyboard.press('Control+S');
    const file = path.join(workspace, 'Calculator.cs');
    const expected = fs.readFileSync(path.join(extensionRoot, 'test', 'fixtures', 'workspace', 'Calculator.cs'), 'utf8')
      .replace('    {\n\n    }', `    {\n        return ${SUGGESTION}\n    }`);
    await waitFor(() => fs.readFileSync(file, 'utf8') === expected, 10_000);
    assert.equal(fs.readFileSync(file, 'utf8'), expected);
    await page.screenshot({ path: path.join(artifacts, 'accepted.png') });
  } catch (error) {
    await page.screenshot({ path: path.join(artifacts, 'failure.png') }).catch(() => {});
    const status = await statusItem.textContent({ timeout: 1000 }).catch(() => '(no CodeAssist status bar item)');
    error.message += `\nCodeAssist status bar: ${status}\nSee test-artifacts/failure.png and the logs beside it.`;
    throw error;
  }
});

async function waitFor(condition, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
}
