// The school coordinator's pages: registered routes and the menu.
import { h, mount } from "../dom";
import { t } from "../i18n";
import { route } from "../router";

export function schoolMenu(): [string, string][] {
  return [["/school", t("school_home")]];
}

export function registerSchoolPages(): void {
  route("/school", ["school"], (root, _p, me) => {
    mount(root, h("h1", null, t("school_home")), h("p", null, me.unit));
  });
}
