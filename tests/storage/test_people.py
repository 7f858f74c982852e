"""Roster import, binding codes, wrong-code limits and bind requests."""

from __future__ import annotations

import string
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from storage import Database
from storage.repos import people
from storage.repos.people import BindDecision, ImportSummary
from storage.tables import AuditEntry, BindRequest
from tests.storage.conftest import (
    NOW,
    Line,
    Person,
    import_lines,
    make_school,
    race,
    roster,
    teacher,
)

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # docs/decisions.md: no 0/O, 1/I/L

STAFF = [
    Line("王芳", ("语文组",), "leader", "语文", "2001"),
    Line("李明", ("数学组", "综合组"), "teacher", "数学", "2002"),
    Line("张校长", (), "admin", "", "2003"),
]


def by_name(rows: list[Person]) -> dict[str, Person]:
    assert len({row.name for row in rows}) == len(rows)
    return {row.name: row for row in rows}


# --- roster import -----------------------------------------------------------------------


def test_import_adds_everyone_with_groups_and_leaders(db: Database) -> None:
    school_id, _ = make_school(db)
    assert import_lines(db, school_id, STAFF) == ImportSummary(3, 0, 0, 0)
    rows = roster(db, school_id)
    assert [(r.name, r.staff_no, r.subject, r.role, r.active, r.account, r.groups)
            for r in rows] == [
        ("王芳", "2001", "语文", "leader", True, None, {"语文组": True}),
        ("李明", "2002", "数学", "teacher", True, None, {"数学组": False, "综合组": False}),
        ("张校长", "2003", "", "admin", True, None, {}),
    ]
    assert db.call(lambda s: people.count_teachers(s, school_id=school_id)) == 3
    person = db.call(lambda s: people.get_person(s, teacher_id=rows[1].id))
    assert person == people.PersonRow(rows[1].id, school_id, "李明", "teacher", "数学", True,
                                      None, ("数学组", "综合组"), ())
    entries = db.call(lambda s: s.exec(select(AuditEntry.action, AuditEntry.detail)).all())
    assert entries == [("roster_import", "新增 3，更新 0，停用 0")]


def test_reimport_same_file_changes_nothing(db: Database) -> None:
    school_id, _ = make_school(db)
    import_lines(db, school_id, STAFF)
    before = roster(db, school_id)
    assert import_lines(db, school_id, STAFF) == ImportSummary(0, 0, 0, 3)
    assert roster(db, school_id) == before


def test_reimport_with_a_changed_subject_updates_that_person(db: Database) -> None:
    school_id, _ = make_school(db)
    import_lines(db, school_id, STAFF)
    before = by_name(roster(db, school_id))
    changed = [STAFF[0], Line("李明", ("数学组", "综合组"), "teacher", "科学", "2002"), STAFF[2]]
    assert import_lines(db, school_id, changed) == ImportSummary(0, 1, 0, 2)
    after = by_name(roster(db, school_id))
    assert after["李明"].id == before["李明"].id
    assert after["李明"].subject == "科学"
    assert after["王芳"] == before["王芳"]
    assert after["张校长"] == before["张校长"]


def test_missing_person_is_deactivated_and_kept_then_reactivated(db: Database) -> None:
    school_id, _ = make_school(db)
    import_lines(db, school_id, STAFF)
    before = by_name(roster(db, school_id))
    assert import_lines(db, school_id, [STAFF[0], STAFF[2]]) == ImportSummary(0, 0, 1, 2)
    gone = by_name(roster(db, school_id))["李明"]
    assert gone == Person(before["李明"].id, "李明", "2002", "数学", "teacher", False, None,
                          {"数学组": False, "综合组": False})
    assert db.call(lambda s: people.count_teachers(s, school_id=school_id)) == 3
    assert db.call(lambda s: people.find_by_name(s, school_id=school_id, name="李明")) == []
    # Missing again: already inactive, not counted twice.
    assert import_lines(db, school_id, [STAFF[0], STAFF[2]]) == ImportSummary(0, 0, 0, 2)
    # Back in the file: the same row, active again.
    assert import_lines(db, school_id, STAFF) == ImportSummary(0, 1, 0, 2)
    assert by_name(roster(db, school_id))["李明"] == before["李明"]
    assert len(roster(db, school_id)) == 3


