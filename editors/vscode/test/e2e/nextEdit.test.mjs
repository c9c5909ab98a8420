// Next-edit suggestions in a real VS Code against the real server and a real project: the user adds a parameter to
// Order.AddLine, the server points at the call it broke in Checkout.cs (not open) with the scripted model's fix,
// validated by the compiler; the hint at the cursor names the place, Tab jumps there and shows the edit, Tab again
// applies it. The next call is suggested in turn, and Esc dismisses that one. The tests share one editor and run in order.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { STATUS_ITEM_ID, artifacts, extensionRoot, startEditor } from './harness.mjs';

// The scripted model answers every generation with this; the server cuts it to the minimal change at the call.
const FIX = '        order.AddLine("tea", 2m, "");\n';
const FIXTURE = path.join(extensionRoot, 'test', 'fixtures', 'shop');
let editor;

before(async () => {
  editor = await startEditor({
    name: 'next-edit',
    script: FIX,
    fixture: FIXTURE,
    // Ghost text would be offered at the cursor too and (rightly) take Tab first; this test is about next edits.
    settings: { 'editor.inlineSuggest.enabled': false },
  });
});

after(async () => {
  await editor?.close();
});

afterEach(async (t) => {
  await editor?.page.screenshot({ path: path.join(artifacts, `next-edit-${t.name.replace(/[^a-z0-9]+/gi, '-')}.png`) }).catch(() => {});
});

/** Monaco renders spaces as no-break spaces. */
const plain = (text) => text.replaceAll('\u00a0', ' ');

async function waitFor(condition, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function withContextOnFailure(body) {
  try {
    await body();
  } catch (error) {
    const status = await editor.page.locator(`[id="${STATUS_ITEM_ID}"]`).textContent({ timeout: 1000 }).catch(() => '(no status)');
    const lines = await editor.page.locator('.monaco-editor .view-lines').first().innerText({ timeout: 1000 }).catch(() => '');
    error.message += `\nCodeAssist status bar: ${status}\nEditor:\n${plain(lines)}\nSee the screenshots and logs in test-artifacts/.`;
    throw error;
  }
}

/**
 * The texts decorations draw in the visible editors: VS Code renders a decoration's `after.contentText` as CSS
 * generated content, which is in no element's text, so it is read from the computed style.
 */
const decorationTexts = () => editor.page.evaluate(() => [...document.querySelectorAll('.monaco-editor .view-lines span')]
  .map((element) => getComputedStyle(element, '::after').content)
  .filter((content) => content.startsWith('"'))
  .map((content) => JSON.parse(content).replaceAll('\u00a0', ' ')));
const waitForDecoration = (text, what) => waitFor(async () => (await decorationTexts()).includes(text), 300_000, what);
const decorationGone = (text, what) => waitFor(async () => !(await decorationTexts()).includes(text), 30_000, what);
const viewLines = () => editor.page.locator('.monaco-editor .view-lines').first();
/** Gutter icons drawn from an image (ours is an SVG data URI; the lightbulb is a font glyph). */
const gutterMarkers = () => editor.page.evaluate(() => [...document.querySelectorAll('.monaco-editor .margin div')]
  .filter((element) => getComputedStyle(element).backgroundImage.includes('data:image/svg+xml')).length);

test('a signature change: the hint names the broken call, Tab jumps there, Tab again applies the validated fix', { timeout: 400_000 }, () => withContextOnFailure(async () => {
  const { page, workspace } = editor;
  await editor.openFile('Order.cs', 'public void AddLine');
  // Locations need the loaded project: the server logs its load (codeassist.logLevel is debug in the harness).
  await waitFor(() => /loaded 1 project\(s\)/.test(editor.extensionLog()), 300_000, 'the project to load');

  const signature = 'public void AddLine(string sku, decimal price';
  const column = fs.readFileSync(path.join(FIXTURE, 'Order.cs'), 'utf8').split('\n')[8].indexOf(signature) + signature.length + 1;
  await editor.goTo(9, column);
  await page.keyboard.type(', string note', { delay: 30 });

  // The hint at the cursor says where the next edit is (Checkout.cs is not open: the server read it from disk).
  await waitForDecoration('Tab: next edit at Checkout.cs:8', 'the hint at the cursor');
  assert.match(editor.extensionLog(), /Next edit suggested at file:\/\/.*Checkout\.cs:8 \(CS7036/);
  await page.screenshot({ path: path.join(artifacts, 'next-edit-hint.png') });

  // Tab: Checkout.cs opens with the cursor at the call, the new text drawn after it and a gutter marker.
  await page.keyboard.press('Tab');
  await editor.cursorPosition().getByText('Ln 8, Col 32', { exact: true }).waitFor({ timeout: 30_000 });
  await waitForDecoration(', ""', 'the new text drawn after the call\'s last argument');
  assert.ok(!(await decorationTexts()).some((text) => text.startsWith('Tab:')), 'no hint once the cursor is on the edit');
  await waitFor(async () => (await gutterMarkers()) === 1, 30_000, 'one gutter marker on the edit\'s line');
  await page.screenshot({ path: path.join(artifacts, 'next-edit-at-call.png') });
  // Only drawn: the document is unchanged until the user accepts.
  assert.equal(fs.readFileSync(path.join(workspace, 'Checkout.cs'), 'utf8'), fs.readFileSync(path.join(FIXTURE, 'Checkout.cs'), 'utf8'));

  // Tab again: applied; the acceptance is reported to the server.
  await page.keyboard.press('Tab');
  await waitFor(() => /Next edit accepted at file:\/\/.*Checkout\.cs:8/.test(editor.extensionLog()), 30_000, 'the acceptance');
  await page.keyboard.press('Control+S');
  const expected = fs.readFileSync(path.join(FIXTURE, 'Checkout.cs'), 'utf8').replace('order.AddLine("tea", 2m);', 'order.AddLine("tea", 2m, "");');
  await waitFor(() => fs.readFileSync(path.join(workspace, 'Checkout.cs'), 'utf8') === expected, 30_000, 'Checkout.cs saved with the fix');
  await editor.cursorPosition().getByText('Ln 8, Col 36', { exact: true }).waitFor({ timeout: 10_000 });
}));

test('the edit made asks again: the next broken call is suggested, and Esc dismisses it', { timeout: 400_000 }, () => withContextOnFailure(async () => {
  const { page, workspace } = editor;
  // Accepting was an edit: the server is asked again and points at the other call that lacks the new argument.
  await waitForDecoration('Tab: next edit at line 9', 'the hint for the next call');
  const file = path.join(workspace, 'Checkout.cs');
  const before = fs.readFileSync(file, 'utf8');
  await page.keyboard.press('Escape');
  await decorationGone('Tab: next edit at line 9', 'the hint to go on Escape');
  await waitFor(async () => (await gutterMarkers()) === 0, 30_000, 'no gutter marker once dismissed');
  // Tab is the editor's own again: it indents the accepted call (line 8) from 8 spaces to 12.
  assert.match(before.split('\n')[7], /^\s{8}order\.AddLine\("tea", 2m, ""\);$/);
  const indented = before.split('\n').map((line, index) => (index === 7 ? `    ${line}` : line)).join('\n');
  await page.keyboard.press('Home');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Control+S');
  // Saving truncates, then writes: wait for the whole text rather than for any change.
  await waitFor(() => fs.readFileSync(file, 'utf8') === indented, 30_000, 'Checkout.cs saved with line 8 indented by the Tab');
}));
