// Messages of the school's pages in zh-CN and English (en must have every key of zh).
export const zh = {
  school_home: "本校",
};

export const en: Record<keyof typeof zh, string> = {
  school_home: "My school",
};
