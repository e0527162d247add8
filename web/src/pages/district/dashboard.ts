// 总览: the district officer's dashboard of a year. Three requests, sent
// together: ReportingRates (the rates by month and the unit x month matrix),
// ComplianceUnits (a row per unit), ComplianceTeachers (the ten teachers
// furthest behind). Every number is the daemon's; the tables beside the
// charts write them as `yanxiu reporting-rates` and `yanxiu compliance units`
// write their CSV (rates-table, units-table: the browser test compares).
import type { Me } from "../../api";
import { rpc } from "../../api";
import { chart, type ChartOption } from "../../charts";
import { h, mount } from "../../dom";
import {
  ComplianceStatus,
  type ComplianceUnitList,
  type ComplianceTeacherList,
  type ReportingRates,
  UnitMonthState,
  WorkbookKind,
} from "../../gen/yanxiu_pb";
import { codeOf, enumLabel, label, t } from "../../i18n";
import type { Params } from "../../router";
import { badge, errorBox } from "../../ui";
import { col, count, districtCode, exportButton, hours1, pageYear, rate, reasonsText, th, yearSelect } from "./common";

/** The states of the matrix, in the order of the legend, and their colours. */
const STATES: [UnitMonthState, string][] = [
  [UnitMonthState.ON_TIME, "#43a047"],
  [UnitMonthState.LATE, "#f59e0b"],
  [UnitMonthState.MISSING, "#dc2626"],
  [UnitMonthState.RETURNED, "#a855f7"],
  [UnitMonthState.REOPENED, "#60a5fa"],
  [UnitMonthState.VOIDED, "#4b5563"],
  [UnitMonthState.NOT_DUE, "#dbe3ee"],
  [UnitMonthState.CLOSED, "#f3f4f6"],
];

/** The compliance statuses of the stacked bars and their colours. */
const STATUSES: [keyof UnitCounts, string][] = [
  ["compliant", "#43a047"],
  ["onTrack", "#1f6feb"],
  ["behind", "#f59e0b"],
  ["nonCompliant", "#dc2626"],
  ["exempt", "#9ca3af"],
];
type UnitCounts = Pick<ComplianceUnitList["units"][number], "compliant" | "onTrack" | "behind" | "nonCompliant" | "exempt">;
const STATUS_CODE: Record<keyof UnitCounts, string> = {
  compliant: "compliant",
  onTrack: "on_track",
  behind: "behind",
  nonCompliant: "non_compliant",
  exempt: "exempt",
};

/** How many units a chart shows at once before its slider. */
const WINDOW = 25;

function short(name: string, max = 10): string {
  return name.length > max ? name.slice(0, max - 1) + "…" : name;
}

