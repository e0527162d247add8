// dom: building the page from elements and text nodes only. Nothing here
// (or anywhere in the console) assigns innerHTML: a teacher named
// <img src=x onerror=...> is shown as the text it is.

export type Child = Node | string | number | null | undefined | false | Child[];

export interface Attrs {
  [name: string]: string | number | boolean | null | undefined | EventListener | Record<string, EventListener>;
}

function append(el: Node, c: Child): void {
  if (c === null || c === undefined || c === false) return;
  if (Array.isArray(c)) {
    for (const x of c) append(el, x);
    return;
  }
  el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
}

/** An element with attributes (`on` = {event: listener}) and children (text is text). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "on") {
      for (const [ev, fn] of Object.entries(v as Record<string, EventListener>)) el.addEventListener(ev, fn);
    } else if (typeof v === "function") {
      el.addEventListener(k.replace(/^on/, ""), v as EventListener);
    } else if (k === "value" && "value" in el) {
      (el as HTMLInputElement).value = String(v);
    } else if (k === "checked" && "checked" in el) {
      (el as HTMLInputElement).checked = Boolean(v);
    } else {
      el.setAttribute(k, v === true ? "" : String(v));
    }
  }
  append(el, children);
  return el;
}

/** Replaces everything in `el` with `children`. */
export function mount(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** A table: header labels and rows of cells (each cell any Child). */
export function table(headers: Child[], rows: Child[][], attrs?: Attrs): HTMLTableElement {
  return h(
    "table",
    { class: "grid", ...(attrs ?? {}) },
    h("thead", null, h("tr", null, headers.map((x) => h("th", null, x)))),
    h("tbody", null, rows.map((r) => h("tr", null, r.map((x) => h("td", null, x))))),
  );
}

/** Saves bytes as a file the browser downloads (an XLSX, a CSV). */
export function download(name: string, data: Uint8Array | string, type: string): void {
  const blob = new Blob([data as BlobPart], { type });
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: name });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
