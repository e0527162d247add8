// ui: the pieces every page uses: an error box that shows a daemon's Error
// with each problem at its place (file, sheet, row, column, value), a pager
// for server-side paging, progress bars and status badges.
import type { FieldViolation } from "./gen/yanxiu_pb";
import { RpcError } from "./api";
import { h, type Child } from "./dom";
import { t } from "./i18n";

/** Where a problem is, as the CLI prints it: 月报.xlsx 签到表!C5「姓名」"张三". */
export function problemPlace(v: FieldViolation): string {
  const parts: string[] = [];
  if (v.file) parts.push(v.file);
  if (v.sheet || v.row) parts.push(`${v.sheet}${v.sheet ? "!" : ""}${v.column}${v.row || ""}`);
  if (v.header) parts.push(t("pr_header_quoted", { h: v.header }));
  if (!v.file && !v.sheet && v.path) parts.push(v.path);
  return parts.join(" ");
}

/** The problems of an Error as a table: file, sheet, row, column, header, value, message. */
export function problemsTable(vs: FieldViolation[]): HTMLElement {
  return h(
    "table",
    { class: "grid problems", "data-testid": "problems" },
    h(
      "thead",
      null,
      h("tr", null, [t("pr_file"), t("pr_sheet"), t("pr_row"), t("pr_col"), t("pr_header"), t("pr_value"), t("pr_message")].map((x) => h("th", null, x))),
    ),
    h(
      "tbody",
      null,
      vs.map((v) =>
        h(
          "tr",
          { "data-code": v.code },
          h("td", null, v.file),
          h("td", null, v.sheet),
          h("td", { class: "num" }, v.row ? String(v.row) : ""),
          h("td", null, v.column),
          h("td", null, v.header || (!v.sheet ? v.path : "")),
          h("td", { class: "value" }, v.value),
          h("td", null, v.message),
        ),
      ),
    ),
  );
}

/** A box saying what went wrong: the message, then every problem at its place. */
export function errorBox(e: unknown): HTMLElement {
  if (e instanceof RpcError) {
    return h(
      "div",
      { class: "alert error", role: "alert" },
      h("p", null, e.message),
      e.violations.length ? problemsTable(e.violations) : null,
    );
  }
  console.error(e);
  return h("div", { class: "alert error", role: "alert" }, h("p", null, String(e instanceof Error ? e.message : e)));
}

export function okBox(...children: Child[]): HTMLElement {
  return h("div", { class: "alert ok", role: "status" }, children);
}

/** A progress bar of `value` against `goal` (hours), the numbers beside it. */
export function progress(value: number, goal: number, state: "ok" | "warn" | "bad" = "ok"): HTMLElement {
  const pct = goal > 0 ? Math.min(100, (value / goal) * 100) : 100;
  const bar = h("span", { class: `bar-fill ${state}` });
  bar.style.width = `${pct.toFixed(1)}%`;
  return h(
    "span",
    { class: "progress", title: `${value} / ${goal}` },
    h("span", { class: "bar" }, bar),
    h("span", { class: "bar-text" }, `${Math.round(value * 10) / 10} / ${goal}`),
  );
}

/** A coloured label of a status code (its text from the catalogs). */
export function badge(code: string, text: string): HTMLElement {
  return h("span", { class: `badge s-${code}` }, text);
}

/**
 * A pager for a list the daemon pages: calls `load(offset)` on a click.
 * `total` rows, `limit` per page, now at `offset`.
 */
export function pager(total: number, limit: number, offset: number, load: (offset: number) => void): HTMLElement {
  const pages = Math.max(1, Math.ceil(total / limit));
  const page = Math.floor(offset / limit) + 1;
  return h(
    "div",
    { class: "pager" },
    h("button", { type: "button", disabled: page <= 1, on: { click: () => load(Math.max(0, offset - limit)) } }, t("prev_page")),
    h("span", null, t("page_of", { page, pages, total })),
    h("button", { type: "button", disabled: page >= pages, on: { click: () => load(offset + limit) } }, t("next_page")),
  );
}

/** "Loading…" while `work` runs; its error (if any) shown in place. */
export async function loading(root: HTMLElement, work: () => Promise<void>): Promise<void> {
  root.replaceChildren(h("p", { class: "muted" }, t("loading")));
  try {
    await work();
  } catch (e) {
    root.replaceChildren(errorBox(e));
  }
}
