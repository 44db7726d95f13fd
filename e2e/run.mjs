#!/usr/bin/env node
// Rapport browser end-to-end test.
//
// Starts the built `rapport serve` binary (embedded PostgreSQL + demo
// workspace, no DATABASE_URL), drives Debian's Chromium with playwright-core
// through: login -> home -> create a facility -> list -> phone view -> search
// and create stakeholders -> log feedback -> move a stage -> merge duplicates
// -> sign out -> a liaison on a 375px phone logs a visit in under 5 interactions
// -> a marketer plans and launches a campaign with a segment and two variants
// -> a survey is answered once through its private link
// -> an admin uploads an NPPES file and its progress bar reaches done
// -> an admin downloads the workspace export
// -> an executive reads the referral overview and opens a declining physician
// -> the executive sees a campaign's referral lift beside its spend.
//
// Usage:  RAPPORT_BIN=/path/to/rapport node run.mjs     (or: npm test)
// Env:    RAPPORT_BIN  (required) path to the built binary
//         CHROMIUM     (optional) browser executable, default /usr/bin/chromium
//         E2E_KEEP_TMP (optional) "1" keeps the temp data/profile dirs
// Output: artifacts/*.png, artifacts/server.log, artifacts/browser.log
// Exit:   0 when every step passed, 1 otherwise.

import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.join(HERE, 'artifacts');
const SERVER_LOG = path.join(ARTIFACTS, 'server.log');
const BROWSER_LOG = path.join(ARTIFACTS, 'browser.log');

const READY_TIMEOUT_MS = 90_000;
const STEP_TIMEOUT_MS = 15_000;
const SHUTDOWN_TIMEOUT_MS = 15_000;

const DEMO = { workspace: 'demo', email: 'admin@demo.test', password: 'rapport-demo-2026' };
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const PHONE_NARROW = { width: 375, height: 812 };
const LIAISON_EMAIL = 'liaison@demo.test';
const MARKETER_EMAIL = 'marketer@demo.test';

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

class E2EError extends Error {}

function fail(message) {
  throw new E2EError(message);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// A label's accessible name: exactly `text`, optionally followed by a
// required-marker ("*" or "(required)"), case-insensitive.
function labelName(text) {
  return new RegExp(`^\\s*${escapeRegExp(text)}\\s*(\\*|\\(required\\))?\\s*$`, 'i');
}

function tail(file, lines = 40) {
  try {
    const all = fs.readFileSync(file, 'utf8').split('\n');
    return all.slice(-lines - 1).join('\n');
  } catch (e) {
    return `(could not read ${file}: ${e.message})`;
  }
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function pathOf(page) {
  try {
    return new URL(page.url()).pathname;
  } catch {
    return page.url();
  }
}

async function expectVisible(locator, what, page) {
  try {
    await locator.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  } catch (e) {
    fail(`expected ${what} to be visible on ${page.url()} (${firstLine(e)})`);
  }
}

async function expectPath(page, expected, what) {
  const want = typeof expected === 'string' ? (p) => p === expected : expected;
  try {
    await page.waitForURL((u) => want(new URL(u).pathname), { timeout: STEP_TIMEOUT_MS });
  } catch {
    fail(`expected ${what}, but the browser is at ${page.url()}`);
  }
}

async function act(what, page, fn) {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof E2EError) throw e;
    fail(`could not ${what} on ${page.url()} (${firstLine(e)})`);
  }
}

function firstLine(e) {
  return String(e && e.message ? e.message : e).split('\n')[0];
}

