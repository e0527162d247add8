// The district officer's pages: registered routes and the menu. Each page is
// in pages/district/: the dashboard (总览), the review queue (审核), the
// compliance drill-down (学时达标 -> unit -> teacher -> 登记手册), assessment
// results (考核结果) and the policy (政策).
import "./district/district.css";
import { h, mount } from "../dom";
import { t } from "../i18n";
import { route, type MenuItem, type Page } from "../router";
import { assessmentPage, policyPage } from "./district/assessment";
import { compliancePage, registerPage, teachersPage } from "./district/compliance";
import { districtCode, districtPicker } from "./district/common";
import { dashboardPage } from "./district/dashboard";
import { queuePage } from "./district/queue";

const ROLES = ["district", "admin"];

/**
 * An admin has no district of its own: the page first asks which one (the
 * requests then name it), and keeps the choice above the page.
 */
function scoped(page: Page): Page {
  return async (root, params, me) => {
    if (me.role !== "admin") return page(root, params, me);
    const again = () => void scoped(page)(root, params, me);
    if (!districtCode()) {
      mount(root, h("h1", null, t("d_admin_pick")), districtPicker(again));
      return;
    }
    const inner = h("div");
    mount(root, districtPicker(again), inner);
    await page(inner, params, me);
  };
}

export function districtMenu(): MenuItem[] {
  return [
    ["/district", t("d_menu_dashboard")],
    ["/district/queue", t("d_menu_queue")],
    ["/district/compliance", t("d_menu_compliance"), ["/district/unit", "/district/teachers", "/district/teacher"]],
    ["/district/assessment", t("d_menu_assessment")],
    ["/district/policy", t("d_menu_policy")],
  ];
}

export function registerDistrictPages(): void {
  route("/district", ROLES, scoped(dashboardPage));
  route("/district/queue", ROLES, scoped(queuePage));
  route("/district/compliance", ROLES, scoped(compliancePage));
  route("/district/unit/:code", ROLES, scoped(teachersPage));
  route("/district/teachers", ROLES, scoped(teachersPage));
  route("/district/teacher/:code", ROLES, scoped(registerPage));
  route("/district/assessment", ROLES, scoped(assessmentPage));
  route("/district/policy", ROLES, scoped(policyPage));
}
