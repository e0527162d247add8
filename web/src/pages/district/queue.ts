// 审核: the review queue. The submitted monthly reports (ListReports, filtered
// by status, month and unit, 50 a page: the daemon filters and pages, a
// county's year is thousands of reports), each with its flags (预警); a row
// opens the report (ShowReport: contents, history, and the diff against the
// version before, as `yanxiu report show` prints it). Tick several, write a
// reason, then approve / return / void / reopen: one ReviewReport per report,
// each result said, an unknown outcome said to be unknown.
import type { Me } from "../../api";
import { rpc } from "../../api";
import { h, mount } from "../../dom";
import {
  Category,
  FlagKind,
  Form,
  Level,
  Mode,
  ReportStatus,
  type ReportDetail,
  type ReportDiff,
  type ReportSummary,
} from "../../gen/yanxiu_pb";
import { codeOf, enumLabel, label, t } from "../../i18n";
import type { MsgKey } from "../../locales/zh-CN";
import { go, type Params } from "../../router";
import { badge, loading, pager } from "../../ui";
import { cfixed, districtCode, outcomeUnknown, th } from "./common";

const STATUS_FILTERS: [string, ReportStatus][] = [
  ["submitted", ReportStatus.SUBMITTED],
  ["returned", ReportStatus.RETURNED],
  ["reopened", ReportStatus.REOPENED],
  ["approved", ReportStatus.APPROVED],
  ["voided", ReportStatus.VOIDED],
  ["all", ReportStatus.UNSPECIFIED],
];

/** Reports a page of the queue shows (the daemon's ListReports limit). */
const QUEUE_PAGE = 50;

type Action = "approve" | "return" | "void" | "reopen";
const ACTIONS: [Action, MsgKey, string][] = [
  ["approve", "d_act_approve", "primary"],
  ["return", "d_act_return", ""],
  ["void", "d_act_void", "danger"],
  ["reopen", "d_act_reopen", ""],
];

/** The id of a report in the page (tr[data-report]): unit code / month. */
export function reportId(r: { unitCode: string; month: string }): string {
  return `${r.unitCode}/${r.month}`;
}

/** 2026-12-03T10:12:00+08:00 -> 2026-12-03 10:12 (the daemon's times are Beijing time). */
export function when(s: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(s);
  return m ? `${m[1]} ${m[2]}` : s;
}

/** 12.5, 12, 0.25: at most two decimals (the CLI's teacher-hours). */
function decimal(v: number): string {
  const s = cfixed(v, 2).replace(/\.?0+$/, "");
  return s === "-0" || s === "" ? "0" : s;
}

function statusBadge(s: ReportStatus): HTMLElement {
  return badge(codeOf(ReportStatus, s), enumLabel("report_status", ReportStatus, s));
}

function actionWord(a: string): string {
  const k = ("d_action_" + a) as MsgKey;
  return ["submit", "approve", "return", "reopen", "void"].includes(a) ? t(k) : a;
}