def test_staff_no_match_survives_a_name_change(db: Database) -> None:
    school_id, _ = make_school(db)
    import_lines(db, school_id, STAFF)
    before = by_name(roster(db, school_id))
    renamed = [Line("王芳芳", ("语文组",), "leader", "语文", "2001"), *STAFF[1:]]
    assert import_lines(db, school_id, renamed) == ImportSummary(0, 1, 0, 2)
    after = by_name(roster(db, school_id))
    assert "王芳" not in after
    assert after["王芳芳"].id == before["王芳"].id
    assert after["王芳芳"].active
    assert len(after) == 3


def test_two_people_of_one_name_with_different_staff_numbers_stay_two(db: Database) -> None:
    school_id, _ = make_school(db)
    two = [Line("王芳", ("语文组",), "teacher", "语文", "2001"),
           Line("王芳", ("数学组",), "teacher", "数学", "2009")]
    assert import_lines(db, school_id, two) == ImportSummary(2, 0, 0, 0)
    first = roster(db, school_id)
    assert [(r.name, r.staff_no, r.groups) for r in first] == [
        ("王芳", "2001", {"语文组": False}), ("王芳", "2009", {"数学组": False})]
    # The other order of the same file changes nothing.
    assert import_lines(db, school_id, two[::-1]) == ImportSummary(0, 0, 0, 2)
    assert roster(db, school_id) == first
    found = db.call(lambda s: people.find_by_name(s, school_id=school_id, name="王芳"))
    assert sorted(p.id for p in found) == [r.id for r in first]


def test_new_namesake_listed_before_the_known_one_is_added(db: Database) -> None:
    school_id, _ = make_school(db)
    import_lines(db, school_id, [Line("王芳", ("语文组",), "teacher", "语文", "2001")])
    (known,) = roster(db, school_id)
    # The new 王芳 (2009) comes first in the file: she must not take 2001's row.
    two = [Line("王芳", ("数学组",), "teacher", "数学", "2009"),
           Line("王芳", ("语文组",), "teacher", "语文", "2001")]
    assert import_lines(db, school_id, two) == ImportSummary(1, 0, 0, 1)
    rows = roster(db, school_id)
    assert rows[0] == known
    assert [(r.name, r.staff_no, r.subject, r.groups, r.active) for r in rows[1:]] == [
        ("王芳", "2009", "数学", {"数学组": False}, True)]


def test_a_different_staff_number_is_a_different_person(db: Database) -> None:
    school_id, _ = make_school(db)
    import_lines(db, school_id, [Line("王芳", ("语文组",), "teacher", "语文", "2001")])
    (old,) = roster(db, school_id)
    assert import_lines(db, school_id, [Line("王芳", ("语文组",), "teacher", "语文", "2009")]
                        ) == ImportSummary(1, 0, 1, 0)
    rows = roster(db, school_id)
    assert [(r.id, r.staff_no, r.active) for r in rows] == [
        (old.id, "2001", False), (rows[1].id, "2009", True)]


def test_name_match_fills_in_a_staff_number_and_keeps_it(db: Database) -> None:
    school_id, _ = make_school(db)
    import_lines(db, school_id, [Line("李明", ("数学组",), "teacher", "数学", None)])
    (old,) = roster(db, school_id)
    assert import_lines(db, school_id, [Line("李明", ("数学组",), "teacher", "数学", "2002")]
                        ) == ImportSummary(0, 1, 0, 0)
    assert roster(db, school_id) == [Person(old.id, "李明", "2002", "数学", "teacher", True,
                                            None, {"数学组": False})]
    # A later file without the 工号 column keeps the number.
    assert import_lines(db, school_id, [Line("李明", ("数学组",), "teacher", "数学", None)]
                        ) == ImportSummary(0, 0, 0, 1)
    assert roster(db, school_id)[0].staff_no == "2002"


