"""Fills a report workbook written by `yanxiu report template --xlsx` as a
coordinator would in Excel, with openpyxl (Debian's /usr/bin/python3):
dates as date cells, times as time cells, hours as numbers, the drop-down
columns with their Chinese values, and 签到表's pre-filled roster rows given
an activity and a status; the rows of the second activity added below, and
the roster's rows once more as the template lists them, left unfilled (a
copy for an activity the coordinator did not use: no sign-ins, not problems).
Usage: fill_report_template.py TEMPLATE OUT MONTH(YYYY-MM) [wrong]
`wrong` puts in four mistakes, one per kind (see WRONG), for the test that
every problem is printed at its cell."""
import datetime
import sys

import openpyxl

src, out, month = sys.argv[1:4]
wrong = len(sys.argv) > 4 and sys.argv[4] == "wrong"
year, mon = (int(x) for x in month.split("-"))
wb = openpyxl.load_workbook(src)


def headers(ws):
    return [c.value for c in ws[1]]


def put(ws, row, values):
    h = headers(ws)
    for k, v in values.items():
        ws.cell(row=row, column=h.index(k) + 1, value=v)


act = wb["研修活动"]
put(act, 2, {"编号": "M01", "日期": datetime.date(year, mon, 12), "开始": datetime.time(8, 30),
             "结束": datetime.time(10, 30), "主题": "师德师风专题学习", "内容类别": "师德",
             "形式": "专题培训", "级别": "校级", "方式": "集中", "地点": "中心校会议室",
             "主持人": "张丽", "主讲人": "王校长", "学时": 2})
put(act, 3, {"编号": "M02", "日期": datetime.date(year, mon, 19), "开始": datetime.time(14, 0),
             "结束": datetime.time(15, 30), "主题": "集体备课：第五单元", "内容类别": "教学技能",
             "形式": "集体备课", "级别": "校级", "方式": "集中", "主持人": "赵敏",
             "学时": 1.5})

att = wb["签到表"]
h = headers(att)
roster = []
for r in range(2, att.max_row + 1):
    code = att.cell(row=r, column=h.index("教师编号") + 1).value
    if code:
        roster.append((code, att.cell(row=r, column=h.index("姓名") + 1).value))
        put(att, r, {"活动编号": "M01", "签到": "出席"})
r = att.max_row + 1
for i, (code, name) in enumerate(roster):
    put(att, r + i, {"活动编号": "M02", "教师编号": code, "姓名": name,
                     "签到": "迟到" if i == 0 else "出席", "学时": 1 if i == 0 else None})
r = att.max_row + 1
for i, (code, name) in enumerate(roster):
    put(att, r + i, {"教师编号": code, "姓名": name})

if wrong:
    # WRONG: 研修活动!M3 学时 1.3 (not a multiple of 0.5); 研修活动!F2 内容类别 师德教育
    # (not a category); 研修活动!B3 日期 in the month before; 签到表!B3 教师编号 X999 (not in
    # the roster).
    put(act, 3, {"学时": 1.3, "日期": datetime.date(year if mon > 1 else year - 1,
                                                    mon - 1 if mon > 1 else 12, 28)})
    put(act, 2, {"内容类别": "师德教育"})
    put(att, 3, {"教师编号": "X999"})
wb.save(out)
print(len(roster))
