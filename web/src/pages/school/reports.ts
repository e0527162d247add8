// 历史版本 (#/school/reports): the unit's reports by month and version, the
// district's return reason first; a month's detail (activities, changes
// against the version before, the review events) below the table.
import { rpc, type Me } from "../../api";
import { h, mount } from "../../dom";
import { Category, Form, Level, ReportStatus, type ReportDetail, type ReportSummary } from "../../gen/yanxiu_pb";
import { enumLabel, hours, label, t } from "../../i18n";
import { go, type Params } from "../../router";
import { badge, loading } from "../../ui";
import type { MsgKey } from "../../locales/zh-CN";
import { flagList } from "./upload";
import { addMonths, monthText, statusCode, timeText, today } from "./common";

interface VersionRow {
  month: string;
  version: number;
  status: string; // report_status code
  at: string;
  user: string;
  reason: string; // return / reopen / void reason given to this version
  reasonAction: string;
  latest: ReportSummary | null; // the report's summary when this is its latest version
}

/** Every version of a month from its events (ShowReport of the latest). */
function versionsOf(r: ReportSummary, d: ReportDetail | null): VersionRow[] {
  const rows = new Map<number, VersionRow>();
  const latestV = r.version;
  for (const e of d?.history ?? []) {
    let row = rows.get(e.version);
    if (!row) {
      row = { month: r.month, version: e.version, status: "superseded", at: "", user: "", reason: "", reasonAction: "", latest: null };
      rows.set(e.version, row);
    }
    if (e.action === "submit") {
      row.at = e.at;
      row.user = e.user;
    } else if (e.reason) {
      row.reason = e.reason;
      row.reasonAction = e.action;
    }
  }
  let latest = rows.get(latestV);
  if (!latest) {
    latest = { month: r.month, version: latestV, status: "", at: "", user: "", reason: "", reasonAction: "", latest: r };
    rows.set(latestV, latest);
  }
  latest.status = statusCode(r);
  latest.latest = r;
  latest.at ||= r.submittedAt;
  latest.user ||= r.submittedBy;
  if (r.returnReason) latest.reason = r.returnReason;
  return [...rows.values()].sort((a, b) => b.version - a.version);
}