def test_memberships_and_leaders_follow_the_file(db: Database) -> None:
    school_id, _ = make_school(db)
    import_lines(db, school_id, STAFF)
    lines = [Line("王芳", ("语文组", "综合组"), "leader", "语文", "2001"),
             Line("李明", ("综合组",), "leader", "数学", "2002"),
             Line("张校长", ("英语组",), "admin", "", "2003")]
    assert import_lines(db, school_id, lines) == ImportSummary(0, 3, 0, 0)
    assert {r.name: (r.role, r.groups) for r in roster(db, school_id)} == {
        "王芳": ("leader", {"语文组": True, "综合组": True}),
        "李明": ("leader", {"综合组": True}),
        "张校长": ("admin", {"英语组": False}),
    }
    lines = [Line("王芳", ("语文组",), "teacher", "语文", "2001"), *lines[1:]]
    assert import_lines(db, school_id, lines) == ImportSummary(0, 1, 0, 2)
    wang = by_name(roster(db, school_id))["王芳"]
    assert (wang.role, wang.groups) == ("teacher", {"语文组": False})
    person = db.call(lambda s: people.get_person(s, teacher_id=wang.id))
    assert person is not None
    assert (person.groups, person.leads) == (("语文组",), ())


def test_import_counts_every_kind_at_once(db: Database) -> None:
    school_id, _ = make_school(db)
    import_lines(db, school_id, STAFF)
    lines = [Line("王芳", ("语文组",), "leader", "语文", "2001"),  # unchanged
             Line("李明", ("数学组",), "teacher", "数学", "2002"),  # one group fewer
             Line("赵雷", ("英语组",), "teacher", "英语", "2004"),  # new
             Line("钱红", ("英语组",), "teacher", "英语", None)]  # new
    assert import_lines(db, school_id, lines) == ImportSummary(2, 1, 1, 1)
    assert [(r.name, r.active) for r in roster(db, school_id)] == [
        ("王芳", True), ("李明", True), ("张校长", False), ("赵雷", True), ("钱红", True)]


def test_import_touches_only_its_own_school(db: Database) -> None:
    school_id, _ = make_school(db)
    other_id, _ = make_school(db, name="石门村小", groups=("语文组",))
    import_lines(db, other_id, [Line("王芳", ("语文组",), "teacher", "语文", "2001")])
    assert import_lines(db, school_id, STAFF) == ImportSummary(3, 0, 0, 0)
    (theirs,) = roster(db, other_id)
    assert theirs.active
    assert import_lines(db, school_id, STAFF[1:]) == ImportSummary(0, 0, 1, 2)
    assert roster(db, other_id) == [theirs]


def test_binding_survives_reimport_and_deactivation(db: Database) -> None:
    school_id, _ = make_school(db)
    import_lines(db, school_id, STAFF)
    codes = {row.name: row.code for row in db.call(
        lambda s: people.issue_codes(s, school_id=school_id))}
    db.call(lambda s: people.bind_with_code(s, school_id=school_id, code=codes["李明"] or "",
                                            account="tg:7", now=NOW))
    import_lines(db, school_id, [STAFF[0], Line("李明", ("数学组",), "teacher", "数学", "2002"),
                                 STAFF[2]])
    person = db.call(lambda s: people.get_by_account(s, account="tg:7"))
    assert person is not None
    assert (person.name, person.active, person.groups) == ("李明", True, ("数学组",))
    import_lines(db, school_id, [STAFF[0], STAFF[2]])
    person = db.call(lambda s: people.get_by_account(s, account="tg:7"))
    assert person is not None
    assert (person.name, person.active) == ("李明", False)


# --- binding codes -----------------------------------------------------------------------


