#!/usr/bin/python3
"""Writes the files tests/unit/test_book.c reads into the directory named on the
command line: workbooks saved by openpyxl as Excel would save them, packages
crafted with zipfile for what openpyxl cannot write (inline strings, cached
formula values, rows and cells without r=, hidden sheets, the 1904 date system,
lying zip headers, DOCTYPEs), an .xls and an encrypted workbook's OLE2 header,
and CSV files in UTF-8 with BOM, GB18030, CR line ends and broken quoting.
Run with Debian's /usr/bin/python3 (python3-openpyxl)."""
import datetime
import os
import struct
import sys
import zipfile

import openpyxl
from openpyxl.styles import Font

out = sys.argv[1]


def path(name):
    return os.path.join(out, name)


# --- workbooks saved by openpyxl --------------------------------------------------


def report_workbook():
    """A coordinator's monthly report: a merged title above the header, shared
    strings, date and time cells, custom Chinese formats, a hidden sheet and empty
    trailing rows that only carry a style."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "研修活动"
    ws.merge_cells("A1:F1")
    ws["A1"] = "城关镇中心校2026年10月校本研修活动登记表"
    ws["A1"].font = Font(bold=True)
    ws.append(["活动编号", "日期", "开始时间", "学时", "主题", "主讲人"])
    ws.append(["A01", datetime.date(2026, 10, 8), datetime.time(8, 30), 1.5,
               "  单元整体教学设计\u3000", "王老师"])
    ws.append(["A02", datetime.datetime(2026, 10, 15, 14, 0), datetime.time(14, 0), 2,
               "作业设计", "李老师"])
    ws["B5"] = datetime.date(2026, 10, 22)
    ws["B5"].number_format = 'yyyy"年"m"月"d"日"'
    ws["C5"] = datetime.time(9, 5)
    ws["C5"].number_format = "h:mm"
    ws["A5"] = "A03"
    ws["D5"] = 72
    ws["A30"].font = Font(italic=True)  # styled, empty: not a row with a value
    sign = wb.create_sheet("签到表")
    sign.append(["活动编号", "教师编号", "姓名", "签到"])
    sign.append(["A01", "T001", "张三", "出席"])
    hidden = wb.create_sheet("旧数据")
    hidden["A1"] = "不应读到"
    hidden.sheet_state = "hidden"
    wb.save(path("report.xlsx"))


def signin_workbook(rows):
    """A large sign-in sheet (write-only mode, as fast as openpyxl goes)."""
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("签到表")
    ws.append(["活动编号", "教师编号", "姓名", "签到", "学时", "签到时间"])
    for i in range(rows):
        ws.append(["A%02d" % (i % 30), "T%05d" % i, "教师%d" % i,
                   "出席" if i % 7 else "请假", 1.5, datetime.time(8, i % 60)])
    wb.save(path("signin_%d.xlsx" % rows))


# --- crafted packages --------------------------------------------------------------

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' \
     'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="5">
<numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>
<numFmt numFmtId="177" formatCode="h:mm"/>
<numFmt numFmtId="178" formatCode="0.00&quot;元&quot;;[Red]\\-0.00&quot;元&quot;"/>
<numFmt numFmtId="179" formatCode="mm:ss"/>
<numFmt numFmtId="180" formatCode="[$-804]yyyy/m/d\\ AM/PM\\ h:mm"/>
</numFmts>
<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>
<cellXfs count="11">
<xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="22"/><xf numFmtId="176"/>
<xf numFmtId="177"/><xf numFmtId="31"/><xf numFmtId="32"/><xf numFmtId="178"/>
<xf numFmtId="179"/><xf numFmtId="180"/><xf numFmtId="2"/>
</cellXfs>
</styleSheet>"""