/** Signs `page` in to the demo workspace as `email`. */
async function signIn(page, email) {
  await act(`sign in as ${email}`, page, async () => {
    await page.goto('/login');
    await page.getByLabel(labelName('Workspace')).fill(DEMO.workspace);
    await page.getByLabel(labelName('Email')).fill(email);
    await page.getByLabel(labelName('Password')).fill(DEMO.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  });
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
}

// ---------------------------------------------------------------------------
// Step runner: one summary line per step with elapsed ms.
// ---------------------------------------------------------------------------

const results = [];

async function step(name, fn) {
  const t0 = performance.now();
  try {
    await fn();
    const ms = Math.round(performance.now() - t0);
    results.push({ name, ok: true, ms });
    console.log(`  ok    ${name.padEnd(44)} ${String(ms).padStart(6)} ms`);
  } catch (e) {
    const ms = Math.round(performance.now() - t0);
    results.push({ name, ok: false, ms });
    console.log(`  FAIL  ${name.padEnd(44)} ${String(ms).padStart(6)} ms`);
    throw e;
  }
}

// ---------------------------------------------------------------------------
// Server process
// ---------------------------------------------------------------------------

function startServer(bin, port, dataDir) {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  env.RAPPORT_BIND = `127.0.0.1:${port}`;
  env.RAPPORT_DATA_DIR = dataDir;
  env.RUST_LOG = 'info';

  const log = fs.createWriteStream(SERVER_LOG, { flags: 'w' });
  const child = spawn(bin, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });

  let pending = 2;
  const closeLog = () => {
    if (--pending === 0) log.end();
  };
  child.stdout.on('end', closeLog);
  child.stderr.on('end', closeLog);
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });

  const state = { child, exited: false, code: null, signal: null, spawnError: null };
  state.exitPromise = new Promise((resolve) => {
    child.on('error', (err) => {
      state.spawnError = err;
      state.exited = true;
      log.end();
      resolve();
    });
    child.on('exit', (code, signal) => {
      state.exited = true;
      state.code = code;
      state.signal = signal;
      resolve();
    });
  });
  // Resolves once the log file is fully flushed.
  state.logClosed = new Promise((resolve) => log.on('close', resolve));
  return state;
}

async function waitReady(server, base) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (server.exited) {
      await Promise.race([server.logClosed, sleep(1000)]);
      const how = server.spawnError
        ? `could not be started: ${server.spawnError.message}`
        : `exited early (code ${server.code}, signal ${server.signal})`;
      fail(`the server ${how}\n--- tail of ${SERVER_LOG} ---\n${tail(SERVER_LOG)}`);
    }
    try {
      const res = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = firstLine(e.cause || e);
    }
    await sleep(250);
  }
  fail(
    `GET /readyz did not answer 200 within ${READY_TIMEOUT_MS / 1000} s (last: ${last})\n` +
      `--- tail of ${SERVER_LOG} ---\n${tail(SERVER_LOG)}`,
  );
}

async function stopServer(server) {
  if (!server || server.exited) return { ok: true, note: 'already exited' };
  server.child.kill('SIGTERM');
  const timedOut = await Promise.race([
    server.exitPromise.then(() => false),
    sleep(SHUTDOWN_TIMEOUT_MS).then(() => true),
  ]);
  if (!timedOut) return { ok: true, note: `exit code ${server.code}, signal ${server.signal}` };
  server.child.kill('SIGKILL');
  await Promise.race([server.exitPromise, sleep(5000)]);
  return { ok: false, note: `did not exit within ${SHUTDOWN_TIMEOUT_MS / 1000} s of SIGTERM; sent SIGKILL` };
}

// ---------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------

