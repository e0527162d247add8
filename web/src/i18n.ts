// i18n: every word a person reads comes from a catalog (locales/), zh-CN by
// default, English by the switch in the header; the labels of the
// enumerations come from the same gettext catalogs as the CLI's (src/gen/labels.ts).
import { LABELS } from "./gen/labels";
import { en } from "./locales/en";
import { zhCN, type MsgKey } from "./locales/zh-CN";

export type Lang = "zh-CN" | "en";
const KEY = "yanxiu.lang";

export function lang(): Lang {
  const v = localStorage.getItem(KEY);
  return v === "en" ? "en" : "zh-CN";
}

export function setLang(l: Lang): void {
  localStorage.setItem(KEY, l);
  document.documentElement.lang = l;
}

/** The message `key` in the current language, `{name}` replaced by args.name. */
export function t(key: MsgKey, args?: Record<string, string | number>): string {
  const cat: Record<MsgKey, string> = lang() === "en" ? en : zhCN;
  return cat[key].replace(/\{(\w+)\}/g, (m, name: string) =>
    args && name in args ? String(args[name]) : m,
  );
}

/** How the term `code` of the vocabulary `vocab` (category, report_status, ...) is shown. */
export function label(vocab: string, code: string): string {
  return LABELS[lang()]?.[vocab]?.[code] ?? code;
}

/** The stable code of a protobuf enum value: Category.MENTAL_HEALTH -> "mental_health". */
export function codeOf(e: Record<number, string>, v: number): string {
  return (e[v] ?? "").toLowerCase();
}

/** label() of a protobuf enum value. */
export function enumLabel(vocab: string, e: Record<number, string>, v: number): string {
  return label(vocab, codeOf(e, v));
}

/** A number as a person reads it: at most one decimal for hours. */
export function hours(n: number): string {
  return (Math.round(n * 10) / 10).toLocaleString(lang());
}
