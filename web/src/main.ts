// The console's entry: the frame (title, who is logged in, language switch,
// the role's menu) and the page of the current hash route.
import "./style.css";
import { logout, me, setSessionLostHandler, type Me } from "./api";
import { h, mount } from "./dom";
import { label, lang, setLang, t } from "./i18n";
import { go, match, type MenuItem } from "./router";
import { errorBox } from "./ui";
import { loginPage } from "./pages/login";
import { registerSchoolPages, schoolMenu } from "./pages/school";
import { registerDistrictPages, districtMenu } from "./pages/district";

registerSchoolPages();
registerDistrictPages();

const app = document.getElementById("app")!;
let notice = "";

function home(m: Me): string {
  return m.role === "school" ? "/school" : "/district";
}

/**
 * The menu's links. An entry is [path, text, other route prefixes it owns]; the
 * active one owns the longest prefix the hash is in (#/district/queue: 审核,
 * not 总览; #/district/unit/...: 学时达标; #/school/teacher/...: 本校教师).
 */
function menuLinks(items: MenuItem[]): HTMLElement[] {
  const here = location.hash.replace(/^#/, "").split("?")[0];
  const within = (p: string) => here === p || here.startsWith(p + "/");
  let best = "";
  let bestLen = -1;
  for (const [path, , owns] of items) {
    for (const p of [path, ...(owns ?? [])]) {
      if (within(p) && p.length > bestLen) {
        best = path;
        bestLen = p.length;
      }
    }
  }
  return items.map(([path, text]) => h("a", { href: "#" + path, class: path === best ? "active" : null }, text));
}

function header(m: Me | null): HTMLElement {
  return h(
    "header",
    { class: "top no-print" },
    h("div", { class: "brand" }, h("strong", null, t("app_title"))),
    m
      ? h(
          "nav",
          { class: "menu" },
          menuLinks(m.role === "school" ? schoolMenu() : districtMenu()),
        )
      : h("span", { class: "menu" }),
    h(
      "div",
      { class: "who" },
      m ? h("span", { "data-testid": "who" }, t("logged_in_as", { user: m.user, role: label("role", m.role) })) : null,
      h(
        "button",
        {
          type: "button",
          class: "link",
          "data-testid": "lang",
          on: {
            click: () => {
              setLang(lang() === "en" ? "zh-CN" : "en");
              render();
            },
          },
        },
        t("lang_switch"),
      ),
      m
        ? h(
            "button",
            {
              type: "button",
              class: "link",
              "data-testid": "logout",
              on: {
                click: async () => {
                  await logout().catch(() => undefined);
                  go("/login");
                },
              },
            },
            t("logout"),
          )
        : null,
    ),
  );
}

async function render(): Promise<void> {
  document.documentElement.lang = lang();
  document.title = t("app_title");
  const m = me();
  const main = h("main", { id: "page" });
  if (!m) {
    mount(app, header(null), main);
    loginPage(main, notice, (who) => {
      notice = "";
      go(home(who));
    });
    return;
  }
  const found = match(location.hash || "#" + home(m));
  mount(app, header(m), main);
  if (!found) {
    if (!location.hash || location.hash === "#/" || location.hash === "#/login") go(home(m));
    else mount(main, h("div", { class: "alert error" }, t("err_not_found")));
    return;
  }
  if (!found.roles.includes(m.role)) {
    mount(main, h("div", { class: "alert error", "data-testid": "forbidden" }, t("err_forbidden")));
    return;
  }
  try {
    await found.page(main, found.params, m);
  } catch (e) {
    mount(main, errorBox(e));
  }
}

setSessionLostHandler(() => {
  notice = t("err_session_lost");
  go("/login");
  void render();
});
window.addEventListener("hashchange", () => void render());
void render();
