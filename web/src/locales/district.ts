// Messages of the district's pages in zh-CN and English (en must have every key of zh).
export const zh = {
  district_home: "区县",
};

export const en: Record<keyof typeof zh, string> = {
  district_home: "District",
};
