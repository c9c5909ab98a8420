// A user's session in a real VS Code: types in a C# file of a real workspace, sees the scripted
// model's ghost text, accepts it with Tab; then runs the doctor and toggles completions. The
// tests share one editor and run in order.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { STATUS_ITEM_ID, artifacts, extensionRoot, startEditor } from './harness.mjs';

const SUGGESTION = 'a + b;';
const FIXTURE = path.join(extensionRoot, 'test', 'fixtures', 'workspace');
let editor;
let statusItem;

before(async () => {
  editor = await startEditor({ name: 'session', script: SUGGESTION, fixture: FIXTURE });
  statusItem = editor.page.locator(`[id="${STATUS_ITEM_ID}"]`);
});

after(async () => {
  await editor?.close();
});

afterEach(async (t) => {
  // node:test has no per-test outcome here, so every test leaves a picture; a failure's is the last.
  await editor?.page.screenshot({ path: path.join(artifacts, `${t.name.replace(/[^a-z0-9]+/gi, '-')}.png`) }).catch(() => {});
  // A menu or box a failed test left open must not take the next test down with it.
  for (let i = 0; i < 2; i++) await editor?.page.keyboard.press('Escape').catch(() => {});
});

/** Monaco renders spaces as no-break spaces. */
const plain = (text) => text.replaceAll('\u00a0', ' ');

async function withStatusOnFailure(body) {
  try {
    await body();
  } catch (error) {
    const status = await statusItem.textContent({ timeout: 1000 }).catch(() => '(no CodeAssist status bar item)');
    // CI keeps only what the run prints: the log's last lines say what the server was doing.
    const logTail = (editor?.extensionLog() ?? '').split('\n').slice(-40).join('\n');
    error.message += `\nCodeAssist status bar: ${status}\nThe CodeAssist log's last lines:\n${logTail}\nSee the screenshots and logs in test-artifacts/.`;
    throw error;
  }
}

/** A user setting as settings.json holds it now; undefined while VS Code is halfway through writing it. */
function userSetting(key) {
  try {
    return JSON.parse(fs.readFileSync(editor.settingsFile, 'utf8'))[key];
  } catch {
    return undefined;
  }
}

async function waitForAsync(condition, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
}

async function waitFor(condition, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
}

test('ghost text from the scripted model is accepted a word with Ctrl+Right, the rest with Tab', { timeout: 300_000 }, (t) => withStatusOnFailure(async () => {
  const { page, workspace } = editor;
  await editor.openFile('Calculator.cs', 'public static int Add');

  // The status bar names the model and the device once the server is ready.
  // Waited for whole: a progress (the project's load) may take the item over right after "ready", so the text is not
  // read a second time.
  await statusItem.getByText(/codeassist-scripted\sCPU:\sready/).waitFor({ timeout: 120_000 });
  // The states on the way (loading model, the solution's $/progress) are reported, not asserted:
  // VS Code merges status bar updates that reach it together, so a busy machine can skip them.
  // The unit tests pin what each state shows.
  t.diagnostic(`status bar history: ${JSON.stringify(await editor.statusHistory())}`);

  await editor.goTo(7, 1);
  await page.keyboard.type('        return ', { delay: 20 });

  const ghost = page.locator('.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text');
  await ghost.first().waitFor({ timeout: 60_000 });
  assert.equal(plain((await ghost.allTextContents()).join('')), SUGGESTION);
  await page.screenshot({ path: path.join(artifacts, 'ghost-text.png') });

  // Partial accept is VS Code's own (editor.action.inlineSuggest.acceptNextWord, Ctrl+Right):
  // the first word goes into the document and the rest stays as ghost text.
  await page.keyboard.press('Control+ArrowRight');
  await waitForAsync(async () => plain((await ghost.allTextContents()).join('')) !== SUGGESTION, 10_000);
  const rest = plain((await ghost.allTextContents()).join(''));
  assert.ok(rest.length > 0 && rest.length < SUGGESTION.length && SUGGESTION.endsWith(rest), `ghost text after accepting a word: "${rest}"`);

  await page.keyboard.press('Tab');
  await ghost.first().waitFor({ state: 'detached', timeout: 10_000 });
  await page.keyboard.press('Control+S');
  const file = path.join(workspace, 'Calculator.cs');
  const expected = fs.readFileSync(path.join(FIXTURE, 'Calculator.cs'), 'utf8')
    .replace('    {\n\n    }', `    {\n        return ${SUGGESTION}\n    }`);
  await waitFor(() => fs.readFileSync(file, 'utf8') === expected, 10_000);
  assert.equal(fs.readFileSync(file, 'utf8'), expected);
}));