export async function dashboardPage(root: HTMLElement, params: Params, _me: Me): Promise<void> {
  const year = pageYear(params);
  const q = { districtCode: districtCode(), year };
  const started = performance.now();
  mount(
    root,
    h("div", { class: "d-head" }, h("h1", null, t("d_dash_title")), yearSelect("/district", year, params)),
    h("p", { class: "muted" }, t("loading")),
  );
  const [rates, units, behind] = await Promise.allSettled([
    rpc({ case: "reportingRates", value: q }, "rates"),
    rpc({ case: "complianceUnits", value: q }, "unitCompliance"),
    rpc(
      {
        case: "complianceTeachers",
        value: { ...q, status: ComplianceStatus.BEHIND, order: "hours", limit: 10 },
      },
      "teacherList",
    ),
  ]);

  const fetched = performance.now();
  const names = new Map<string, string>();
  if (units.status === "fulfilled") for (const u of units.value.units) names.set(u.unitCode, u.name);

  const ratesChart = h("div", { class: "chart", "data-testid": "chart-rates" });
  const heatChart = h("div", { class: "chart tall", "data-testid": "chart-heatmap" });
  const compChart = h("div", { class: "chart tall", "data-testid": "chart-compliance" });

  const section = (title: string, ...children: (Node | null)[]) =>
    h("section", { class: "card" }, h("h2", null, title), children);

  mount(
    root,
    h(
      "div",
      { class: "d-head" },
      h("h1", null, t("d_dash_title")),
      yearSelect("/district", year, params),
    ),
    units.status === "fulfilled" && rates.status === "fulfilled" ? stats(rates.value, units.value) : null,
    section(
      t("d_rates_title"),
      rates.status === "fulfilled"
        ? h(
            "div",
            { class: "d-split" },
            ratesChart,
            h(
              "div",
              null,
              ratesTable(rates.value),
              h("div", { class: "row" }, exportButton(WorkbookKind.REPORTING_RATES, () => ({ year }), "export-rates")),
            ),
          )
        : errorBox(rates.reason),
    ),
    section(
      t("d_heat_title"),
      rates.status === "fulfilled" && new Set(rates.value.cells.map((c) => c.unitCode)).size > WINDOW
        ? h("p", { class: "muted" }, t("d_heat_hint"))
        : null,
      rates.status === "fulfilled" ? heatChart : null,
    ),
    section(
      t("d_comp_title"),
      units.status === "fulfilled"
        ? h(
            "div",
            null,
            compChart,
            h("h3", null, t("d_units_table")),
            unitsTable(units.value, year, "units-table", true),
            h("div", { class: "row" }, exportButton(WorkbookKind.COMPLIANCE_UNITS, () => ({ year }), "export-units")),
          )
        : errorBox(units.reason),
    ),
    section(
      t("d_behind_title"),
      behind.status === "fulfilled" ? behindTable(behind.value, names, year) : errorBox(behind.reason),
      h(
        "p",
        null,
        h("a", { href: `#/district/teachers?year=${year}&status=behind` }, t("d_behind_more")),
      ),
    ),
  );
  if (rates.status === "fulfilled") {
    chart(ratesChart, ratesOption(rates.value));
    drawHeat(heatChart, rates.value);
  }
  if (units.status === "fulfilled") drawCompliance(compChart, units.value);
  /* for the browser test: the time to the drawn page, and how much of it the answers took */
  root.dataset.renderMs = String(Math.round(performance.now() - started));
  root.dataset.fetchMs = String(Math.round(fetched - started));
  root.setAttribute("data-testid", "dashboard");
}

/** Counts at a glance: units, the last due month's rates, teachers by status. */
function stats(r: ReportingRates, u: ComplianceUnitList): HTMLElement {
  const due = [...r.months].reverse().find((m) => m.expected > 0);
  const sum = (f: (x: ComplianceUnitList["units"][number]) => number) => u.units.reduce((a, x) => a + f(x), 0);
  const stat = (n: string, l: string, cls = "") => h("div", { class: "stat " + cls }, h("div", { class: "n" }, n), h("div", { class: "l" }, l));
  return h(
    "div",
    { class: "cards" },
    stat(String(u.units.length), t("d_stat_units")),
    due ? stat(rate(due.rate), t("d_stat_last_month", { month: due.month })) : null,
    due ? stat(rate(due.onTimeRate), t("d_stat_last_ontime", { month: due.month })) : null,
    stat(String(sum((x) => x.teachers)), t("d_stat_teachers")),
    stat(String(sum((x) => x.behind)), t("d_stat_behind"), "warn"),
    stat(String(sum((x) => x.nonCompliant)), t("d_stat_noncompliant"), "bad"),
  );
}

/** The rates by month with the CSV's keys and numbers (yanxiu reporting-rates --format csv). */
function ratesTable(r: ReportingRates): HTMLElement {
  return h(
    "table",
    { class: "grid compact", "data-testid": "rates-table" },
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        th(t("d_month")),
        th(t("d_col_expected"), true),
        th(t("d_col_received"), true),
        th(t("d_col_on_time"), true),
        th(t("d_col_rate"), true),
        th(t("d_col_on_time_rate"), true),
      ),
    ),
    h(
      "tbody",
      null,
      r.months.map((m) =>
        h(
          "tr",
          { "data-month": m.month },
          col("month", m.month),
          col("expected", count(m.expected), true),
          col("received", count(m.received), true),
          col("on_time", count(m.onTime), true),
          col("rate", rate(m.rate), true),
          col("on_time_rate", rate(m.onTimeRate), true),
        ),
      ),
    ),
  );
}

