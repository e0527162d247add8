// The login page: account and password; the daemon sets the session cookie.
import { login, type Me } from "../api";
import { h, mount } from "../dom";
import { t } from "../i18n";
import { errorBox } from "../ui";

export function loginPage(root: HTMLElement, notice: string, done: (m: Me) => void): void {
  const user = h("input", { id: "user", name: "user", autocomplete: "username", required: true, autofocus: true });
  const pass = h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const msg = h("div", { "data-testid": "login-error" }, notice ? h("div", { class: "alert" }, notice) : null);
  const button = h("button", { type: "submit", class: "primary" }, t("login_submit"));
  const form = h(
    "form",
    {
      class: "card login",
      on: {
        submit: async (ev: Event) => {
          ev.preventDefault();
          button.disabled = true;
          button.textContent = t("login_busy");
          try {
            done(await login(user.value.trim(), pass.value));
          } catch (e) {
            mount(msg, errorBox(e));
            button.disabled = false;
            button.textContent = t("login_submit");
          }
        },
      },
    },
    h("h1", null, t("login_title")),
    h("p", { class: "muted" }, t("login_hint")),
    h("label", { for: "user" }, t("login_user")),
    user,
    h("label", { for: "password" }, t("login_password")),
    pass,
    msg,
    button,
  );
  mount(root, form);
}
