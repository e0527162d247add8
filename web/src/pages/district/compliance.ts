// 学时达标: the drill-down district -> unit -> teacher -> 登记手册.
// Units: ComplianceUnits (a row per unit, a few hundred). Teachers: one page
// of ComplianceTeachers at a time (limit/offset, search, status: the daemon
// filters and pages; a county has 8 000 teachers). The handbook:
// TeacherHistory, printable on A4. Exports: the daemon's workbooks.
import type { Me } from "../../api";
import { rpc } from "../../api";
import { h, mount } from "../../dom";
import { ComplianceStatus, WorkbookKind } from "../../gen/yanxiu_pb";
import { codeOf, enumLabel, label, t } from "../../i18n";
import { go, type Params } from "../../router";
import { badge, loading, pager } from "../../ui";
import { col, count, districtCode, exportButton, hours1, pageYear, reasonsText, th, yearSelect } from "./common";
import { unitsTable } from "./dashboard";
import { parsePolicy } from "../school/common";
import { registerSheet } from "../school/register";

const PAGE = 50;

const STATUS_CODES = ["compliant", "on_track", "behind", "non_compliant", "exempt"];

function statusValue(code: string): ComplianceStatus {
  const i = STATUS_CODES.indexOf(code);
  return i < 0 ? ComplianceStatus.UNSPECIFIED : ((i + 1) as ComplianceStatus);
}

/** #/district/compliance: the units of the year, a search box for any teacher. */
export async function compliancePage(root: HTMLElement, params: Params, _me: Me): Promise<void> {
  const year = pageYear(params);
  const approvedOnly = params.approved === "1";
  const box = h("div");
  const approved = h("input", { type: "checkbox", checked: approvedOnly, "data-testid": "approved-only" });
  approved.addEventListener("change", () => go("/district/compliance", { ...params, year: String(year), approved: approved.checked ? "1" : "0" }));
  const search = h("input", { type: "search", name: "search", placeholder: t("d_find_ph"), "data-testid": "find-teacher" });
  mount(
    root,
    h("div", { class: "d-head" }, h("h1", null, t("d_comp_page")), yearSelect("/district/compliance", year, params)),
    h(
      "div",
      { class: "row" },
      h("label", { class: "inline" }, approved, " ", t("d_approved_only")),
      h(
        "form",
        {
          class: "row",
          on: {
            submit: (ev: Event) => {
              ev.preventDefault();
              go("/district/teachers", { year: String(year), search: search.value.trim() });
            },
          },
        },
        search,
        h("button", { type: "submit" }, t("d_find_teacher")),
      ),
    ),
    h("p", { class: "muted" }, t("d_comp_hint")),
    box,
  );
  await loading(box, async () => {
    const list = await rpc({ case: "complianceUnits", value: { districtCode: districtCode(), year, approvedOnly } }, "unitCompliance");
    mount(
      box,
      h(
        "div",
        { class: "row" },
        exportButton(WorkbookKind.COMPLIANCE_UNITS, () => ({ year, approvedOnly }), "export-units"),
      ),
      unitsTable(list, year, "compliance-units"),
    );
  });
}

/**
 * #/district/unit/:code and #/district/teachers: one page of a unit's (or the
 * district's) teachers, with search and status filter; the daemon pages.
 */
