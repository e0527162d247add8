// 上传月报 (#/school/upload): the month, the files (one .xlsx workbook or the
// CSV files), "先检查" (check only) and "提交". Every problem at its cell, as
// the CLI prints them; on success the figures and flags in words. One
// idempotency key per (month, files): a repeat after an unknown outcome is
// answered with the first result and writes nothing new.
import { RpcError, rpc, type Me } from "../../api";
import { h, mount } from "../../dom";
import { FlagKind, ReportStatus, type FieldViolation, type ReportSummary } from "../../gen/yanxiu_pb";
import { codeOf, enumLabel, hours, label, t } from "../../i18n";
import type { Params } from "../../router";
import { errorBox, okBox } from "../../ui";
import { addMonths, monthText, newKey, policy, reportingMonth, statusCode, today } from "./common";

export async function uploadPage(root: HTMLElement, params: Params, me: Me): Promise<void> {
  const day = today();
  let month = params.month ?? "";
  const [p, list] = await Promise.all([policy(), rpc({ case: "listReports", value: { unitCode: me.unit } }, "reportList")]);
  const byMonth = new Map<string, ReportSummary>();
  for (const r of list.reports) if (!byMonth.has(r.month)) byMonth.set(r.month, r);
  if (!/^\d{4}-\d{2}$/.test(month)) month = reportingMonth(day, p, byMonth);

  // The months a coordinator may pick: this school year and the one before, newest first.
  const thisMonth = day.slice(0, 7);
  const monthSel = h("select", { id: "upload-month", "data-testid": "upload-month" });
  const months: string[] = [];
  for (let i = 0; i < 24; i++) months.push(addMonths(thisMonth, -i));
  if (!months.includes(month)) months.push(month);
  for (const m of months) monthSel.appendChild(h("option", { value: m, selected: m === month }, monthText(m)));

  const fileIn = h("input", {
    type: "file",
    id: "upload-file",
    multiple: true,
    accept: ".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv",
    "data-testid": "upload-file",
  });
  const chosen = h("div", { class: "muted", "data-testid": "upload-chosen" }, t("s_no_files"));
  const emptyBox = h("input", { type: "checkbox", id: "upload-empty", "data-testid": "upload-empty" });
  const emptyReason = h("input", { id: "upload-reason", "data-testid": "upload-reason", placeholder: t("s_empty_reason_ph"), maxlength: 200 });
  const summary = h("textarea", { id: "upload-summary", rows: 3, placeholder: t("s_summary_ph"), "data-testid": "upload-summary" });
  const checkBtn = h("button", { type: "button", "data-testid": "upload-check" }, t("s_check"));
  const submitBtn = h("button", { type: "button", class: "primary", "data-testid": "upload-submit" }, t("s_submit"));
  const out = h("div", { class: "upload-out", "aria-live": "polite" });

  // The key of this submission: kept while the month, the files and the texts stay the same.
  let key = newKey();
  const renew = () => {
    key = newKey();
  };

  const showChosen = () => {
    const fs = Array.from(fileIn.files ?? []);
    mount(chosen, fs.length ? t("s_files_chosen", { n: fs.length, names: fs.map((f) => f.name).join(t("s_list_sep")) }) : t("s_no_files"));
    renew();
    out.replaceChildren();
  };
  fileIn.addEventListener("change", showChosen);
  // What the chosen month already has: a returned month's reason, a locked month.
  const note = h("div", { "data-testid": "upload-month-note" });
  const showNote = () => {
    const r = byMonth.get(monthSel.value);
    if (!r) {
      mount(note);
      return;
    }
    const v = { version: r.version, next: r.version + 1 };
    if (r.status === ReportStatus.RETURNED || r.status === ReportStatus.REOPENED)
      mount(note, h("div", { class: "alert warn reason-box" }, h("strong", null, t(r.status === ReportStatus.RETURNED ? "s_returned_reason" : "s_reopened_reason")), h("p", { class: "reason" }, r.returnReason || t("s_no_reason_given")), h("p", null, t("s_note_new_version", v))));
    else if (r.status === ReportStatus.APPROVED) mount(note, h("div", { class: "alert" }, t("s_note_approved")));
    else if (r.status === ReportStatus.VOIDED) mount(note, h("div", { class: "alert" }, t("s_note_voided")));
    else mount(note, h("div", { class: "alert" }, t("s_note_submitted", v)));
  };
  showNote();
  monthSel.addEventListener("change", () => {
    renew();
    out.replaceChildren();
    showNote();
  });
  for (const el of [emptyReason, summary]) el.addEventListener("input", renew);
  emptyBox.addEventListener("change", () => {
    renew();
    fileIn.disabled = emptyBox.checked;
    emptyReason.disabled = !emptyBox.checked;
  });
  emptyReason.disabled = true;

  async function send(checkOnly: boolean): Promise<void> {
    const fs = Array.from(fileIn.files ?? []);
    const empty = emptyBox.checked;
    if (!empty && !fs.length) {
      mount(out, h("div", { class: "alert error", role: "alert" }, t("s_choose_files_first")));
      return;
    }
    const bad = fs.filter((f) => !/\.(xlsx|csv)$/i.test(f.name));
    if (!empty && bad.length) {
      mount(out, h("div", { class: "alert error", role: "alert" }, t("s_wrong_file_kind", { names: bad.map((f) => f.name).join(t("s_list_sep")) })));
      return;
    }
    checkBtn.disabled = submitBtn.disabled = true;
    mount(out, h("p", { class: "muted" }, checkOnly ? t("s_checking") : t("s_submitting")));
    try {
      const files = empty ? [] : await Promise.all(fs.map(async (f) => ({ name: f.name, data: new Uint8Array(await f.arrayBuffer()) })));
      const r = await rpc(
        {
          case: "submitReport",
          value: {
            month: monthSel.value,
            idempotencyKey: key,
            files,
            checkOnly,
            empty,
            reason: empty ? emptyReason.value.trim() : "",
            summary: summary.value.trim(),
          },
        },
        "reportReply",
        !checkOnly,
      );
      if (checkOnly) {
        // a check writes nothing: the real submission gets a key of its own
        renew();
        mount(out, checked(r));
      } else {
        byMonth.set(r.month, r);
        showNote();
        mount(out, result(r));
      }
    } catch (e) {
      if (e instanceof RpcError && e.outcomeUnknown) {
        mount(
          out,
          h(
            "div",
            { class: "alert warn", role: "alert", "data-testid": "upload-unknown" },
            h("p", null, h("strong", null, t("s_unknown_title"))),
            h("p", null, t("s_unknown_body")),
            h(
              "div",
              { class: "row" },
              h("button", { type: "button", class: "primary", on: { click: () => void send(false) } }, t("s_unknown_retry")),
              h("a", { href: `#/school/reports?month=${monthSel.value}` }, t("s_unknown_history")),
            ),
          ),
        );
      } else {
        const vs = e instanceof RpcError ? e.violations : [];
        mount(
          out,
          vs.length ? h("p", { class: "problems-head" }, h("strong", null, t("s_problems_fix"))) : null,
          vs.length > 10 ? problemGroups(vs) : null,
          errorBox(e),
        );
      }
    } finally {
      checkBtn.disabled = submitBtn.disabled = false;
    }
  }
  checkBtn.addEventListener("click", () => void send(true));
  submitBtn.addEventListener("click", () => void send(false));

  mount(
    root,
    h("h1", null, t("s_upload_title")),
    h(
      "div",
      { class: "card" },
      h("p", { class: "muted" }, t("s_upload_intro")),
      h("div", { class: "form-grid" },
        h("label", { for: "upload-month" }, t("s_month")),
        monthSel,
        h("span"),
        note,
        h("label", { for: "upload-file" }, t("s_files")),
        h("div", null, fileIn, h("div", { class: "muted small" }, t("s_files_hint")), chosen),
        h("span"),
        h("label", { class: "check" }, emptyBox, " ", t("s_empty_month")),
        h("label", { for: "upload-reason" }, t("s_empty_reason")),
        emptyReason,
        h("label", { for: "upload-summary" }, t("s_summary")),
        summary,
      ),
      h("div", { class: "row" }, checkBtn, submitBtn, h("span", { class: "muted small" }, t("s_check_hint"))),
    ),
    out,
  );
}

