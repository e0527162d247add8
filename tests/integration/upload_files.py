#!/usr/bin/python3
"""Writes the files test_uploads.c uploads, as a coordinator's Excel saves them.

    upload_files.py DIR MONTH        (MONTH: YYYY-MM of the report)

Workbooks are made with openpyxl (shared strings, date and time cells, merged
title rows), then post-processed where openpyxl cannot write what Excel does:
a formula's cached value. The rows and cells named in test_uploads.c are the
ones written here; keep the two in step. Run with Debian's /usr/bin/python3
(python3-openpyxl).
"""
import datetime
import io
import os
import re
import sys
import zipfile

import openpyxl

out, month = sys.argv[1], sys.argv[2]
year, mon = int(month[:4]), int(month[5:7])


def day(d):
    return datetime.date(year, mon, d)


ACT_HEAD = ["编号", "日期", "开始", "结束", "主题", "内容类别", "形式", "级别", "方式",
            "地点", "主持人", "主讲人", "学时"]
ATT_HEAD = ["活动编号", "教师编号", "姓名", "签到", "学时"]
EXT_HEAD = ["教师编号", "日期", "名称", "内容类别", "级别", "方式", "学时", "学分", "证书编号"]


def titled(ws, title, head):
    """A merged title row above the header row, as coordinators make them."""
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(head))
    ws.append(head)


