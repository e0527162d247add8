// The English catalog: the same keys as zh-CN (the type checks it).
import * as common from "./common";
import * as district from "./district";
import * as school from "./school";
import type { MsgKey } from "./zh-CN";

export const en: Record<MsgKey, string> = { ...common.en, ...school.en, ...district.en };
