// A month's report through the console in a real browser, in the demo county
// (deploy/demo-county --load): the school's coordinator downloads the template,
// uploads it with three mistakes and sees each at its cell, uploads it fixed and
// sees it submitted; the district officer finds it in the review queue with its
// flag and returns it with a reason; the school sees the reason and submits again;
// the district approves it. Then the dashboard: its numbers equal the CLI's
// `reporting-rates` and `compliance units`, its three charts are drawn; and a
// teacher's 登记手册 prints to PDF with the name and the totals on it.
// The tests of this file run in order and build on each other.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import {
  PY,
  WORK,
  canvasColours,
  cli,
  compareDashboard,
  dashboardDrawn,
  demoCounty,
  go,
  here,
  launch,
  login,
  newPage,
  num,
  parseCsv,
  reload,
  shot,
  tableRows,
  thisMonth,
} from "./lib.mjs";

// Pages not yet in the console: their tests are skipped with the reason (never passed).
const NOT_YET = "are not in the console yet";
const PENDING = {
  school: "", // the school's pages (home, upload, history, teachers, 登记手册): h-school, merged
  district: "", // the district's pages (dashboard, review queue): h-district, merged
};
const ROUTE = {
  schoolHome: "/school",
  upload: (month) => `/school/upload?month=${month}`,
  history: "/school/reports",
  teachers: "/school/teachers",
  register: (code) => `/school/teacher/${code}`,
  dashboard: "/district",
  queue: "/district/queue",
};
const UNIT = "4114230001"; // 城关镇中心校, the school account's unit
const REASON = "签到表缺少第二次活动的请假说明，请补充后重新上报";

let browser;
let school; // the coordinator's page
let district; // the officer's page
let month; // the month the school reports (the upload page's)
let wrong, right, mistakes;
const done = {}; // which steps passed, so that a later step says why it cannot run

before(async () => {
  demoCounty();
  browser = await launch();
  school = await newPage(browser);
  district = await newPage(browser);
});

after(async () => {
  await browser?.close();
});

/**
 * Whether test `t`, which makes step `makes`, can run: a page it needs still pending or a
 * step it needs skipped skips it (with the reason); a step it needs that failed fails it.
 */
function need(t, makes, ...steps) {
  for (const s of steps) {
    const why = PENDING[s] || (typeof done[s] === "string" ? done[s] : "");
    if (why) {
      if (makes) done[makes] = why;
      t.skip(why);
      return false;
    }
    if (done[s] === false) {
      if (makes) done[makes] = false;
      throw new Error(`an earlier step failed: ${s}`);
    }
  }
  if (makes) done[makes] = false;
  return true;
}

test("the school logs in and sees this month's status and the days left", async (t) => {
  await school.goto("/");
  await school.locator("#user").waitFor();
  await shot(school, "login");
  await login(school, "school");
  if (!need(t, null, "school")) return;
  await go(school, ROUTE.schoolHome);
  await school.getByTestId("month-status").waitFor({ timeout: 15000 });
  assert.match(await school.getByTestId("deadline").textContent(), /\d/, "the days left, as a number");
  await shot(school, "school-home");
});

