// The district officer's pages: registered routes and the menu. Each page is
// in pages/district/: the dashboard (总览), the review queue (审核), the
// compliance drill-down (学时达标 -> unit -> teacher -> 登记手册), assessment
// results (考核结果) and the policy (政策).
import "./district/district.css";
import { t } from "../i18n";
import { route } from "../router";
import { assessmentPage, policyPage } from "./district/assessment";
import { compliancePage, registerPage, teachersPage } from "./district/compliance";
import { dashboardPage } from "./district/dashboard";
import { queuePage } from "./district/queue";

const ROLES = ["district", "admin"];

export function districtMenu(): [string, string][] {
  return [
    ["/district", t("d_menu_dashboard")],
    ["/district/queue", t("d_menu_queue")],
    ["/district/compliance", t("d_menu_compliance")],
    ["/district/assessment", t("d_menu_assessment")],
    ["/district/policy", t("d_menu_policy")],
  ];
}

export function registerDistrictPages(): void {
  route("/district", ROLES, dashboardPage);
  route("/district/queue", ROLES, queuePage);
  route("/district/compliance", ROLES, compliancePage);
  route("/district/unit/:code", ROLES, teachersPage);
  route("/district/teachers", ROLES, teachersPage);
  route("/district/teacher/:code", ROLES, registerPage);
  route("/district/assessment", ROLES, assessmentPage);
  route("/district/policy", ROLES, policyPage);
}