test('Run Doctor shows the server\'s report', { timeout: 120_000 }, () => withStatusOnFailure(async () => {
  const { page } = editor;
  await editor.runCommand('CodeAssist: Run Doctor');
  const output = page.locator('.part.panel .monaco-editor .view-lines');
  // The output view follows the end of the channel, where the server's report ends.
  await output.getByText(/network\s+none/).waitFor({ timeout: 60_000 });
  assert.match(plain(await output.innerText()), /model\s+codeassist-scripted/);
}));

test('Toggle writes codeassist.enable and the status bar follows', { timeout: 120_000 }, () => withStatusOnFailure(async () => {
  const enableSetting = () => userSetting('codeassist.enable');
  await editor.runCommand('CodeAssist: Toggle Inline Completions');
  await statusItem.getByText(/: disabled/).waitFor({ timeout: 30_000 });
  await waitFor(() => enableSetting() === false, 10_000);
  assert.equal(enableSetting(), false);
  // The server logs the settings it applied at debug level (codeassist.logLevel is debug here).
  await waitFor(() => /settings: .*Enable = False/.test(editor.extensionLog()), 10_000);
  assert.match(editor.extensionLog(), /settings: .*Enable = False/);

  await editor.runCommand('CodeAssist: Toggle Inline Completions');
  await statusItem.getByText(/: ready/).waitFor({ timeout: 30_000 });
  await waitFor(() => enableSetting() === true, 10_000);
  assert.equal(enableSetting(), true);
  const applied = editor.extensionLog().match(/settings: .*Enable = \w+/g) ?? [];
  assert.match(applied.at(-1) ?? '', /Enable = True/);
}));

test('a change in the Settings editor reaches the server as didChangeConfiguration, without a restart', { timeout: 120_000 }, () => withStatusOnFailure(async () => {
  const { page } = editor;
  await editor.runCommand('Preferences: Open User Settings');
  const search = page.locator('.settings-editor .settings-header .suggest-input-container');
  await search.waitFor({ timeout: 30_000 });
  await search.click();
  await page.keyboard.type('codeassist.maxTokens');
  await page.locator('.settings-editor .settings-count-widget', { hasText: '1 Setting Found' }).waitFor({ timeout: 30_000 });
  const input = page.locator('.settings-editor .setting-item-number input:visible');
  // The list re-renders while the search settles, which can drop an edit: type until it holds.
  for (let attempt = 0; attempt < 5 && (await input.inputValue().catch(() => '')) !== '17'; attempt++) {
    await input.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('17');
    await page.waitForTimeout(500);
  }
  assert.equal(await input.inputValue(), '17');
  await page.keyboard.press('Tab');

  const applied = /settings: .*MaxTokens = 17,/;
  await waitFor(() => applied.test(editor.extensionLog()), 30_000);
  const log = editor.extensionLog();
  assert.match(log, applied);
  assert.equal(log.match(/\] Starting /g)?.length, 1, 'the server was started once and never restarted');
  await waitFor(() => userSetting('codeassist.maxTokens') === 17, 10_000);
  assert.equal(userSetting('codeassist.maxTokens'), 17);
}));

/**
 * Selects `text`, which starts at `line`:`column` of Calculator.cs and runs to the end of the
 * line, and waits until VS Code's status bar confirms it: a key pressed while the Go to Line box
 * closes can be lost, and a test must not rewrite the wrong range.
 */
