#!/usr/bin/python3
"""workbook_downloads.py CLI_DIR GEN_DIR ASOF=DATE [LIMIT=BYTES]: the daemon's workbooks
against the CLI's.

Run by workbook_downloads.sh (which wrote CLI_DIR/NAME.zh.xlsx and NAME.en.xlsx with the CLI)
under tests/harness/with-server. Asks for each workbook with the Workbook request over the TCP
protocol (tests/pyclient/yanxiu_client.py; the message classes generated into GEN_DIR), as the
school and as the district, in zh-CN and en, and compares it with the CLI's: the sheets (names,
order, hidden or not), every cell's value and number format, the frozen panes; the file's name
and content type. Then the refusals: a school asking for another unit's workbook, a district's
report template without a unit, a kind the server does not make. With LIMIT (the daemon's
max_frame is small), only this: a workbook larger than LIMIT bytes is refused, the connection
still serves.
Debian's python3 with python3-openpyxl and python3-protobuf; protoc.
"""
import io
import os
import sys

import openpyxl

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "pyclient"))
from yanxiu_client import Client, code_name, load_proto  # noqa: E402

cli_dir, gen_dir = sys.argv[1], sys.argv[2]
ASOF = sys.argv[3].split("=", 1)[1]
LIMIT = int(sys.argv[4].split("=", 1)[1]) if len(sys.argv) > 4 else 0
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CENTRAL, JUNIOR = "4114230001", "4114230010"

passed = 0
failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok - " + name, flush=True)
    else:
        failed += 1
        print("FAIL - " + name, file=sys.stderr)
        if detail:
            print("  " + str(detail).replace("\n", "\n  "), file=sys.stderr)
        sys.stderr.flush()


def die(why):
    print("FAIL - " + why, file=sys.stderr)
    print("%d passed, %d failed" % (passed, failed + 1))
    sys.exit(1)


def contents(wb):
    """What a person sees of a workbook: its sheets in order, each with its state, frozen
    panes and every non-empty cell's value and number format."""
    out = []
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    cells[c.coordinate] = (c.value, c.number_format)
        out.append((ws.title, ws.sheet_state, ws.freeze_panes, cells))
    return out


def differences(mine, theirs):
    """The first few differences between two contents(), for a failure's message."""
    why = []
    if [s[:3] for s in mine] != [s[:3] for s in theirs]:
        why.append("sheets: daemon %s, CLI %s" % ([s[:3] for s in mine], [s[:3] for s in theirs]))
    for a, b in zip(mine, theirs):
        for ref in sorted(set(a[3]) | set(b[3])):
            if a[3].get(ref) != b[3].get(ref):
                why.append("%s!%s: daemon %r, CLI %r" % (a[0], ref, a[3].get(ref), b[3].get(ref)))
                if len(why) > 8:
                    return why
    return why


pb = load_proto(os.path.join(ROOT, "proto", "yanxiu.proto"), gen_dir)
host, port = os.environ["YX_SERVER"].rsplit(":", 1)
K = pb.WorkbookKind


def session(user, language):
    c = Client(pb, host, int(port), ca=os.environ.get("YANXIU_CA") or None)
    kind, body = c.hello(language=language)
    if kind != "hello_reply":
        die("hello %s: %s" % (language, body))
    kind, body = c.login(user, "pw-%s-secret" % user)
    if kind != "login_reply":
        die("login %s: %s" % (user, body))
    return c


def ask(c, kind, teacher="", **query):
    return c.call("workbook", pb.WorkbookRequest(kind=kind, teacher_code=teacher,
                                                 query=pb.ComplianceQuery(**query)))