export async function reportsPage(root: HTMLElement, params: Params, me: Me): Promise<void> {
  const to = today().slice(0, 7);
  const from = params.from && /^\d{4}-\d{2}$/.test(params.from) ? params.from : addMonths(to, -11);
  const list = await rpc({ case: "listReports", value: { unitCode: me.unit, fromMonth: from } }, "reportList");
  const reports = list.reports.filter((r) => r.unitCode === me.unit || !r.unitCode);
  const details = await Promise.all(
    reports.map((r) =>
      rpc({ case: "showReport", value: { unitCode: r.unitCode || me.unit, month: r.month } }, "reportDetail").catch(() => null),
    ),
  );
  const rows: VersionRow[] = [];
  reports.forEach((r, i) => rows.push(...versionsOf(r, details[i])));

  // The district's reasons, first: months returned or reopened and waiting for the school.
  const waiting = reports.filter((r) => r.status === ReportStatus.RETURNED || r.status === ReportStatus.REOPENED);
  const reasonBox = waiting.length
    ? h(
        "div",
        { class: "alert warn reason-box", role: "alert", "data-testid": "return-reason" },
        waiting.map((r) =>
          h(
            "div",
            { class: "reason-item", "data-month": r.month },
            h("strong", null, t(r.status === ReportStatus.RETURNED ? "s_reason_head_returned" : "s_reason_head_reopened", { month: monthText(r.month), version: r.version })),
            h("p", { class: "reason" }, r.returnReason || reasonFromEvents(details[reports.indexOf(r)]) || t("s_no_reason_given")),
            h(
              "div",
              { class: "row" },
              h("button", { type: "button", class: "primary", on: { click: () => go("/school/upload", { month: r.month }) } }, t("s_go_upload_again")),
            ),
          ),
        ),
      )
    : null;

  const detailEl = h("div", { id: "report-detail" });
  const showDetail = (month: string, version: number) => {
    void loading(detailEl, async () => {
      const d = await rpc({ case: "showReport", value: { unitCode: me.unit, month, version } }, "reportDetail");
      mount(detailEl, detailCard(d));
      detailEl.scrollIntoView({ behavior: "smooth", block: "start" });
    });
  };

  const tableEl = h(
    "table",
    { class: "grid", "data-testid": "report-history" },
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        [t("s_month"), t("s_version"), t("s_status"), t("s_submitted_at"), t("s_submitted_by"), t("s_activities"), t("s_signins"), t("s_teacher_hours"), t("s_flags"), t("s_district_reason"), ""].map((x) =>
          h("th", null, x),
        ),
      ),
    ),
    h(
      "tbody",
      null,
      rows.map((v) => {
        const r = v.latest;
        return h(
          "tr",
          { "data-month": v.month, "data-version": String(v.version), "data-status": v.status, class: v.latest ? "latest" : "old" },
          h("td", null, v.month),
          h("td", { class: "num" }, t("s_version_n", { n: v.version })),
          h("td", null, badge(v.status, label("report_status", v.status)), r && !r.onTime && v.version === r.version ? h("span", { class: "muted small" }, " ", t("s_late")) : null),
          h("td", null, timeText(v.at)),
          h("td", null, v.user),
          h("td", { class: "num" }, r ? String(r.activityCount) : ""),
          h("td", { class: "num" }, r ? String(r.attendanceCount) : ""),
          h("td", { class: "num" }, r ? hours(r.teacherHours) : ""),
          h("td", { class: "num" }, r ? String(r.flagCount || r.flags.length) : ""),
          h("td", { class: "reason-cell" }, v.reason ? [actionWord(v.reasonAction), v.reason] : ""),
          h("td", null, h("button", { type: "button", class: "link", on: { click: () => showDetail(v.month, v.version) } }, t("s_view"))),
        );
      }),
    ),
  );

  mount(
    root,
    h("h1", null, t("s_reports_title")),
    reasonBox,
    h("p", { class: "muted" }, t("s_reports_intro", { from: monthText(from) }), " ", h("a", { href: `#/school/reports?from=${addMonths(from, -12)}` }, t("s_reports_earlier"))),
    rows.length ? tableEl : h("p", { class: "alert" }, t("s_reports_none")),
    detailEl,
  );
  const m = params.month;
  const focus = m ? reports.find((r) => r.month === m) : undefined;
  if (focus) showDetail(focus.month, focus.version);
}

function actionWord(action: string): string {
  if (action === "return") return t("s_act_return") + t("s_colon");
  if (action === "reopen") return t("s_act_reopen") + t("s_colon");
  if (action === "void") return t("s_act_void") + t("s_colon");
  return "";
}

function reasonFromEvents(d: ReportDetail | null): string {
  const ev = (d?.history ?? []).filter((e) => e.reason && (e.action === "return" || e.action === "reopen"));
  return ev.length ? ev[ev.length - 1].reason : "";
}

