// 本月 (#/school): where the unit stands for the month it reports now, the
// days left to the deadline, the latest report's figures and the next step.
import { rpc, type Me } from "../../api";
import { h, mount } from "../../dom";
import { ReportStatus, UnitMonthState, WorkbookKind, type ReportSummary } from "../../gen/yanxiu_pb";
import { codeOf, enumLabel, hours, label, t } from "../../i18n";
import { go } from "../../router";
import { badge } from "../../ui";
import {
  addMonths,
  daysBetween,
  deadlineOf,
  deadlineText,
  monthText,
  needsSubmission,
  policy,
  reportingMonth,
  statusCode,
  timeText,
  today,
  workbookButton,
  yearOf,
} from "./common";

/** The state of a month as the coordinator reads it, and its badge's code. */
function monthState(r: ReportSummary | undefined, daysLeft: number): { code: string; text: string } {
  if (!r) return daysLeft < 0 ? { code: "missing", text: t("s_state_overdue") } : { code: "not_due", text: t("s_state_not_reported") };
  const code = statusCode(r);
  return { code, text: label("report_status", code) };
}

export async function homePage(root: HTMLElement, me: Me): Promise<void> {
  const day = today();
  const [p, list] = await Promise.all([
    policy(),
    rpc({ case: "listReports", value: { unitCode: me.unit } }, "reportList"),
  ]);
  const byMonth = new Map<string, ReportSummary>();
  for (const r of list.reports) if (!byMonth.has(r.month)) byMonth.set(r.month, r);
  const month = reportingMonth(day, p, byMonth);
  const r = byMonth.get(month);
  const dl = deadlineOf(month, p, r);
  const left = daysBetween(day, dl);
  const st = monthState(r, left);

  const unitName = list.reports[0]?.unitName ?? "";
  const fileMsg = h("div");
  const template = workbookButton(
    t("s_download_template"),
    "download-template",
    () => ({ kind: WorkbookKind.REPORT_TEMPLATE, query: { unitCode: me.unit, month } }),
    fileMsg,
    !r,
  );

  // How far the deadline is, in words.
  let deadlineWords: string;
  if (r && left < 0) deadlineWords = r.onTime ? t("s_first_on_time") : t("s_first_late");
  else if (left > 0) deadlineWords = t("s_days_left", { n: left });
  else if (left === 0) deadlineWords = t("s_due_today");
  else deadlineWords = t("s_days_over", { n: -left });
  const done = r && !needsSubmission(r);
  const deadlineEl = h(
    "span",
    { "data-testid": "deadline", "data-days": String(left), class: !r && left < 0 ? "over" : !done && left <= 3 ? "soon" : null },
    deadlineWords,
  );

  // The next step.
  const steps: Node[] = [];
  const toUpload = () => go("/school/upload", { month });
  if (!r) {
    steps.push(
      h("p", null, left < 0 ? t("s_next_overdue", { month: monthText(month) }) : t("s_next_first", { month: monthText(month) })),
      h(
        "ol",
        { class: "steps" },
        h("li", null, t("s_step_template")),
        h("li", null, t("s_step_fill")),
        h("li", null, t("s_step_upload")),
      ),
      h("div", { class: "row" }, template, h("button", { type: "button", class: "primary", "data-testid": "go-upload", on: { click: toUpload } }, t("s_go_upload"))),
    );
  } else if (r.status === ReportStatus.RETURNED || r.status === ReportStatus.REOPENED) {
    steps.push(
      h(
        "div",
        { class: "alert warn reason-box" },
        h("strong", null, r.status === ReportStatus.RETURNED ? t("s_returned_reason") : t("s_reopened_reason")),
        h("p", { class: "reason", "data-testid": "home-return-reason" }, r.returnReason || t("s_no_reason_given")),
      ),
      h("p", null, t("s_next_fix", { month: monthText(month) })),
      h(
        "div",
        { class: "row" },
        h("button", { type: "button", class: "primary", "data-testid": "go-upload", on: { click: toUpload } }, t("s_go_upload_again")),
        h("button", { type: "button", on: { click: () => go("/school/reports", { month }) } }, t("s_see_reason")),
        template,
      ),
    );
  } else if (r.status === ReportStatus.VOIDED) {
    steps.push(
      h("p", null, t("s_next_voided")),
      h("div", { class: "row" }, h("button", { type: "button", on: { click: () => go("/school/reports", { month }) } }, t("s_see_history"))),
    );
  } else if (r.status === ReportStatus.APPROVED) {
    steps.push(h("p", null, t("s_next_approved")));
  } else {
    steps.push(
      h("p", null, left >= 0 ? t("s_next_submitted_can_redo") : t("s_next_submitted")),
      h(
        "div",
        { class: "row" },
        h("button", { type: "button", on: { click: () => go("/school/reports", { month }) } }, t("s_see_history")),
        left >= 0 ? h("button", { type: "button", on: { click: toUpload } }, t("s_go_upload_again")) : null,
      ),
    );
  }

  // The latest report's figures: this month's, else the latest the unit sent.
  const latest = r ?? list.reports.find((x) => x.unitCode === me.unit || !x.unitCode);
  const figures = latest ? latestCard(latest, latest !== r) : null;

  // Other months that still wait (this school year).
  const others = h("div");
  mount(
    root,
    h("h1", null, t("s_home_title", { unit: unitName || me.unit })),
    h(
      "div",
      { class: "card month-card" },
      h("div", { class: "month-head" }, h("span", { class: "big" }, monthText(month)), h("span", { class: "muted" }, t("s_reporting_month"))),
      h(
        "div",
        { class: "month-state" },
        h("span", { class: "lbl" }, t("s_status"), t("s_colon")),
        h("span", { "data-testid": "month-status", "data-state": st.code }, badge(st.code, st.text)),
        r && !r.onTime && r.status !== ReportStatus.VOIDED ? h("span", { class: "muted" }, " ", t("s_was_late")) : null,
      ),
      h("div", { class: "month-state" }, h("span", { class: "lbl" }, t("s_deadline"), t("s_colon")), deadlineText(dl), t("s_comma"), deadlineEl),
      h("div", { class: "next" }, h("h3", null, t("s_next_step")), steps),
      fileMsg,
    ),
    figures,
    others,
  );
  void otherMonths(others, me, month, p, byMonth);
}

