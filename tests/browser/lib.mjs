// lib.mjs: what the browser tests share. They run under tests/browser/run (itself
// under tests/harness/with-server with an [http] section): a real yanxiud and
// PostgreSQL, the console's bundle, Debian's chromium driven by playwright-core
// from web/node_modules (nothing downloads a browser).
//
// Environment (from the harness and from tests/CMakeLists.txt):
//   YX_HTTP           127.0.0.1:PORT of the daemon's HTTP listener (the console)
//   YX_SERVER, YX_YANXIUD, YX_YANXIU, YX_CONF, YX_DIR, YX_PSQL   (with-server)
//   YX_SCREENSHOTS    where the screenshots go (<build>/screenshots)
//   YX_CHROMIUM       the browser (default /usr/bin/chromium)
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, "../..");
// playwright-core and @bufbuild/protobuf are the console's devDependencies (npm ci in web/).
const require = createRequire(path.join(root, "web", "package.json"));
const { chromium } = require("playwright-core");
const pb = require("@bufbuild/protobuf");
const wkt = require("@bufbuild/protobuf/wkt");

for (const v of ["YX_HTTP", "YX_SERVER", "YX_YANXIUD", "YX_YANXIU", "YX_CONF", "YX_DIR"]) {
  if (!process.env[v]) {
    throw new Error(`${v} is not set: run the browser tests with ctest -L browser (tests/browser/run under tests/harness/with-server)`);
  }
}
export const E = process.env;
export const BASE = `http://${E.YX_HTTP}`;
export const PY = "/usr/bin/python3"; // Debian's, with python3-openpyxl
export const SHOTS = E.YX_SCREENSHOTS || path.join(E.YX_DIR, "screenshots");
fs.mkdirSync(SHOTS, { recursive: true });
export const WORK = path.join(E.YX_DIR, "browser");
fs.mkdirSync(WORK, { recursive: true });

// --- the daemon's side: accounts, the CLI -------------------------------------------------

export function password(user) {
  return `pw-${user}-secret`;
}

/** yanxiud ARGS (the admin commands: district add, user add), as deploy/quickstart does. */
export function yanxiud(...args) {
  return execFileSync(E.YX_YANXIUD, ["-c", E.YX_CONF, ...args], { encoding: "utf8", env: { ...E } });
}

/** An account with a known password (yanxiud user add; deploy/quickstart's add_user). */
export function addUser(name, role, ...args) {
  execFileSync(E.YX_YANXIUD, ["-c", E.YX_CONF, "user", "add", name, "--role", role, ...args], {
    env: { ...E, YANXIU_PASSWORD: password(name) },
    stdio: ["ignore", "ignore", "inherit"],
  });
}

function cliEnv(user) {
  const home = path.join(WORK, "cli", user);
  fs.mkdirSync(home, { recursive: true });
  return { ...E, HOME: home, XDG_CONFIG_HOME: home, LANGUAGE: "en", YANXIU_PASSWORD: password(user) };
}