def test_issue_codes_to_active_unbound_teachers_only(db: Database) -> None:
    school_id, _ = make_school(db)
    many = [Line(f"老师{i:02d}", ("语文组",), "teacher", "语文", f"30{i:02d}") for i in range(30)]
    import_lines(db, school_id, [*STAFF, *many])
    import_lines(db, school_id, [*STAFF[:2], *many])  # 张校长 leaves
    rows = db.call(lambda s: people.issue_codes(s, school_id=school_id))
    assert [row.name for row in rows] == ["王芳", "李明", *(line.name for line in many)]
    codes = [row.code for row in rows]
    assert all(code is not None and len(code) == 8 and set(code) <= set(ALPHABET)
               for code in codes)
    assert len(set(codes)) == len(codes)
    assert not set("".join(c or "" for c in codes)) & set("0O1IL" + string.ascii_lowercase)
    assert rows[1] == people.CodeRow("李明", "2002", ("数学组", "综合组"), codes[1], False)
    inactive = by_name(roster(db, school_id))["张校长"]
    assert teacher(db, inactive.id).bind_code is None

    # Issuing again keeps every code; a bound teacher shows as bound, without a code.
    bound = db.call(lambda s: people.bind_with_code(s, school_id=school_id,
                                                    code=codes[0] or "", account="tg:1",
                                                    now=NOW))
    assert bound is not None
    import_lines(db, school_id, [*STAFF[:2], *many, Line("新老师", ("英语组",), "teacher",
                                                          "英语", "4001")])
    again = db.call(lambda s: people.issue_codes(s, school_id=school_id))
    assert again[0] == people.CodeRow("王芳", "2001", ("语文组",), None, True)
    assert [row.code for row in again[1:-1]] == codes[1:]
    assert again[-1].name == "新老师"
    assert again[-1].code not in codes
    assert len(again[-1].code or "") == 8


def test_normalise_code() -> None:
    assert people.normalise_code(" ab cd-ef 23 ") == "ABCDEF23"
    assert people.normalise_code("abcd\u3000efgh") == "ABCDEFGH"


def issue(db: Database, school_id: int) -> dict[str, str]:
    rows = db.call(lambda s: people.issue_codes(s, school_id=school_id))
    return {row.name: row.code for row in rows if row.code is not None}


def test_bind_with_code_once_and_case_insensitive(db: Database) -> None:
    school_id, _ = make_school(db)
    import_lines(db, school_id, STAFF)
    codes = issue(db, school_id)
    code = codes["李明"]
    typed = f" {code[:4].lower()} -{code[4:].lower()} "
    person = db.call(lambda s: people.bind_with_code(s, school_id=school_id, code=typed,
                                                     account="tg:42", now=NOW))
    li = by_name(roster(db, school_id))["李明"]
    assert person == people.PersonRow(li.id, school_id, "李明", "teacher", "数学", True,
                                      "tg:42", ("数学组", "综合组"), ())
    row = teacher(db, li.id)
    assert (row.account, row.bound_at, row.bind_code) == ("tg:42", NOW, None)
    assert db.call(lambda s: people.get_by_account(s, account="tg:42")) == person
    # The code is spent.
    assert db.call(lambda s: people.bind_with_code(s, school_id=school_id, code=code,
                                                   account="tg:43", now=NOW)) is None
    assert teacher(db, li.id).account == "tg:42"
    assert db.call(lambda s: people.get_by_account(s, account="tg:43")) is None
    actions = db.call(lambda s: s.exec(select(AuditEntry.action, AuditEntry.actor_id)
                                       .where(AuditEntry.action == "bind")).all())
    assert actions == [("bind", li.id)]


def test_bind_refuses_wrong_foreign_and_deactivated_codes(db: Database) -> None:
    school_id, _ = make_school(db)
    other_id, _ = make_school(db, name="石门村小", groups=("语文组",))
    import_lines(db, school_id, STAFF)
    import_lines(db, other_id, [Line("赵雷", ("语文组",), "teacher", "语文", "9001")])
    codes, foreign = issue(db, school_id), issue(db, other_id)

    def bind(code: str, account: str, at: int = school_id) -> people.PersonRow | None:
        return db.call(lambda s: people.bind_with_code(s, school_id=at, code=code,
                                                       account=account, now=NOW))

    assert bind("ABCDEFGH", "tg:1") is None
    assert bind("", "tg:1") is None
    assert bind(foreign["赵雷"], "tg:1") is None  # another school's code
    import_lines(db, school_id, STAFF[1:])  # 王芳 leaves, her code stays on paper
    assert bind(codes["王芳"], "tg:1") is None
    assert all(r.account is None for r in roster(db, school_id) + roster(db, other_id))
    # The other school's code still works there.
    bound = bind(foreign["赵雷"], "tg:1", other_id)
    assert bound is not None
    assert bound.name == "赵雷"