export async function queuePage(root: HTMLElement, params: Params, _me: Me): Promise<void> {
  const status = STATUS_FILTERS.find(([c]) => c === (params.status || "submitted")) ?? STATUS_FILTERS[0];
  const month = /^\d{4}-\d{2}$/.test(params.month ?? "") ? params.month : "";
  const unit = /^\d{10}$/.test(params.unit ?? "") ? params.unit : "";
  const offset = Math.max(0, Math.floor(Number(params.offset) || 0));

  const statusSel = h(
    "select",
    { name: "status", "data-testid": "queue-status" },
    STATUS_FILTERS.map(([c]) =>
      h("option", { value: c, selected: c === status[0] }, c === "all" ? t("d_status_all") : label("report_status", c)),
    ),
  );
  const monthIn = h("input", { type: "month", name: "month", value: month, "data-testid": "queue-month" });
  const unitIn = h("input", { name: "unit", value: unit, placeholder: t("d_unit_ph"), inputmode: "numeric", size: 14, "data-testid": "queue-unit" });
  const filters = h(
    "form",
    {
      class: "row filters",
      on: {
        submit: (ev: Event) => {
          ev.preventDefault();
          const p: Record<string, string> = { status: statusSel.value };
          if (monthIn.value) p.month = monthIn.value;
          if (unitIn.value.trim()) p.unit = unitIn.value.trim();
          go("/district/queue", p);
        },
      },
    },
    h("label", null, t("d_status_filter"), " ", statusSel),
    h("label", null, t("d_month"), " ", monthIn),
    h("label", null, t("d_unit"), " ", unitIn),
    h("button", { type: "submit" }, t("d_apply")),
  );

  const listBox = h("div");
  const result = h("div", { "data-testid": "review-result", "aria-live": "polite" });
  const reason = h("textarea", {
    id: "reason",
    name: "reason",
    "data-testid": "reason",
    rows: 2,
    maxlength: 1000,
    placeholder: t("d_reason_ph"),
  });
  let reports: ReportSummary[] = [];
  const selected = (): ReportSummary[] => {
    const ids = new Set(
      [...listBox.querySelectorAll<HTMLInputElement>("input.pick:checked")].map((c) => c.value),
    );
    return reports.filter((r) => ids.has(reportId(r)));
  };

  const buttons = ACTIONS.map(([a, key, cls]) =>
    h("button", { type: "button", class: cls || null, "data-testid": a, on: { click: () => void act(a, t(key)) } }, t(key)),
  );

  async function act(action: Action, word: string): Promise<void> {
    const picked = selected();
    if (!picked.length) {
      mount(result, h("div", { class: "alert error", role: "alert" }, t("d_need_selection")));
      return;
    }
    const why = reason.value.trim();
    if (action !== "approve" && !why) {
      mount(result, h("div", { class: "alert error", role: "alert" }, t("d_need_reason", { action: word })));
      reason.focus();
      return;
    }
    buttons.forEach((b) => (b.disabled = true));
    const progress = h("p", { class: "muted" });
    const lines = h("ul", { class: "results" });
    mount(result, progress, lines);
    let ok = 0,
      fail = 0,
      unknown = 0;
    for (const [i, r] of picked.entries()) {
      progress.textContent = t("d_acting", { done: i, n: picked.length });
      const args = { unit: r.unitName ? t("d_name_code", { name: r.unitName, code: r.unitCode }) : r.unitCode, month: r.month, action: word };
      try {
        const s = await rpc(
          { case: "reviewReport", value: { districtCode: districtCode(), unitCode: r.unitCode, month: r.month, action, reason: why } },
          "reportReply",
          true,
        );
        ok++;
        lines.append(
          h(
            "li",
            { class: "ok", "data-report": reportId(r), "data-outcome": "ok" },
            t("d_result_ok", { ...args, status: enumLabel("report_status", ReportStatus, s.status) }),
          ),
        );
      } catch (e) {
        if (outcomeUnknown(e)) {
          unknown++;
          lines.append(h("li", { class: "unknown", "data-report": reportId(r), "data-outcome": "unknown" }, t("d_result_unknown", args)));
        } else {
          fail++;
          lines.append(
            h(
              "li",
              { class: "bad", "data-report": reportId(r), "data-outcome": "failed" },
              t("d_result_fail", { ...args, message: e instanceof Error ? e.message : String(e) }),
            ),
          );
        }
      }
    }
    progress.textContent = t("d_result_summary", { ok, fail, unknown });
    progress.className = fail || unknown ? "alert error" : "alert ok";
    buttons.forEach((b) => (b.disabled = false));
    if (ok) reason.value = "";
    await load();
  }

  async function load(): Promise<void> {
    await loading(listBox, async () => {
      const list = await rpc(
        {
          case: "listReports",
          value: {
            districtCode: districtCode(),
            status: status[1],
            unitCode: unit,
            fromMonth: month,
            toMonth: month,
            limit: QUEUE_PAGE,
            offset,
          },
        },
        "reportList",
      );
      if (!list.reports.length && offset > 0) {
        /* the list shrank (reports approved, or another officer's work): its first page */
        const { offset: _gone, ...rest } = params;
        go("/district/queue", rest);
        return;
      }
      reports = list.reports;
      mount(
        listBox,
        queueTable(reports),
        list.total > QUEUE_PAGE
          ? pager(list.total, QUEUE_PAGE, offset, (o) => go("/district/queue", { ...params, offset: String(o) }))
          : null,
      );
    });
  }

  mount(
    root,
    h("h1", null, t("d_queue_title")),
    filters,
    h("p", { class: "muted" }, t("d_queue_hint")),
    listBox,
    h(
      "div",
      { class: "card actions" },
      h("label", { for: "reason" }, t("d_reason")),
      reason,
      h("div", { class: "row" }, buttons),
      result,
    ),
  );
  await load();
}

