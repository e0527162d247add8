#!/usr/bin/env node
// web_catalog: every word of the web console comes from its catalogs.
//  1. No .ts file under web/src (but locales/ and gen/) has a CJK character
//     outside its comments: Chinese text belongs in locales/*.ts (zh and en).
//  2. Each catalog file of web/src/locales (common.ts, school.ts, district.ts)
//     has the same keys in `zh` and `en` (TypeScript checks that en has every
//     key of zh; this also finds an English message left over after its
//     Chinese one went), and no key is in two areas (the spread in zh-CN.ts
//     would silently keep only the last).
// Usage: node web_catalog.mjs <source dir>. No packages: node alone.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = process.argv[2] ?? ".";
const src = join(root, "web", "src");
const problems = [];

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name === "locales" || name === "gen" || name === "node_modules") continue;
      out.push(...walk(p));
    } else if (name.endsWith(".ts")) out.push(p);
  }
  return out;
}

// Han, CJK punctuation, kana, hangul and fullwidth forms.
const CJK = /[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]/;

/**
 * The text of a TypeScript file with its comments blanked out (newlines
 * kept, so line numbers hold). Strings, template literals (with nested
 * ${...}) and regular-expression literals are kept as they are.
 */
export function stripComments(text) {
  let out = "";
  let i = 0;
  const n = text.length;
  const braces = []; // for each open template ${: the depth of { inside it
  let prevSignificant = ""; // the last non-blank character outside comments
  let prevWord = "";
  const blank = (s) => s.replace(/[^\n]/g, " ");
  const regexAllowed = () =>
    prevSignificant === "" ||
    "(,=:[!&|?{};+-*%<>~^".includes(prevSignificant) ||
    /^(return|typeof|case|do|else|in|of|new|delete|void|throw|yield|await)$/.test(prevWord);
  function readString(q) {
    let j = i + 1;
    while (j < n && text[j] !== q) {
      if (text[j] === "\\") j++;
      else if (text[j] === "\n") break;
      j++;
    }
    return j + 1;
  }
  // reads a template from i (at ` or at the } closing a ${...}) to its end or next ${
  function readTemplate() {
    let j = i + 1;
    while (j < n) {
      if (text[j] === "\\") j += 2;
      else if (text[j] === "`") return [j + 1, false];
      else if (text[j] === "$" && text[j + 1] === "{") return [j + 2, true];
      else j++;
    }
    return [j, false];
  }
  while (i < n) {
    const c = text[i];
    const d = text[i + 1];
    if (c === "/" && d === "/") {
      let j = text.indexOf("\n", i);
      if (j < 0) j = n;
      out += blank(text.slice(i, j));
      i = j;
      continue;
    }
    if (c === "/" && d === "*") {
      let j = text.indexOf("*/", i + 2);
      j = j < 0 ? n : j + 2;
      out += blank(text.slice(i, j));
      i = j;
      continue;
    }
    let j;
    if (c === '"' || c === "'") {
      j = readString(c);
    } else if (c === "`" || (c === "}" && braces.length && braces[braces.length - 1] === 0)) {
      if (c === "}") braces.pop();
      const [end, opens] = readTemplate();
      if (opens) braces.push(0);
      j = end;
    } else if (c === "/" && regexAllowed()) {
      j = i + 1;
      let inClass = false;
      while (j < n && text[j] !== "\n") {
        if (text[j] === "\\") j++;
        else if (text[j] === "[") inClass = true;
        else if (text[j] === "]") inClass = false;
        else if (text[j] === "/" && !inClass) break;
        j++;
      }
      j++;
      while (j < n && /[a-z]/i.test(text[j])) j++;
    } else {
      if (c === "{" && braces.length) braces[braces.length - 1]++;
      else if (c === "}" && braces.length) braces[braces.length - 1]--;
      j = i + 1;
      if (/[A-Za-z_$]/.test(c)) {
        while (j < n && /[\w$]/.test(text[j])) j++;
        prevWord = text.slice(i, j);
        prevSignificant = text[j - 1];
        out += text.slice(i, j);
        i = j;
        continue;
      }
    }
    const piece = text.slice(i, j);
    out += piece;
    if (!/^\s+$/.test(piece)) {
      prevSignificant = piece[piece.length - 1];
      prevWord = "";
    }
    i = j;
  }
  return out;
}

for (const file of walk(src)) {
  const lines = stripComments(readFileSync(file, "utf8")).split("\n");
  lines.forEach((line, k) => {
    const m = CJK.exec(line);
    if (m)
      problems.push(
        `${relative(root, file)}:${k + 1}: "${line.trim().slice(0, 80)}": Chinese text outside the catalogs (web/src/locales/*.ts)`,
      );
  });
}

// The keys of `export const NAME ... = { ... };` in a catalog file: the
// properties at the object's first level.
function keysOf(text, name, file) {
  const start = new RegExp(`^export const ${name}\\b[^=]*=\\s*\\{`, "m").exec(text);
  if (!start) {
    problems.push(`${file}: no "export const ${name} = {"`);
    return [];
  }
  const body = stripComments(text.slice(start.index + start[0].length));
  const keys = [];
  let depth = 0;
  let i = 0;
  let atItem = true; // at the start of a property
  while (i < body.length) {
    const c = body[i];
    if (c === '"' || c === "'" || c === "`") {
      // a string: skip (the value of a property, or a quoted key)
      let j = i + 1;
      while (j < body.length && body[j] !== c) j += body[j] === "\\" ? 2 : 1;
      if (depth === 0 && atItem) {
        const after = /^\s*:/.exec(body.slice(j + 1));
        if (after) keys.push(body.slice(i + 1, j));
      }
      atItem = false;
      i = j + 1;
      continue;
    }
    if (c === "{" || c === "(" || c === "[") depth++;
    else if (c === ")" || c === "]") depth--;
    else if (c === "}") {
      if (depth === 0) break;
      depth--;
    } else if (c === "," && depth === 0) atItem = true;
    else if (depth === 0 && atItem && /[A-Za-z_$]/.test(c)) {
      const m = /^[\w$]+(?=\s*:)/.exec(body.slice(i));
      if (m) keys.push(m[0]);
      atItem = false;
      i += m ? m[0].length : 1;
      continue;
    } else if (!/\s/.test(c)) atItem = false;
    i++;
  }
  return keys;
}

const owner = new Map();
for (const area of ["common", "school", "district"]) {
  const file = join("web", "src", "locales", area + ".ts");
  const text = readFileSync(join(root, file), "utf8");
  const zh = keysOf(text, "zh", file);
  const en = keysOf(text, "en", file);
  if (zh.length === 0) problems.push(`${file}: no keys found in zh`);
  const zs = new Set(zh);
  const es = new Set(en);
  for (const k of zh) if (!es.has(k)) problems.push(`${file}: "${k}" is in zh but not in en`);
  for (const k of en) if (!zs.has(k)) problems.push(`${file}: "${k}" is in en but not in zh (left over?)`);
  for (const [name, list] of [["zh", zh], ["en", en]]) {
    const seen = new Set();
    for (const k of list) {
      if (seen.has(k)) problems.push(`${file}: "${k}" twice in ${name}`);
      seen.add(k);
    }
  }
  for (const k of zs) {
    if (owner.has(k)) problems.push(`${file}: "${k}" is also a key of ${owner.get(k)}`);
    else owner.set(k, file);
  }
}

if (problems.length) {
  for (const p of problems) console.error(p);
  console.error(`web_catalog: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log(`web_catalog: ${walk(src).length} files without Chinese outside the catalogs; ${owner.size} keys, zh = en`);
