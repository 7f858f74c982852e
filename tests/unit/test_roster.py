"""Tests for handlers.roster: parsing and validating the staff list (花名册)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from openpyxl import Workbook

from handlers.roster import (
    EMPTY_MESSAGE,
    FORMAT_MESSAGE,
    ROLE_ALIASES,
    ROLE_LABELS,
    Role,
    RosterEntry,
    RosterError,
    parse_roster,
    parse_roster_bytes,
)

KNOWN = ("语文组", "数学组", "英语组", "综合组")
KNOWN_TEXT = "语文组、数学组、英语组、综合组"
HEADER = ["姓名", "教研组", "角色", "学科", "工号"]

Rows = Sequence[Sequence[object]]


def csv_bytes(rows: Rows, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: Rows, *, sheets_before: int = 0, title: str = "花名册") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    for number in range(sheets_before):
        other = workbook.create_sheet(f"其他{number}")
        other.append(["姓名", "教研组", "角色", "学科"])
        other.append(["不该读到", "语文组", "教师", "语文"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def entry(
    row: int,
    name: str,
    groups: tuple[str, ...],
    role: Role = Role.TEACHER,
    subject: str = "",
    staff_no: str | None = None,
) -> RosterEntry:
    return RosterEntry(row, name, groups, role, subject, staff_no)


BASIC_ROWS: Rows = [
    HEADER,
    ["王芳", "语文组", "教师", "语文", "1001"],
    ["李强", "数学组", "组长", "数学", "1002"],
    ["张校长", "", "校长", "", ""],
]
BASIC_ENTRIES = [
    entry(2, "王芳", ("语文组",), Role.TEACHER, "语文", "1001"),
    entry(3, "李强", ("数学组",), Role.LEADER, "数学", "1002"),
    entry(4, "张校长", (), Role.ADMIN, "", None),
]

GOOD_FILES: dict[str, tuple[str, Callable[[], bytes], list[RosterEntry]]] = {
    "csv_utf8": ("花名册.csv", lambda: csv_bytes(BASIC_ROWS), BASIC_ENTRIES),
    "csv_utf8_bom": ("花名册.csv", lambda: csv_bytes(BASIC_ROWS, "utf-8-sig"), BASIC_ENTRIES),
    "csv_gbk": ("花名册.csv", lambda: csv_bytes(BASIC_ROWS, "gbk"), BASIC_ENTRIES),
    "csv_tab_separated": (
        "花名册.csv",
        lambda: csv_bytes(BASIC_ROWS, "utf-8-sig", delimiter="\t"),
        BASIC_ENTRIES,
    ),
    "xlsx": ("花名册.xlsx", lambda: xlsx_bytes(BASIC_ROWS), BASIC_ENTRIES),
    "xlsx_upper_suffix_first_sheet": (
        "花名册.XLSX",
        lambda: xlsx_bytes(BASIC_ROWS, sheets_before=1),
        BASIC_ENTRIES,
    ),
    "header_aliases_extra_columns_fullwidth_spaces": (
        "花名册.csv",
        lambda: csv_bytes(
            [
                ["序号", "\u3000名字\u3000", "组别", " 职务", "任教学科", "联系电话", "教师编号 "],
                ["1", "\u3000王芳 ", " 语文组\u3000", "老师", " 语文 ", "13800000000", " 1001"],
                ["2", "赵敏", "英语组", "教研组长", "英语", "", ""],
            ]
        ),
        [
            entry(2, "王芳", ("语文组",), Role.TEACHER, "语文", "1001"),
            entry(3, "赵敏", ("英语组",), Role.LEADER, "英语", None),
        ],
    ),
    "other_aliases_no_staff_no_column": (
        "花名册.csv",
        lambda: csv_bytes(
            [["姓名", "学科组", "身份", "学科", "编号"], ["陈静", "综合组", "", "美术", ""]]
        ),
        [entry(2, "陈静", ("综合组",), Role.TEACHER, "美术", None)],
    ),
    "multiple_groups_in_one_cell": (
        "花名册.csv",
        lambda: csv_bytes(
            [
                ["姓名", "教研组", "角色", "学科"],
                ["甲老师", "语文组、数学组", "教师", "语文"],
                ["乙老师", "英语组, 综合组", "教师", "英语"],
                ["丙老师", "语文组；综合组/数学组", "组长", "语文"],
                ["丁老师", "语文组　数学组 语文组", "教师", "数学"],
                ["戊主任", "数学组;英语组，综合组", "教导主任", ""],
            ]
        ),
        [
            entry(2, "甲老师", ("语文组", "数学组"), Role.TEACHER, "语文"),
            entry(3, "乙老师", ("英语组", "综合组"), Role.TEACHER, "英语"),
            entry(4, "丙老师", ("语文组", "综合组", "数学组"), Role.LEADER, "语文"),
            entry(5, "丁老师", ("语文组", "数学组"), Role.TEACHER, "数学"),
            entry(6, "戊主任", ("数学组", "英语组", "综合组"), Role.ADMIN, ""),
        ],
    ),
    "xlsx_numeric_staff_no_title_row_blank_rows": (
        "roster.xlsx",
        lambda: xlsx_bytes(
            [
                ["城南小学2024学年教师花名册"],
                [],
                HEADER,
                ["王芳", "语文组", "教师", "语文", 1001],
                [None, None, None, None, None],
                ["李强", "数学组", None, "数学", 1002.0],
                ["王芳", "数学组", "教师", "数学", 1003],
            ]
        ),
        [
            entry(4, "王芳", ("语文组",), Role.TEACHER, "语文", "1001"),
            entry(6, "李强", ("数学组",), Role.TEACHER, "数学", "1002"),
            entry(7, "王芳", ("数学组",), Role.TEACHER, "数学", "1003"),
        ],
    ),
    "padded_names_and_staff_no_text": (
        "花名册.csv",
        lambda: csv_bytes(
            [
                HEADER,
                ["王　芳", "语文组", "教师", "语文", "001002"],
                ["Anna Lee", "英语组", "教师", "英语", "1003.0"],
            ]
        ),
        [
            entry(2, "王芳", ("语文组",), Role.TEACHER, "语文", "001002"),
            entry(3, "Anna Lee", ("英语组",), Role.TEACHER, "英语", "1003"),
        ],
    ),
}


@pytest.mark.parametrize("case", list(GOOD_FILES), ids=list(GOOD_FILES))
def test_good_files(tmp_path: Path, case: str) -> None:
    filename, make, expected = GOOD_FILES[case]
    data = make()
    assert parse_roster(write(tmp_path, filename, data), known_groups=KNOWN) == expected
    assert parse_roster_bytes(data, filename=filename, known_groups=KNOWN) == expected


def test_gbk_csv_is_really_not_utf8() -> None:
    data = csv_bytes(BASIC_ROWS, "gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert parse_roster_bytes(data, filename="a.csv", known_groups=KNOWN)[0].name == "王芳"


def test_bom_csv_starts_with_bom() -> None:
    data = csv_bytes(BASIC_ROWS, "utf-8-sig")
    assert data.startswith(b"\xef\xbb\xbf")
    assert parse_roster_bytes(data, filename="a.csv", known_groups=KNOWN)[0].row == 2


@pytest.mark.parametrize(("text", "role"), [*ROLE_ALIASES.items(), ("", Role.TEACHER)])
def test_every_role_spelling(text: str, role: Role) -> None:
    rows = [HEADER, ["王芳", "语文组", text, "语文", ""]]
    parsed = parse_roster_bytes(csv_bytes(rows), filename="a.csv", known_groups=KNOWN)
    assert parsed == [entry(2, "王芳", ("语文组",), role, "语文")]


def test_role_labels_are_chinese() -> None:
    assert ROLE_LABELS == {Role.TEACHER: "教师", Role.LEADER: "教研组长", Role.ADMIN: "管理员"}
    assert [str(role) for role in Role] == ["teacher", "leader", "admin"]


def rows_with(*data_rows: Sequence[str]) -> bytes:
    return csv_bytes([HEADER, *data_rows])


ROLES_TEXT = (
    "教师、老师、教研组长、组长、管理员、教导主任、教导处、校长、副校长、教科室主任、信息技术"
)
NEEDED = "必需的列：姓名、教研组、角色、学科"

BAD_FILES: dict[str, tuple[bytes, list[str]]] = {
    "empty_name": (
        rows_with(["王芳", "语文组", "教师", "语文", ""], ["　", "语文组", "教师", "语文", "9"]),
        ["第 3 行：姓名为空"],
    ),
    "unknown_group": (
        rows_with(["王芳", "语文组、体育组", "教师", "体育", ""]),
        [f"第 2 行：教研组「体育组」不存在（可选：{KNOWN_TEXT}）"],
    ),
    "unknown_group_for_admin": (
        rows_with(["张校长", "行政组", "校长", "", ""]),
        [f"第 2 行：教研组「行政组」不存在（可选：{KNOWN_TEXT}）"],
    ),
    "teacher_without_group": (
        rows_with(["王芳", "", "教师", "语文", ""]),
        ["第 2 行：没有填写教研组（教师必须属于至少一个教研组）"],
    ),
    "leader_without_group": (
        rows_with(["王芳", "语文组", "", "语文", ""], ["李强", " 、 ", "组长", "数学", ""]),
        ["第 3 行：没有填写教研组（教研组长必须属于至少一个教研组）"],
    ),
    "duplicate_staff_no": (
        rows_with(
            ["王芳", "语文组", "教师", "语文", "1001"], ["李强", "数学组", "教师", "数学", "1001"]
        ),
        ["第 3 行：工号「1001」与第 2 行重复"],
    ),
    "duplicate_name_without_staff_no": (
        rows_with(
            ["王芳", "语文组", "教师", "语文", ""],
            ["李强", "数学组", "教师", "数学", ""],
            ["王芳", "数学组", "教师", "数学", ""],
        ),
        ["第 4 行：姓名「王芳」与第 2 行重复，请填写工号以便区分"],
    ),
    "duplicate_name_only_one_has_staff_no": (
        rows_with(
            ["王芳", "语文组", "教师", "语文", "1001"], ["王 芳", "数学组", "教师", "数学", ""]
        ),
        ["第 3 行：姓名「王芳」与第 2 行重复，请填写工号以便区分"],
    ),
    "unknown_role": (
        rows_with(["王芳", "语文组", "班主任", "语文", ""]),
        [f"第 2 行：角色「班主任」无法识别（可填：{ROLES_TEXT}；留空即为教师）"],
    ),
    "name_too_long": (
        rows_with(
            ["阿" * 21, "语文组", "教师", "语文", ""], ["阿" * 20, "语文组", "教师", "语文", ""]
        ),
        [f"第 2 行：姓名「{'阿' * 21}」过长（21 个字符，最多 20 个）"],
    ),
    "missing_column": (
        csv_bytes([["姓名", "教研组", "角色", "备注"], ["王芳", "语文组", "教师", ""]]),
        [f"第 1 行：表头缺少「学科」列（{NEEDED}）"],
    ),
    "missing_two_columns": (
        csv_bytes([["名字", "职务"], ["王芳", "教师"]]),
        [f"第 1 行：表头缺少「教研组」列（{NEEDED}）", f"第 1 行：表头缺少「学科」列（{NEEDED}）"],
    ),
    "duplicate_header_column": (
        csv_bytes(
            [["姓名", "名字", "教研组", "角色", "学科"], ["王芳", "王芳", "语文组", "", ""]]
        ),
        ["第 1 行：表头里「姓名」列出现了不止一次（「名字」）"],
    ),
    "empty_file": (b"", [EMPTY_MESSAGE]),
    "blank_lines_only": (b"\r\n , , \r\n", [EMPTY_MESSAGE]),
    "header_only": (csv_bytes([HEADER, ["", "", "", "", ""]]), [EMPTY_MESSAGE]),
}


@pytest.mark.parametrize("case", list(BAD_FILES), ids=list(BAD_FILES))
def test_bad_files(case: str) -> None:
    data, expected = BAD_FILES[case]
    with pytest.raises(RosterError) as caught:
        parse_roster_bytes(data, filename="花名册.csv", known_groups=KNOWN)
    assert caught.value.problems == expected
    assert str(caught.value) == "\n".join(expected)


def test_three_problems_all_reported_in_row_order(tmp_path: Path) -> None:
    data = xlsx_bytes(
        [
            HEADER,
            ["王芳", "语文组", "教师", "语文", 1001],
            ["李强", "体育组", "教师", "体育", 1002],
            ["", "数学组", "教师", "数学", 1003],
            ["赵敏", "英语组", "班长", "英语", 1001],
        ]
    )
    with pytest.raises(RosterError) as caught:
        parse_roster(write(tmp_path, "花名册.xlsx", data), known_groups=KNOWN)
    assert caught.value.problems == [
        f"第 3 行：教研组「体育组」不存在（可选：{KNOWN_TEXT}）",
        "第 4 行：姓名为空",
        f"第 5 行：角色「班长」无法识别（可填：{ROLES_TEXT}；留空即为教师）",
        "第 5 行：工号「1001」与第 2 行重复",
    ]
    assert isinstance(caught.value, ValueError)


def test_known_groups_as_set_are_listed_sorted() -> None:
    data = rows_with(["王芳", "体育组", "教师", "体育", ""])
    with pytest.raises(RosterError) as caught:
        parse_roster_bytes(data, filename="a.csv", known_groups={"语文组", "数学组"})
    assert caught.value.problems == ["第 2 行：教研组「体育组」不存在（可选：数学组、语文组）"]


def test_no_known_groups_at_all() -> None:
    data = rows_with(["王芳", "语文组", "教师", "语文", ""])
    with pytest.raises(RosterError) as caught:
        parse_roster_bytes(data, filename="a.csv", known_groups=())
    assert caught.value.problems == ["第 2 行：教研组「语文组」不存在（可选：尚未设置任何教研组）"]


def test_same_name_with_different_staff_no_is_fine() -> None:
    data = rows_with(["王芳", "语文组", "", "语文", "1"], ["王芳", "数学组", "", "数学", "2"])
    parsed = parse_roster_bytes(data, filename="a.csv", known_groups=KNOWN)
    assert [(e.row, e.name, e.staff_no) for e in parsed] == [(2, "王芳", "1"), (3, "王芳", "2")]


@pytest.mark.parametrize("filename", ["花名册.xls", "花名册.txt", "花名册", "花名册.csv.docx"])
def test_unsupported_format(filename: str) -> None:
    with pytest.raises(RosterError) as caught:
        parse_roster_bytes(csv_bytes(BASIC_ROWS), filename=filename, known_groups=KNOWN)
    assert caught.value.problems == [FORMAT_MESSAGE]
    assert FORMAT_MESSAGE == "只支持 .csv 和 .xlsx 格式的花名册"


def test_unreadable_xlsx() -> None:
    with pytest.raises(RosterError) as caught:
        parse_roster_bytes(b"not a zip file", filename="花名册.xlsx", known_groups=KNOWN)
    assert caught.value.problems == ["无法读取这个 .xlsx 文件，请用 Excel 或 WPS 另存后再发送"]


def test_empty_xlsx() -> None:
    with pytest.raises(RosterError) as caught:
        parse_roster_bytes(xlsx_bytes([]), filename="花名册.xlsx", known_groups=KNOWN)
    assert caught.value.problems == ["花名册里没有老师"]


def test_roster_error_accepts_single_message() -> None:
    error = RosterError("花名册里没有老师")
    assert error.problems == ["花名册里没有老师"]
    assert str(error) == "花名册里没有老师"


def test_mobile_numbers_are_read_as_eleven_digits_and_bad_ones_reported() -> None:
    rows = [[*HEADER, "手机号"], ["王芳", "语文组", "", "语文", "1", "+86 138-0000-2001"],
            ["刘洋", "语文组", "", "语文", "2", ""]]
    parsed = parse_roster_bytes(csv_bytes(rows), filename="a.csv", known_groups=KNOWN)
    assert [e.mobile for e in parsed] == ["13800002001", None]
    rows.append(["孙丽", "语文组", "", "语文", "3", "2003"])
    with pytest.raises(RosterError) as caught:
        parse_roster_bytes(csv_bytes(rows), filename="a.csv", known_groups=KNOWN)
    assert caught.value.problems == ["第 4 行：手机号「2003」格式不对（应为 11 位手机号码）"]