def save_as_excel(wb, path, cached=None):
    """Saves wb as Excel would: its strings in the shared string table (openpyxl writes
    them inline), and in each formula cell of `cached` ({(sheet_xml, "M4"): "2"}) the
    value Excel caches (openpyxl writes formulas without one)."""
    buf = io.BytesIO()
    wb.save(buf)
    zin = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    strings, index = [], {}

    def shared(m):
        text = m.group(2)
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return '%s t="s"><v>%d</v>' % (m.group(1), index[text])

    inline = re.compile(r'(<c r="[A-Z]+[0-9]+"(?: s="[0-9]+")?) t="inlineStr"><is><t[^>]*>(.*?)</t></is>')
    parts = {}
    for item in zin.infolist():
        data = zin.read(item.filename)
        if item.filename.startswith("xl/worksheets/sheet"):
            text = inline.sub(shared, data.decode("utf-8"))
            for (part, ref), value in (cached or {}).items():
                if item.filename == part:
                    pat = re.compile(r'(<c r="%s"[^>]*>)(<f>[^<]*</f>)(<v\s*/>|<v></v>)?' % ref)
                    text, n = pat.subn(lambda m: m.group(1) + m.group(2) + "<v>%s</v>" % value,
                                       text)
                    assert n == 1, (part, ref)
            data = text.encode("utf-8")
        parts[item.filename] = (item, data)
    sst = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.'
           'openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">%s</sst>'
           % (len(strings), len(strings), "".join("<si><t>%s</t></si>" % t for t in strings)))
    ct = parts["[Content_Types].xml"][1].decode("utf-8").replace(
        "</Types>", '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    rels = parts["xl/_rels/workbook.xml.rels"][1].decode("utf-8").replace(
        "</Relationships>", '<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>")
    parts["[Content_Types].xml"] = (parts["[Content_Types].xml"][0], ct.encode("utf-8"))
    parts["xl/_rels/workbook.xml.rels"] = (parts["xl/_rels/workbook.xml.rels"][0],
                                           rels.encode("utf-8"))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, (item, data) in parts.items():
            zout.writestr(item, data)
        zout.writestr("xl/sharedStrings.xml", sst)


def report_book(bad):
    wb = openpyxl.Workbook()
    info = wb.active
    info.title = "填表说明"
    info.append(["每项活动一行；签到表每位教师一行。"])
    acts = wb.create_sheet("研修活动")
    titled(acts, "城关镇中心校%d年%d月校本研修活动登记表" % (year, mon), ACT_HEAD)
    # row 3: A01, hours a number (bad: 1.3)
    acts.append(["A01", day(8), datetime.time(8, 30), datetime.time(10, 30), "整本书阅读教学研讨",
                 "学科专业知识", "课例研究", "校级", "集中", "三楼会议室", "王丽", "张敏",
                 1.3 if bad else 2])
    # row 4: A02, hours a formula with its cached value (bad: an unknown category)
    acts.append(["A02", day(9), datetime.time(14, 0), datetime.time(16, 0), "信息技术与课堂融合",
                 "烹饪" if bad else "信息技术", "专题培训", "校级", "集中", "微机室", "李强", None,
                 "=1+1"])
    if bad:
        # row 5: A03, whose host (主持人, K) is merged with the row above: empty for Excel
        acts.append(["A03", day(10), datetime.time(9, 0), datetime.time(11, 0), "班主任工作交流",
                     "班主任工作", "专题培训", "校级", "集中", "会议室", None, None, 2])
        acts.merge_cells("K4:K5")
    acts.column_dimensions["B"].width = 12
    att = wb.create_sheet("签到表")
    titled(att, "签到表", ATT_HEAD)
    rows = [("A01", "T001", "王丽", "出席", None), ("A01", "T002", "李强", "出席", None),
            ("A01", "T003", "张敏", "迟到", 1.5), ("A02", "T001", "王丽", "出席", None),
            ("A02", "T004", "赵刚", "请假", None)]
    if bad:
        rows.append(("A02", "T099", "无名氏", "出席", None))  # row 8: not in the roster
    for r in rows:
        att.append(list(r))
    ext = wb.create_sheet("校外培训")
    head = [h for h in EXT_HEAD if not (bad and h == "方式")]  # bad: no 方式 column
    ext.append(head)
    row = ["T001", "%d年%d月12日" % (year, mon), "国家智慧教育平台暑期研修", "信息技术", "国家级",
           "远程", 10, None, "ZH-0042"]
    if bad:
        del row[5]
    ext.append(row)
    save_as_excel(wb, os.path.join(out, "report_bad.xlsx" if bad else "report_good.xlsx"),
                  {("xl/worksheets/sheet2.xml", "M4"): "2"})


def report_csv():
    def write(name, head, rows, encoding):
        text = "\r\n".join(",".join(str(c) for c in r) for r in [head] + rows) + "\r\n"
        with open(os.path.join(out, name), "wb") as f:
            f.write(text.encode(encoding))
    write("activities.csv", ACT_HEAD,
          [["C01", "%d/%d/8" % (year, mon), "8:30", "10:30", "群文阅读研讨", "学科专业知识",
            "课例研究", "校级", "集中", "", "王丽", "", 2]], "utf-8-sig")
    write("attendance.csv", ATT_HEAD,
          [["C01", "T001", "王丽", "出席", ""], ["C01", "T002", "李强", "迟到", 1.5]], "gb18030")


def roster_book(bad):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "名册"
    head = ["教师编号", "姓名", "学校代码", "学科", "教研组", "班主任", "骨干教师", "新任教师",
            "状态"]
    titled(ws, "城关镇中心校教师名册", head)
    rows = [["T101", "孙悦", 1101010001, "语文", "语文组", "是", "否", "否", "在职"],
            ["T102", "周平", 1101010001, "数学", "数学组", "否", "是", "否", "在职"],
            ["T103", "吴静", 1101010001, "英语", "英语组", "否", "否", "是", ""]]
    if bad:
        rows += [["T104", "郑洁", None, "音乐", "", "否", "否", "否", "在职"],      # row 6: empty 学校代码
                 ["T105", "冯雨", None, "美术", "", "也许", "否", "否", "在职"],    # row 7: merged C6:C7; 也许
                 ["T106", "陈晨", 1101019999, "体育", "", "否", "否", "否", "病假"]]  # row 8
    for r in rows:
        ws.append(r)
    if bad:
        ws["C6"] = 1101010001
        ws.merge_cells("C6:C7")
        ws["C6"] = None  # a merged blank: the value Excel shows is none
    save_as_excel(wb, os.path.join(out, "roster_bad.xlsx" if bad else "roster_good.xlsx"))


def units_files():
    text = ("学校代码,学校名称,类型,所属中心校,开办日期\r\n"
            "1101010021,城关镇第二小学,小学,1101010001,2019/9/1\r\n")
    with open(os.path.join(out, "units.csv"), "wb") as f:
        f.write(text.encode("utf-8-sig"))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "学校"
    ws.append(["学校代码", "学校名称", "类型", "所属中心校", "开办日期"])
    ws.append(["1101010022", "城关镇第三小学", "大学", "", None])                       # row 2
    ws.append(["1101010023", "城关镇第四小学", "小学", "1101010999", day(1)])           # row 3
    save_as_excel(wb, os.path.join(out, "units_bad.xlsx"))


def scores_book(bad):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "成绩"
    ws.append(["教师编号", "姓名", "培训心得", "听课材料"])
    ws.append(["T001", "王丽", 9, 27.5])
    ws.append(["T002", "李强", 8, None])  # an empty cell enters no score
    if bad:
        ws.append(["T099", "无名氏", 50, "很好"])  # row 4: not in the roster, 50 > 10, not a number
    save_as_excel(wb, os.path.join(out, "scores_bad.xlsx" if bad else "scores_good.xlsx"))


def hostile_files():
    # A zip bomb: a sheet that unzips to more than the 128 MiB read.
    with zipfile.ZipFile(os.path.join(out, "bomb.xlsx"), "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/content-types"/>')
        z.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.'
                   'openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="名册" '
                   'sheetId="1" r:id="rId1" xmlns:r="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns='
                   '"http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
                   'Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                   'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                    b'spreadsheetml/2006/main"><sheetData>')
            block = b" " * (1 << 20)
            for _ in range(140):
                f.write(block)
            f.write(b"</sheetData></worksheet>")
    # An Excel 97-2003 workbook: the OLE2 signature and some of its header.
    with open(os.path.join(out, "old.xls"), "wb") as f:
        f.write(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504))


def big_roster(rows):
    lines = ["教师编号,姓名,学校代码,学科,教研组,班主任,骨干教师,新任教师,状态"]
    for i in range(rows):
        lines.append("B%06d,教师%06d,1101010001,语文,语文组,否,否,否,在职" % (i, i))
    with open(os.path.join(out, "big_roster.csv"), "wb") as f:
        f.write(("\r\n".join(lines) + "\r\n").encode("utf-8"))


report_book(False)
report_book(True)
report_csv()
roster_book(False)
roster_book(True)
units_files()
scores_book(False)
scores_book(True)
hostile_files()
big_roster(99000)