function queueTable(reports: ReportSummary[]): HTMLElement {
  if (!reports.length)
    return h("p", { class: "muted", "data-testid": "queue" }, t("d_queue_empty"));
  const all = h("input", { type: "checkbox", "aria-label": t("d_select_all"), title: t("d_select_all") });
  const body = h("tbody");
  all.addEventListener("change", () => {
    body.querySelectorAll<HTMLInputElement>("input.pick").forEach((c) => (c.checked = all.checked));
  });
  for (const r of reports) {
    const id = reportId(r);
    const detail = h("tr", { class: "detail", hidden: true }, h("td", { colspan: 12 }));
    let opened = false;
    const toggle = h("button", { type: "button", class: "link", "data-testid": "expand", "aria-expanded": "false" }, t("d_details"));
    toggle.addEventListener("click", () => {
      const show = detail.hidden;
      detail.hidden = !show;
      toggle.textContent = show ? t("d_hide") : t("d_details");
      toggle.setAttribute("aria-expanded", String(show));
      if (show && !opened) {
        opened = true;
        void loadDetail(detail.firstElementChild as HTMLElement, r);
      }
    });
    const nflags = Math.max(r.flagCount, r.flags.length);
    body.append(
      h(
        "tr",
        { "data-report": id, "data-unit": r.unitCode, "data-month": r.month, "data-status": codeOf(ReportStatus, r.status) },
        h("td", null, h("input", { type: "checkbox", class: "pick", value: id, "aria-label": id })),
        h("td", null, r.unitName || r.unitCode, h("div", { class: "muted small" }, r.unitCode)),
        h("td", null, r.month),
        h("td", { class: "num" }, String(r.version)),
        h("td", null, statusBadge(r.status), r.returnReason ? h("div", { class: "small muted" }, t("d_return_reason", { reason: r.returnReason })) : null),
        h("td", null, r.onTime ? badge("on_time", t("d_on_time")) : badge("late", t("d_late"))),
        h("td", null, when(r.submittedAt), r.submittedBy ? h("div", { class: "muted small" }, r.submittedBy) : null),
        h("td", { class: "num" }, r.empty ? "—" : String(r.activityCount)),
        h("td", { class: "num" }, r.empty ? "—" : String(r.attendanceCount)),
        h("td", { class: "num" }, decimal(r.teacherHours)),
        h(
          "td",
          { "data-testid": "flags", "data-count": String(nflags), class: nflags ? "flags" : null },
          nflags
            ? [
                h("strong", null, t("d_flags_n", { n: nflags })),
                h(
                  "ul",
                  { class: "flag-list" },
                  r.flags.map((f) =>
                    h(
                      "li",
                      { "data-flag": codeOf(FlagKind, f.kind) },
                      enumLabel("flag", FlagKind, f.kind),
                      f.teacherCode ? ` ${f.teacherCode}` : "",
                      f.detail ? h("div", { class: "small muted" }, f.detail) : null,
                    ),
                  ),
                ),
              ]
            : h("span", { class: "muted" }, t("d_flags_none")),
        ),
        h("td", null, toggle),
      ),
      detail,
    );
  }
  return h(
    "div",
    { class: "scroll" },
    h(
      "table",
      { class: "grid queue", "data-testid": "queue" },
      h(
        "thead",
        null,
        h(
          "tr",
          null,
          h("th", null, all),
          th(t("d_unit")),
          th(t("d_month")),
          th(t("d_col_version"), true),
          th(t("d_col_status")),
          th(t("d_col_timely")),
          th(t("d_col_submitted_at")),
          th(t("d_col_activities"), true),
          th(t("d_col_signins"), true),
          th(t("d_col_teacher_hours"), true),
          th(t("d_col_flags")),
          th(""),
        ),
      ),
      body,
    ),
  );
}

async function loadDetail(cell: HTMLElement, r: ReportSummary): Promise<void> {
  await loading(cell, async () => {
    const d = await rpc({ case: "showReport", value: { districtCode: districtCode(), unitCode: r.unitCode, month: r.month } }, "reportDetail");
    mount(cell, detailView(d));
  });
}

const FIELD_KEYS: Record<string, MsgKey> = {
  ref: "d_col_ref",
  date: "d_col_date",
  start: "d_field_start",
  end: "d_field_end",
  title: "d_col_title",
  category: "d_col_category",
  form: "d_col_form",
  level: "d_col_level",
  mode: "d_col_mode",
  place: "d_col_place",
  host: "d_col_host",
  speaker: "d_col_speaker",
  hours: "d_col_act_hours",
};

function fieldName(f: string): string {
  return FIELD_KEYS[f] ? t(FIELD_KEYS[f]) : f;
}

function simpleTable(testid: string, heads: [string, boolean?][], rows: (string | Node)[][]): HTMLElement {
  return h(
    "div",
    { class: "scroll" },
    h(
      "table",
      { class: "grid compact", "data-testid": testid },
      h("thead", null, h("tr", null, heads.map(([x, n]) => th(x, n)))),
      h(
        "tbody",
        null,
        rows.map((cells) => h("tr", null, cells.map((c, i) => h("td", { class: heads[i]?.[1] ? "num" : null }, c)))),
      ),
    ),
  );
}