/** A row per unit with the CSV's keys and numbers (yanxiu compliance units --format csv). */
export function unitsTable(list: ComplianceUnitList, year: number, testid = "units-table", boxed = false): HTMLElement {
  const keys: [string, string][] = [
    ["teachers", t("d_col_teachers")],
    ["compliant", label("compliance", "compliant")],
    ["on_track", label("compliance", "on_track")],
    ["behind", label("compliance", "behind")],
    ["non_compliant", label("compliance", "non_compliant")],
    ["exempt", label("compliance", "exempt")],
  ];
  return h(
    "div",
    { class: boxed ? "scroll boxed" : "scroll" },
    h(
      "table",
      { class: "grid compact", "data-testid": testid },
      h(
        "thead",
        null,
        h(
          "tr",
          null,
          th(t("d_unit_code")),
          th(t("d_unit_name")),
          keys.map(([, l]) => th(l, true)),
          th(t("d_col_compliance_rate"), true),
          th(t("d_col_reports_expected"), true),
          th(t("d_col_reports_received"), true),
          th(t("d_col_reports_on_time"), true),
          th(t("d_col_voided_reports"), true),
          th(t("d_col_flagged_reports"), true),
        ),
      ),
      h(
        "tbody",
        null,
        list.units.map((u) => {
          const link = `#/district/unit/${encodeURIComponent(u.unitCode)}?${new URLSearchParams({ year: String(year), name: u.name })}`;
          return h(
            "tr",
            { "data-unit": u.unitCode },
            h("td", { "data-col": "unit_code" }, h("a", { href: link }, u.unitCode)),
            h("td", { "data-col": "name" }, h("a", { href: link }, u.name)),
            col("teachers", count(u.teachers), true),
            col("compliant", count(u.compliant), true),
            col("on_track", count(u.onTrack), true),
            col("behind", count(u.behind), true),
            col("non_compliant", count(u.nonCompliant), true),
            col("exempt", count(u.exempt), true),
            col("compliance_rate", rate(u.complianceRate), true),
            col("reports_expected", count(u.reportsExpected), true),
            col("reports_received", count(u.reportsReceived), true),
            col("reports_on_time", count(u.reportsOnTime), true),
            col("voided_reports", count(u.voidedReports), true),
            col("flagged_reports", count(u.flaggedReports), true),
          );
        }),
      ),
    ),
  );
}

/**
 * The ten teachers furthest behind. The request asks the daemon for them
 * (order "hours", limit 10); a daemon without paging answers every teacher
 * behind, so the list is ordered and cut here too.
 */
function behindTable(list: ComplianceTeacherList, names: Map<string, string>, year: number): HTMLElement {
  let rows = list.teachers;
  if (rows.length > 10) rows = [...rows].sort((a, b) => a.hours - b.hours).slice(0, 10);
  if (!rows.length) return h("p", { class: "muted", "data-testid": "behind-table" }, t("d_behind_none"));
  return h(
    "table",
    { class: "grid compact", "data-testid": "behind-table" },
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        th(t("d_col_teacher_code")),
        th(t("d_col_name")),
        th(t("d_unit")),
        th(t("d_col_hours"), true),
        th(t("d_col_school_hours"), true),
        th(t("d_col_status")),
        th(t("d_col_reasons")),
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
          h("td", { "data-col": "unit_code", title: x.unitCode }, names.get(x.unitCode) ?? x.unitCode),
          col("hours", hours1(x.hours), true),
          col("school_hours", hours1(x.schoolHours), true),
          h(
            "td",
            { "data-col": "status" },
            badge(codeOf(ComplianceStatus, x.status), enumLabel("compliance", ComplianceStatus, x.status)),
          ),
          col("reasons", reasonsText(x.reasons)),
        );
      }),
    ),
  );
}

/** Reporting rate (bars) and on-time rate (line) by month, in percent. */
function ratesOption(r: ReportingRates): ChartOption {
  /* a month nobody had to report yet (expected 0) has no rate to draw */
  const pct = (v: number, expected: number) => (expected ? Math.round(v * 1000) / 10 : null);
  return {
    tooltip: { trigger: "axis", renderMode: "richText", valueFormatter: (v: unknown) => (typeof v === "number" ? `${v}%` : "—") },
    legend: { data: [t("d_legend_rate"), t("d_legend_ontime")], top: 0 },
    grid: { left: 48, right: 16, top: 36, bottom: 32 },
    xAxis: { type: "category", data: r.months.map((m) => m.month) },
    yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    series: [
      { name: t("d_legend_rate"), type: "bar", data: r.months.map((m) => pct(m.rate, m.expected)), itemStyle: { color: "#1f6feb" }, barMaxWidth: 28 },
      { name: t("d_legend_ontime"), type: "line", data: r.months.map((m) => pct(m.onTimeRate, m.expected)), itemStyle: { color: "#43a047" }, symbolSize: 7 },
    ],
    animation: false,
  };
}