def test_one_account_cannot_bind_two_teachers(db: Database) -> None:
    school_id, _ = make_school(db)
    import_lines(db, school_id, STAFF)
    codes = issue(db, school_id)
    assert db.call(lambda s: people.bind_with_code(s, school_id=school_id, code=codes["王芳"],
                                                   account="tg:1", now=NOW)) is not None
    # A clean refusal, not an IntegrityError, and 李明's code is not spent.
    second = db.call(lambda s: people.bind_with_code(s, school_id=school_id,
                                                     code=codes["李明"], account="tg:1",
                                                     now=NOW))
    assert second is None
    rows = by_name(roster(db, school_id))
    assert (rows["王芳"].account, rows["李明"].account) == ("tg:1", None)
    assert teacher(db, rows["李明"].id).bind_code == codes["李明"]
    # The same account bound in another school cannot take a teacher here either.
    other_id, _ = make_school(db, name="石门村小", groups=("语文组",))
    import_lines(db, other_id, [Line("赵雷", ("语文组",), "teacher", "语文", "9001")])
    foreign = issue(db, other_id)
    assert db.call(lambda s: people.bind_with_code(s, school_id=other_id, code=foreign["赵雷"],
                                                   account="tg:1", now=NOW)) is None
    assert roster(db, other_id)[0].account is None


def test_two_accounts_racing_for_one_code_bind_once(db: Database) -> None:
    school_id, _ = make_school(db)
    import_lines(db, school_id, STAFF)
    code = issue(db, school_id)["李明"]
    results = race(
        db,
        lambda s: people.bind_with_code(s, school_id=school_id, code=code, account="tg:1",
                                        now=NOW),
        lambda s: people.bind_with_code(s, school_id=school_id, code=code, account="tg:2",
                                        now=NOW),
    )
    winners = [r for r in results if r is not None]
    assert len(winners) == 1, results
    assert isinstance(winners[0], people.PersonRow)
    li = by_name(roster(db, school_id))["李明"]
    assert li.account == winners[0].account


def test_one_account_racing_with_two_codes_binds_once(db: Database) -> None:
    school_id, _ = make_school(db)
    import_lines(db, school_id, STAFF)
    codes = issue(db, school_id)
    results = race(
        db,
        lambda s: people.bind_with_code(s, school_id=school_id, code=codes["王芳"],
                                        account="tg:1", now=NOW),
        lambda s: people.bind_with_code(s, school_id=school_id, code=codes["李明"],
                                        account="tg:1", now=NOW),
    )
    assert sorted(type(r).__name__ for r in results) == ["NoneType", "PersonRow"], results
    assert [r.account for r in roster(db, school_id)].count("tg:1") == 1


# --- wrong codes -------------------------------------------------------------------------


def test_wrong_codes_are_counted_per_account_in_a_window(db: Database) -> None:
    def add(account: str, delta: timedelta) -> None:
        db.call(lambda s: people.add_wrong_code(s, account=account, now=NOW + delta))

    def wrong(account: str, since: timedelta) -> int:
        return db.call(lambda s: people.count_wrong_codes(s, account=account,
                                                          since=NOW + since))

    for delta in (timedelta(hours=-2), timedelta(minutes=-30), timedelta(minutes=-1)):
        add("tg:1", delta)
    add("tg:2", timedelta(0))
    assert wrong("tg:1", timedelta(hours=-1)) == 2
    assert wrong("tg:1", timedelta(hours=-3)) == 3
    assert wrong("tg:1", timedelta(minutes=-1)) == 1  # the window includes its start
    assert wrong("tg:2", timedelta(hours=-1)) == 1
    assert wrong("tg:3", timedelta(hours=-1)) == 0
    # The same instant in the school's time zone counts the same.
    shanghai = (NOW - timedelta(hours=1)).astimezone(ZoneInfo("Asia/Shanghai"))
    assert db.call(lambda s: people.count_wrong_codes(s, account="tg:1", since=shanghai)) == 2
    # A day later the old attempts are dropped on the way.
    add("tg:1", timedelta(days=1))
    assert wrong("tg:1", timedelta(days=-30)) == 1
    assert wrong("tg:2", timedelta(days=-30)) == 1  # exactly a day old: kept