export async function teachersPage(root: HTMLElement, params: Params, _me: Me): Promise<void> {
  const year = pageYear(params);
  const unit = params.code && /^\d{10}$/.test(params.code) ? params.code : "";
  const path = unit ? `/district/unit/${unit}` : "/district/teachers";
  const search = params.search ?? "";
  const status = statusValue(params.status ?? "");
  const offset = Math.max(0, Number(params.offset) || 0);
  const cycle = params.cycle === "1";
  const order = params.order === "hours" ? "hours" : "";
  const title = unit ? t("d_unit_teachers", { name: params.name ? t("d_name_code", { name: params.name, code: unit }) : unit }) : t("d_all_teachers");

  const searchIn = h("input", { type: "search", name: "search", value: search, placeholder: t("d_find_ph"), "data-testid": "teacher-search" });
  const statusSel = h(
    "select",
    { name: "status", "data-testid": "teacher-status" },
    h("option", { value: "" }, t("d_status_any")),
    STATUS_CODES.map((c) => h("option", { value: c, selected: c === params.status }, label("compliance", c))),
  );
  const cycleBox = h("input", { type: "checkbox", name: "cycle", checked: cycle });
  const orderSel = h(
    "select",
    { name: "order", "data-testid": "teacher-order" },
    h("option", { value: "" }, t("d_order_code")),
    h("option", { value: "hours", selected: order === "hours" }, t("d_order_hours")),
  );
  const keep: Record<string, string> = { year: String(year) };
  if (params.name) keep.name = params.name;
  const form = h(
    "form",
    {
      class: "row filters",
      on: {
        submit: (ev: Event) => {
          ev.preventDefault();
          const p = { ...keep };
          if (searchIn.value.trim()) p.search = searchIn.value.trim();
          if (statusSel.value) p.status = statusSel.value;
          if (cycleBox.checked) p.cycle = "1";
          if (orderSel.value) p.order = orderSel.value;
          go(path, p);
        },
      },
    },
    h("label", null, t("search"), " ", searchIn),
    h("label", null, t("d_col_status"), " ", statusSel),
    h("label", null, t("d_order"), " ", orderSel),
    h("label", { class: "inline" }, cycleBox, " ", t("d_cycle_cols")),
    h("button", { type: "submit" }, t("d_apply")),
  );
  const box = h("div");
  mount(
    root,
    h("p", null, h("a", { href: `#/district/compliance?year=${year}` }, "← " + t("d_comp_page"))),
    h("div", { class: "d-head" }, h("h1", null, title), yearSelect(path, year, params)),
    form,
    box,
  );
  const query = { districtCode: districtCode(), year, unitCode: unit, status, search, cycle };
  await loading(box, async () => {
    const list = await rpc(
      { case: "complianceTeachers", value: { ...query, limit: PAGE, offset, order } },
      "teacherList",
    );
    /* A daemon without paging answers every row: show the page asked for. */
    const paged = list.teachers.length <= PAGE;
    const total = paged ? list.total || list.teachers.length + offset : list.teachers.length;
    const rows = paged ? list.teachers : list.teachers.slice(offset, offset + PAGE);
    const goOffset = (o: number) => {
      const p: Record<string, string> = { ...keep, offset: String(o) };
      if (search) p.search = search;
      if (params.status) p.status = params.status;
      if (cycle) p.cycle = "1";
      if (order) p.order = order;
      go(path, p);
    };
    mount(
      box,
      h(
        "div",
        { class: "row" },
        list.yearStart ? h("span", { class: "muted" }, t("d_year_range", { start: list.yearStart, end: list.yearEnd, asof: list.asOf })) : null,
        exportButton(WorkbookKind.COMPLIANCE_TEACHERS, () => ({ year, unitCode: unit, status, cycle, search }), "export-teachers"),
      ),
      rows.length ? teacherTable(rows, year, cycle) : h("p", { class: "muted", "data-testid": "unit-teachers" }, t("d_no_rows")),
      pager(total, PAGE, offset, goOffset),
    );
  });
}