if LIMIT:
    c = session("dist", "zh-CN")
    answer, body = ask(c, K.WORKBOOK_KIND_COMPLIANCE_TEACHERS, year=2026, cycle=True, as_of=ASOF)
    args = {a.name: a.value for a in body.args} if answer == "error" else {}
    check("a workbook over the bound: RESOURCE_EXHAUSTED workbook_too_large, max %d" % LIMIT,
          answer == "error" and code_name(pb, body.code) == "RESOURCE_EXHAUSTED"
          and body.reason == "workbook_too_large" and args.get("max") == str(LIMIT)
          and int(args.get("size", "0")) > LIMIT and "{" not in body.message,
          "%s: %s" % (answer, body))
    answer, body = c.call("ping", pb.PingRequest())
    check("the connection still serves", answer == "ping_reply", answer)
    c.close()
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)

# (who, the CLI's file, kind, teacher, query, the name in zh-CN, the name in en)
CASES = [
    ("school", "school-report-template", K.WORKBOOK_KIND_REPORT_TEMPLATE, "",
     dict(month="2026-10"), "2026-10月报.xlsx", "2026-10 monthly report.xlsx"),
    ("dist", "dist-report-template", K.WORKBOOK_KIND_REPORT_TEMPLATE, "",
     dict(unit_code=CENTRAL, month="2026-11"), "2026-11月报.xlsx",
     "2026-11 monthly report.xlsx"),
    ("school", "school-history", K.WORKBOOK_KIND_TEACHER_HISTORY, "C001", {},
     "C001登记手册.xlsx", "C001 training record.xlsx"),
    ("dist", "dist-history", K.WORKBOOK_KIND_TEACHER_HISTORY, "C003", {},
     "C003登记手册.xlsx", "C003 training record.xlsx"),
    ("school", "school-teachers", K.WORKBOOK_KIND_COMPLIANCE_TEACHERS, "",
     dict(year=2026, as_of=ASOF), "2026学时.xlsx", "2026 teacher hours.xlsx"),
    # limit and offset page the console's table; a workbook has every row
    ("dist", "dist-teachers", K.WORKBOOK_KIND_COMPLIANCE_TEACHERS, "",
     dict(year=2026, cycle=True, as_of=ASOF, limit=2, offset=1), "2026学时.xlsx",
     "2026 teacher hours.xlsx"),
    ("school", "school-units", K.WORKBOOK_KIND_COMPLIANCE_UNITS, "",
     dict(year=2026, as_of=ASOF), "2026单位汇总.xlsx", "2026 compliance by unit.xlsx"),
    ("dist", "dist-units", K.WORKBOOK_KIND_COMPLIANCE_UNITS, "",
     dict(year=2026, as_of=ASOF), "2026单位汇总.xlsx", "2026 compliance by unit.xlsx"),
    ("school", "school-rates", K.WORKBOOK_KIND_REPORTING_RATES, "",
     dict(year=2026, as_of=ASOF), "上报率2026.xlsx", "reporting rates 2026.xlsx"),
    ("dist", "dist-rates", K.WORKBOOK_KIND_REPORTING_RATES, "",
     dict(year=2026, as_of=ASOF), "上报率2026.xlsx", "reporting rates 2026.xlsx"),
    ("dist", "dist-rates-month", K.WORKBOOK_KIND_REPORTING_RATES, "",
     dict(month="2026-10", as_of=ASOF), "上报率2026-10.xlsx", "reporting rates 2026-10.xlsx"),
    ("school", "roster-template", K.WORKBOOK_KIND_ROSTER_TEMPLATE, "", {}, "名册.xlsx",
     "roster.xlsx"),
]

conns = {}
for who in ("school", "dist"):
    for lang in ("zh-CN", "en"):
        conns[who, lang] = session(who, lang)