# --- bind requests -----------------------------------------------------------------------


def setup_requests(db: Database) -> tuple[int, dict[str, Person]]:
    school_id, _ = make_school(db)
    import_lines(db, school_id, STAFF)
    return school_id, by_name(roster(db, school_id))


def request(db: Database, account: str, teacher_id: int, name: str = "") -> int | None:
    return db.call(lambda s: people.add_bind_request(
        s, account=account, display_name=name or account, teacher_id=teacher_id, now=NOW))


def decide(db: Database, request_id: int, school_id: int, admin_id: int,
           approve: bool) -> BindDecision | None:
    return db.call(lambda s: people.decide_bind_request(
        s, request_id=request_id, school_id=school_id, admin_id=admin_id, approve=approve,
        now=NOW + timedelta(hours=1)))


def status(db: Database, request_id: int) -> tuple[str, int | None]:
    row = db.call(lambda s: s.get(BindRequest, request_id))
    assert row is not None
    return row.status, row.decided_by


def test_add_and_list_bind_requests(db: Database) -> None:
    school_id, rows = setup_requests(db)
    first = request(db, "tg:1", rows["李明"].id, "Li Ming")
    assert isinstance(first, int)
    assert request(db, "tg:1", rows["王芳"].id) is None  # already one pending
    second = request(db, "tg:2", rows["李明"].id, "小李")
    assert isinstance(second, int)
    assert second != first
    pending = db.call(lambda s: people.list_pending_requests(s, school_id=school_id))
    li = db.call(lambda s: people.get_person(s, teacher_id=rows["李明"].id))
    assert pending == [people.RequestRow(first, "Li Ming", li),
                       people.RequestRow(second, "小李", li)]
    other_id, _ = make_school(db, name="石门村小", groups=("语文组",))
    assert db.call(lambda s: people.list_pending_requests(s, school_id=other_id)) == []


def test_approve_binds_the_account(db: Database) -> None:
    school_id, rows = setup_requests(db)
    admin = rows["张校长"].id
    request_id = request(db, "tg:1", rows["李明"].id)
    assert request_id is not None
    assert decide(db, request_id, school_id, admin, True) == BindDecision("tg:1", "李明", True)
    li = teacher(db, rows["李明"].id)
    assert (li.account, li.bound_at) == ("tg:1", NOW + timedelta(hours=1))
    assert status(db, request_id) == ("approved", admin)
    assert db.call(lambda s: people.list_pending_requests(s, school_id=school_id)) == []
    # Deciding twice does nothing.
    assert decide(db, request_id, school_id, admin, False) is None
    assert status(db, request_id) == ("approved", admin)
    assert teacher(db, rows["李明"].id).account == "tg:1"
    # Once decided, the account may file another request.
    assert request(db, "tg:1", rows["王芳"].id) is not None


def test_refuse_does_not_bind(db: Database) -> None:
    school_id, rows = setup_requests(db)
    admin = rows["张校长"].id
    request_id = request(db, "tg:1", rows["李明"].id)
    assert request_id is not None
    assert decide(db, request_id, school_id, admin, False) == BindDecision("tg:1", "李明", False)
    assert teacher(db, rows["李明"].id).account is None
    assert status(db, request_id) == ("refused", admin)
    assert decide(db, request_id, school_id, admin, True) is None
    assert teacher(db, rows["李明"].id).account is None
    assert db.call(lambda s: people.get_by_account(s, account="tg:1")) is None


