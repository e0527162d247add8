// 本校教师 (#/school/teachers): each teacher's hours of the year and of the
// training cycle against every rule of the district's policy, progress
// bars, who is behind first; filtered and paged by the daemon.
import { rpc, type Me } from "../../api";
import { h, mount } from "../../dom";
import { ComplianceStatus, WorkbookKind, type Reason, type TeacherCompliance } from "../../gen/yanxiu_pb";
import { codeOf, enumLabel, hours, label, t } from "../../i18n";
import { go, type Params } from "../../router";
import { badge, loading, pager, progress } from "../../ui";
import { cycleOf, policy, today, workbookButton, yearOf, type Policy } from "./common";
import type { MsgKey } from "../../locales/zh-CN";

const LIMIT = 50;

/** The words of a rule of the policy (the codes of Reason.rule). */
const RULES = [
  "hours_year",
  "school_hours_year",
  "credits_year",
  "unexcused_absences",
  "hours_cycle",
  "ethics_hours_cycle",
  "centralized_hours_cycle",
  "homeroom_hours_cycle",
];
export function ruleName(rule: string): string {
  return RULES.includes(rule) ? t(("s_rule_" + rule) as MsgKey) : rule;
}

/** A reason as a coordinator reads it: 年度学时不足 40/72, 无故缺席次数 3 次（上限 3）. */
export function reasonText(r: Reason, status = ""): string {
  if (r.rule === "unexcused_absences") return t("s_reason_absences", { rule: ruleName(r.rule), had: r.had, needed: r.needed });
  const k = status === "behind" ? "s_reason_pace" : "s_reason_short";
  return t(k, { rule: ruleName(r.rule), gap: hours(Math.max(0, r.needed - r.had)), had: hours(r.had), needed: hours(r.needed) });
}

/** A bar of `value` against the rule's `goal`; a rule not met (yet) marks where the teacher should be now. */
function bar(value: number, goal: number, rule: string, reasons: Reason[], status: string): HTMLElement {
  const el = progress(value, goal, barState(rule, reasons, status));
  const r = reasons.find((x) => x.rule === rule);
  if (r && goal > 0 && r.needed < goal) {
    const m = h("span", { class: "bar-mark", title: t("s_pace_mark", { n: hours(r.needed) }) });
    m.style.left = `${Math.min(100, (r.needed / goal) * 100).toFixed(1)}%`;
    el.querySelector(".bar")?.appendChild(m);
  }
  return el;
}

/** The district's rules in one paragraph. */
export function policyWords(p: Policy, year: number): HTMLElement {
  const cycle = cycleOf(year, p);
  return h(
    "div",
    { class: "card policy", "data-testid": "policy" },
    h("h3", null, t("s_policy_title")),
    h(
      "ul",
      null,
      h("li", null, t(p.yearBasis === "calendar" ? "s_pol_year_cal" : "s_pol_year", { n: hours(p.hoursYear), s: hours(p.schoolHoursYear) })),
      h("li", null, t("s_pol_cycle", { years: p.cycleYears, cycle, n: hours(p.hoursCycle), e: hours(p.ethicsHoursCycle), c: hours(p.centralizedHoursCycle) })),
      h("li", null, t("s_pol_homeroom", { n: hours(p.homeroomHoursCycle) })),
      h("li", null, t("s_pol_absence", { n: p.absenceLimit })),
      p.creditsEnabled ? h("li", null, t("s_pol_credits", { n: p.creditsYear })) : null,
      h("li", null, t("s_pol_deadline", { d: p.deadlineDay })),
      p.nonCreditable ? h("li", null, t("s_pol_noncredit", { words: p.nonCreditable.split(/\s*,\s*/).filter(Boolean).join(t("s_list_sep")) })) : null,
    ),
    h("p", { class: "muted small" }, p.version ? t("s_pol_version", { v: p.version, d: p.effective }) : t("s_pol_default")),
  );
}