/**
 * A long list of problems in a few lines: how many at each column and of each
 * kind (an unfilled sign-in column is 90 rows of the same problem).
 */
function problemGroups(vs: FieldViolation[]): HTMLElement | null {
  const groups = new Map<string, { v: FieldViolation; n: number; rows: number[] }>();
  for (const v of vs) {
    const k = [v.file, v.sheet, v.header || v.column, v.code].join("\u0000");
    const g = groups.get(k);
    if (g) {
      g.n++;
      if (v.row) g.rows.push(v.row);
    } else groups.set(k, { v, n: 1, rows: v.row ? [v.row] : [] });
  }
  if (groups.size >= vs.length) return null;
  return h(
    "div",
    { class: "alert warn", "data-testid": "problem-groups" },
    h("p", null, h("strong", null, t("s_groups_head"))),
    h(
      "ul",
      null,
      [...groups.values()].map((g) =>
        h(
          "li",
          null,
          ...(g.v.sheet || g.v.file
            ? [[g.v.sheet || g.v.file, g.v.header ? t("pr_header_quoted", { h: g.v.header }) : g.v.column].filter(Boolean).join(" "), t("s_colon"), t("s_groups_n", { n: g.n })]
            : []),
          g.rows.length > 1 ? t("s_groups_rows", { a: Math.min(...g.rows), b: Math.max(...g.rows) }) : "",
          g.v.sheet || g.v.file ? " — " : "",
          g.n > 1 ? t("s_groups_eg") : "",
          g.v.message,
        ),
      ),
    ),
  );
}