async function selectToEndOfLine(line, column, text) {
  const { page } = editor;
  await page.locator('.tabs-container .tab', { hasText: 'Calculator.cs' }).click();
  await editor.goTo(line, column);
  await page.keyboard.press('Shift+End');
  await editor.cursorPosition().getByText(`Ln ${line}, Col ${column + text.length} (${text.length} selected)`, { exact: true }).waitFor({ timeout: 10_000 });
}


/** How many lines of the visible editor read `text`, once trimmed. */
function linesReading(text) {
  return editor.page.evaluate((wanted) => [...document.querySelectorAll('.editor-group-container.active .monaco-editor .view-line')]
    .filter((line) => line.textContent.replaceAll('\u00a0', ' ').trim() === wanted).length, text);
}

/**
 * Answers the instruction box, waits until the server's edit shows `expectedLine` once more, saves,
 * and checks that the file became `expected(before)`.
 */
async function rewriteAndSave(instruction, expectedLine, expected) {
  const { page } = editor;
  // A code action's command runs after VS Code has resolved the action with the server: a loaded machine takes a while.
  await page.locator('.quick-input-widget input').waitFor({ timeout: 60_000 });
  await page.keyboard.type(instruction);
  const file = path.join(editor.workspace, 'Calculator.cs');
  const wanted = expected(fs.readFileSync(file, 'utf8'));
  const shown = await linesReading(expectedLine);
  await page.keyboard.press('Enter');
  // A refusal shows as the server's message ("… was not applied: …"), other failures as the extension's.
  const failed = page.locator('.notification-toast', { hasText: /CodeAssist: rewrite failed|was not applied/ });
  await waitForAsync(async () => (await failed.count()) > 0 || (await linesReading(expectedLine)) > shown, 60_000);
  if ((await failed.count()) > 0) assert.fail(plain(await failed.first().innerText()));
  await page.keyboard.press('Control+S');
  // Saving truncates, then writes: wait for the whole text rather than for any change.
  await waitFor(() => fs.readFileSync(file, 'utf8') === wanted, 10_000);
  assert.equal(fs.readFileSync(file, 'utf8'), wanted);
}

// The scripted model answers every prompt with SUGGESTION, so a rewrite of `checked(a + b);`
// turns `return checked(a + b);` into `return a + b;`, which the server's compiler check accepts.
test('Rewrite with Instruction… from the context menu rewrites the selection', { timeout: 120_000 }, () => withStatusOnFailure(async () => {
  const { page } = editor;
  await selectToEndOfLine(12, 16, 'checked(a + b);');
  await page.keyboard.press('Shift+F10');
  const item = page.locator('.monaco-menu .action-item', { hasText: 'Rewrite with Instruction…' });
  await item.waitFor({ timeout: 10_000 });
  // The menu ignores a click that follows its opening too closely; hovering focuses the item
  // and Enter runs it, as reliably as a person would.
  await item.hover();
  await page.locator('.monaco-menu .action-item.focused', { hasText: 'Rewrite with Instruction…' }).waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');

  await rewriteAndSave('drop the overflow check', `return ${SUGGESTION}`, (before) => before.replace('return checked(a + b);', `return ${SUGGESTION}`));
  await page.screenshot({ path: path.join(artifacts, 'rewrite.png') });
}));

