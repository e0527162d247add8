"""The browser tests' monthly report: fills a workbook of `yanxiu report template
--xlsx` (downloaded from the console, or written by the CLI) as a coordinator would
in Excel (as tests/integration/fill_report_template.py does), with Debian's openpyxl.

Usage: fill_workbook.py TEMPLATE OUT MONTH(YYYY-MM) [wrong]

Both activities are on the 1st of the month (never in the future), the second
beginning before the first ends, so that every teacher at both is signed in to two
activities at the same time: the report carries a flag (overlap) for the district.
`wrong` puts in three mistakes, each at its cell, and prints them as JSON lines
{"sheet", "cell", "value"}: 研修活动!M3 学时 1.3 (not a multiple of 0.5),
研修活动!F2 内容类别 师德教育 (not a category), 签到表!B3 教师编号 X999 (not in the roster).
Without `wrong` it prints the number of teachers signed in."""
import datetime
import json
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


def cell(ws, row, header):
    return ws.cell(row=row, column=headers(ws).index(header) + 1).coordinate


day = datetime.date(year, mon, 1)
act = wb["研修活动"]
put(act, 2, {"编号": "M01", "日期": day, "开始": datetime.time(8, 30),
             "结束": datetime.time(10, 30), "主题": "师德师风专题学习", "内容类别": "师德",
             "形式": "专题培训", "级别": "校级", "方式": "集中", "地点": "中心校会议室",
             "主持人": "张丽", "主讲人": "王校长", "学时": 2})
put(act, 3, {"编号": "M02", "日期": day, "开始": datetime.time(10, 0),
             "结束": datetime.time(11, 30), "主题": "集体备课：第五单元", "内容类别": "教学技能",
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
for i, (code, name) in enumerate(roster[:5]):
    put(att, r + i, {"活动编号": "M02", "教师编号": code, "姓名": name, "签到": "出席"})

mistakes = []
if wrong:
    put(act, 3, {"学时": 1.3})
    mistakes.append({"sheet": "研修活动", "cell": cell(act, 3, "学时"), "value": "1.3"})
    put(act, 2, {"内容类别": "师德教育"})
    mistakes.append({"sheet": "研修活动", "cell": cell(act, 2, "内容类别"), "value": "师德教育"})
    put(att, 3, {"教师编号": "X999"})
    mistakes.append({"sheet": "签到表", "cell": cell(att, 3, "教师编号"), "value": "X999"})
wb.save(out)
if wrong:
    for m in mistakes:
        print(json.dumps(m, ensure_ascii=False))
else:
    print(len(roster))
