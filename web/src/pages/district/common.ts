// What the district's pages share: the year they look at, numbers written
// exactly as the CLI writes them (so a table here reads the same as
// `yanxiu ... --format csv`), reasons in words, the export button.
import type { MessageInitShape } from "@bufbuild/protobuf";
import { me, rpc, RpcError } from "../../api";
import { download, h } from "../../dom";
import { ComplianceQuerySchema, type Reason, WorkbookKind } from "../../gen/yanxiu_pb";
import { t } from "../../i18n";
import type { MsgKey } from "../../locales/zh-CN";
import { go } from "../../router";
import { errorBox } from "../../ui";

/** Today's date in Asia/Shanghai (the daemon's calendar): [year, month 1-12, day]. */
export function shanghaiToday(): [number, number, number] {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: "Asia/Shanghai",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).formatToParts(new Date());
  const get = (k: string) => Number(parts.find((p) => p.type === k)?.value ?? 0);
  return [get("year"), get("month"), get("day")];
}

/** The school year of today (September to August): 2026 from 2026-09 to 2027-08. */
export function currentSchoolYear(): number {
  const [y, m] = shanghaiToday();
  return m >= 9 ? y : y - 1;
}

/** The year a page looks at: ?year=YYYY, else the current school year. */
export function pageYear(params: Record<string, string>): number {
  const y = Number(params.year);
  return Number.isInteger(y) && y >= 2000 && y <= 2100 ? y : currentSchoolYear();
}

/**
 * printf("%.<d>f", v) as glibc writes it: JavaScript's toFixed rounds an exact
 * tie (12.25 to one decimal) away from zero, glibc to the even digit.
 */
export function cfixed(v: number, d: number): string {
  if (!Number.isFinite(v)) return String(v);
  const s = v.toFixed(d);
  const exact = Math.abs(v).toFixed(Math.min(100, d + 70));
  const dot = exact.indexOf(".");
  const tail = exact.slice(dot + 1 + d);
  if (!/^50*$/.test(tail)) return s;
  const kept = exact.slice(0, dot + 1 + d).replace(/\.$/, "");
  const last = Number(kept[kept.length - 1]);
  if (last % 2 !== 0) return s; /* odd: up, as toFixed did */
  return (v < 0 ? "-" : "") + kept;
}

/** A rate 0..1 as the CLI's CSV and table write it: 87.5%. */
export function rate(v: number): string {
  return cfixed(v * 100, 1) + "%";
}

/** A count as the CLI writes it (%.0f). */
export function count(v: number): string {
  return cfixed(v, 0);
}

/** Hours as the CLI's table and CSV write them (%.1f). */
export function hours1(v: number): string {
  return cfixed(v, 1);
}

/** 40, 40.5: at most one decimal, no trailing .0 (the CLI's reasons). */
export function shortNumber(v: number): string {
  return cfixed(v, 1).replace(/\.0$/, "");
}

const RULES = new Set([
  "hours_year",
  "school_hours_year",
  "hours_cycle",
  "ethics_hours_cycle",
  "centralized_hours_cycle",
  "homeroom_hours_cycle",
  "unexcused_absences",
  "credits_year",
]);

/** The name of a rule in the reader's language (年度学时). */
export function ruleLabel(rule: string): string {
  return RULES.has(rule) ? t(("d_rule_" + rule) as MsgKey) : rule;
}

/** "年度学时不足 40/72；校本学时不足 10/24", as the CLI prints reasons for people. */
export function reasonsText(rs: Reason[]): string {
  return rs
    .map((r) =>
      t(r.rule === "unexcused_absences" ? "d_reason_limit" : "d_reason_short", {
        rule: ruleLabel(r.rule),
        had: shortNumber(r.had),
        needed: shortNumber(r.needed),
      }),
    )
    .join(t("d_reason_sep"));
}

/** A year selector from five years back to the current one; changing it reloads `path`. */
export function yearSelect(path: string, year: number, params: Record<string, string>): HTMLElement {
  const cur = currentSchoolYear();
  const years: number[] = [];
  for (let y = Math.max(cur, year); y >= Math.min(cur - 5, year); y--) years.push(y);
  const sel = h(
    "select",
    {
      "data-testid": "year",
      "aria-label": t("d_year"),
      on: { change: () => go(path, { ...params, year: sel.value }) },
    },
    years.map((y) => h("option", { value: String(y), selected: y === year }, t("d_year_opt", { year: y }))),
  );
  return h("label", { class: "inline" }, t("d_year"), " ", sel);
}

type Query = MessageInitShape<typeof ComplianceQuerySchema>;

/**
 * A button that asks the daemon for the workbook of a view (the CLI's xlsx,
 * made by the daemon) and saves it. Nothing is made here: when the daemon
 * cannot, its error is shown beside the button.
 */
export function exportButton(kind: WorkbookKind, query: () => Query, testid: string, teacherCode = ""): HTMLElement {
  const msg = h("span", { class: "export-msg", "aria-live": "polite" });
  const btn = h("button", { type: "button", "data-testid": testid }, t("d_export"));
  btn.addEventListener("click", async () => {
    btn.disabled = true;
    msg.replaceChildren(h("span", { class: "muted" }, t("d_exporting")));
    try {
      const f = await rpc({ case: "workbook", value: { kind, query: { districtCode: districtCode(), ...query() }, teacherCode } }, "file");
      download(
        f.name || "yanxiu.xlsx",
        f.data,
        f.contentType || "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      );
      msg.replaceChildren(h("span", { class: "muted" }, t("d_exported", { name: f.name })));
    } catch (e) {
      msg.replaceChildren(errorBox(e));
    } finally {
      btn.disabled = false;
    }
  });
  return h("span", { class: "export" }, btn, msg);
}

/** True when a failed write may or may not have been carried out. */
export function outcomeUnknown(e: unknown): boolean {
  return e instanceof RpcError && (e.outcomeUnknown || e.reason === "outcome_unknown");
}

/** A table cell with its CSV key (td[data-col=key]). */
export function col(key: string, text: string, num = false): HTMLTableCellElement {
  return h("td", { "data-col": key, class: num ? "num" : null }, text);
}

/** A header row's cell, right-aligned for numbers. */
export function th(text: string, num = false): HTMLTableCellElement {
  return h("th", { class: num ? "num" : null }, text);
}

const ADMIN_DISTRICT = "yanxiu.admin.district";

/**
 * The district an admin looks at (requests name it: district_code is "admin
 * only"); "" for a district account, whose own district the daemon takes.
 */
export function districtCode(): string {
  return me()?.role === "admin" ? (sessionStorage.getItem(ADMIN_DISTRICT) ?? "") : "";
}

/** For an admin: the 6-digit district to look at, kept for this tab. */
export function districtPicker(onPick: () => void): HTMLElement {
  const input = h("input", {
    name: "district",
    value: districtCode(),
    placeholder: "411423",
    inputmode: "numeric",
    size: 8,
    pattern: "[0-9]{6}",
    required: true,
    "data-testid": "admin-district",
  });
  return h(
    "form",
    {
      class: "row admin-district no-print",
      on: {
        submit: (ev: Event) => {
          ev.preventDefault();
          sessionStorage.setItem(ADMIN_DISTRICT, input.value.trim());
          onPick();
        },
      },
    },
    h("label", null, t("d_admin_district"), " ", input),
    h("button", { type: "submit" }, t("d_apply")),
  );
}
