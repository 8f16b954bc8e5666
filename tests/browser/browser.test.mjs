// SPDX-License-Identifier: MIT
// Browser tests (issue 7): Debian's chromium, driven by playwright-core, against the real
// fileserver and formapp binaries from BIN_DIR on loopback port 0. Each case saves a screenshot
// in tests/browser/screenshots/<case>.png; a failing assertion names the one to open.
// README: `make check` runs these after pytest; alone: cd tests/browser && npm ci && node --test
// (BIN_DIR defaults to ../../bin). No browser is ever downloaded: /usr/bin/chromium is used.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const BIN_DIR = path.resolve(HERE, process.env.BIN_DIR || '../../bin');
const WWW = path.join(ROOT, 'www');
const SHOTS = path.join(HERE, 'screenshots');
// Sanitizer builds are slower; stretch waits, never assert speed with this.
const SLOW = { asan: 3, tsan: 5 }[process.env.VARIANT] || 1;
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu',
  '--disable-background-networking', '--disable-quic', '--no-first-run',
  '--disable-component-update', '--disable-sync'];
// "port 40123" (fileserver) wins over ":40123" (formapp), as in tests/integration/conftest.py.
const PORT_WORD = /\bport (\d+)/;
const PORT_COLON = /:(\d+)\b(?!:)/;

// Starts BIN_DIR/name with args; resolves once its first line (on stderr, where both servers
// print their banner and access log) gives the bound port.
function startServer(name, args) {
  const proc = spawn(path.join(BIN_DIR, name), args,
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const server = { name, proc, lines: [], stdout: '', port: 0, exit: null };
  server.exited = new Promise((resolve) => proc.on('exit', (code, signal) => {
    server.exit = { code, signal };
    resolve(server.exit);
  }));
  proc.stdout.on('data', (d) => { server.stdout += d; });
  let partial = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: no banner in 10 s`)), 10000 * SLOW);
    proc.on('error', reject);
    proc.stderr.on('data', (data) => {
      const parts = (partial + data).split('\n');
      partial = parts.pop();
      server.lines.push(...parts);
      if (server.port || server.lines.length === 0) return;
      const m = PORT_WORD.exec(server.lines[0]) || PORT_COLON.exec(server.lines[0]);
      clearTimeout(timer);
      if (!m) { proc.kill('SIGKILL'); reject(new Error(`${name}: no port in ${server.lines[0]}`)); return; }
      server.port = Number(m[1]);
      server.base = `http://127.0.0.1:${server.port}`;
      resolve(server);
    });
    server.exited.then((e) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited early: ${JSON.stringify(e)}`));
    });
  });
}

// SIGTERM, then the exit status must be 0 (a clean shutdown), within 5 s.
async function stopServer(server) {
  if (server.exit === null) server.proc.kill('SIGTERM');
  const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), 5000 * SLOW));
  const result = await Promise.race([server.exited, timeout]);
  if (result === 'timeout') server.proc.kill('SIGKILL');
  assert.deepEqual(result, { code: 0, signal: null },
    `${server.name} did not exit 0 on SIGTERM; stderr: ${server.lines.slice(-10).join('\n')}`);
}

// Runs one case: a server, a browser with a fresh profile, one page; always a screenshot.
async function browserCase(caseName, program, args, body) {
  const server = await startServer(program, args);
  const profile = mkdtempSync(path.join(tmpdir(), 'lab4-chromium-'));
  const shot = path.join(SHOTS, `${caseName}.png`);
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS,
      timeout: 20000 * SLOW, viewport: { width: 800, height: 600 },
    });
    context.setDefaultTimeout(10000 * SLOW);
    const page = context.pages()[0] || await context.newPage();
    try {
      await body(page, server, context);
    } catch (err) {
      await page.screenshot({ path: shot }).catch(() => {});
      err.message = `${err.message}\n  screenshot: tests/browser/screenshots/${caseName}.png`;
      throw err;
    }
    await page.screenshot({ path: shot });
  } finally {
    if (context) await context.close();
    rmSync(profile, { recursive: true, force: true });
    await stopServer(server);
  }
}

// The text of a text/plain page as the browser shows it (chromium wraps it in a <pre>).
function plainText(page) {
  return page.evaluate(() => (document.querySelector('pre') || document.body).textContent);
}

mkdirSync(SHOTS, { recursive: true });

test('fileserver_listing', () => browserCase('fileserver_listing', 'fileserver',
  ['-b', '127.0.0.1', '-d', WWW, '0'], async (page, server) => {
    // A directory asked for without its slash is redirected (301) to the slash form.
    await page.goto(`${server.base}/many`);
    assert.equal(page.url(), `${server.base}/many/`, '/many was not redirected to /many/');
    assert.equal(await page.title(), 'Directory listing for /many/');
    assert.equal(await page.locator('li a').count(), 50, 'the listing has not 50 links');
    await page.click('text=file-07.txt');
    assert.equal(page.url(), `${server.base}/many/file-07.txt`);
    assert.equal(await plainText(page), readFileSync(path.join(WWW, 'many', 'file-07.txt'), 'utf8'));
    // Names that need escaping in HTML and in URLs: the link text is the name, the click
    // opens exactly that file.
    for (const name of ['a&b.txt', '100% sure.txt', '<tag>.txt']) {
      await page.goto(`${server.base}/odd%20names/`);
      assert.equal(await page.title(), 'Directory listing for /odd names/');
      await page.getByRole('link', { name, exact: true }).click();
      await page.waitForURL((u) => decodeURIComponent(u.pathname) === `/odd names/${name}`);
      assert.equal(await plainText(page), readFileSync(path.join(WWW, 'odd names', name), 'utf8'),
        `the link "${name}" did not open that file`);
    }
  }));

test('formapp_form', () => browserCase('formapp_form', 'formapp',
  ['--host', '127.0.0.1', '--port', '0'], async (page, server) => {
    await page.goto(`${server.base}/`);
    await page.fill('input[name=user]', 'Zoë & co');
    await page.fill('input[name=password]', 'p=1&q=2');
    await Promise.all([page.waitForURL(`${server.base}/`, { waitUntil: 'load' }),
      page.click('input[type=submit]')]);
    assert.equal(await plainText(page), 'User: Zoë & co\nPassword: p=1&q=2');
  }));

test('formapp_login', () => browserCase('formapp_login', 'formapp',
  ['--host', '127.0.0.1', '--port', '0'], async (page, server, context) => {
    await page.goto(`${server.base}/login`);
    await page.fill('input[name=user]', 'philip');
    await page.fill('input[name=pw]', '123456');
    await Promise.all([page.waitForURL(`${server.base}/home`), page.click('input[type=submit]')]);
    assert.equal(await page.textContent('h1'), 'Welcome, philip');
    const cookies = await context.cookies(server.base);
    const sid = cookies.find((c) => c.name === 'sessionid');
    assert.ok(sid, `no sessionid in the browser's cookie store: ${JSON.stringify(cookies)}`);
    assert.equal(sid.httpOnly, true, 'the session cookie is not HttpOnly');
    const scriptCookies = await page.evaluate(() => document.cookie);
    assert.ok(!scriptCookies.includes('sessionid'), `document.cookie shows it: ${scriptCookies}`);
    // The cookie store carries the session to another page.
    await page.goto(`${server.base}/home`);
    assert.equal(page.url(), `${server.base}/home`);
    await Promise.all([page.waitForURL(/\/login$/), page.click('input[value="Log out"]')]);
    await page.goto(`${server.base}/home`);
    assert.equal(page.url(), `${server.base}/login`, '/home after logout did not go to /login');
  }));