function barState(rule: string, reasons: Reason[], status: string): "ok" | "warn" | "bad" {
  if (!reasons.some((r) => r.rule === rule)) return "ok";
  return status === "non_compliant" ? "bad" : "warn";
}

const ORDER: Record<string, number> = { non_compliant: 0, behind: 1, on_track: 2, compliant: 3, exempt: 4 };

export async function teachersPage(root: HTMLElement, params: Params, me: Me): Promise<void> {
  const p = await policy();
  const day = today();
  const thisYear = yearOf(day, p);
  const year = Number(params.year) || thisYear;
  const status = params.status ?? "";
  const search = params.q ?? "";
  const offset = Math.max(0, Number(params.offset) || 0);

  const statusSel = h("select", { id: "t-status", "data-testid": "teachers-status" },
    h("option", { value: "" }, t("s_all_statuses")),
    ["non_compliant", "behind", "on_track", "compliant", "exempt"].map((c) => h("option", { value: c, selected: c === status }, label("compliance", c))),
  );
  const yearSel = h("select", { id: "t-year", "data-testid": "teachers-year" });
  for (let y = thisYear; y >= thisYear - 4; y--) yearSel.appendChild(h("option", { value: String(y), selected: y === year }, t(p.yearBasis === "calendar" ? "s_year_cal" : "s_year_school", { y, y2: y + 1 })));
  const searchIn = h("input", { id: "t-search", type: "search", value: search, placeholder: t("s_search_ph"), "data-testid": "teachers-search" });
  const apply = (off = 0) =>
    go("/school/teachers", {
      year: yearSel.value,
      ...(statusSel.value ? { status: statusSel.value } : {}),
      ...(searchIn.value.trim() ? { q: searchIn.value.trim() } : {}),
      ...(off ? { offset: String(off) } : {}),
    });
  statusSel.addEventListener("change", () => apply());
  yearSel.addEventListener("change", () => apply());
  const form = h(
    "form",
    { class: "row filters", on: { submit: (e: Event) => { e.preventDefault(); apply(); } } },
    h("label", { for: "t-year" }, t("s_year")), yearSel,
    h("label", { for: "t-status" }, t("s_status")), statusSel,
    searchIn,
    h("button", { type: "submit" }, t("search")),
  );
  const fileMsg = h("div");
  const exportBtn = workbookButton(t("s_export_xlsx"), "teachers-export", () => ({
    kind: WorkbookKind.COMPLIANCE_TEACHERS,
    query: { unitCode: me.unit, year, cycle: true, ...(status ? { status: statusEnum(status) } : {}), search },
  }), fileMsg);

  const body = h("div");
  mount(
    root,
    h("h1", null, t("s_teachers_title")),
    policyWords(p, year),
    h("div", { class: "row" }, form, h("span", { class: "spacer" }), exportBtn),
    fileMsg,
    body,
  );

  await loading(body, async () => {
    const ans = await rpc(
      {
        case: "complianceTeachers",
        value: { unitCode: me.unit, year, cycle: true, status: statusEnum(status), limit: LIMIT, offset, search, order: "hours" },
      },
      "teacherList",
    );
    let rows = ans.teachers;
    let total = ans.total;
    // A daemon that does not page yet answers every row: filter, order and page here.
    if (rows.length > LIMIT || (!total && rows.length)) {
      const q = search.toLowerCase();
      rows = rows
        .filter((x) => !q || x.teacherCode.toLowerCase().includes(q) || x.name.toLowerCase().includes(q))
        .sort((a, b) => (ORDER[codeOf(ComplianceStatus, a.status)] ?? 9) - (ORDER[codeOf(ComplianceStatus, b.status)] ?? 9) || a.hours - b.hours);
      total = rows.length;
      rows = rows.slice(offset, offset + LIMIT);
    }
    const counts = h("p", { class: "muted", "data-testid": "teachers-total", "data-total": String(total) },
      t("s_teachers_total", { n: total, from: ans.yearStart, to: ans.yearEnd, asof: ans.asOf || day }));
    if (!rows.length) {
      mount(body, counts, h("p", { class: "alert" }, status || search ? t("s_teachers_none_match") : t("s_teachers_none")));
      return;
    }
    mount(
      body,
      counts,
      h("div", { class: "table-wrap" }, teachersTable(rows, p)),
      total > LIMIT ? pager(total, LIMIT, offset, (off) => apply(off)) : null,
      h("p", { class: "muted small" }, t("s_teachers_hint")),
    );
  });
}