SST = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4" uniqueCount="4">
<si><t xml:space="preserve">  教研组 </t></si>
<si><r><rPr><b/></rPr><t>张</t></r><r><t>三</t></r><rPh sb="0" eb="1"><t>チョウ</t></rPh><phoneticPr fontId="1"/></si>
<si><t>第一行_x000D_第二行_x005F_x0041_</t></si>
<si><t>甲_x000D_
乙</t></si>
</sst>"""

# Rows and cells without r= (positions counted), inline strings with rich runs,
# formulas with cached values, booleans, errors, shared strings, numbers, dates
# and times by style, ISO dates (t="d"), styled empty cells and an empty trailing row.
SHEET = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet %s><dimension ref="A1"/><sheetData>
<row><c t="inlineStr"><is><t> 行内 </t></is></c><c t="inlineStr"><is><r><t>富</t></r><r><t>文本</t></r><rPh><t>ふ</t></rPh></is></c></row>
<row r="3"><c r="A3"><f>1+2</f><v>3</v></c><c t="str"><f>"a"&amp;"b"</f><v>ab</v></c><c t="b"><v>1</v></c><c t="e"><f>NA()</f><v>#N/A</v></c><c t="s"><v>0</v></c><c t="s"><v>1</v></c><c t="s"><v>2</v></c><c t="s"><v>3</v></c></row>
<row><c><v>1.5</v></c><c><v>72</v></c><c><v>0.30000000000000004</v></c><c><v>4301020001</v></c><c><v>1E+20</v></c><c><v>-3.25</v></c><c><v>1.0000000000000001E-5</v></c><c s="7"><v>12.5</v></c><c s="10"><v>2</v></c><c><v>1.234E-10</v></c></row>
<row r="5"><c r="A5" s="1"><v>46303</v></c><c r="B5" s="2"><v>46303.354166666664</v></c><c r="C5" s="3"><v>46303</v></c><c r="D5" s="4"><v>0.35416666666666669</v></c><c r="E5" s="5"><v>46303</v></c><c r="F5" s="6"><v>0.75</v></c><c r="G5" s="8"><v>0.5</v></c><c r="H5" s="9"><v>46303.75</v></c><c r="I5" s="2"><v>46303.999999</v></c><c r="J5" t="d"><v>2026-10-08T08:30:00</v></c><c r="K5" t="d" s="1"><v>2026-10-09</v></c></row>
<row r="6"><c r="A6" s="1"><v>59</v></c><c r="B6" s="1"><v>60</v></c><c r="C6" s="1"><v>61</v></c><c r="D6" s="1"><v>1</v></c><c r="E6" s="1"><v>-1</v></c><c r="F6" s="4"><v>1.75</v></c></row>
<row r="7"><c r="A7" s="1"/><c r="B7" t="inlineStr"><is><t>   </t></is></c></row>
<row r="9"><c r="C9" s="3"/></row>
</sheetData><mergeCells count="1"><mergeCell ref="B3:C3"/></mergeCells></worksheet>""" % NS


def package(name, sheets, sst=SST, styles=STYLES, date1904=False, workbook=None, extra=None,
            sheet_rel_type="worksheet"):
    """sheets: (name, xml, state) with state None, "hidden" or "veryHidden"."""
    with zipfile.ZipFile(path(name), "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/content-types"/>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
                   'Type="%s/officeDocument" Target="xl/workbook.xml"/></Relationships>' % REL)
        entries = []
        rels = []
        for i, (sname, xml, state) in enumerate(sheets, 1):
            st = ' state="%s"' % state if state else ""
            entries.append('<sheet name="%s" sheetId="%d"%s r:id="rId%d"/>' % (sname, i, st, i))
            rels.append('<Relationship Id="rId%d" Type="%s/%s" Target="worksheets/sheet%d.xml"/>'
                        % (i, REL, sheet_rel_type, i))
            z.writestr("xl/worksheets/sheet%d.xml" % i, xml)
        n = len(sheets)
        rels.append('<Relationship Id="rId%d" Type="%s/styles" Target="styles.xml"/>' % (n + 1, REL))
        rels.append('<Relationship Id="rId%d" Type="%s/sharedStrings" '
                    'Target="/xl/sharedStrings.xml"/>' % (n + 2, REL))
        pr = '<workbookPr date1904="1"/>' if date1904 else '<workbookPr/>'
        z.writestr("xl/workbook.xml", workbook or
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook %s>%s'
                   '<sheets>%s</sheets></workbook>' % (NS, pr, "".join(entries)))
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/relationships">%s</Relationships>'
                   % "".join(rels))
        z.writestr("xl/styles.xml", styles)
        if sst is not None:
            z.writestr("xl/sharedStrings.xml", sst)
        for k, v in (extra or {}).items():
            z.writestr(k, v)


def simple_sheet(cells):
    return ('<?xml version="1.0" encoding="UTF-8"?><worksheet %s><sheetData><row r="1">%s'
            '</row></sheetData></worksheet>' % (NS, cells))