def test_another_schools_request_cannot_be_decided_here(db: Database) -> None:
    school_id, rows = setup_requests(db)
    other_id, _ = make_school(db, name="石门村小", groups=("语文组",))
    import_lines(db, other_id, [Line("赵雷", ("语文组",), "teacher", "语文", "9001")])
    (zhao,) = roster(db, other_id)
    request_id = request(db, "tg:1", zhao.id)
    assert request_id is not None
    assert decide(db, request_id, school_id, rows["张校长"].id, True) is None
    assert status(db, request_id) == ("pending", None)
    assert roster(db, other_id)[0].account is None
    assert len(db.call(lambda s: people.list_pending_requests(s, school_id=other_id))) == 1


def test_approving_after_the_teacher_got_bound_is_refused(db: Database) -> None:
    school_id, rows = setup_requests(db)
    admin = rows["张校长"].id
    request_id = request(db, "tg:1", rows["李明"].id)
    assert request_id is not None
    code = issue(db, school_id)["李明"]
    assert db.call(lambda s: people.bind_with_code(s, school_id=school_id, code=code,
                                                   account="tg:9", now=NOW)) is not None
    assert decide(db, request_id, school_id, admin, True) == BindDecision("tg:1", "李明", False)
    assert status(db, request_id) == ("refused", admin)
    assert teacher(db, rows["李明"].id).account == "tg:9"


def test_approving_after_the_account_got_bound_elsewhere_is_refused(db: Database) -> None:
    school_id, rows = setup_requests(db)
    admin = rows["张校长"].id
    request_id = request(db, "tg:1", rows["李明"].id)
    assert request_id is not None
    code = issue(db, school_id)["王芳"]
    assert db.call(lambda s: people.bind_with_code(s, school_id=school_id, code=code,
                                                   account="tg:1", now=NOW)) is not None
    assert decide(db, request_id, school_id, admin, True) == BindDecision("tg:1", "李明", False)
    assert teacher(db, rows["李明"].id).account is None
    assert status(db, request_id) == ("refused", admin)


def test_approving_a_deactivated_teacher_is_refused(db: Database) -> None:
    school_id, rows = setup_requests(db)
    request_id = request(db, "tg:1", rows["李明"].id)
    assert request_id is not None
    import_lines(db, school_id, [STAFF[0], STAFF[2]])
    assert decide(db, request_id, school_id, rows["张校长"].id, True) == BindDecision(
        "tg:1", "李明", False)
    assert teacher(db, rows["李明"].id).account is None


def test_two_admins_deciding_at_once_decide_once(db: Database) -> None:
    school_id, rows = setup_requests(db)
    request_id = request(db, "tg:1", rows["李明"].id)
    assert request_id is not None
    results = race(
        db,
        *(lambda s, admin=admin: people.decide_bind_request(
            s, request_id=request_id, school_id=school_id, admin_id=admin, approve=True,
            now=NOW) for admin in (rows["张校长"].id, rows["王芳"].id)),
    )
    decided = [r for r in results if r is not None]
    assert decided == [BindDecision("tg:1", "李明", True)], results
    assert teacher(db, rows["李明"].id).account == "tg:1"
    audits = db.call(lambda s: s.exec(select(AuditEntry.id)
                                      .where(col(AuditEntry.action) == "bind_request")).all())
    assert len(audits) == 1


def test_admin_accounts_lists_bound_active_admins(db: Database) -> None:
    school_id, _ = setup_requests(db)
    assert db.call(lambda s: people.admin_accounts(s, school_id=school_id)) == []
    codes = issue(db, school_id)
    for name, account in (("张校长", "tg:100"), ("王芳", "tg:101")):
        db.call(lambda s, c=codes[name], a=account: people.bind_with_code(
            s, school_id=school_id, code=c, account=a, now=NOW))
    assert db.call(lambda s: people.admin_accounts(s, school_id=school_id)) == ["tg:100"]