function latestCard(r: ReportSummary, withReason: boolean): HTMLElement {
  const code = statusCode(r);
  return h(
    "div",
    { class: "card", "data-testid": "latest-report", "data-month": r.month, "data-version": String(r.version) },
    h("h2", null, t("s_latest_report", { month: monthText(r.month), version: r.version }), " ", badge(code, label("report_status", code))),
    withReason && r.returnReason ? h("div", { class: "alert warn" }, h("strong", null, t("s_district_reason"), t("s_colon")), r.returnReason) : null,
    h(
      "div",
      { class: "cards" },
      stat(String(r.activityCount), t("s_activities")),
      stat(String(r.attendanceCount), t("s_signins")),
      stat(String(r.externalCount), t("s_external")),
      stat(hours(r.teacherHours), t("s_teacher_hours")),
      stat(String(r.flagCount || r.flags.length), t("s_flags")),
    ),
    h(
      "p",
      { class: "muted" },
      t("s_submitted_by_at", { at: timeText(r.submittedAt), user: r.submittedBy }),
      " · ",
      r.onTime ? t("s_on_time") : t("s_late"),
      r.empty ? " · " + t("s_empty_report") : "",
      " · ",
      h("a", { href: `#/school/reports?month=${r.month}` }, t("s_see_history")),
    ),
  );
}

function stat(n: string, l: string): HTMLElement {
  return h("div", { class: "stat" }, h("div", { class: "n" }, n), h("div", { class: "l" }, l));
}

/** The months of this school year that still need the school (missing, returned, reopened). */
async function otherMonths(
  el: HTMLElement,
  me: Me,
  focus: string,
  p: Awaited<ReturnType<typeof policy>>,
  byMonth: Map<string, ReportSummary>,
): Promise<void> {
  try {
    const year = yearOf(addMonths(focus, 0) + "-01", p);
    const rates = await rpc({ case: "reportingRates", value: { year } }, "rates");
    const cells = rates.cells.filter((c) => c.unitCode === me.unit && c.month !== focus);
    const todo = cells.filter(
      (c) => c.state === UnitMonthState.MISSING || c.state === UnitMonthState.RETURNED || c.state === UnitMonthState.REOPENED,
    );
    const shown = cells.filter((c) => c.state !== UnitMonthState.CLOSED);
    if (!shown.length) return;
    mount(
      el,
      h(
        "div",
        { class: "card" },
        h("h2", null, t("s_year_months", { year: t(p.yearBasis === "calendar" ? "s_year_cal" : "s_year_school", { y: year, y2: year + 1 }) })),
        todo.length ? h("p", { class: "alert warn" }, t("s_months_waiting", { n: todo.length })) : h("p", { class: "muted" }, t("s_months_all_fine")),
        h(
          "div",
          { class: "month-strip", "data-testid": "month-strip" },
          shown.map((c) => {
            const code = codeOf(UnitMonthState, c.state);
            const rep = byMonth.get(c.month);
            return h(
              "a",
              {
                href: rep ? `#/school/reports?month=${c.month}` : `#/school/upload?month=${c.month}`,
                class: "month-cell",
                "data-month": c.month,
                "data-state": code,
              },
              h("span", null, c.month),
              badge(code, enumLabel("unit_month", UnitMonthState, c.state)),
            );
          }),
        ),
      ),
    );
  } catch {
    /* the strip is extra: the page above says what matters */
  }
}

