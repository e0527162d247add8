// The district officer's pages: registered routes and the menu.
import { h, mount } from "../dom";
import { t } from "../i18n";
import { route } from "../router";

export function districtMenu(): [string, string][] {
  return [["/district", t("district_home")]];
}

export function registerDistrictPages(): void {
  route("/district", ["district", "admin"], (root, _p, me) => {
    mount(root, h("h1", null, t("district_home")), h("p", null, me.district));
  });
}
