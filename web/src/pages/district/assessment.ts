// 考核结果 (the annual assessment, `yanxiu assessment results`) and 政策 (the
// district's policy, `yanxiu policy show`, read in words).
import type { Me } from "../../api";
import { rpc } from "../../api";
import { h, mount } from "../../dom";
import { type AssessmentResult, type AssessmentResults, ComplianceStatus } from "../../gen/yanxiu_pb";
import { codeOf, enumLabel, t } from "../../i18n";
import type { MsgKey } from "../../locales/zh-CN";
import { go, type Params } from "../../router";
import { badge, loading, pager } from "../../ui";
import { col, count, currentSchoolYear, districtCode, hours1, pageYear, reasonsText, shortNumber, th, yearSelect } from "./common";

/* The rows a page asks the daemon for (AssessmentResults limit/offset): a
   county has 8 000 teachers. The grade counts come over every row. */
const PAGE = 100;

export async function assessmentPage(root: HTMLElement, params: Params, _me: Me): Promise<void> {
  const year = pageYear(params);
  const unit = /^\d{10}$/.test(params.unit ?? "") ? params.unit : "";
  const scheme = params.scheme ?? "";
  const schemeSel = h("select", { name: "scheme", "data-testid": "scheme" }, h("option", { value: "" }, t("d_scheme_default")));
  const unitIn = h("input", { name: "unit", value: unit, placeholder: t("d_unit_ph"), size: 14, inputmode: "numeric" });
  const approvedBox = h("input", { type: "checkbox", name: "approved", checked: params.approved === "1" });
  const search = (params.q ?? "").trim();
  const searchIn = h("input", { type: "search", name: "q", value: search, placeholder: t("d_assess_search_ph"), size: 16, "data-testid": "assess-search" });
  const form = h(
    "form",
    {
      class: "row filters",
      on: {
        submit: (ev: Event) => {
          ev.preventDefault();
          const p: Record<string, string> = { year: String(year) };
          if (schemeSel.value) p.scheme = schemeSel.value;
          if (unitIn.value.trim()) p.unit = unitIn.value.trim();
          if (approvedBox.checked) p.approved = "1";
          if (searchIn.value.trim()) p.q = searchIn.value.trim();
          go("/district/assessment", p);
        },
      },
    },
    h("label", null, t("d_scheme"), " ", schemeSel),
    h("label", null, t("d_unit"), " ", unitIn),
    h("label", { class: "inline" }, approvedBox, " ", t("d_approved_only")),
    h("label", null, t("d_assess_search"), " ", searchIn),
    h("button", { type: "submit" }, t("d_apply")),
  );
  const box = h("div");
  mount(
    root,
    h("div", { class: "d-head" }, h("h1", null, t("d_assess_title")), yearSelect("/district/assessment", year, params)),
    form,
    box,
  );
  /* The schemes for the selector; the results do not wait for them. */
  void rpc({ case: "listSchemes", value: { districtCode: districtCode() } }, "schemeList")
    .then((l) => {
      for (const s of l.schemes)
        schemeSel.append(h("option", { value: s.name, selected: s.name === scheme }, s.title ? t("d_name_code", { name: s.name, code: s.title }) : s.name));
    })
    .catch(() => undefined);
  await loading(box, async () => {
    const offset = Math.max(0, Math.floor(Number(params.offset) || 0));
    const res = await rpc(
      {
        case: "assessmentResults",
        value: {
          districtCode: districtCode(),
          year,
          scheme,
          unitCode: unit,
          approvedOnly: params.approved === "1",
          search,
          limit: PAGE,
          offset,
        },
      },
      "assessment",
    );
    mount(box, resultsView(res, offset, search, (o) => go("/district/assessment", { ...params, offset: String(o) })));
  });
}

function yesNo(v: boolean): string {
  return v ? t("yes") : t("no");
}

function consequence(c: string): string {
  return c === "no_promotion" ? t("d_cons_no_promotion") : c === "no_excellence" ? t("d_cons_no_excellence") : c;
}

