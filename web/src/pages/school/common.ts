// What the school's pages share: the day and month in Beijing time, the
// district's policy (its INI read into numbers), the reporting month a
// coordinator is working on, deadlines and days left, the month's state in
// words, downloads of the daemon's workbooks.
import { RpcError, rpc } from "../../api";
import { download, h, mount } from "../../dom";
import { WorkbookKind, type ReportSummary } from "../../gen/yanxiu_pb";
import { codeOf, hours, t } from "../../i18n";
import { ReportStatus } from "../../gen/yanxiu_pb";
import { errorBox } from "../../ui";
import type { MsgKey } from "../../locales/zh-CN";

/** Today in Asia/Shanghai as YYYY-MM-DD (the daemon's and the district's calendar). */
export function today(): string {
  // en-CA formats as YYYY-MM-DD
  return new Intl.DateTimeFormat("en-CA", {
    timeZone: "Asia/Shanghai",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(new Date());
}

/** "2026-11" plus n months. */
export function addMonths(month: string, n: number): string {
  const [y, m] = month.split("-").map(Number);
  const k = y * 12 + (m - 1) + n;
  return `${Math.floor(k / 12)}-${String((k % 12) + 1).padStart(2, "0")}`;
}

export function monthOf(day: string): string {
  return day.slice(0, 7);
}

/** Whole days from day a to day b (YYYY-MM-DD), b - a. */
export function daysBetween(a: string, b: string): number {
  const ms = Date.parse(b.slice(0, 10) + "T00:00:00Z") - Date.parse(a.slice(0, 10) + "T00:00:00Z");
  return Math.round(ms / 86400000);
}

/** The district's policy, from the INI GetPolicy answers (README "The policy file"). */
export interface Policy {
  cycleYears: number;
  cycleFirstYear: number;
  hoursCycle: number;
  hoursYear: number;
  schoolHoursYear: number;
  ethicsHoursCycle: number;
  centralizedHoursCycle: number;
  homeroomHoursCycle: number;
  absenceLimit: number;
  creditsEnabled: boolean;
  creditsYear: number;
  yearBasis: string;
  deadlineDay: number;
  nonCreditable: string;
  version: number;
  effective: string;
}

let policyCache: Promise<Policy> | null = null;

export function parsePolicy(ini: string, version: number, effective: string): Policy {
  const kv: Record<string, string> = {};
  for (const raw of ini.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";") || line.startsWith("[")) continue;
    const eq = line.indexOf("=");
    if (eq > 0) kv[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  const n = (k: string, d: number) => (kv[k] !== undefined && !isNaN(Number(kv[k])) ? Number(kv[k]) : d);
  return {
    cycleYears: n("cycle_years", 5),
    cycleFirstYear: n("cycle_first_year", 2026),
    hoursCycle: n("hours_cycle", 360),
    hoursYear: n("hours_year", 72),
    schoolHoursYear: n("school_hours_year", 24),
    ethicsHoursCycle: n("ethics_hours_cycle", 60),
    centralizedHoursCycle: n("centralized_hours_cycle", 240),
    homeroomHoursCycle: n("homeroom_hours_cycle", 30),
    absenceLimit: n("absence_limit", 3),
    creditsEnabled: /^(yes|true|1|on)$/i.test(kv["credits_enabled"] ?? "no"),
    creditsYear: n("credits_year", 100),
    yearBasis: kv["year_basis"] ?? "school",
    deadlineDay: n("deadline_day", 5),
    nonCreditable: kv["non_creditable"] ?? "",
    version,
    effective,
  };
}

/** The policy in force today (asked once per page load). */
export function policy(): Promise<Policy> {
  policyCache ??= rpc({ case: "getPolicy", value: {} }, "policy")
    .then((p) => parsePolicy(p.ini, p.version, p.effective))
    .catch((e) => {
      policyCache = null;
      throw e;
    });
  return policyCache;
}

/** The year (学年 from September, or calendar year) a day belongs to. */
export function yearOf(day: string, p: Policy): number {
  const y = Number(day.slice(0, 4));
  const m = Number(day.slice(5, 7));
  return p.yearBasis === "calendar" ? y : m >= 9 ? y : y - 1;
}

/** The training cycle holding year y, as "2026-2030". */
export function cycleOf(y: number, p: Policy): string {
  const len = Math.max(1, p.cycleYears);
  const k = Math.floor((y - p.cycleFirstYear) / len);
  const first = p.cycleFirstYear + k * len;
  return `${first}-${first + len - 1}`;
}

/** The last day a month's report is on time (deadline_day of the next month), YYYY-MM-DD. */
export function deadlineDay(month: string, p: Policy): string {
  return `${addMonths(month, 1)}-${String(p.deadlineDay).padStart(2, "0")}`;
}

/** A month's deadline: the report's own (when there is one), else from the policy. */
export function deadlineOf(month: string, p: Policy, r?: ReportSummary): string {
  return r?.deadline ? r.deadline.slice(0, 10) : deadlineDay(month, p);
}

/** "2026年12月5日 24:00" (or its English), the deadline as a person reads it. */
export function deadlineText(day: string): string {
  const [y, m, d] = day.split("-").map(Number);
  return t("s_deadline_at", { y, m, d, mon: monthWord(m) });
}

/** "2026年11月" / "November 2026". */
export function monthText(month: string): string {
  const [y, m] = month.split("-").map(Number);
  return t("s_month_name", { y, m, mon: monthWord(m) });
}

/** The name of month m (1..12) in the reader's language: 十一月 / November. */
function monthWord(m: number): string {
  return m >= 1 && m <= 12 ? t(`month_${m}` as MsgKey) : String(m);
}

/** An RFC 3339 time as "2026-12-03 09:12". */
export function timeText(s: string): string {
  return s ? s.replace("T", " ").replace(/:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$/, "") : "";
}

export function statusCode(r: ReportSummary): string {
  return codeOf(ReportStatus, r.status);
}

/** Reports whose month still waits on the school: none yet, returned, reopened. */
export function needsSubmission(r: ReportSummary | undefined): boolean {
  return !r || r.status === ReportStatus.RETURNED || r.status === ReportStatus.REOPENED;
}

/**
 * The month the coordinator works on now: last month until its deadline has
 * passed and it is in (submitted or approved); then this month. A last month
 * still missing or returned stays the month to do, overdue.
 */
export function reportingMonth(day: string, p: Policy, byMonth: Map<string, ReportSummary>): string {
  const last = addMonths(monthOf(day), -1);
  const r = byMonth.get(last);
  if (needsSubmission(r) && r?.status !== ReportStatus.VOIDED) return last;
  if (day <= deadlineOf(last, p, r)) return last;
  return monthOf(day);
}

/** A random idempotency key: 32 hex digits (the daemon takes 16 to 64 of [A-Za-z0-9_-]). */
export function newKey(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Hours with at most one decimal and the unit. */
export function hrs(n: number): string {
  return t("s_hours", { n: hours(n) });
}

/**
 * A button that asks the daemon for a workbook and saves it; an error (for
 * instance "not served" while the daemon cannot make it) shows in `where`.
 */
export function workbookButton(
  text: string,
  testid: string,
  req: () => { kind: WorkbookKind; query?: Record<string, unknown>; teacherCode?: string },
  where: HTMLElement,
  primary = false,
): HTMLButtonElement {
  const b = h("button", { type: "button", class: primary ? "primary" : null, "data-testid": testid }, text);
  b.addEventListener("click", async () => {
    b.disabled = true;
    where.replaceChildren(h("p", { class: "muted" }, t("s_preparing_file")));
    try {
      const f = await rpc({ case: "workbook", value: req() }, "file");
      download(f.name || "yanxiu.xlsx", f.data, f.contentType || "application/octet-stream");
      where.replaceChildren(h("p", { class: "muted" }, t("s_file_saved", { name: f.name })));
    } catch (e) {
      const notYet = e instanceof RpcError && e.reason === "request_not_served";
      mount(where, errorBox(e), notYet ? h("p", { class: "muted" }, t("s_download_not_served")) : null);
    } finally {
      b.disabled = false;
    }
  });
  return b;
}