function figures(r: ReportSummary): HTMLElement {
  if (r.empty) return h("p", { "data-k": "empty" }, t("s_empty_report"));
  return h(
    "ul",
    { class: "figures" },
    h("li", { "data-k": "activities" }, t("s_r_activities", { n: r.activityCount })),
    h("li", { "data-k": "signins" }, t("s_r_signins", { n: r.attendanceCount })),
    r.externalCount ? h("li", { "data-k": "external" }, t("s_r_external", { n: r.externalCount })) : null,
    // a check writes nothing: the daemon counts the hours and looks for flags only on submission
    r.checked ? null : h("li", { "data-k": "teacher-hours" }, t("s_r_teacher_hours", { n: hours(r.teacherHours) })),
  );
}

export function flagList(r: ReportSummary): HTMLElement {
  const n = r.flagCount || r.flags.length;
  if (!n) return h("p", { "data-k": "flags", class: "muted" }, t("s_r_no_flags"));
  // the same signal for many teachers (two activities at once) is one line with their codes
  const groups = new Map<string, { kind: FlagKind; detail: string; teachers: string[] }>();
  for (const f of r.flags) {
    const k = `${f.kind}\u0000${f.detail}`;
    const g = groups.get(k) ?? { kind: f.kind, detail: f.detail, teachers: [] };
    if (f.teacherCode && !f.detail.includes(f.teacherCode)) g.teachers.push(f.teacherCode);
    groups.set(k, g);
  }
  return h(
    "div",
    { "data-k": "flags", class: "alert warn flags", "data-flags": String(n) },
    h("p", null, h("strong", null, t("s_r_flags", { n })), " ", t("s_r_flags_hint")),
    h(
      "ul",
      null,
      [...groups.values()].map((g) =>
        h(
          "li",
          { "data-flag": codeOf(FlagKind, g.kind) },
          h("strong", null, enumLabel("flag", FlagKind, g.kind)),
          t("s_colon"),
          g.detail,
          g.teachers.length ? h("div", { class: "small" }, t("s_r_flag_teachers", { n: g.teachers.length, codes: g.teachers.join(t("s_list_sep")) })) : null,
        ),
      ),
    ),
    n > r.flags.length ? h("p", { class: "muted" }, t("s_r_flags_more", { n: n - r.flags.length })) : null,
  );
}

function checked(r: ReportSummary): HTMLElement {
  return okBox(
    h("p", { "data-testid": "upload-checked" }, h("strong", null, t("s_checked_ok", { month: monthText(r.month) }))),
    figures(r),
    r.flags.length || r.flagCount ? flagList(r) : h("p", { class: "muted" }, t("s_checked_flags_later")),
    h("p", null, t("s_checked_next")),
  );
}

function result(r: ReportSummary): HTMLElement {
  const code = statusCode(r);
  return h(
    "div",
    { class: "alert ok", role: "status", "data-testid": "upload-result", "data-version": String(r.version) },
    h(
      "p",
      null,
      h("strong", null, r.replayed ? t("s_replayed", { month: monthText(r.month), version: r.version }) : t("s_submitted_ok", { month: monthText(r.month), version: r.version })),
    ),
    h("p", null, t("s_status"), t("s_colon"), label("report_status", code), " · ", r.onTime ? t("s_on_time") : t("s_late")),
    figures(r),
    flagList(r),
    h("p", null, t("s_after_submit"), " ", h("a", { href: "#/school/reports?month=" + r.month }, t("s_see_history")), " · ", h("a", { href: "#/school" }, t("school_home"))),
  );
}