/** The unit x month matrix as a heat map: a row per unit, a colour per state. */
function drawHeat(el: HTMLElement, r: ReportingRates): void {
  const months = r.months.map((m) => m.month);
  for (const c of r.cells) if (!months.includes(c.month)) months.push(c.month);
  const units: string[] = [];
  const names = new Map<string, string>();
  for (const c of r.cells) {
    if (!names.has(c.unitCode)) {
      names.set(c.unitCode, c.unitName);
      units.push(c.unitCode);
    }
  }
  units.sort();
  const mi = new Map(months.map((m, i) => [m, i]));
  const ui = new Map(units.map((u, i) => [u, i]));
  const data = r.cells.map((c) => [mi.get(c.month)!, ui.get(c.unitCode)!, c.state]);
  const many = units.length > WINDOW;
  const option: ChartOption = {
    animation: false,
    tooltip: {
      renderMode: "richText",
      formatter: (p: { value: number[] }) => {
        const [m, u, s] = p.value;
        const code = units[u];
        return `${names.get(code) ?? ""} ${code}\n${months[m]}: ${enumLabel("unit_month", UnitMonthState, s)}`;
      },
    },
    grid: { left: 150, right: many ? 48 : 16, top: 64, bottom: 8 },
    xAxis: { type: "category", data: months, position: "top", splitArea: { show: true } },
    yAxis: {
      type: "category",
      data: units,
      inverse: true,
      axisLabel: { formatter: (code: string) => short(names.get(code) || code) },
    },
    visualMap: {
      type: "piecewise",
      dimension: 2,
      orient: "horizontal",
      top: 0,
      left: "center",
      pieces: STATES.map(([s, color]) => ({ value: s, label: enumLabel("unit_month", UnitMonthState, s), color })),
    },
    dataZoom: many
      ? [
          { type: "slider", yAxisIndex: 0, right: 8, width: 18, startValue: 0, endValue: WINDOW - 1, showDetail: false },
          { type: "inside", yAxisIndex: 0, zoomOnMouseWheel: false, moveOnMouseWheel: true },
        ]
      : [],
    series: [
      {
        type: "heatmap",
        data,
        itemStyle: { borderColor: "#fff", borderWidth: 1 },
        emphasis: { itemStyle: { borderColor: "#333", borderWidth: 1 } },
      },
    ],
  };
  const rows = Math.min(units.length, WINDOW);
  el.style.height = `${Math.max(200, rows * 22 + 80)}px`;
  chart(el, option);
}

/** Compliance by unit: a stacked bar per unit (compliant, on track, behind, non-compliant, exempt). */
function drawCompliance(el: HTMLElement, list: ComplianceUnitList): void {
  const units = list.units;
  const many = units.length > WINDOW;
  const option: ChartOption = {
    animation: false,
    tooltip: {
      trigger: "axis",
      axisPointer: { type: "shadow" },
      renderMode: "richText",
      formatter: (ps: { dataIndex: number; seriesName: string; value: number }[]) => {
        const u = units[ps[0]?.dataIndex ?? 0];
        return [`${u?.name ?? ""} ${u?.unitCode ?? ""}`, ...ps.map((p) => `${p.seriesName}: ${p.value}`)].join("\n");
      },
    },
    legend: { top: 0 },
    grid: { left: 150, right: many ? 48 : 16, top: 36, bottom: 24 },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: {
      type: "category",
      inverse: true,
      data: units.map((u) => u.unitCode),
      axisLabel: { formatter: (_code: string, i: number) => short(units[i]?.name || units[i]?.unitCode || "", 12) },
    },
    dataZoom: many
      ? [
          { type: "slider", yAxisIndex: 0, right: 8, width: 18, startValue: 0, endValue: WINDOW - 1, showDetail: false },
          { type: "inside", yAxisIndex: 0, zoomOnMouseWheel: false, moveOnMouseWheel: true },
        ]
      : [],
    series: STATUSES.map(([k, color]) => ({
      name: label("compliance", STATUS_CODE[k]),
      type: "bar",
      stack: "teachers",
      itemStyle: { color },
      barMaxWidth: 18,
      data: units.map((u) => u[k]),
    })),
  };
  el.style.height = `${Math.max(200, Math.min(units.length, WINDOW) * 22 + 80)}px`;
  chart(el, option);
}