/** The yanxiu CLI as USER (its own session); answers {status, stdout, stderr}. */
export function cliRun(user, ...args) {
  const r = spawnSync(E.YX_YANXIU, ["--server", E.YX_SERVER, ...args], { encoding: "utf8", env: cliEnv(user) });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same, failing unless it exits 0; answers its stdout. */
export function cli(user, ...args) {
  const r = cliRun(user, ...args);
  if (r.status !== 0) throw new Error(`yanxiu ${args.join(" ")} (as ${user}) exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

export function cliLogin(user) {
  cli(user, "login", "--user", user);
}

/** CSV text as an array of objects (no quoted commas in what the tests compare). */
export function parseCsv(text) {
  const lines = text.split(/\r?\n/).filter((l) => l !== "");
  const head = lines.shift().split(",");
  return lines.map((l) => {
    const cells = l.split(",");
    return Object.fromEntries(head.map((k, i) => [k, cells[i] ?? ""]));
  });
}

/**
 * The demo county (deploy/demo-county --load: 宁陵县 411423, ~300 teachers, reports of
 * 2026-09..11 as historical imports) with the accounts the tests log in as: district
 * (the office) and school (城关镇中心校 4114230001). Answers the directory of its files.
 */
export function demoCounty() {
  yanxiud("district", "add", "411423", "宁陵县");
  addUser("district", "district", "--district", "411423");
  addUser("school", "school", "--district", "411423", "--unit", "4114230001");
  cliLogin("district");
  cliLogin("school");
  const dir = path.join(WORK, "demo");
  execFileSync(path.join(root, "deploy", "demo-county"), ["--load", dir, "--yanxiu", E.YX_YANXIU, "--server", E.YX_SERVER], {
    env: cliEnv("district"),
    stdio: ["ignore", "ignore", "inherit"],
  });
  return dir;
}

// --- the protocol, for requests the console would never send ---------------------------------

let registry = null;
/** yanxiu.v1 messages by name (from proto/yanxiu.proto through protoc, at test time). */
export function msg(name) {
  if (!registry) {
    const out = path.join(WORK, "yanxiu.pb");
    execFileSync("protoc", ["-I", path.join(root, "proto"), "--include_imports", `--descriptor_set_out=${out}`, "yanxiu.proto"]);
    registry = pb.createFileRegistry(pb.fromBinary(wkt.FileDescriptorSetSchema, fs.readFileSync(out)));
  }
  const d = registry.getMessage(`yanxiu.v1.${name}`);
  if (!d) throw new Error(`no message yanxiu.v1.${name}`);
  return d;
}

/** One serialized Envelope with the request `body` ({case, value}). */
export function envelope(body) {
  return Buffer.from(pb.toBinary(msg("Envelope"), pb.create(msg("Envelope"), { requestId: 1n, body })));
}

export function decodeEnvelope(bytes) {
  return pb.fromBinary(msg("Envelope"), new Uint8Array(bytes));
}

export function codeName(code) {
  return msg("Error").fields.find((f) => f.name === "code").enum.values.find((v) => v.number === code)?.name ?? String(code);
}

// --- the browser ---------------------------------------------------------------------------

export async function launch() {
  return chromium.launch({
    executablePath: E.YX_CHROMIUM || "/usr/bin/chromium",
    // as root chromium needs --no-sandbox
    // in Chinese, as on the coordinator's PC (the file chooser's 选择文件 in the screenshots)
    args: ["--lang=zh-CN", "--disable-dev-shm-usage", ...(process.getuid?.() === 0 ? ["--no-sandbox"] : [])],
  });
}

/**
 * A fresh context (its own cookies and sessionStorage) and page on the console, in
 * Chinese; every dialog, page error and console error is recorded in page.problems
 * (an alert() would be an XSS).
 */
export async function newPage(browser, opts = {}) {
  const context = await browser.newContext({
    baseURL: BASE,
    locale: "zh-CN",
    timezoneId: "Asia/Shanghai",
    viewport: { width: 1366, height: 900 },
    acceptDownloads: true,
    ...opts,
  });
  const page = await context.newPage();
  page.problems = [];
  page.dialogs = [];
  page.on("dialog", async (d) => {
    page.dialogs.push(`${d.type()}: ${d.message()}`);
    await d.dismiss().catch(() => undefined);
  });
  page.on("pageerror", (e) => page.problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") page.problems.push(`console: ${m.text()}`);
  });
  return page;
}

/** Logs in through the login page and waits for the header's "who". */
export async function login(page, user, pass = password(user)) {
  await page.goto("/");
  await page.fill("#user", user);
  await page.fill("#password", pass);
  await page.click("button[type=submit]");
  await page.getByTestId("who").waitFor({ timeout: 15000 });
}

/** Goes to a hash route of the console ("/district/queue") and lets the page draw. */
export async function go(page, route) {
  await page.evaluate((r) => (location.hash = "#" + r), route);
}

/** Loads the console anew at a hash route (a navigation: performance.now() starts again). */
export async function reload(page, route) {
  await go(page, route);
  await page.reload();
}

/** A full-page screenshot into YX_SCREENSHOTS/NAME.png; answers its path. */
export async function shot(page, name, fullPage = true) {
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}

/** The texts of a table's rows: [{attrs, cells: {data-col or index: text}}]. */
export async function tableRows(locator) {
  return locator.locator("tbody tr").evaluateAll((trs) =>
    trs.map((tr) => ({
      data: { ...tr.dataset },
      cells: Object.fromEntries(
        [...tr.querySelectorAll("td")].map((td, i) => [td.dataset.col ?? String(i), (td.textContent ?? "").trim()]),
      ),
      text: (tr.textContent ?? "").trim(),
    })),
  );
}

/**
 * Whether a canvas inside the element of data-testid `id` shows a drawing: its pixels
 * (getImageData of every canvas) hold more than one colour. Answers the number of
 * distinct colours (sampled) of the richest canvas.
 */
export async function canvasColours(page, id) {
  return page.getByTestId(id).evaluate((el) => {
    let best = 0;
    for (const c of el.querySelectorAll("canvas")) {
      if (!c.width || !c.height) continue;
      const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      const seen = new Set();
      const step = Math.max(1, Math.floor(data.length / 4 / 20000)) * 4;
      for (let i = 0; i < data.length; i += step) seen.add((data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3]);
      best = Math.max(best, seen.size);
    }
    return best;
  });
}

/** The month now in Asia/Shanghai, YYYY-MM. */
export function thisMonth() {
  const d = new Date(Date.now() + 8 * 3600 * 1000);
  return d.toISOString().slice(0, 7);
}

/** A number as the page or the CSV shows it ("87.5%", "1,234", "12.0") for comparison. */
export function num(s) {
  const t = String(s).replace(/[,\s]/g, "").replace(/%$/, "");
  return t === "" || isNaN(Number(t)) ? String(s).trim() : Number(t);
}

// --- the district dashboard ------------------------------------------------------------

/**
 * The dashboard drawn: each chart's canvas with more than one colour, the tables with rows;
 * answers {ms: performance.now() at that frame, calls, apiDone: when the last API answer
 * came (ms), apiSlowest: the slowest call (ms)}. On a timeout the error says what was missing.
 */
export async function dashboardDrawn(page, timeout = 20000) {
  try {
    return await drawn(page, timeout);
  } catch (e) {
    const state = await page.evaluate(() => ({
      hash: location.hash,
      charts: ["chart-rates", "chart-heatmap", "chart-compliance"].map((id) => {
        const c = document.querySelector(`[data-testid="${id}"] canvas`);
        return `${id}: ${c ? `${c.width}x${c.height}` : "no canvas"}`;
      }),
      rates: document.querySelectorAll('[data-testid="rates-table"] tr[data-month]').length,
      units: document.querySelectorAll('[data-testid="units-table"] tr[data-unit]').length,
      alerts: [...document.querySelectorAll('[role="alert"]')].map((x) => x.textContent),
    }));
    await shot(page, "dashboard-not-drawn");
    throw new Error(`the dashboard was not drawn within ${timeout} ms: ${JSON.stringify(state)}`, { cause: e });
  }
}

function drawn(page, timeout) {
  return page.waitForFunction(
    () => {
      const q = (s) => document.querySelector(s);
      for (const id of ["chart-rates", "chart-heatmap", "chart-compliance"]) {
        const c = q(`[data-testid="${id}"] canvas`);
        if (!c || !c.width || !c.height) return false;
        const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        let other = false;
        for (let i = 4; i < d.length; i += 4 * 97) {
          if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2] || d[i + 3] !== d[3]) {
            other = true;
            break;
          }
        }
        if (!other) return false;
      }
      if (!q('[data-testid="rates-table"] tr[data-month]') || !q('[data-testid="units-table"] tr[data-unit]')) return false;
      const api = performance.getEntriesByType("resource").filter((e) => e.name.endsWith("/api/v2/rpc"));
      return { ms: performance.now(), calls: api.length, apiDone: Math.max(0, ...api.map((e) => e.responseEnd)),
               apiSlowest: Math.max(0, ...api.map((e) => e.duration)) };
    },
    null,
    { polling: "raf", timeout },
  );
}

/**
 * The rates-table and units-table against `yanxiu reporting-rates` and `yanxiu compliance
 * units` (CSV) of the same year: every cell the page shows (td[data-col]) equals the CLI's.
 */
export async function compareDashboard(page, user = "district") {
  const rates = await tableRows(page.getByTestId("rates-table"));
  assert.ok(rates.length > 0);
  const months = rates.map((r) => r.data.month);
  const years = [...new Set(months.map((m) => (Number(m.slice(5)) >= 9 ? Number(m.slice(0, 4)) : Number(m.slice(0, 4)) - 1)))];
  // the year the page shows: its year field, else the school year of its months
  const yearField = page.getByTestId("year");
  const year = (await yearField.count()) ? (await yearField.inputValue()).trim() : String(Math.min(...years));
  const cliRates = new Map();
  for (const m of months) {
    const csv = cli(user, "reporting-rates", "--month", m, "--format", "csv").split(/\r?\n\r?\n/)[0];
    for (const r of parseCsv(csv)) cliRates.set(r.month, r);
  }
  let compared = 0;
  for (const r of rates) {
    const c = cliRates.get(r.data.month);
    assert.ok(c, `the CLI has ${r.data.month}`);
    for (const [k, v] of Object.entries(r.cells)) {
      if (!(k in c)) continue;
      assert.equal(num(v), num(c[k]), `rates-table ${r.data.month} ${k}`);
      compared++;
    }
  }
  assert.ok(compared >= rates.length * 3, `rates-table: ${compared} cells compared (td[data-col] with the CSV's keys)`);
  const units = await tableRows(page.getByTestId("units-table"));
  const cliUnits = new Map(parseCsv(cli(user, "compliance", "units", "--year", year, "--format", "csv")).map((r) => [r.unit_code, r]));
  compared = 0;
  for (const r of units) {
    const c = cliUnits.get(r.data.unit);
    assert.ok(c, `the CLI has unit ${r.data.unit}`);
    for (const [k, v] of Object.entries(r.cells)) {
      if (!(k in c)) continue;
      assert.equal(num(v), num(c[k]), `units-table ${r.data.unit} ${k} (year ${year})`);
      compared++;
    }
  }
  assert.ok(units.length > 0 && compared >= units.length * 4, `units-table: ${compared} cells compared`);
  return { months: rates.length, units: units.length };
}