function detailCard(d: ReportDetail): HTMLElement {
  const r = d.report!;
  const code = statusCode(r);
  return h(
    "div",
    { class: "card", "data-testid": "report-detail", "data-month": r.month, "data-version": String(r.version) },
    h("h2", null, t("s_detail_title", { month: monthText(r.month), version: r.version }), " ", badge(code, label("report_status", code))),
    r.returnReason ? h("div", { class: "alert warn" }, h("strong", null, t("s_district_reason"), t("s_colon")), r.returnReason) : null,
    h(
      "p",
      { class: "muted" },
      t("s_submitted_by_at", { at: timeText(r.submittedAt), user: r.submittedBy }),
      " · ",
      r.onTime ? t("s_on_time") : t("s_late"),
      d.latestVersion && d.latestVersion !== r.version ? " · " + t("s_not_latest", { n: d.latestVersion }) : "",
    ),
    d.diff ? diffText(d) : null,
    flagList(r),
    r.empty ? h("p", null, t("s_empty_report"), t("s_colon"), d.reason) : null,
    d.summary ? h("p", null, h("strong", null, t("s_summary"), t("s_colon")), d.summary) : null,
    d.activities.length
      ? h(
          "table",
          { class: "grid" },
          h("thead", null, h("tr", null, [t("s_ref"), t("s_date"), t("s_title"), t("s_category"), t("s_form"), t("s_level"), t("s_hours_col"), t("s_present"), t("s_teacher_hours")].map((x) => h("th", null, x)))),
          h(
            "tbody",
            null,
            d.activities.map((a) =>
              h(
                "tr",
                null,
                h("td", null, a.ref),
                h("td", null, a.date),
                h("td", null, a.title),
                h("td", null, enumLabel("category", Category, a.category)),
                h("td", null, enumLabel("form", Form, a.form)),
                h("td", null, enumLabel("level", Level, a.level)),
                h("td", { class: "num" }, hours(a.hours)),
                h("td", { class: "num" }, t("s_attendance_counts", { p: a.present, l: a.late, e: a.excused, a: a.absent })),
                h("td", { class: "num" }, hours(a.teacherHours)),
              ),
            ),
          ),
        )
      : null,
    d.history.length
      ? h(
          "div",
          null,
          h("h3", null, t("s_events")),
          h(
            "ul",
            { class: "events" },
            d.history.map((e) => h("li", null, timeText(e.at), " · ", t("s_version_n", { n: e.version }), " · ", eventWord(e.action), " · ", e.user, e.reason ? t("s_colon") + e.reason : "")),
          ),
        )
      : null,
  );
}

const FIELDS: Record<string, MsgKey> = {
  date: "s_date",
  start: "s_f_start",
  end: "s_f_end",
  title: "s_title",
  category: "s_category",
  form: "s_form",
  level: "s_level",
  mode: "s_mode",
  place: "s_f_place",
  host: "s_f_host",
  speaker: "s_f_speaker",
  hours: "s_hours_col",
};

/** An activity's field as its column is headed in the files (date -> 日期). */
function fieldName(f: string): string {
  return FIELDS[f] ? t(FIELDS[f]) : f;
}

function eventWord(action: string): string {
  const m: Record<string, string> = {
    submit: t("s_ev_submit"),
    approve: t("s_ev_approve"),
    return: t("s_ev_return"),
    reopen: t("s_ev_reopen"),
    void: t("s_ev_void"),
  };
  return m[action] ?? action;
}

function diffText(d: ReportDetail): HTMLElement | null {
  const x = d.diff!;
  const parts: string[] = [];
  if (x.activitiesAdded.length) parts.push(t("s_diff_added", { refs: x.activitiesAdded.join(t("s_list_sep")) }));
  if (x.activitiesRemoved.length) parts.push(t("s_diff_removed", { refs: x.activitiesRemoved.join(t("s_list_sep")) }));
  if (x.activitiesChanged.length) parts.push(t("s_diff_changed", { refs: x.activitiesChanged.map((c) => t("s_paren", { a: c.ref, b: c.fields.map(fieldName).join(t("s_list_sep")) })).join(t("s_list_sep")) }));
  if (x.attendanceAdded || x.attendanceRemoved || x.attendanceChanged)
    parts.push(t("s_diff_signins", { a: x.attendanceAdded, r: x.attendanceRemoved, c: x.attendanceChanged }));
  parts.push(t("s_diff_hours", { n: (x.hoursDelta >= 0 ? "+" : "") + hours(x.hoursDelta) }));
  return h("p", { class: "diff" }, h("strong", null, t("s_diff_head", { n: x.againstVersion }), t("s_colon")), parts.join(t("s_semicolon")));
}