function statusEnum(code: string): ComplianceStatus {
  const m: Record<string, ComplianceStatus> = {
    compliant: ComplianceStatus.COMPLIANT,
    on_track: ComplianceStatus.ON_TRACK,
    behind: ComplianceStatus.BEHIND,
    non_compliant: ComplianceStatus.NON_COMPLIANT,
    exempt: ComplianceStatus.EXEMPT,
  };
  return m[code] ?? ComplianceStatus.UNSPECIFIED;
}

function teachersTable(rows: TeacherCompliance[], p: Policy): HTMLElement {
  return h(
    "table",
    { class: "grid teachers", "data-testid": "teachers-table" },
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        [
          t("s_teacher"),
          t("s_group"),
          t("s_year_status"),
          t("s_rule_hours_year"),
          t("s_rule_school_hours_year"),
          t("s_rule_hours_cycle"),
          t("s_rule_ethics_hours_cycle"),
          t("s_rule_centralized_hours_cycle"),
          t("s_col_homeroom"),
          t("s_col_absences"),
          t("s_what_missing"),
        ].map((x) => h("th", null, x)),
      ),
    ),
    h(
      "tbody",
      null,
      rows.map((x) => {
        const st = codeOf(ComplianceStatus, x.status);
        const cst = x.cycleStatus;
        const all = [...x.reasons.map((r) => reasonText(r, st)), ...x.cycleReasons.map((r) => reasonText(r, cst))];
        const open = () => go(`/school/teacher/${encodeURIComponent(x.teacherCode)}`);
        return h(
          "tr",
          { "data-teacher": x.teacherCode, "data-status": st, class: "clickable", tabindex: 0, on: { click: open, keydown: (e: Event) => { if ((e as KeyboardEvent).key === "Enter") open(); } } },
          h("td", { class: "nowrap" }, h("a", { href: `#/school/teacher/${encodeURIComponent(x.teacherCode)}` }, x.name), h("div", { class: "muted small" }, x.teacherCode)),
          h("td", null, x.group),
          h("td", null, badge(st, enumLabel("compliance", ComplianceStatus, x.status)), cst ? h("div", { class: "muted small" }, t("s_cycle_status", { s: label("compliance", cst) })) : null),
          h("td", null, bar(x.hours, p.hoursYear, "hours_year", x.reasons, st)),
          h("td", null, bar(x.schoolHours, p.schoolHoursYear, "school_hours_year", x.reasons, st)),
          h("td", null, bar(x.cycleHours, p.hoursCycle, "hours_cycle", x.cycleReasons, cst)),
          h("td", null, bar(x.cycleEthicsHours, p.ethicsHoursCycle, "ethics_hours_cycle", x.cycleReasons, cst)),
          h("td", null, bar(x.cycleCentralizedHours, p.centralizedHoursCycle, "centralized_hours_cycle", x.cycleReasons, cst)),
          h("td", { class: "num" }, hours(x.cycleHomeroomHours)),
          h("td", { class: "num" + (x.reasons.some((r) => r.rule === "unexcused_absences") ? " bad" : "") }, String(x.unexcusedAbsences)),
          h("td", { class: "reasons" }, all.length ? all.map((x) => h("div", null, x)) : st === "exempt" ? t("s_exempt_note") : t("s_nothing_missing")),
        );
      }),
    ),
  );
}

