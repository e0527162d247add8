// The school coordinator's pages: registered routes and the menu.
// 本月 (home), 上传月报, 历史版本, 本校教师 and a teacher's 登记手册; each in
// pages/school/*.ts.
import { t } from "../i18n";
import { route, type MenuItem } from "../router";
import { homePage } from "./school/home";
import { registerPage } from "./school/register";
import { reportsPage } from "./school/reports";
import { teachersPage } from "./school/teachers";
import { uploadPage } from "./school/upload";

export function schoolMenu(): MenuItem[] {
  return [
    ["/school", t("school_home")],
    ["/school/upload", t("s_menu_upload")],
    ["/school/reports", t("s_menu_reports")],
    ["/school/teachers", t("s_menu_teachers"), ["/school/teacher"]],
  ];
}

export function registerSchoolPages(): void {
  const roles = ["school"];
  route("/school", roles, (root, _p, me) => homePage(root, me));
  route("/school/upload", roles, (root, p, me) => uploadPage(root, p, me));
  route("/school/reports", roles, (root, p, me) => reportsPage(root, p, me));
  route("/school/teachers", roles, (root, p, me) => teachersPage(root, p, me));
  route("/school/teacher/:code", roles, (root, p, me) => registerPage(root, p, me));
}
