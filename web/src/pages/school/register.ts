// 登记手册 (#/school/teacher/:code): one teacher's credited records and
// totals, laid out to print on A4 (the browser's print dialog saves a PDF).
import { rpc, type Me } from "../../api";
import { h, mount } from "../../dom";
import { Category, Level, Mode, ReportStatus, WorkbookKind, type HistoryRecord, type PeriodTotal, type TeacherHistory } from "../../gen/yanxiu_pb";
import { enumLabel, hours, t } from "../../i18n";
import type { Params } from "../../router";
import { policy, today, workbookButton } from "./common";

function periodText(p: PeriodTotal, basis: string): string {
  if (p.kind === "cycle") return t("s_period_cycle", { p: p.period });
  const y = Number(p.period);
  return basis === "calendar" ? t("s_year_cal", { y, y2: y + 1 }) : t("s_year_school", { y, y2: y + 1 });
}

function sourceText(r: HistoryRecord): string {
  return r.source === "external" ? t("s_src_external") : t("s_src_activity");
}

export async function registerPage(root: HTMLElement, params: Params, _me: Me): Promise<void> {
  const code = params.code;
  const [p, th] = await Promise.all([policy(), rpc({ case: "teacherHistory", value: { teacherCode: code } }, "history")]);
  const fileMsg = h("div", { class: "no-print" });
  mount(
    root,
    h(
      "div",
      { class: "row no-print" },
      h("a", { href: "#/school/teachers" }, "← ", t("s_back_teachers")),
      h("span", { class: "spacer" }),
      h("button", { type: "button", class: "primary", "data-testid": "print", on: { click: () => window.print() } }, t("s_print_pdf")),
      workbookButton(t("s_export_xlsx"), "register-export", () => ({ kind: WorkbookKind.TEACHER_HISTORY, teacherCode: code }), fileMsg),
    ),
    h("p", { class: "muted small no-print" }, t("s_print_hint")),
    fileMsg,
    registerSheet(th, code, p.yearBasis),
  );
}

/**
 * The 登记手册 of a teacher as the printed form (the school's page and the
 * district's): title, who (name, code, school, period), totals, every record
 * with their sum, the date printed and the signature lines. `basis` is the
 * policy's year_basis ("school" or "calendar").
 */
export function registerSheet(th: TeacherHistory, code: string, basis: string): HTMLElement {
  const tc = th.teacher;
  const name = tc?.name || code;
  const recs = [...th.records].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const first = recs[0]?.date ?? "";
  const last = recs[recs.length - 1]?.date ?? "";
  const sum = recs.reduce((s, r) => s + r.hours, 0);
  const credits = recs.reduce((s, r) => s + r.credits, 0);

  const totals = th.totals.length
    ? h(
        "table",
        { class: "grid totals", "data-testid": "register-totals" },
        h("thead", null, h("tr", null, [t("s_period"), t("s_hours_col"), t("s_approved_hours")].map((x) => h("th", null, x)))),
        h(
          "tbody",
          null,
          th.totals.map((x) =>
            h("tr", { "data-kind": x.kind, "data-period": x.period }, h("td", null, periodText(x, basis)), h("td", { class: "num" }, hours(x.hours)), h("td", { class: "num" }, hours(x.approvedHours))),
          ),
        ),
      )
    : h("p", null, t("s_no_totals"));

  const records = recs.length
    ? h(
        "table",
        { class: "grid records", "data-testid": "register-records" },
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            [t("s_no"), t("s_date"), t("s_title"), t("s_category"), t("s_level"), t("s_mode"), t("s_source"), t("s_ref"), t("s_hours_col"), t("s_credits"), t("s_report_status")].map((x) => h("th", null, x)),
          ),
        ),
        h(
          "tbody",
          null,
          recs.map((r, i) =>
            h(
              "tr",
              null,
              h("td", { class: "num" }, String(i + 1)),
              h("td", { class: "nowrap" }, r.date),
              h("td", { class: "title" }, r.title),
              h("td", null, enumLabel("category", Category, r.category)),
              h("td", null, enumLabel("level", Level, r.level)),
              h("td", null, enumLabel("mode", Mode, r.mode)),
              h("td", null, sourceText(r)),
              h("td", { class: "nowrap" }, r.ref),
              h("td", { class: "num" }, hours(r.hours)),
              h("td", { class: "num" }, r.credits ? hours(r.credits) : ""),
              h("td", null, enumLabel("report_status", ReportStatus, r.reportStatus)),
            ),
          ),
          h(
            "tr",
            { class: "sum" },
            h("td", { colspan: 8 }, t("total")),
            h("td", { class: "num" }, hours(sum)),
            h("td", { class: "num" }, credits ? hours(credits) : ""),
            h("td"),
          ),
        ),
      )
    : h("p", { class: "alert" }, t("s_no_records"));

  return h(
    "section",
    { class: "register", "data-testid": "register", "data-teacher": code },
    h("h1", { class: "register-title" }, t("s_register_title")),
    h(
      "table",
      { class: "register-head" },
      h(
        "tbody",
        null,
        h("tr", null, h("th", null, t("s_name")), h("td", { "data-testid": "register-name" }, name), h("th", null, t("s_teacher_code")), h("td", null, tc?.teacherCode || code)),
        h("tr", null, h("th", null, t("s_school")), h("td", null, tc?.schoolName || tc?.schoolCode || ""), h("th", null, t("s_group")), h("td", null, [tc?.researchGroup, tc?.subject].filter(Boolean).join(" · "))),
        h("tr", null, h("th", null, t("s_period_covered")), h("td", null, first ? t("s_date_range", { a: first, b: last }) : t("none")), h("th", null, t("s_total_hours")), h("td", { "data-testid": "register-total" }, t("s_hours", { n: hours(sum) }))),
      ),
    ),
    h("h2", null, t("s_totals_head")),
    totals,
    h("h2", null, t("s_records_head", { n: recs.length })),
    records,
    h("p", { class: "muted small register-foot" }, t("s_register_foot", { d: today() })),
    h(
      "div",
      { class: "signatures" },
      h("span", null, t("s_sign_teacher")),
      h("span", null, t("s_sign_school")),
      h("span", null, t("s_sign_date")),
    ),
  );
}