function teacherTable(rows: import("../../gen/yanxiu_pb").TeacherCompliance[], year: number, cycle: boolean): HTMLElement {
  return h(
    "div",
    { class: "scroll" },
    h(
      "table",
      { class: "grid compact", "data-testid": "unit-teachers" },
      h(
        "thead",
        null,
        h(
          "tr",
          null,
          th(t("d_col_teacher_code")),
          th(t("d_col_name")),
          th(t("d_col_school")),
          th(t("d_col_group")),
          th(t("d_col_hours"), true),
          th(t("d_col_school_hours"), true),
          th(t("d_col_ethics_hours"), true),
          th(t("d_col_centralized_hours"), true),
          th(t("d_col_homeroom_hours"), true),
          th(t("d_col_absences"), true),
          th(t("d_col_status")),
          th(t("d_col_reasons")),
          cycle ? [th(t("d_col_cycle")), th(t("d_col_cycle_hours"), true), th(t("d_col_cycle_status")), th(t("d_col_cycle_reasons"))] : null,
        ),
      ),
      h(
        "tbody",
        null,
        rows.map((x) => {
          const link = `#/district/teacher/${encodeURIComponent(x.teacherCode)}?year=${year}`;
          return h(
            "tr",
            { "data-teacher": x.teacherCode },
            h("td", { "data-col": "teacher_code" }, h("a", { href: link }, x.teacherCode)),
            h("td", { "data-col": "name" }, h("a", { href: link }, x.name)),
            col("school_code", x.schoolCode),
            col("group", x.group),
            col("hours", hours1(x.hours), true),
            col("school_hours", hours1(x.schoolHours), true),
            col("ethics_hours", hours1(x.ethicsHours), true),
            col("centralized_hours", hours1(x.centralizedHours), true),
            col("homeroom_hours", hours1(x.homeroomHours), true),
            col("unexcused_absences", count(x.unexcusedAbsences), true),
            h(
              "td",
              { "data-col": "status" },
              badge(codeOf(ComplianceStatus, x.status), enumLabel("compliance", ComplianceStatus, x.status)),
            ),
            col("reasons", reasonsText(x.reasons)),
            cycle
              ? [
                  col("cycle", x.cycle),
                  col("cycle_hours", hours1(x.cycleHours), true),
                  h("td", { "data-col": "cycle_status" }, x.cycleStatus ? badge(x.cycleStatus, label("compliance", x.cycleStatus)) : ""),
                  col("cycle_reasons", reasonsText(x.cycleReasons)),
                ]
              : null,
          );
        }),
      ),
    ),
  );
}

/** #/district/teacher/:code: the teacher's 登记手册, printable. */
export async function registerPage(root: HTMLElement, params: Params, _me: Me): Promise<void> {
  const code = params.code ?? "";
  const back = h("p", { class: "no-print" }, h("a", { href: `#/district/compliance?year=${pageYear(params)}` }, "← " + t("d_comp_page")));
  const box = h("div");
  mount(root, back, box);
  await loading(box, async () => {
    const [hist, pol] = await Promise.all([
      rpc({ case: "teacherHistory", value: { districtCode: districtCode(), teacherCode: code } }, "history"),
      rpc({ case: "getPolicy", value: { districtCode: districtCode() } }, "policy").catch(() => null),
    ]);
    const tc = hist.teacher;
    if (tc?.unitCode) {
      // the unit's name when the teacher's school is the unit itself (a 中心校's teaching point is not)
      const unitName = tc.schoolCode === tc.unitCode ? tc.schoolName : "";
      const q = new URLSearchParams({ year: String(pageYear(params)), ...(unitName ? { name: unitName } : {}) });
      back.append(
        " · ",
        h(
          "a",
          { href: `#/district/unit/${encodeURIComponent(tc.unitCode)}?${q.toString()}` },
          unitName ? t("d_name_code", { name: unitName, code: tc.unitCode }) : tc.unitCode,
        ),
      );
    }
    const basis = pol ? parsePolicy(pol.ini, pol.version, pol.effective).yearBasis : "school";
    mount(
      box,
      h(
        "div",
        { class: "row no-print" },
        h("button", { type: "button", class: "primary", "data-testid": "print", on: { click: () => window.print() } }, t("print")),
        exportButton(WorkbookKind.TEACHER_HISTORY, () => ({}), "export-history", code),
        h("span", { class: "muted" }, t("d_print_hint")),
      ),
      registerSheet(hist, code, basis),
    );
  });
}