test('fileserver_video', () => browserCase('fileserver_video', 'fileserver',
  ['-b', '127.0.0.1', '-d', WWW, '0'], async (page, server) => {
    await page.goto(`${server.base}/video/`);
    await page.setContent(`<video id="v" muted controls preload="auto" width="640"
      src="${server.base}/video/sample.webm"></video>`);
    const times = await page.evaluate(async () => {
      const v = document.getElementById('v');
      const once = (what) => new Promise((resolve, reject) => {
        v.addEventListener(what, resolve, { once: true });
        v.addEventListener('error', () => reject(new Error(`video error ${v.error?.code}`)), { once: true });
      });
      if (v.readyState < 1) await once('loadedmetadata');
      await v.play();
      const target = v.duration / 2;
      const seeked = once('seeked');
      v.currentTime = target;
      await seeked;
      const landed = v.currentTime;
      // Still playing after the seek: time moves on from where it landed.
      await new Promise((resolve) => {
        const tick = () => {
          if (v.currentTime > landed + 0.25) { v.removeEventListener('timeupdate', tick); resolve(); }
        };
        v.addEventListener('timeupdate', tick);
      });
      return { duration: v.duration, target, landed, paused: v.paused };
    });
    assert.ok(times.duration > 1, `the video is too short to seek: ${JSON.stringify(times)}`);
    assert.ok(Math.abs(times.landed - times.target) < 1, `the seek missed: ${JSON.stringify(times)}`);
    assert.equal(times.paused, false, 'the video stopped after the seek');
    const partial = server.lines.filter((l) => /"GET \/video\/sample\.webm HTTP\/1\.1" 206 /.test(l));
    assert.ok(partial.length >= 1, `no 206 in the access log:\n${server.lines.join('\n')}`);
  }));

test('formapp_stream', () => browserCase('formapp_stream', 'formapp',
  ['--host', '127.0.0.1', '--port', '0'], async (page, server) => {
    await page.goto(`${server.base}/stream?n=5&delay_ms=300`, { waitUntil: 'commit' });
    // Poll the page's text: the first line must be shown while the last is still on its way.
    const seen = await page.evaluate(() => new Promise((resolve) => {
      const states = [];
      const poll = () => {
        const text = document.body ? document.body.innerText : '';
        states.push({ first: text.includes('line 1 of 5'), last: text.includes('line 5 of 5') });
        if (states.at(-1).last || states.length > 400) resolve(states);
        else setTimeout(poll, 25);
      };
      poll();
    }));
    assert.ok(seen.some((s) => s.first && !s.last),
      `line 1 was never shown before line 5 (${seen.length} polls)`);
    assert.ok(seen.at(-1).last, 'line 5 never arrived');
    await page.waitForLoadState('load');
    assert.equal(await plainText(page),
      [1, 2, 3, 4, 5].map((i) => `line ${i} of 5\n`).join(''));
  }));