test("the template downloaded from the console is filled with three mistakes, and fixed", async (t) => {
  if (!need(t, "files", "school")) return;
  await go(school, ROUTE.schoolHome);
  const [download] = await Promise.all([school.waitForEvent("download"), school.getByTestId("download-template").click()]);
  const template = path.join(WORK, "template.xlsx");
  await download.saveAs(template);
  assert.match(download.suggestedFilename(), /\.xlsx$/);
  // This month (Asia/Shanghai), which the demo county has no report of yet; the upload
  // page takes it as ?month= (its month field then shows it).
  month = thisMonth();
  await go(school, ROUTE.upload(month));
  await school.getByTestId("upload-file").waitFor({ state: "attached", timeout: 15000 });
  assert.equal(await school.getByTestId("upload-month").inputValue(), month);
  wrong = path.join(WORK, `城关镇中心校${month}研修登记（有错）.xlsx`);
  right = path.join(WORK, `城关镇中心校${month}研修登记.xlsx`);
  const fill = path.join(here, "fill_workbook.py");
  mistakes = execFileSync(PY, [fill, template, wrong, month, "wrong"], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.equal(mistakes.length, 3);
  const teachers = Number(execFileSync(PY, [fill, template, right, month], { encoding: "utf8" }));
  assert.ok(teachers > 50, `the template's 签到表 holds the unit's roster (${teachers})`);
  done.files = true;
});

/** The rows of the problems table: sheet, row, column, value by position (ui.ts problemsTable). */
async function problems(page) {
  const rows = await tableRows(page.getByTestId("problems"));
  return rows.map((r) => ({ code: r.data.code, sheet: r.cells["1"], row: r.cells["2"], column: r.cells["3"], value: r.cells["5"], text: r.text }));
}

/** Uploads FILE on the upload page of `month` (drawn anew) and waits for the answer. */
async function upload(page, file) {
  await reload(page, ROUTE.upload(month));
  await page.getByTestId("upload-file").setInputFiles(file);
  await page.getByTestId("upload-submit").click();
  await page.locator('[data-testid="problems"], [data-testid="upload-result"], [role="alert"]').first().waitFor({ timeout: 30000 });
}

test("the workbook with three mistakes: all three listed at their cells, nothing submitted", async (t) => {
  if (!need(t, "wrong", "school", "files")) return;
  await upload(school, wrong);
  const got = await problems(school);
  await shot(school, "school-upload-problems");
  assert.equal(got.length, 3, JSON.stringify(got));
  for (const m of mistakes) {
    const [, col, row] = /^([A-Z]+)(\d+)$/.exec(m.cell);
    const p = got.find((x) => x.sheet === m.sheet && x.column === col && x.row === row);
    assert.ok(p, `${m.sheet}!${m.cell} among ${JSON.stringify(got)}`);
    assert.equal(p.value, m.value, `${m.sheet}!${m.cell}: the value`);
    assert.match(p.code ?? "", /^[a-z_]+$/, `${m.sheet}!${m.cell}: tr[data-code]`);
    assert.match(p.text, /[\u4e00-\u9fff]/, "said in Chinese");
  }
  assert.equal(await school.getByTestId("upload-result").count(), 0);
  const list = parseCsv(cli("district", "report", "list", "--format", "csv"));
  assert.equal(list.filter((r) => r.unit_code === UNIT && r.month === month).length, 0, "nothing written");
  done.wrong = true;
});

test("the fixed workbook is submitted: activities, sign-ins, teacher-hours and the flag in the answer", async (t) => {
  if (!need(t, "submitted", "school", "files")) return;
  await upload(school, right);
  const result = school.getByTestId("upload-result");
  await result.waitFor({ timeout: 30000 });
  await shot(school, "school-upload-submitted");
  const text = await result.textContent();
  const list = parseCsv(cli("district", "report", "list", "--format", "csv"));
  const r = list.find((x) => x.unit_code === UNIT && x.month === month);
  assert.ok(r, "the report is in the district's list");
  assert.equal(r.status, "submitted");
  assert.ok(Number(r.flag_count) > 0, "the overlap is flagged");
  for (const k of ["activity_count", "attendance_count", "teacher_hours", "flag_count"]) {
    assert.ok(text.includes(r[k]), `upload-result shows ${k} ${r[k]}: ${text}`);
  }
  done.submitted = true;
});

/** The queue's row of the school's report (tr[data-report="<unit>/<month>"]). */
async function queueRow(page) {
  const row = page.locator(`[data-testid="queue"] tr[data-report="${UNIT}/${month}"]`);
  await row.waitFor({ timeout: 15000 });
  return row;
}

async function review(page, action, reason) {
  await reload(page, ROUTE.queue); // drawn anew: the queue as it is now
  const row = await queueRow(page);
  await row.locator("input[type=checkbox]").check();
  if (reason) await page.getByTestId("reason").fill(reason);
  await page.getByTestId(action).click();
  // the result's line of this report (the result box itself is there before any action)
  const line = page.locator(`[data-testid="review-result"] [data-report="${UNIT}/${month}"][data-outcome]`);
  await line.waitFor({ timeout: 15000 });
  assert.equal(await line.getAttribute("data-outcome"), "ok", await line.textContent());
}

test("the district sees it in the review queue with its flag and returns it with a reason", async (t) => {
  if (!need(t, "returned", "district", "school", "submitted")) return;
  await login(district, "district");
  await go(district, ROUTE.queue);
  const row = await queueRow(district);
  const flags = row.getByTestId("flags");
  assert.ok(((await flags.textContent()) ?? "").trim() !== "", "the row shows its flag");
  await shot(district, "district-queue");
  await review(district, "return", REASON);
  await shot(district, "district-returned");
  const r = parseCsv(cli("district", "report", "list", "--format", "csv")).find((x) => x.unit_code === UNIT && x.month === month);
  assert.equal(r.status, "returned");
  done.returned = true;
});

test("the school sees the district's reason first, and submits again", async (t) => {
  if (!need(t, "resubmitted", "school", "returned")) return;
  await go(school, ROUTE.history);
  const reason = school.getByTestId("return-reason");
  await reason.waitFor({ timeout: 15000 });
  assert.ok((await reason.textContent()).includes(REASON));
  await shot(school, "school-history-returned");
  await upload(school, right);
  await school.getByTestId("upload-result").waitFor({ timeout: 30000 });
  const r = parseCsv(cli("district", "report", "list", "--format", "csv")).find((x) => x.unit_code === UNIT && x.month === month);
  assert.equal(r.status, "submitted");
  assert.equal(r.version, "2");
  done.resubmitted = true;
});

test("the district approves it", async (t) => {
  if (!need(t, null, "district", "resubmitted")) return;
  await review(district, "approve");
  const r = parseCsv(cli("district", "report", "list", "--format", "csv")).find((x) => x.unit_code === UNIT && x.month === month);
  assert.equal(r.status, "approved");
  await shot(district, "district-approved");
});

test("the dashboard's numbers equal the CLI's reporting-rates and compliance units; its charts are drawn", async (t) => {
  if (!need(t, null, "district")) return;
  if (!(await district.getByTestId("who").count())) await login(district, "district");
  await reload(district, ROUTE.dashboard); // a navigation: the time is measured from its start
  const d = await (await dashboardDrawn(district)).jsonValue();
  console.log(`BENCHMARK dashboard demo county (~300 teachers): rendered in ${Math.round(d.ms)} ms (navigation start to three charts drawn` +
    ` and tables filled; the ${d.calls} API calls done at ${Math.round(d.apiDone)} ms)`);
  await shot(district, "district-dashboard");
  for (const id of ["chart-rates", "chart-heatmap", "chart-compliance"]) {
    assert.ok((await canvasColours(district, id)) > 1, `${id}: the canvas is not blank`);
  }
  await compareDashboard(district);
});

test("a teacher's 登记手册 prints to PDF with the name and the totals", async (t) => {
  if (!need(t, null, "school")) return;
  await go(school, ROUTE.teachers);
  const row = school.locator('[data-testid="teachers-table"] tr[data-teacher]').first();
  await row.waitFor({ timeout: 15000 });
  const code = await row.getAttribute("data-teacher");
  await shot(school, "school-teachers");
  await go(school, ROUTE.register(code));
  const register = school.getByTestId("register");
  await register.waitFor({ timeout: 15000 });
  const name = parseCsv(fs.readFileSync(path.join(WORK, "demo", "teachers.csv"), "utf8")).find((r) => r["教师编号"] === code)["姓名"];
  const text = await register.textContent();
  assert.ok(text.includes(name), `the register shows ${name}`);
  // The totals: the CLI's handbook of the same teacher (teacher history, its totals part).
  const hist = cli("school", "teacher", "history", code, "--format", "json");
  const totals = JSON.parse(hist).totals ?? [];
  assert.ok(totals.length > 0, "the CLI's handbook has totals");
  // each total (the year's, the cycle's: hours and approved hours) as 16 or 16.0
  const has = (s, n) => s.includes(String(n)) || s.includes(Number(n).toFixed(1));
  const hours = totals.flatMap((x) => [x.hours, x.approved_hours]);
  for (const n of hours) assert.ok(has(text, n), `the register shows the total ${n}`);
  await shot(school, "school-register");
  await school.emulateMedia({ media: "print" });
  const pdf = path.join(WORK, "register.pdf");
  await school.pdf({ path: pdf, format: "A4", printBackground: true });
  await school.emulateMedia({ media: "screen" });
  fs.copyFileSync(pdf, path.join(process.env.YX_SCREENSHOTS ?? WORK, "register.pdf"));
  const pdfText = execFileSync("pdftotext", ["-layout", pdf, "-"], { encoding: "utf8" });
  assert.ok(pdfText.includes(name), `the PDF has the teacher's name ${name}`);
  for (const n of hours) assert.ok(has(pdfText, n), `the PDF has the total ${n}`);
  console.log(`登记手册 of ${code} ${name}: PDF with the name and the totals ${hours.join(", ")}`);
  assert.equal(await school.getByTestId("logout").isVisible(), true);
  const pages = (pdfText.match(/\f/g) ?? []).length;
  assert.ok(pages >= 1);
});

test("no script errors and no dialogs in either page", () => {
  for (const p of [school, district]) {
    assert.deepEqual(p.dialogs, []);
    assert.deepEqual(p.problems.filter((x) => !/Failed to load resource/.test(x)), []);
  }
});