def crafted():
    package("crafted.xlsx", [("数据", SHEET, None),
                             ("隐藏", simple_sheet('<c r="A1" t="inlineStr"><is><t>h</t></is></c>'), "hidden"),
                             ("很隐藏", simple_sheet('<c r="A1" t="inlineStr"><is><t>v</t></is></c>'), "veryHidden"),
                             ("空表", '<worksheet %s><sheetData/></worksheet>' % NS, None)])
    package("date1904.xlsx", [("Sheet1", simple_sheet('<c r="A1" s="1"><v>0</v></c>'
                                                      '<c r="B1" s="1"><v>46303</v></c>'
                                                      '<c r="C1" s="2"><v>1.5</v></c>'), None)],
            date1904=True)
    # A part whose zip headers say 100 bytes while it unzips to 4 MiB.
    big = simple_sheet('<c r="A1"><v>1</v></c>' + "<!--" + "x" * (4 << 20) + "-->")
    package("bomb_lying.xlsx", [("Sheet1", big, None)])
    lie(path("bomb_lying.xlsx"), "xl/worksheets/sheet1.xml", 100)
    package("bomb_declared.xlsx", [("Sheet1", big, None)])
    doctype = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
               '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
               '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
               '<si><t>&lol2;</t></si></sst>')
    package("doctype.xlsx", [("Sheet1", simple_sheet('<c r="A1" t="s"><v>0</v></c>'), None)],
            sst=doctype)
    with zipfile.ZipFile(path("document.docx"), "w") as z:
        z.writestr("word/document.xml", "<document/>")
    # Sheets of which only the second and third are visible, with a chart sheet.
    package("many_sheets.xlsx", [("甲", simple_sheet('<c r="A1"><v>1</v></c>'), None),
                                 ("乙", simple_sheet('<c r="A1"><v>2</v></c>'), None),
                                 ("丙", simple_sheet('<c r="A1"><v>3</v></c>'), None)])
    # A sheet part in UTF-16 (with its byte order mark), which XML allows.
    utf16 = simple_sheet('<c r="A1" t="inlineStr"><is><t>十六位</t></is></c>').replace(
        'encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    package("utf16_sheet.xlsx", [("Sheet1", utf16, None)])
    package("bad_sst.xlsx", [("Sheet1", simple_sheet('<c r="B1" t="s"><v>7</v></c>'), None)])
    package("empty.xlsx", [("Sheet1", '<worksheet %s><sheetData/></worksheet>' % NS, None)])
    with open(path("truncated.xlsx"), "wb") as f:
        f.write(open(path("crafted.xlsx"), "rb").read()[:600])


def lie(zpath, member, size):
    """Rewrites the uncompressed size of `member` in its local header and in the
    central directory, as a hostile zip would."""
    data = bytearray(open(zpath, "rb").read())
    name = member.encode()
    i = data.find(b"PK\x03\x04")
    while i >= 0:
        n, m = struct.unpack_from("<HH", data, i + 26)
        if data[i + 30:i + 30 + n] == name:
            struct.pack_into("<I", data, i + 22, size)
        i = data.find(b"PK\x03\x04", i + 4)
    i = data.find(b"PK\x01\x02")
    while i >= 0:
        n = struct.unpack_from("<H", data, i + 28)[0]
        if data[i + 46:i + 46 + n] == name:
            struct.pack_into("<I", data, i + 24, size)
        i = data.find(b"PK\x01\x02", i + 4)
    open(zpath, "wb").write(bytes(data))


def ole2():
    magic = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"
    header = magic + b"\x00" * 16 + b"\x3E\x00\x03\x00\xFE\xFF\x09\x00" + b"\x00" * 480
    entry = "Workbook".encode("utf-16-le").ljust(64, b"\x00")
    open(path("old.xls"), "wb").write(header + entry + b"\x00" * 448)
    entry = "EncryptedPackage".encode("utf-16-le").ljust(64, b"\x00")
    open(path("password.xlsx"), "wb").write(header + entry + b"\x00" * 448)


# --- CSV -----------------------------------------------------------------------------


def csv_files():
    w = lambda name, data: open(path(name), "wb").write(data)
    w("gb18030.csv", "活动编号,姓名,学时\r\nA01,张𠮷,1.5\r\nA02,「李四」,2\r\n".encode("gb18030"))
    w("bom.csv", "\ufeff活动编号,主题,学时\n"
      'A01,"研讨, ""单元""\n设计",1.5\n'
      "\n"
      "  A02 ,\u3000作业\u3000,\t2\n"
      ",,,\n"
      "A03,x,3\n\n\n".encode("utf-8"))
    w("mac.csv", b"a,b\rc,d\r")
    w("crlf_quoted.csv", b'a,"x\r\ny"\r\nb,c\r\n')
    w("bad_quote.csv", b'a,b\nc,d"e\n')
    w("after_quote.csv", b'a,"b"c\n')
    w("unclosed.csv", b'a,b\n"c,d\n\ne\n')
    w("utf16.csv", "a,b\n".encode("utf-16"))
    w("nul.csv", b"a,b\nc\x00,d\n")
    w("latin.csv", b"a,b\n\x80\x80,c\n")
    w("blank.csv", b" \r\n\r\n")


report_workbook()
crafted()
ole2()
csv_files()
signin_workbook(20000)