test('the lightbulb lists the server\'s refactorings; its Rewrite with instruction… uses the server\'s range', { timeout: 120_000 }, () => withStatusOnFailure(async () => {
  const { page } = editor;
  await selectToEndOfLine(17, 16, 'unchecked(a + b);');
  await page.keyboard.press('Control+.');
  const actions = page.locator('.action-widget .monaco-list-row');
  await actions.first().waitFor({ timeout: 30_000 });
  await page.screenshot({ path: path.join(artifacts, 'lightbulb.png') });
  const titles = (await actions.allInnerTexts()).map((text) => plain(text).trim());
  for (const title of ['CodeAssist: Document this member', 'CodeAssist: Simplify', 'CodeAssist: Rewrite with instruction…']) {
    assert.ok(titles.includes(title), `"${title}" among the code actions ${JSON.stringify(titles)}`);
  }
  // The widget lays a pointer block over the page while it opens; the keyboard is what works.
  const focused = page.locator('.action-widget .monaco-list-row.focused');
  for (let i = 0; i < titles.length && plain((await focused.innerText().catch(() => ''))).trim() !== 'CodeAssist: Rewrite with instruction…'; i++) {
    await page.keyboard.press('ArrowDown');
  }
  assert.equal(plain(await focused.innerText()).trim(), 'CodeAssist: Rewrite with instruction…');
  await page.keyboard.press('Enter');
  // The list closes when it takes Enter; VS Code then resolves the action with the server and runs its command.
  await page.locator('.action-widget').waitFor({ state: 'hidden', timeout: 30_000 });

  await rewriteAndSave('allow the overflow check', `return ${SUGGESTION}`, (before) => before.replace('return unchecked(a + b);', `return ${SUGGESTION}`));
}));

test('a rewrite the server refuses shows its reason once and changes nothing', { timeout: 120_000 }, () => withStatusOnFailure(async () => {
  const { page } = editor;
  // The whole statement `return a + b;` rewritten to the script's `a + b;` does not compile.
  await selectToEndOfLine(12, 9, `return ${SUGGESTION}`);
  await editor.runCommand('CodeAssist: Rewrite with Instruction…');
  await page.locator('.quick-input-widget input').waitFor({ timeout: 10_000 });
  await page.keyboard.type('make it shorter');
  const file = path.join(editor.workspace, 'Calculator.cs');
  const before = fs.readFileSync(file, 'utf8');
  await page.keyboard.press('Enter');

  const refusal = page.locator('.notification-toast', { hasText: 'was not applied' });
  await refusal.first().waitFor({ timeout: 60_000 });
  await page.screenshot({ path: path.join(artifacts, 'rewrite-refused.png') });
  assert.match(plain(await refusal.first().innerText()), /would not compile.*CS0201/s);
  assert.equal(await page.locator('.notification-toast', { hasText: 'CodeAssist: rewrite failed' }).count(), 0);
  assert.equal(await page.locator('.tabs-container .tab.dirty').count(), 0);
  assert.equal(fs.readFileSync(file, 'utf8'), before);
}));

test('the status bar item opens the actions; Restart server starts a new server that gets ready', { timeout: 120_000 }, () => withStatusOnFailure(async () => {
  const { page } = editor;
  const seenBefore = (await editor.statusHistory()).length;
  await statusItem.click();
  const rows = page.locator('.quick-input-list .monaco-list-row:visible');
  await rows.first().waitFor({ timeout: 10_000 });
  assert.deepEqual((await rows.allInnerTexts()).map((text) => plain(text).trim()), [
    'Disable inline completions',
    'Show log',
    'Restart server',
    'Run doctor',
  ]);
  await page.keyboard.type('Restart server');
  await page.keyboard.press('Enter');

  await waitFor(() => (editor.extensionLog().match(/\] Starting /g)?.length ?? 0) === 2, 30_000);
  assert.equal(editor.extensionLog().match(/\] Starting /g)?.length, 2);
  const sinceRestart = async () => (await editor.statusHistory()).slice(seenBefore);
  // The new server is ready once its compilations are: "ready" also shows between the load's progress and the
  // warm-up's, so the test waits for the warm-up's end in the log, then for the status bar to show it.
  const newServerLog = () => editor.extensionLog().split('] Starting ').at(2) ?? '';
  await waitFor(() => newServerLog().includes('compilations ready'), 60_000);
  let since = [];
  await waitForAsync(async () => (since = await sinceRestart()).at(-1)?.endsWith(': ready'), 60_000);
  assert.ok(since.some((text) => /: (stopped|starting)$/.test(text)), `status bar since the restart: ${JSON.stringify(since)}`);
  assert.equal(since.at(-1), 'codeassist-scripted CPU: ready');
}));
