#!/usr/bin/python3
"""third_party_client: the coordinator's workbook through a client written from the .proto alone.

Runs under tests/harness/with-server (YX_SERVER, YX_YANXIUD, YX_CONF, YX_DIR, YX_PSQL; TLS
when YANXIU_CA names the CA of a daemon serving TLS). The message classes are generated now, by
protoc, into $YX_DIR. Through yanxiu_client.py (frames, Hello, login, request ids; nothing of
the project's C code):
- a request before Hello, a protocol version the server does not speak and a language it does
  not offer are refused, by their reasons;
- Hello in zh-CN; answers matched to requests sent together, by request_id;
- the district imports the units and the roster (structured requests); the school uploads the
  roster as a workbook (名册, school codes typed as numbers): read as the same teachers;
- the school uploads the wrong workbook (tests/fixtures/coordinator_workbook.py, every mistake):
  one INVALID_ARGUMENT whose violations name every mistake at its file, sheet, row, column,
  header and value with its code, in Chinese; nothing written;
- the right workbook checked (check_only: the counts, nothing written), then submitted: accepted
  in one attempt with the expected counts and teacher-hours, and read back cell by cell
  (formulas' cached values, 1.9999999999999982 meaning 2; a custom date format; time cells);
- the wrong workbook again in English: the same problems and codes, English messages.
"""
import os
import re
import secrets
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))

import coordinator_workbook as cw  # noqa: E402
from google.protobuf import text_format  # noqa: E402
from yanxiu_client import Client, code_name, load_proto  # noqa: E402

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