for who, name, kind, teacher, query, zh_name, en_name in CASES:
    for lang, suffix, want_name in (("zh-CN", "zh", zh_name), ("en", "en", en_name)):
        what = "%s %s (%s)" % (who, name, lang)
        answer, body = ask(conns[who, lang], kind, teacher, **query)
        if answer != "file":
            check(what + ": answered a file", False, "%s: %s" % (answer, body))
            continue
        check(what + ": named %s, %s" % (want_name, XLSX),
              body.name == want_name and body.content_type == XLSX,
              "name %r, type %r" % (body.name, body.content_type))
        mine = contents(openpyxl.load_workbook(io.BytesIO(body.data)))
        theirs = contents(openpyxl.load_workbook(os.path.join(cli_dir, "%s.%s.xlsx" % (name,
                                                                                    suffix))))
        rows = sum(len(s[3]) for s in theirs)
        check(what + ": the CLI's workbook (%d sheets, %d cells)" % (len(theirs), rows),
              mine == theirs and rows > 0, "\n".join(differences(mine, theirs)))

# The templates' 签到表 holds the unit's teachers still teaching (C005 has left).
answer, body = ask(conns["school", "zh-CN"], K.WORKBOOK_KIND_REPORT_TEMPLATE, month="2026-10")
wb = openpyxl.load_workbook(io.BytesIO(body.data)) if answer == "file" else None
codes = [r[1] for r in wb["签到表"].iter_rows(min_row=2, values_only=True)] if wb else []
check("the school's report template: 签到表 holds its teachers still teaching",
      codes == ["C001", "C002", "C003", "C004"], codes)


def refused(what, answer, body, code, reason):
    ok = answer == "error" and code_name(pb, body.code) == code and body.reason == reason
    check(what + ": %s %s" % (code, reason), ok,
          "%s: %s" % (answer, body if answer == "error" else "(a %s)" % answer))
    return ok


school = conns["school", "zh-CN"]
for kind, teacher, query, code, reason in (
        (K.WORKBOOK_KIND_REPORT_TEMPLATE, "", dict(unit_code=JUNIOR), "PERMISSION_DENIED",
         "roster_unit_not_yours"),
        (K.WORKBOOK_KIND_COMPLIANCE_TEACHERS, "", dict(year=2026, unit_code=JUNIOR),
         "PERMISSION_DENIED", "unit_not_yours"),
        (K.WORKBOOK_KIND_COMPLIANCE_UNITS, "", dict(year=2026, unit_code=JUNIOR),
         "PERMISSION_DENIED", "unit_not_yours"),
        (K.WORKBOOK_KIND_REPORTING_RATES, "", dict(year=2026, unit_code=JUNIOR),
         "PERMISSION_DENIED", "unit_not_yours"),
        (K.WORKBOOK_KIND_TEACHER_HISTORY, "J001", {}, "NOT_FOUND", "teacher_not_in_unit"),
        (K.WORKBOOK_KIND_COMPLIANCE_TEACHERS, "", dict(year=2026, district_code="120101"),
         "PERMISSION_DENIED", "district_not_yours")):
    answer, body = ask(school, kind, teacher, **query)
    if refused("a school asking for %s of another unit (kind %d)" % (query or teacher, kind),
               answer, body, code, reason):
        check("  ... said in Chinese", any("\u4e00" <= ch <= "\u9fff" for ch in body.message),
              body.message)

answer, body = ask(conns["dist", "en"], K.WORKBOOK_KIND_REPORT_TEMPLATE)
refused("the district's report template without a unit", answer, body, "INVALID_ARGUMENT",
        "workbook_unit_required")
answer, body = ask(conns["dist", "en"], 99)
refused("a kind the server does not make", answer, body, "INVALID_ARGUMENT",
        "workbook_kind_unknown")
answer, body = ask(conns["dist", "en"], K.WORKBOOK_KIND_UNSPECIFIED)
refused("no kind", answer, body, "INVALID_ARGUMENT", "workbook_kind_unknown")
# the connection still serves
answer, body = ask(school, K.WORKBOOK_KIND_ROSTER_TEMPLATE)
check("after the refusals, the connection still serves", answer == "file", answer)

for c in conns.values():
    c.close()
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