/** A report as `yanxiu report show` prints it: contents, history, the diff. */
export function detailView(d: ReportDetail): HTMLElement {
  const r = d.report;
  const parts: (Node | null)[] = [];
  if (r && d.latestVersion > r.version) parts.push(h("p", { class: "alert" }, t("d_not_latest", { v: d.latestVersion })));
  parts.push(diffView(d.diff));
  parts.push(
    h("h3", null, t("d_history")),
    simpleTable(
      "history",
      [[t("d_col_at")], [t("d_col_action")], [t("d_col_user")], [t("d_col_version"), true], [t("d_col_reason")]],
      d.history.map((e) => [when(e.at), actionWord(e.action), e.user, String(e.version), e.reason]),
    ),
  );
  if (r?.empty || d.reason) {
    parts.push(h("p", null, h("strong", null, t("d_empty_report")), " ", d.reason ? t("d_empty_reason", { reason: d.reason }) : ""));
  }
  if (d.summary) parts.push(h("h3", null, t("d_narrative")), h("p", { class: "narrative" }, d.summary));
  if (!r?.empty) {
    parts.push(
      h("h3", null, t("d_activities")),
      d.activities.length
        ? simpleTable(
            "activities",
            [
              [t("d_col_ref")],
              [t("d_col_date")],
              [t("d_col_time")],
              [t("d_col_title")],
              [t("d_col_category")],
              [t("d_col_form")],
              [t("d_col_level")],
              [t("d_col_mode")],
              [t("d_col_place")],
              [t("d_col_host")],
              [t("d_col_speaker")],
              [t("d_col_act_hours"), true],
              [t("d_col_present"), true],
              [t("d_col_late"), true],
              [t("d_col_excused"), true],
              [t("d_col_absent"), true],
              [t("d_col_teacher_hours"), true],
            ],
            d.activities.map((a) => [
              a.ref,
              a.date,
              `${a.start}-${a.end}`,
              a.title,
              enumLabel("category", Category, a.category),
              enumLabel("form", Form, a.form),
              enumLabel("level", Level, a.level),
              enumLabel("mode", Mode, a.mode),
              a.place,
              a.host,
              a.speaker,
              decimal(a.hours),
              String(a.present),
              String(a.late),
              String(a.excused),
              String(a.absent),
              decimal(a.teacherHours),
            ]),
          )
        : h("p", { class: "muted" }, t("none")),
    );
    if (d.external.length)
      parts.push(
        h("h3", null, t("d_external")),
        simpleTable(
          "external",
          [
            [t("d_col_teacher_code")],
            [t("d_col_date")],
            [t("d_col_title")],
            [t("d_col_category")],
            [t("d_col_level")],
            [t("d_col_mode")],
            [t("d_col_act_hours"), true],
            [t("d_col_credits"), true],
            [t("d_col_certificate")],
          ],
          d.external.map((x) => [
            x.teacherCode,
            x.date,
            x.title,
            enumLabel("category", Category, x.category),
            enumLabel("level", Level, x.level),
            enumLabel("mode", Mode, x.mode),
            decimal(x.hours),
            x.credits ? decimal(x.credits) : "",
            x.certificate,
          ]),
        ),
      );
  }
  return h("div", { class: "report-detail", "data-testid": "report-detail" }, parts);
}

/** What the version changed against the one before (report show's "changes against version N"). */
function diffView(df: ReportDiff | undefined): HTMLElement {
  if (!df) return h("div", { "data-testid": "diff" }, h("p", { class: "muted" }, t("d_diff_first")));
  const list = (xs: string[]) => (xs.length ? xs.join(t("d_list_sep")) : t("none"));
  const delta = decimal(df.hoursDelta);
  return h(
    "div",
    { "data-testid": "diff", class: "diff" },
    h("h3", null, t("d_diff_title", { v: df.againstVersion })),
    h(
      "ul",
      null,
      h("li", { "data-diff": "added" }, t("d_diff_added", { list: list(df.activitiesAdded) })),
      h("li", { "data-diff": "removed" }, t("d_diff_removed", { list: list(df.activitiesRemoved) })),
      h(
        "li",
        { "data-diff": "changed" },
        t("d_diff_changed"),
        df.activitiesChanged.length
          ? h(
              "ul",
              null,
              df.activitiesChanged.map((c) =>
                h("li", { "data-ref": c.ref }, t("d_diff_change", { ref: c.ref, fields: c.fields.map(fieldName).join(t("d_list_sep")) })),
              ),
            )
          : t("none"),
      ),
      h(
        "li",
        { "data-diff": "attendance" },
        t("d_diff_att", { added: df.attendanceAdded, removed: df.attendanceRemoved, changed: df.attendanceChanged }),
      ),
      h("li", { "data-diff": "hours" }, t("d_diff_hours", { delta: df.hoursDelta > 0 && delta !== "0" ? "+" + delta : delta })),
    ),
  );
}