function resultsView(res: AssessmentResults, offset: number, search: string, load: (o: number) => void): HTMLElement {
  const teachers = res.target === "teacher";
  const rows = res.results;
  const cells = (r: AssessmentResult) =>
    teachers
      ? [
          col("subject_code", r.subjectCode),
          col("name", r.name),
          col("unit_code", r.unitCode),
          col("items_scored", count(r.itemsScored), true),
          col("score", hours1(r.score), true),
          col("grade", r.grade),
          col("hours_ok", yesNo(r.hoursOk)),
          col("absences_ok", yesNo(r.absencesOk)),
          h("td", { "data-col": "final_grade" }, r.finalGrade ? badge(r.hoursOk && r.absencesOk ? "grade" : "non_compliant", r.finalGrade) : ""),
          col("consequences", r.consequences.map(consequence).join(t("d_list_sep"))),
          h(
            "td",
            { "data-col": "status" },
            r.status ? badge(codeOf(ComplianceStatus, r.status), enumLabel("compliance", ComplianceStatus, r.status)) : "",
          ),
          col("reasons", reasonsText(r.reasons)),
        ]
      : [
          col("subject_code", r.subjectCode),
          col("name", r.name),
          col("items_scored", count(r.itemsScored), true),
          col("score", hours1(r.score), true),
          col("grade", r.grade),
        ];
  const heads: [MsgKey, boolean][] = teachers
    ? [
        ["d_col_teacher_code", false],
        ["d_col_name", false],
        ["d_unit", false],
        ["d_col_items_scored", true],
        ["d_col_score", true],
        ["d_col_grade", false],
        ["d_col_hours_ok", false],
        ["d_col_absences_ok", false],
        ["d_col_final_grade", false],
        ["d_col_consequences", false],
        ["d_col_hours_status", false],
        ["d_col_unmet", false],
      ]
    : [
        ["d_unit_code", false],
        ["d_unit_name", false],
        ["d_col_items_scored", true],
        ["d_col_score", true],
        ["d_col_grade", false],
      ];
  return h(
    "div",
    null,
    h(
      "p",
      null,
      t("d_assess_head", { year: res.year, scheme: res.scheme, items: res.items, total: shortNumber(res.total), asof: res.asOf }),
    ),
    res.provisional ? h("div", { class: "alert", "data-testid": "provisional" }, t("d_provisional")) : null,
    h(
      "div",
      { class: "cards", "data-testid": "grade-counts" },
      res.gradeCounts.map((g) =>
        h("div", { class: "stat", "data-grade": g.grade }, h("div", { class: "n" }, String(g.count)), h("div", { class: "l" }, g.grade || t("d_no_grade"))),
      ),
    ),
    search ? h("p", { class: "muted", "data-testid": "search-count" }, t("d_assess_found", { q: search, n: res.resultsTotal })) : null,
    rows.length
      ? h(
          "div",
          { class: "scroll" },
          h(
            "table",
            { class: "grid compact", "data-testid": "assessment-table" },
            h("thead", null, h("tr", null, heads.map(([k, n]) => th(t(k), n)))),
            h(
              "tbody",
              null,
              rows.map((r) => h("tr", { "data-subject": r.subjectCode }, cells(r))),
            ),
          ),
        )
      : h("p", { class: "muted" }, t("d_no_rows")),
    res.resultsTotal > PAGE || offset > 0 ? pager(res.resultsTotal, PAGE, offset, load) : null,
  );
}

/** The policy's INI as key -> value ([policy] section). */
function parseIni(ini: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const raw of ini.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";") || line.startsWith("[")) continue;
    const eq = line.indexOf("=");
    if (eq > 0) m.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return m;
}

/** #/district/policy: the policy in force, in sentences; read-only. */
export async function policyPage(root: HTMLElement, _params: Params, _me: Me): Promise<void> {
  const box = h("div");
  mount(root, h("h1", null, t("d_policy_title")), box);
  await loading(box, async () => {
    const p = await rpc({ case: "getPolicy", value: { districtCode: districtCode() } }, "policy");
    const v = parseIni(p.ini);
    /* 360.0 -> 360, 15.00 -> 15: numbers as a person writes them */
    const g = (k: string) => {
      const x = v.get(k) ?? "";
      return /^\d+\.\d+$/.test(x) ? x.replace(/\.?0+$/, "") : x;
    };
    const items: [string, string][] = [];
    const add = (key: string, msg: MsgKey, args: Record<string, string | number>) => {
      items.push([key, t(msg, args)]);
    };
    const years = Number(g("cycle_years")) || 0;
    const first = Number(g("cycle_first_year")) || 0;
    if (years && first) {
      /* the cycle that holds the current year */
      const now = currentSchoolYear();
      const start = now >= first ? first + Math.floor((now - first) / years) * years : first;
      add("cycle_years", "d_pol_cycle", { years, first: start, last: start + years - 1 });
    }
    if (g("hours_cycle")) add("hours_cycle", "d_pol_hours_cycle", { n: g("hours_cycle") });
    if (g("hours_year")) add("hours_year", "d_pol_hours_year", { n: g("hours_year") });
    if (g("school_hours_year")) add("school_hours_year", "d_pol_school_hours", { n: g("school_hours_year") });
    if (g("ethics_hours_cycle")) add("ethics_hours_cycle", "d_pol_ethics", { n: g("ethics_hours_cycle") });
    if (g("centralized_hours_cycle")) add("centralized_hours_cycle", "d_pol_centralized", { n: g("centralized_hours_cycle") });
    if (g("homeroom_hours_cycle")) add("homeroom_hours_cycle", "d_pol_homeroom", { n: g("homeroom_hours_cycle") });
    if (g("absence_limit")) add("absence_limit", "d_pol_absence", { n: g("absence_limit") });
    if (g("group_short_percent")) add("group_short_percent", "d_pol_group", { n: g("group_short_percent") });
    if (g("credits_enabled") === "yes") add("credits_enabled", "d_pol_credits_on", { n: g("credits_year"), f: g("credit_factor") });
    else if (g("credits_enabled")) add("credits_enabled", "d_pol_credits_off", {});
    if (g("year_basis")) add("year_basis", g("year_basis") === "calendar" ? "d_pol_basis_calendar" : "d_pol_basis_school", {});
    if (g("deadline_day")) add("deadline_day", "d_pol_deadline", { n: g("deadline_day") });
    if (g("non_creditable")) add("non_creditable", "d_pol_noncred", { words: g("non_creditable").split(/\s*,\s*/).join(t("d_list_sep")) });
    mount(
      box,
      h(
        "p",
        { class: "muted" },
        p.version ? t("d_policy_version", { v: p.version, date: p.effective }) : t("d_policy_defaults"),
      ),
      h("ul", { class: "policy card", "data-testid": "policy" }, items.map(([k, s]) => h("li", { "data-key": k }, s))),
      h("details", null, h("summary", null, t("d_pol_raw")), h("pre", { class: "ini" }, p.ini)),
      h("p", { class: "muted small" }, t("d_pol_readonly")),
    );
  });
}
