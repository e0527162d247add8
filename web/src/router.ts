// router: hash routes (#/school/upload, #/district/unit/3301020001), so the
// daemon serves one index.html and never needs to know the console's pages.
import type { Me } from "./api";

export type Params = Record<string, string>;
/** A menu entry: [path, text, the other route prefixes whose pages it is active on]. */
export type MenuItem = [string, string, string[]?];
/** Draws a page into `root`; `params` are the route's :names, decoded. */
export type Page = (root: HTMLElement, params: Params, me: Me) => Promise<void> | void;

interface Route {
  re: RegExp;
  names: string[];
  page: Page;
  roles: string[];
}

const routes: Route[] = [];

/** Adds a route such as "/district/unit/:code" for the given roles. */
export function route(pattern: string, roles: string[], page: Page): void {
  const names: string[] = [];
  const re = new RegExp(
    "^" +
      pattern.replace(/:(\w+)/g, (_m, n: string) => {
        names.push(n);
        return "([^/]+)";
      }) +
      "$",
  );
  routes.push({ re, names, page, roles });
}

export interface Match {
  page: Page;
  params: Params;
  roles: string[];
}

/** The route of a hash ("#/school"), with its query (?a=b) as params too. */
export function match(hash: string): Match | null {
  const [path, query] = hash.replace(/^#/, "").split("?", 2);
  for (const r of routes) {
    const m = r.re.exec(path || "/");
    if (!m) continue;
    const params: Params = {};
    r.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1])));
    new URLSearchParams(query ?? "").forEach((v, k) => (params[k] = v));
    return { page: r.page, params, roles: r.roles };
  }
  return null;
}

/** Goes to a route ("/district/unit/3301020001", params as its query). */
export function go(path: string, params?: Record<string, string>): void {
  const q = params ? "?" + new URLSearchParams(params).toString() : "";
  location.hash = "#" + path + q;
}