async function main() {
  const bin = process.env.RAPPORT_BIN;
  if (!bin) {
    console.error('e2e: RAPPORT_BIN is not set. Build the server and run e.g.\n' +
      '  RAPPORT_BIN=../target/release/rapport npm test');
    return 1;
  }
  const binPath = path.resolve(bin);
  try {
    fs.accessSync(binPath, fs.constants.X_OK);
  } catch {
    console.error(`e2e: RAPPORT_BIN=${bin} is not an executable file (${binPath})`);
    return 1;
  }
  const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!fs.existsSync(chromiumPath)) {
    console.error(`e2e: Chromium not found at ${chromiumPath} (install Debian's "chromium" or set CHROMIUM)`);
    return 1;
  }

  // Start from an empty artifacts dir so old screenshots never mislead.
  await fsp.rm(ARTIFACTS, { recursive: true, force: true });
  await fsp.mkdir(ARTIFACTS, { recursive: true });
  const workDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'rapport-e2e-'));
  // The app may run PostgreSQL as user "postgres" when started as root:
  // that user must be able to traverse this directory.
  await fsp.chmod(workDir, 0o755);
  const dataDir = path.join(workDir, 'data');
  const profileDir = path.join(workDir, 'chromium-profile');
  await fsp.mkdir(profileDir);

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  console.log(`e2e: ${binPath} serve on ${base}, data in ${dataDir}`);

  const browserLog = fs.createWriteStream(BROWSER_LOG, { flags: 'w' });
  const serverErrors = [];
  let server = null;
  let context = null;
  let page = null;
  let failure = null;

  const onSignal = (sig) => {
    console.error(`e2e: got ${sig}, stopping the server`);
    if (server && !server.exited) server.child.kill('SIGTERM');
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const facilityName = `Riverside Orthopedic Center ${Math.floor(1000 + Math.random() * 9000)}`;

  try {
    await step('server starts, /readyz answers 200', async () => {
      server = startServer(binPath, port, dataDir);
      await waitReady(server, base);
    });

    await step('chromium launches', async () => {
      try {
        context = await chromium.launchPersistentContext(profileDir, {
          executablePath: chromiumPath,
          headless: true,
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
          baseURL: base,
          acceptDownloads: true,
          viewport: DESKTOP,
          locale: 'en-US',
          timezoneId: 'UTC',
        });
      } catch (e) {
        fail(`could not launch Chromium at ${chromiumPath}: ${firstLine(e)}`);
      }
      context.setDefaultTimeout(STEP_TIMEOUT_MS);
      context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
      for (const p of context.pages()) watchPage(p, browserLog, serverErrors);
      context.on('page', (p) => watchPage(p, browserLog, serverErrors));
      page = context.pages()[0] || (await context.newPage());
    });

    await step('1. / redirects to the login page', async () => {
      await act('open /', page, () => page.goto('/'));
      await expectPath(page, '/login', 'a redirect from / to /login');
      await expectVisible(page.getByRole('button', { name: 'Sign in', exact: true }), 'the "Sign in" button', page);
      await shot(page, '01-login.png');
    });

    await step('2. sign in as the demo admin', async () => {
      await act('fill "Workspace"', page, () => page.getByLabel(labelName('Workspace')).fill(DEMO.workspace));
      await act('fill "Email"', page, () => page.getByLabel(labelName('Email')).fill(DEMO.email));
      await act('fill "Password"', page, () => page.getByLabel(labelName('Password')).fill(DEMO.password));
      await act('click "Sign in"', page, () => page.getByRole('button', { name: 'Sign in', exact: true }).click());
      await expectPath(page, '/', 'to land on / after signing in');
      await expectVisible(page.getByRole('heading', { level: 1 }).first(), 'a level-1 heading on the home page', page);
      await shot(page, '02-home.png');
    });

    await step('3. create a facility through the form', async () => {
      const navLink = page.locator('.sidebar').getByRole('link', { name: 'Facilities', exact: true });
      await act('click the sidebar link "Facilities"', page, () => navLink.click());
      await expectVisible(
        page.getByRole('heading', { level: 1, name: 'Facilities', exact: true }),
        'the heading "Facilities"',
        page,
      );
      await act('click the link "New facility"', page, () =>
        page.getByRole('link', { name: 'New facility', exact: true }).first().click(),
      );
      const name = page.getByLabel(labelName('Name'));
      await expectVisible(name, 'the "Name" field of the new-facility form', page);
      await act('fill "Name"', page, () => name.fill(facilityName));
      await act('choose "Clinic" in the "Kind" select', page, () =>
        page.getByLabel(labelName('Kind')).selectOption({ label: 'Clinic' }),
      );
      await act('fill "City"', page, () => page.getByLabel(labelName('City')).fill('Portland'));
      await act('fill "State"', page, () => page.getByLabel(labelName('State')).fill('OR'));
      await shot(page, '03-facility-form.png');
      await act('click "Create facility"', page, () =>
        page.getByRole('button', { name: 'Create facility', exact: true }).click(),
      );
    });

    await step('4. the new facility is listed', async () => {
      await expectPath(
        page,
        (p) => p.startsWith('/facilities') && !p.endsWith('/new'),
        'to land on the facility list or the facility page after creating it',
      );
      await expectVisible(page.getByText(facilityName).first(), `the text "${facilityName}"`, page);
      await act('open /facilities', page, () => page.goto('/facilities'));
      // A data cell, or a row header if the name column is a <th scope="row">.
      const cell = page
        .getByRole('cell', { name: facilityName })
        .or(page.getByRole('rowheader', { name: facilityName }))
        .first();
      await expectVisible(cell, `a table cell "${facilityName}" on /facilities`, page);
      await shot(page, '04-facilities.png');
    });

    await step('5. phone-sized screenshot of /facilities', async () => {
      const phone = await context.newPage();
      try {
        await phone.setViewportSize(PHONE);
        await act('open /facilities on the phone page', phone, () => phone.goto('/facilities'));
        await expectPath(phone, '/facilities', 'the phone page to stay signed in on /facilities');
        await expectVisible(
          phone.getByRole('heading', { level: 1, name: 'Facilities', exact: true }),
          'the heading "Facilities" on the phone page',
          phone,
        );
        await shot(phone, '05-phone-facilities.png');
      } finally {
        await phone.close();
      }
    });

    await step('6. search and filter stakeholders', async () => {
      await act('click the "Stakeholders" link in the sidebar', page, () =>
        page.locator('.sidebar').getByRole('link', { name: 'Stakeholders', exact: true }).click(),
      );
      await expectVisible(page.getByRole('heading', { level: 1, name: 'Stakeholders', exact: true }), 'the heading "Stakeholders"', page);
      await act('search for "cardiovascular"', page, async () => {
        await page.getByRole('searchbox', { name: 'Search' }).fill('cardiovascular');
        await page.getByRole('button', { name: 'Search', exact: true }).click();
      });
      await expectVisible(page.getByRole('cell', { name: /Cardiovascular Disease Physician/ }).first(), 'a cardiologist in the results', page);
      await act('filter to tier A', page, async () => {
        await page.getByLabel('Tier', { exact: true }).selectOption('A');
        await page.getByRole('button', { name: 'Search', exact: true }).click();
      });
      const url = new URL(page.url());
      if (url.searchParams.get('tier') !== 'A' || url.searchParams.get('q') !== 'cardiovascular') {
        fail(`expected the search and the tier filter in the address, got ${page.url()}`);
      }
      await shot(page, '06-stakeholder-search.png');
    });

    await step('7. create a physician with an NPI', async () => {
      await act('open the new stakeholder form', page, () => page.goto('/stakeholders/new'));
      await act('fill the form', page, async () => {
        await page.getByLabel('First name').fill('Noor');
        await page.getByLabel('Last name').fill(`Haddad`);
        await page.getByLabel('Credentials').fill('MD');
        await page.getByLabel('NPI').fill('1234567890');
        await page.getByLabel('Specialty').selectOption({ label: 'Cardiovascular Disease Physician' });
        await page.getByRole('button', { name: 'Create stakeholder' }).click();
      });
      await expectVisible(page.getByText('its check digit does not match'), 'the NPI check-digit error next to the field', page);
      await act('correct the NPI', page, async () => {
        await page.getByLabel('NPI').fill('1234567893');
        await page.getByRole('button', { name: 'Create stakeholder' }).click();
      });
      await expectVisible(page.getByRole('heading', { level: 1, name: `Noor Haddad, MD` }), 'the new physician\'s page', page);
      await act('search by NPI', page, () => page.goto('/stakeholders?q=1234567893'));
      await expectVisible(page.getByRole('link', { name: `Haddad, Noor` }), 'the physician found by NPI', page);
      await shot(page, '07-stakeholder-created.png');
    });

    await step('8. log feedback from the physician\'s page', async () => {
      await act('open the physician', page, () => page.getByRole('link', { name: 'Haddad, Noor' }).click());
      await act('click "Log feedback"', page, () => page.getByRole('link', { name: 'Log feedback' }).click());
      await expectVisible(page.getByRole('heading', { level: 1, name: 'Log feedback' }), 'the feedback form', page);
      await act('fill the feedback form', page, async () => {
        await page.getByLabel('Topic').selectOption({ label: 'Referral process' });
        await page.locator('label.sentiment-option.s-1').click();
        await page.getByLabel('What they said').fill('Referral faxes to cardiology go unanswered for days.');
        await page.getByRole('button', { name: 'Log feedback' }).click();
      });
      await expectVisible(page.getByText('open concern').first(), 'the flash saying it is an open concern', page);
      await expectVisible(page.locator('#timeline').getByText('Referral faxes to cardiology go unanswered'), 'the feedback in the timeline', page);
      await act('open the escalation queue', page, () => page.goto('/feedback/queue'));
      await expectVisible(page.getByRole('link', { name: 'Referral process' }), 'the topic in the escalation queue', page);
      await shot(page, '08-escalation-queue.png');
    });

    await step('9. move the physician to champion, with a reason', async () => {
      await act('search for the physician', page, () => page.goto('/stakeholders?q=1234567893'));
      await act('open the physician', page, () => page.getByRole('link', { name: 'Haddad, Noor' }).click());
      await act('move to Champion', page, async () => {
        await page.getByLabel('Move to').selectOption({ label: 'Champion' });
        await page.getByLabel('Why').fill('Spoke for the heart program at grand rounds');
        await page.getByRole('button', { name: 'Move', exact: true }).click();
      });
      await expectVisible(page.getByText('Moved to Champion.'), 'the flash "Moved to Champion."', page);
      await expectVisible(page.getByText('No stage → Champion'), 'the move in the stage history', page);
      await act('open the champion board', page, () => page.goto('/champions'));
      await expectVisible(page.locator('.board-column', { hasText: 'Champion' }).getByRole('link', { name: 'Noor Haddad, MD' }), 'the physician on the board under Champion', page);
      await shot(page, '09-champion-board.png');
    });

    await step('10. merge two duplicates', async () => {
      await act('open likely duplicates', page, () => page.goto('/stakeholders/duplicates'));
      await act('compare the first pair', page, () => page.getByRole('link', { name: 'Compare and merge' }).first().click());
      await expectVisible(page.getByRole('heading', { level: 1, name: 'Merge duplicates' }), 'the merge preview', page);
      await shot(page, '10-merge-preview.png');
      await act('merge', page, () => page.getByRole('button', { name: /^Merge into/ }).click());
      await expectVisible(page.getByText(/^Merged\./), 'the flash "Merged."', page);
      await act('open likely duplicates again', page, () => page.goto('/stakeholders/duplicates'));
      const left = await page.getByRole('link', { name: 'Compare and merge' }).count();
      if (left !== 1) fail(`expected one pair left after the merge, found ${left}`);
    });

    await step('11. sign out, then /facilities needs login', async () => {
      await act('click "Sign out"', page, () =>
        page.getByRole('button', { name: 'Sign out', exact: true }).click(),
      );
      await expectVisible(page.getByRole('button', { name: 'Sign in', exact: true }), 'the "Sign in" button after signing out', page);
      await expectVisible(page.getByText('You have been signed out').first(), 'the text "You have been signed out"', page);
      await shot(page, '11-signed-out.png');
      await act('open /facilities', page, () => page.goto('/facilities'));
      await expectPath(page, '/login', 'a redirect to /login for /facilities after signing out');
    });

    await step('12. a liaison on a 375px phone logs a visit in 4 taps', async () => {
      const phone = await context.newPage();
      try {
        await phone.setViewportSize(PHONE_NARROW);
        await signIn(phone, LIAISON_EMAIL);
        await expectPath(phone, '/', 'the liaison on the home page');
        // Count what the liaison does from here: taps and one typed name.
        let interactions = 0;
        await act('tap "Log" in the top bar', phone, async () => {
          await phone.locator('a[data-shortcut="l"]').click();
          interactions += 1;
        });
        await expectVisible(phone.getByRole('heading', { level: 1, name: 'Log a touch-point' }), 'the log form', phone);
        await act('type the physician\'s name', phone, async () => {
          await phone.getByRole('searchbox').fill('Noor Haddad');
          interactions += 1;
        });
        const match = phone.locator('#who-results input[type="radio"]');
        await expectVisible(match.first(), 'the physician among the matches', phone);
        if (!(await match.first().isChecked())) {
          await act('tap the match', phone, () => match.first().check());
          interactions += 1;
        }
        await act('tap "Positive"', phone, async () => {
          await phone.locator('label.choice', { hasText: 'Positive' }).click();
          interactions += 1;
        });
        await shot(phone, '12-phone-log-form.png');
        await act('tap "Log touch-point"', phone, async () => {
          await phone.getByRole('button', { name: 'Log touch-point' }).first().click();
          interactions += 1;
        });
        await expectPath(phone, (p) => p.startsWith('/stakeholders/'), 'the stakeholder page after logging');
        await expectVisible(phone.getByText('Touch-point logged.'), 'the flash "Touch-point logged."', phone);
        await expectVisible(phone.locator('#touchpoints').getByText('In-person visit').first(), 'the visit in the touch-points section', phone);
        await expectVisible(phone.locator('#timeline').getByText('In-person visit').first(), 'the visit on the timeline', phone);
        await shot(phone, '12-phone-logged.png');
        // The keyboard shortcut: "l" on a stakeholder's page opens the form for that person.
        const here = pathOf(phone);
        await act('press "l"', phone, () => phone.keyboard.press('l'));
        await expectPath(phone, '/touchpoints/new', 'the "l" shortcut to open the log form');
        if (!phone.url().includes(`stakeholder_id=${here.split('/').pop()}`)) {
          fail(`expected the shortcut to keep the stakeholder, got ${phone.url()}`);
        }
        if (interactions >= 5) fail(`logging a visit took ${interactions} interactions; the target is under 5`);
        console.log(`        (${interactions} interactions: open the form, type a name, choose the outcome, save)`);
      } finally {
        await phone.close();
      }
    });

    await step('13. a marketer plans a campaign with a segment and two email variants, and launches it', async () => {
      const m = await context.newPage();
      try {
        await m.setViewportSize(DESKTOP);
        await signIn(m, MARKETER_EMAIL);
        await expectPath(m, '/', 'the marketer on the home page');
        await act('open a new segment', m, () => m.goto('/segments/new'));
        await act('name the segment and pick tier A', m, async () => {
          await m.getByLabel('Name', { exact: true }).fill('E2E tier A physicians');
          await m.getByLabel('Tier A', { exact: true }).check();
        });
        await expectVisible(m.locator('#segment-preview').getByText(/people match now|person matches now/), 'the live count', m);
        await act('save the segment', m, () => m.getByRole('button', { name: 'Save segment' }).click());
        await expectVisible(m.getByText('Segment saved.'), 'the flash "Segment saved."', m);
        await act('open a new campaign', m, () => m.goto('/campaigns/new'));
        await act('fill the campaign form', m, async () => {
          await m.getByLabel('Name', { exact: true }).fill('E2E heart outreach');
          await m.getByLabel('Email', { exact: true }).check();
          await m.getByLabel('Budget (USD)').fill('12,500');
          await m.getByLabel('Audience').selectOption({ label: 'E2E tier A physicians' });
          await m.getByRole('button', { name: 'Create campaign' }).click();
        });
        await expectVisible(m.getByRole('heading', { level: 1, name: /E2E heart outreach/ }), 'the campaign page', m);
        await act('add a key message', m, async () => {
          await m.getByLabel('Message', { exact: true }).fill('Same-week echo at Demo General');
          await m.getByRole('button', { name: 'Add message' }).click();
        });
        for (const label of ['A', 'B']) {
          await act(`add email variant ${label}`, m, async () => {
            await m.locator('#messages summary', { hasText: 'Add a variant' }).first().click();
            const form = m.locator('#messages form[action$="/variants"]').first();
            await form.getByLabel('Channel').selectOption({ label: 'Email' });
            await form.getByLabel('Name').fill(label);
            await form.getByRole('button', { name: 'Add variant' }).click();
          });
          await expectVisible(m.getByText('Variant added.'), `the flash for variant ${label}`, m);
        }
        await expectVisible(m.getByText('members are split among its variants'), 'the message test marker', m);
        await act('launch', m, () => m.getByRole('button', { name: 'Launch (freeze audience)' }).click());
        await expectVisible(m.getByText(/Its audience is frozen: \d+ members?/), 'the flash saying the audience is frozen', m);
        await shot(m, '13-campaign-launched.png');
        await act('open the members', m, () => m.getByRole('link', { name: 'See members' }).click());
        await expectVisible(m.getByText(/Email: [AB]/).first(), 'a member with a recorded variant', m);
      } finally {
        await m.close();
      }
    });

    await step('14. a survey is answered once through its private link', async () => {
      const m = await context.newPage();
      try {
        await m.setViewportSize(DESKTOP);
        await act('open a new survey', m, () => m.goto('/surveys/new'));
        await act('title it and save', m, async () => {
          await m.getByLabel('Title').fill('E2E pulse');
          await m.getByRole('button', { name: 'Save survey' }).click();
        });
        await expectVisible(m.getByText('Survey saved.'), 'the flash "Survey saved."', m);
        await act('send links to the segment', m, async () => {
          await m.getByRole('link', { name: 'Send links' }).click();
          await m.getByLabel('Segment', { exact: true }).selectOption({ label: 'E2E tier A physicians' });
          await m.getByRole('button', { name: 'Make the links' }).click();
        });
        await expectVisible(m.getByRole('heading', { level: 1, name: /new links?/ }), 'the one-time links page', m);
        const link = await m.locator('a.survey-link').first().getAttribute('href');
        if (!link || !link.includes('/s/')) fail(`no private link on the page (got ${link})`);
        const r = await context.newPage();
        try {
          await r.setViewportSize(PHONE_NARROW);
          await act('open the private link on a phone', r, () => r.goto(link));
          await expectVisible(r.getByRole('heading', { level: 1, name: 'E2E pulse' }), 'the survey page', r);
          await act('agree and send', r, async () => {
            await r.locator('label.likert-option', { hasText: /^4/ }).first().click();
            await r.getByRole('button', { name: 'Send my answers' }).click();
          });
          await expectVisible(r.getByRole('heading', { level: 1, name: 'Thank you' }), 'the thank-you page', r);
          await shot(r, '14-survey-answered.png');
          await act('open the link again', r, () => r.goto(link));
          await expectVisible(r.getByRole('heading', { level: 1, name: 'Thank you, your answers are in' }), 'the used-link page', r);
        } finally {
          await r.close();
        }
        await act('open the results', m, () => m.getByRole('link', { name: 'Done' }).click());
        await expectVisible(m.getByText(/1 of \d+ links answered/), 'one response in the results', m);
      } finally {
        await m.close();
      }
    });

    await step('15. an admin uploads an NPPES file and the progress bar reaches done', async () => {
      const a = await context.newPage();
      try {
        await a.setViewportSize(DESKTOP);
        await signIn(a, DEMO.email);
        await act('open a new import', a, () => a.goto('/admin/imports/new'));
        await act('choose the registry file and upload it', a, async () => {
          await a.getByLabel('NPPES provider registry').check();
          await a.getByLabel('States').fill('TX, NY, FL');
          await a.setInputFiles('input[type=file]', path.join(HERE, '..', 'tests', 'fixtures', 'nppes_2019_head19.csv'));
          await a.getByRole('button', { name: 'Upload and import' }).click();
        });
        await expectVisible(a.getByRole('heading', { level: 1, name: 'nppes_2019_head19.csv' }), 'the job page', a);
        // The bar updates by itself (htmx polls the job); no reload by the test.
        await expectVisible(a.locator('#job-progress .badge', { hasText: 'Done' }), 'the job reaching Done', a);
        const value = await a.locator('#job-progress progress').getAttribute('value');
        if (value !== '100') fail(`the progress bar shows ${value}, not 100`);
        await expectVisible(a.getByRole('heading', { name: 'What changed' }), 'the change review', a);
        await expectVisible(a.getByText(/providers outside the market were skipped/), 'the market note', a);
        await shot(a, '15-import-done.png');
      } finally {
        await a.close();
      }
    });

    await step('16. an admin downloads the workspace export', async () => {
      const a = await context.newPage();
      try {
        await a.setViewportSize(DESKTOP);
        await signIn(a, DEMO.email);
        await act('open Export from the navigation', a, () => a.getByRole('link', { name: 'Export', exact: true }).click());
        await expectVisible(a.getByRole('heading', { level: 1, name: 'Export the workspace' }), 'the export page', a);
        await act('choose JSON', a, () => a.getByLabel(/JSON Lines/).check());
        const [download] = await Promise.all([
          a.waitForEvent('download', { timeout: STEP_TIMEOUT_MS }),
          a.getByRole('button', { name: 'Download archive' }).click(),
        ]);
        if (!/^rapport-demo-.*\.zip$/.test(download.suggestedFilename())) fail(`the archive is named ${download.suggestedFilename()}`);
        const file = path.join(ARTIFACTS, 'export.zip');
        await download.saveAs(file);
        const bytes = await fsp.readFile(file);
        if (bytes.subarray(0, 2).toString() !== 'PK') fail('the download is not a ZIP archive');
        for (const name of ['manifest.json', 'stakeholders.jsonl', 'touchpoints.jsonl']) {
          if (!bytes.includes(Buffer.from(name))) fail(`the archive has no ${name}`);
        }
        await fsp.rm(file);
        await act('reload the export page', a, () => a.reload());
        await expectVisible(a.locator('td', { hasText: 'JSON' }).first(), 'the export listed under recent exports', a);
        await shot(a, '16-export.png');
      } finally {
        await a.close();
      }
    });

    await step('17. an executive reads the referral overview and opens a declining physician', async () => {
      const x = await context.newPage();
      try {
        await x.setViewportSize(DESKTOP);
        await signIn(x, 'executive@demo.test');
        await act('open Referrals from the navigation', x, () => x.getByRole('link', { name: 'Referrals', exact: true }).click());
        await expectVisible(x.getByRole('heading', { level: 1, name: 'Referrals' }), 'the referral overview', x);
        await expectVisible(x.locator('svg[role=img]').first(), 'the monthly chart', x);
        await act('show the chart as a table', x, () => x.getByText('Show as a table').first().click());
        await expectVisible(x.getByRole('heading', { name: 'Declining' }), 'the decline list', x);
        const declining = x.locator('section, div').filter({ has: x.getByRole('heading', { name: 'Declining' }) }).locator('tbody a').first();
        await expectVisible(declining, 'a declining physician', x);
        await x.evaluate(() => window.scrollTo(0, 0));
        await shot(x, '17-referrals.png');
        await act('open the first declining physician', x, () => declining.click());
        await expectVisible(x.getByRole('heading', { name: /Referrals/ }).first(), "the physician's referral section", x);
        await expectVisible(x.locator('svg[role=img]').first(), "the physician's monthly chart", x);
      } finally {
        await x.close();
      }
    });

    await step('18. the executive sees which campaign moved referrals, at what cost', async () => {
      const x = await context.newPage();
      try {
        await x.setViewportSize(DESKTOP);
        await signIn(x, 'executive@demo.test');
        await act('open Campaigns', x, () => x.getByRole('link', { name: 'Campaigns', exact: true }).click());
        await act('open Heart Health Month', x, () => x.getByRole('link', { name: 'Heart Health Month' }).first().click());
        await expectVisible(x.getByRole('heading', { name: 'Referral lift' }), 'the referral lift card', x);
        await expectVisible(x.getByText(/Touched physicians referred [0-9.]+ more a month than comparable untouched ones/), 'a lift with its interval', x);
        await expectVisible(x.getByRole('heading', { name: 'Budget and costs' }), 'the spend beside it', x);
        await x.locator('#lift').screenshot({ path: path.join(ARTIFACTS, '18-referral-lift.png') });
      } finally {
        await x.close();
      }
    });
  } catch (e) {
    failure = e;
    if (page && !page.isClosed()) {
      await page.screenshot({ path: path.join(ARTIFACTS, 'failure.png'), fullPage: true }).catch(() => {});
      await page.content().then((html) => fsp.writeFile(path.join(ARTIFACTS, 'failure.html'), html)).catch(() => {});
    }
  } finally {
    const t0 = performance.now();
    if (context) await context.close().catch(() => {});
    const stopped = await stopServer(server);
    const ms = Math.round(performance.now() - t0);
    if (server) {
      console.log(`  ${stopped.ok ? 'ok  ' : 'FAIL'}  ${'cleanup: browser closed, server stopped'.padEnd(44)} ${String(ms).padStart(6)} ms  (${stopped.note})`);
      results.push({ name: 'cleanup', ok: stopped.ok, ms });
      if (!stopped.ok && !failure) failure = new E2EError(`the server ${stopped.note}`);
    }
    if (server) await Promise.race([server.logClosed, sleep(2000)]);
    await new Promise((resolve) => browserLog.end(resolve));
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    if (process.env.E2E_KEEP_TMP === '1') {
      console.log(`e2e: kept ${workDir}`);
    } else {
      await fsp.rm(workDir, { recursive: true, force: true }).catch((e) =>
        console.log(`e2e: could not remove ${workDir}: ${e.message}`),
      );
    }
  }

  const passed = results.filter((r) => r.ok).length;
  const failed = results.filter((r) => !r.ok).length;
  if (failure) {
    console.error(`\ne2e: FAILED: ${failure instanceof E2EError ? failure.message : failure.stack || failure}`);
    if (serverErrors.length) {
      console.error(`e2e: HTTP 5xx answers seen:\n  ${serverErrors.join('\n  ')}`);
    }
    if (server && !/--- tail of/.test(String(failure.message))) {
      console.error(`--- tail of ${SERVER_LOG} ---\n${tail(SERVER_LOG, 25)}`);
    }
    console.error(`e2e: artifacts in ${ARTIFACTS}`);
  }
  console.log(`e2e: ${passed} passed, ${failure ? Math.max(failed, 1) : 0} failed`);
  return failure ? 1 : 0;
}

// Record console errors, page errors and 5xx answers for debugging.
function watchPage(p, log, serverErrors) {
  p.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') log.write(`[console.${m.type()}] ${p.url()} ${m.text()}\n`);
  });
  p.on('pageerror', (err) => log.write(`[pageerror] ${p.url()} ${err.message}\n`));
  p.on('requestfailed', (r) => log.write(`[requestfailed] ${r.method()} ${r.url()} ${r.failure()?.errorText}\n`));
  p.on('response', (r) => {
    if (r.status() >= 500) {
      const line = `${r.status()} ${r.request().method()} ${r.url()}`;
      serverErrors.push(line);
      log.write(`[http ${line}]\n`);
    } else if (r.status() >= 400) {
      log.write(`[http ${r.status()} ${r.request().method()} ${r.url()}]\n`);
    }
  });
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`e2e: unexpected error: ${e && e.stack ? e.stack : e}`);
    process.exit(1);
  },
);
