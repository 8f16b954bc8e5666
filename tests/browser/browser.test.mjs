// SPDX-License-Identifier: MIT
// Browser tests (issue 7): Debian's chromium, driven by playwright-core, against the real
// fileserver and formapp binaries from BIN_DIR on loopback port 0. Each case saves a screenshot
// in tests/browser/screenshots/<case>.png; a failing assertion names the one to open.
// README: `make check` runs these after pytest; alone: cd tests/browser && npm ci && node --test
// (BIN_DIR defaults to ../../bin). No browser is ever downloaded: /usr/bin/chromium is used.
// The HTTPS cases make their own certificate with tools/make-cert.sh in a private temporary folder.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { cpSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
// print their banner and access log) gives the bound port. server.base is http:// or https://
// as the banner says.
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
      const scheme = /https:\/\/|HTTPS/.test(server.lines[0]) ? 'https' : 'http';
      server.base = `${scheme}://127.0.0.1:${server.port}`;
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

// Polls find() until it returns something (events and log lines arrive on their own time).
async function eventually(find, failure) {
  for (let waited = 0; waited < 5000 * SLOW; waited += 50) {
    const found = find();
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return assert.fail(failure());
}

// Waits until a line of the server's log matches re; returns that line.
function logLine(server, re) {
  return eventually(() => server.lines.find((l) => re.test(l)),
    () => `${server.name} never logged ${re}:\n${server.lines.join('\n')}`);
}

// Runs one case: a server, a browser with a fresh profile, one page; always a screenshot.
// extraArgs go to chromium after CHROMIUM_ARGS (the HTTPS cases pass the certificate's pin).
async function browserCase(caseName, program, args, body, extraArgs = []) {
  const server = await startServer(program, args);
  const profile = mkdtempSync(path.join(tmpdir(), 'lab4-chromium-'));
  const shot = path.join(SHOTS, `${caseName}.png`);
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium', headless: true, args: [...CHROMIUM_ARGS, ...extraArgs],
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

// The test certificate (tools/make-cert.sh: self-signed, for localhost, 127.0.0.1 and ::1), made
// once per run in a private folder, and how the servers and chromium are told about it.
// Trust: chromium gets --ignore-certificate-errors-spki-list with the base64 SHA-256 of the
// certificate's public key (its SPKI), the hash that
//   openssl x509 -in cert.pem -pubkey -noout | openssl pkey -pubin -outform der |
//     openssl dgst -sha256 -binary | base64
// prints. Chromium then forgives certificate errors only for a certificate that carries this
// one key (here: that no authority signed it; the names match, since the pages are asked for at
// 127.0.0.1) and checks every other certificate and the TLS handshake as usual. The context
// option ignoreHTTPSErrors would accept any certificate at all, so a broken setup could pass.
let certificate;
const privateDirs = [];
after(() => privateDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
function privateDir(prefix) {
  privateDirs.push(mkdtempSync(path.join(tmpdir(), prefix)));
  return privateDirs.at(-1);
}
function testCertificate() {
  if (certificate) return certificate;
  const dir = privateDir('lab4-browser-cert-');
  execFileSync(path.join(ROOT, 'tools', 'make-cert.sh'), [dir], { stdio: 'pipe' });
  const cert = path.join(dir, 'cert.pem');
  const spki = new X509Certificate(readFileSync(cert)).publicKey.export({ type: 'spki', format: 'der' });
  const pin = createHash('sha256').update(spki).digest('base64');
  certificate = {
    serverArgs: ['--tls-cert', cert, '--tls-key', path.join(dir, 'key.pem')],
    chromiumArgs: [`--ignore-certificate-errors-spki-list=${pin}`],
  };
  return certificate;
}

// Logs in as philip through the login form; returns the session cookie from the browser's own
// cookie store after checking what holds over HTTP and HTTPS alike: HttpOnly (so scripts cannot
// read it: document.cookie does not show it) and SameSite=Lax.
async function logIn(page, server, context) {
  await page.goto(`${server.base}/login`);
  await page.fill('input[name=user]', 'philip');
  await page.fill('input[name=pw]', '123456');
  await Promise.all([page.waitForURL(`${server.base}/home`), page.click('input[type=submit]')]);
  assert.equal(await page.textContent('h1'), 'Welcome, philip');
  const cookies = await context.cookies(server.base);
  const sid = cookies.find((c) => c.name === 'sessionid');
  assert.ok(sid, `no sessionid in the browser's cookie store: ${JSON.stringify(cookies)}`);
  assert.equal(sid.httpOnly, true, 'the session cookie is not HttpOnly');
  assert.equal(sid.sameSite, 'Lax', 'the session cookie is not SameSite=Lax');
  const scriptCookies = await page.evaluate(() => document.cookie);
  assert.ok(!scriptCookies.includes('sessionid'), `document.cookie shows it: ${scriptCookies}`);
  return sid;
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
    const sid = await logIn(page, server, context);
    assert.equal(sid.secure, false, 'the session cookie is Secure over plain HTTP');
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

test('formapp_https_login', () => browserCase('formapp_https_login', 'formapp',
  ['--host', '127.0.0.1', '--port', '0', ...testCertificate().serverArgs],
  async (page, server, context) => {
    assert.match(server.base, /^https:/, `formapp did not announce https://: ${server.lines[0]}`);
    const sid = await logIn(page, server, context);
    assert.equal(sid.secure, true, 'over HTTPS the session cookie is not Secure');
    // The Secure cookie goes back over HTTPS: /home still knows the user.
    await page.goto(`${server.base}/home`);
    assert.equal(page.url(), `${server.base}/home`);
    assert.equal(await page.textContent('h1'), 'Welcome, philip');
  }, testCertificate().chromiumArgs));

// The page's name that is not loopback, resolved to 127.0.0.1 by this browser only, as the lab
// notes show: .test names never resolve on a real network (RFC 6761), and
// --host-resolver-rules changes nothing else.
const INSECURE_HOST = 'lab4.test';

// www/mixed/ is the handout's partially secure page: it asks for a script and an image at
// http://lab4.test:8000/mixed/, written in its HTML. Each mixed case serves a private copy of www/
// over HTTPS in which those two addresses name insecureHost and a plain fileserver of www/
// started for the case (port 0, not 8000): what stops a request is then the browser's policy,
// not a dead port, and the plain server's log shows what reached it. body(page, seen) gets the
// page's console messages and failed requests, the three addresses and the plain server.
async function mixedCase(caseName, insecureHost, body) {
  const cert = testCertificate();
  const plain = await startServer('fileserver', ['-b', '127.0.0.1', '-d', WWW, '0']);
  try {
    const root = privateDir('lab4-browser-www-');
    cpSync(WWW, root, { recursive: true });
    const html = path.join(root, 'mixed', 'index.html');
    const insecure = `http://${insecureHost}:${plain.port}/`;
    let count = 0;
    writeFileSync(html, readFileSync(html, 'utf8').replace(/src="http:\/\/[^/"]*\//g, () => {
      count += 1;
      return `src="${insecure}`;
    }));
    assert.equal(count, 2, 'www/mixed/index.html no longer asks for one http:// script and image');
    await browserCase(caseName, 'fileserver', ['-b', '127.0.0.1', '-d', root, ...cert.serverArgs, '0'],
      async (page, server) => {
        const seen = { console: [], failed: [], plain, page: `${server.base}/mixed/`,
          script: `${insecure}mixed/insecure.js`, image: `${insecure}mixed/padlock.svg` };
        page.on('console', (m) => seen.console.push(`${m.type()}: ${m.text()}`));
        page.on('requestfailed', (r) => seen.failed.push(`${r.url()} ${r.failure().errorText}`));
        await page.goto(seen.page);
        await body(page, seen);
      }, [...cert.chromiumArgs, `--host-resolver-rules=MAP ${INSECURE_HOST} 127.0.0.1`]);
  } finally {
    await stopServer(plain);
  }
}

test('fileserver_mixed_content', () => mixedCase('fileserver_mixed_content', INSECURE_HOST,
  async (page, seen) => {
    const all = () => `console:\n${seen.console.join('\n')}\nfailed:\n${seen.failed.join('\n')}`;
    // Active mixed content: chromium blocks the script before asking for it, with the handout's
    // message in the console; the page's status line stays as it was, and no request for the
    // script ever reaches the plain server.
    const blocked = `Mixed Content: The page at '${seen.page}' was loaded over HTTPS, but requested `
      + `an insecure script '${seen.script}'. This request has been blocked`;
    await eventually(() => seen.console.find((m) => m.startsWith(`error: ${blocked}`)),
      () => `no "${blocked}" in the ${all()}`);
    assert.equal(await page.textContent('#status'),
      'The insecure script did not run (blocked, or not loaded yet).');
    // Passive mixed content: chromium (since version 81) neither loads the image over http://
    // nor blocks it, but upgrades it to https:// at the same host and port and warns that it did.
    // The plain server cannot speak TLS: it answers the handshake with a 400 and the picture
    // stays broken, which is how an upgraded image from an HTTP-only site looks.
    const upgraded = seen.image.replace(/^http:/, 'https:');
    await eventually(() => seen.console.find((m) => m.startsWith('warning: Mixed Content')
      && m.includes(`'${seen.image}'`) && m.includes('automatically upgraded to HTTPS')),
    () => `no upgrade warning for the image in the ${all()}`);
    await eventually(() => seen.failed.find((f) => f.startsWith(`${upgraded} `)),
      () => `the upgraded image ${upgraded} did not fail: ${all()}`);
    assert.equal(await page.$eval('img', (img) => img.currentSrc), upgraded);
    await logLine(seen.plain, /"\\x16\\x03/); // a TLS handshake record where a request line belongs
    assert.ok(!seen.plain.lines.some((l) => l.includes('insecure.js')),
      `the blocked script reached the plain server:\n${seen.plain.lines.join('\n')}`);
  }));

// Why the page names lab4.test and not localhost: http://localhost and http://127.0.0.1 are
// "potentially trustworthy" (W3C Secure Contexts, section 3.2): for chromium they are not mixed
// content. The script is fetched and runs, the image loads over http://, and the console only
// warns that the image "was not upgraded to HTTPS because it is a local network request".
// Showing the block takes an address that is not loopback, as in the case above.
test('fileserver_mixed_localhost', () => mixedCase('fileserver_mixed_localhost', 'localhost',
  async (page, seen) => {
    assert.equal(await page.textContent('#status'),
      'The insecure script ran: this page was loaded over plain HTTP.');
    await logLine(seen.plain, /"GET \/mixed\/insecure\.js HTTP\/1\.1" 200 /);
    await logLine(seen.plain, /"GET \/mixed\/padlock\.svg HTTP\/1\.1" 200 /);
    assert.ok(!seen.console.some((m) => m.includes('has been blocked')),
      `chromium blocked something from localhost:\n${seen.console.join('\n')}`);
    await eventually(() => seen.console.find((m) => m.includes(`'${seen.image}'`)
      && m.includes('not upgraded to HTTPS because it is a local network request')),
    () => `no "not upgraded" warning for the image:\n${seen.console.join('\n')}`);
  }));