def admin(*args, password=None):
    env = dict(os.environ)
    if password:
        env["YANXIU_PASSWORD"] = password
    r = subprocess.run([os.environ["YX_YANXIUD"], "-c", os.environ["YX_CONF"], *args], env=env,
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        die("yanxiud %s: %s" % (" ".join(args), r.stderr))


def psql(sql):
    r = subprocess.run(os.environ["YX_PSQL"] + " -Atc \"%s\"" % sql, shell=True,
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        die("psql: %s" % r.stderr)
    return r.stdout.strip()


CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")
WORD = re.compile(r"[A-Za-z]{3,}")


def without_quoted(v, text):
    """text without what the violation quotes (file, sheet, header, value, args):
    what is left is the message's own words."""
    for q in sorted([v.file, v.sheet, v.header, v.value] + [a.value for a in v.args],
                    key=len, reverse=True):
        if q:
            text = text.replace(q, " ")
    return text


def is_chinese(v):
    own = without_quoted(v, v.message)
    return bool(CJK.search(own)) and not WORD.search(own)


def is_english(v):
    own = without_quoted(v, v.message)
    return bool(WORD.search(own)) and not CJK.search(own)


def text(kind, body):
    """An answer as protobuf's text format, Chinese kept readable."""
    return "%s {%s}" % (kind, text_format.MessageToString(body, as_utf8=True, as_one_line=True)
                        if body is not None else "")


def show(v):
    return ("file=%r sheet=%r row=%d column=%r header=%r value=%r code=%r args=%s path=%r "
            "message=%r" % (v.file, v.sheet, v.row, v.column, v.header, v.value, v.code,
                            {a.name: a.value for a in v.args}, v.path, v.message))


DATE_1103 = re.compile(r"^2026\D0?11\D0?3\D?$")


def matches(p, v, file):
    if v.code != p["code"] or v.sheet != p["sheet"] or v.row != p["row"] or v.file != file:
        return False
    if p["column"] and v.column != p["column"]:
        return False
    if p["header"] and v.header != p["header"] and p["header"] not in [a.value for a in v.args]:
        return False
    return True


def value_ok(p, v):
    if p["mistake"] == "date_outside_month":
        return bool(DATE_1103.match(v.value))
    return v.value == p["value"]


def mentions_ok(p, v, lang):
    words = list(p["mentions"])
    if p["mistake"] == "merged_blank":
        words.append("合并" if lang == "zh" else "merge")
    if p["mistake"] == "date_outside_month":  # the date and the report's month
        return bool(re.search(r"2026\D0?11\D0?3", v.message)
                    and re.search(r"2026\D{1,2}10(\D|$)", v.message))
    return all(w.lower() in v.message.lower() for w in words)


def check_problems(tag, err, expect, file, lang):
    """err: the Error of the wrong upload; every expected problem among its violations."""
    vs = list(err.violations)
    listing = "\n".join(show(v) for v in vs)
    check("%s: one INVALID_ARGUMENT" % tag,
          code_name(pb, err.code) == "INVALID_ARGUMENT", "%s %r" % (code_name(pb, err.code),
                                                                  err.message))
    used = set()
    for p in expect:
        found = [i for i, v in enumerate(vs) if matches(p, v, file)]
        name = "%s: %s at %s!%s%d (%s) as %s" % (tag, p["mistake"], p["sheet"], p["column"],
                                                 p["row"], p["header"], p["code"])
        check(name, len(found) == 1, "found %d; the answer:\n%s" % (len(found), listing))
        if len(found) != 1:
            continue
        v = vs[found[0]]
        used.add(found[0])
        check(name + ": quotes the value", value_ok(p, v), show(v))
        check(name + ": message quotes it", mentions_ok(p, v, lang), show(v))
        judge = is_chinese if lang == "zh" else is_english
        check(name + ": message in " + lang, judge(v), show(v))
    extra = [show(v) for i, v in enumerate(vs) if i not in used]
    check("%s: no problem beyond the mistakes put in" % tag, not extra, "\n".join(extra))
    return sorted((v.code, v.sheet, v.row, v.column) for v in vs)


def reports_of_unit():
    kind, body = school.call("list_reports", pb.ListReportsRequest(unit_code=cw.UNIT))
    if kind != "report_list":
        die("list reports: %s" % text(kind, body))
    return len(body.reports), psql("select count(*) from report_versions v join reports r "
                                   "on r.id = v.report_id where r.unit_code = '%s'" % cw.UNIT)


def submit(c, data, file, check_only=False):
    return c.call("submit_report", pb.SubmitReportRequest(
        month=cw.MONTH, idempotency_key="pyclient-" + secrets.token_hex(12),
        files=[pb.UploadFile(name=file, data=data)], check_only=check_only))


def connect(language=None, user=None):
    c = Client(pb, host, int(port), ca=os.environ.get("YANXIU_CA"))
    if language is not None:
        kind, body = c.hello(language=language)
        if kind != "hello_reply":
            die("hello %s: %s" % (language, text(kind, body)))
    if user:
        kind, body = c.login(user, "pw-%s-secret" % user)
        if kind != "login_reply":
            die("login %s: %s" % (user, text(kind, body)))
    return c


# --- setup: the district, accounts (as the operator does it), the generated classes -------
work = os.path.join(os.environ["YX_DIR"], "third_party_client")
os.makedirs(work, exist_ok=True)
pb = load_proto(os.path.join(ROOT, "proto", "yanxiu.proto"), os.path.join(work, "gen"))
host, port = os.environ["YX_SERVER"].rsplit(":", 1)
D = "411423"
admin("district", "add", D, "宁陵县")
admin("user", "add", "dist", "--role", "district", "--district", D, password="pw-dist-secret")
admin("user", "add", "school", "--role", "school", "--district", D, "--unit", cw.UNIT,
      password="pw-school-secret")

# --- negotiation --------------------------------------------------------------------------
c = connect()
kind, body = c.call("ping", pb.PingRequest())
check("a request before Hello is refused (FAILED_PRECONDITION, hello_required, in Chinese)",
      kind == "error" and code_name(pb, body.code) == "FAILED_PRECONDITION"
      and body.reason == "hello_required" and CJK.search(body.message), text(kind, body))
c.close()

c = connect()
kind, body = c.hello(version=99)
check("a protocol version the server does not speak is refused, naming both versions",
      kind == "error" and code_name(pb, body.code) == "FAILED_PRECONDITION"
      and body.reason == "protocol_version_unsupported" and "99" in body.message
      and "2" in body.message.replace("99", ""), text(kind, body))
c.close()

c = connect()
kind, body = c.hello(language="fr")
check("a language the server does not offer is refused",
      kind == "error" and code_name(pb, body.code) == "INVALID_ARGUMENT"
      and body.reason == "language_unsupported" and "fr" in body.message, text(kind, body))
c.close()

c = connect()
kind, body = c.hello()
check("Hello in zh-CN: the server speaks this version and Chinese",
      kind == "hello_reply" and body.protocol_version == 2 and body.language == "zh-CN"
      and 2 in body.protocol_versions, text(kind, body))
kind, body = c.call("ping", pb.PingRequest())
check("after Hello a request is served", kind == "ping_reply", text(kind, body))
kind, body = c.login("nobody", "wrong-password")
check("a failed login answers UNAUTHENTICATED in Chinese",
      kind == "error" and code_name(pb, body.code) == "UNAUTHENTICATED"
      and CJK.search(body.message) and not WORD.search(body.message), text(kind, body))
c.close()

# --- district: units and roster, as structured requests -----------------------------------
dist = connect("zh-CN", "dist")
units = [pb.Unit(school_code="4114230001", name="宁陵县城关镇中心校", kind=pb.UNIT_KIND_CENTRAL),
         pb.Unit(school_code="4114230002", name="城关镇第一小学", kind=pb.UNIT_KIND_PRIMARY,
                 central_code="4114230001"),
         pb.Unit(school_code="4114230010", name="宁陵县第二初级中学", kind=pb.UNIT_KIND_JUNIOR)]
kind, body = dist.call("import_units", pb.ImportUnitsRequest(units=units))
if kind != "import_result" or body.created != 3:
    die("import units: %s" % text(kind, body))
teachers = [pb.Teacher(teacher_code=code, name=name, school_code=school, subject=subject,
                       research_group=group, homeroom=bool(hr), backbone=bool(bb),
                       new_teacher=bool(new), status=pb.TEACHER_STATUS_ACTIVE)
            for code, name, school, subject, group, hr, bb, new in cw.ROSTER]
kind, body = dist.call("import_roster", pb.ImportRosterRequest(teachers=teachers))
if kind != "import_result" or body.created != len(cw.ROSTER):
    die("import roster: %s" % text(kind, body))

# --- answers matched by request_id ---------------------------------------------------------
ids = {dist.send("whoami", pb.WhoAmIRequest(), request_id=900): "whoami_reply",
       dist.send("ping", pb.PingRequest(database=True), request_id=17): "ping_reply",
       dist.send("list_units", pb.ListUnitsRequest(), request_id=4242): "unit_list",
       dist.send("list_roster", pb.ListRosterRequest(), request_id=3): "roster_list"}
got = {}
for rid in (3, 4242, 900, 17):  # asked in another order than sent
    kind, body = dist.wait(rid)
    got[rid] = kind
check("four requests in flight: each answer matched by its request_id",
      got == ids, "sent %s, got %s" % (ids, got))
dist.close()

# --- the school: its roster as a workbook ------------------------------------------------
school = connect("zh-CN", "school")
roster_path = os.path.join(work, "名册.xlsx")
cw.roster_workbook(roster_path)
with open(roster_path, "rb") as f:
    kind, body = school.call("import_roster", pb.ImportRosterRequest(
        files=[pb.UploadFile(name="名册.xlsx", data=f.read())]))
check("the roster workbook is read as the roster already stored",
      kind == "import_result" and body.unchanged == len(cw.ROSTER) and body.created == 0
      and body.updated == 0, text(kind, body))

# --- the wrong workbook, in Chinese --------------------------------------------------------
wrong_path = os.path.join(work, "wrong.xlsx")
wrong = cw.report_workbook(wrong_path, "all")
WRONG = "城关镇中心校2026年10月研修登记.xlsx"
with open(wrong_path, "rb") as f:
    wrong_bytes = f.read()
before = reports_of_unit()
kind, body = submit(school, wrong_bytes, WRONG)
if kind != "error":
    die("the wrong workbook was accepted: %s" % text(kind, body))
zh_codes = check_problems("zh", body, wrong["problems"], WRONG, "zh")
check("zh: the error's message is Chinese", CJK.search(body.message), repr(body.message))
check("the wrong workbook wrote nothing", reports_of_unit() == before == (0, "0"),
      "before %s, after %s" % (before, reports_of_unit()))

# --- the right workbook: checked, then submitted in one attempt ---------------------------
right_path = os.path.join(work, "right.xlsx")
right = cw.report_workbook(right_path, ())
RIGHT = "城关镇中心校2026年10月研修登记.xlsx"
with open(right_path, "rb") as f:
    right_bytes = f.read()


def counts_ok(s, hours=True):
    return (s.activity_count == right["activity_count"]
            and s.attendance_count == right["attendance_count"]
            and s.external_count == right["external_count"]
            and (not hours or abs(s.teacher_hours - right["teacher_hours"]) < 1e-9))


# A check writes nothing, so the database does not sum the teacher-hours: counts only.
kind, body = submit(school, right_bytes, RIGHT, check_only=True)
check("check_only on the right workbook: checked, the counts, nothing written",
      kind == "report_reply" and body.checked and counts_ok(body, hours=False)
      and reports_of_unit() == (0, "0"), text(kind, body))
kind, body = submit(school, right_bytes, RIGHT)
check("the right workbook goes in at the first attempt: %d activities, %d sign-ins, "
      "%d external, %g teacher-hours" % (right["activity_count"], right["attendance_count"],
                                         right["external_count"], right["teacher_hours"]),
      kind == "report_reply" and counts_ok(body) and body.version == 1
      and body.status == pb.REPORT_STATUS_SUBMITTED and body.unit_code == cw.UNIT and body.month == cw.MONTH
      and not body.checked, text(kind, body))
check("it is stored once", reports_of_unit() == (1, "1"), reports_of_unit())

kind, body = school.call("show_report", pb.ShowReportRequest(unit_code=cw.UNIT, month=cw.MONTH))
acts = {a.ref: a for a in body.activities} if kind == "report_detail" else {}
want = {"A01": ("2026-10-09", "08:30", "11:30", 3.0, "张丽", "王强"),
        "A02": ("2026-10-16", "14:00", "16:00", 2.0, "王强", "李华"),
        "A03": ("2026-10-23", "14:30", "16:00", 1.5, "刘洋", "")}
have = {r: (a.date, a.start, a.end, a.hours, a.host, a.speaker) for r, a in acts.items()}
check("read back: dates (built-in and 年月日 formats), time cells, the formula's cached 学时",
      have == want, "want %s\nhave %s" % (want, have))
check("read back: the 内容类别 of A02 as the code of 学科专业知识, A01's sign-ins counted",
      "A02" in acts and acts["A02"].category == pb.CATEGORY_SUBJECT and "A01" in acts
      and (acts["A01"].present, acts["A01"].late, acts["A01"].excused) == (4, 1, 1),
      "%s" % (acts.get("A02"), ))
school.close()

# --- the same wrong workbook in English ----------------------------------------------------
en = connect("en", "school")
check("Hello in en: the server speaks English", en.language == "en", en.language)
kind, body = submit(en, wrong_bytes, WRONG)
if kind != "error":
    die("the wrong workbook was accepted in English: %s" % text(kind, body))
en_codes = check_problems("en", body, wrong["problems"], WRONG, "en")
check("en: the same problems and codes as in Chinese", en_codes == zh_codes,
      "zh %s\nen %s" % (zh_codes, en_codes))
check("en: the error's message is English", WORD.search(body.message)
      and not CJK.search(body.message.replace(WRONG, "")), repr(body.message))
school = en
check("the wrong workbook again wrote nothing", reports_of_unit() == (1, "1"), reports_of_unit())
en.close()

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
