// The zh-CN catalog: every area's messages (the keys are the catalog's).
import * as common from "./common";
import * as district from "./district";
import * as school from "./school";

export const zhCN = { ...common.zh, ...school.zh, ...district.zh };
export type MsgKey = keyof typeof zhCN;
