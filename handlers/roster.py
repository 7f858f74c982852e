"""Parse and validate the school's staff list (花名册) sent by 教导处 as CSV or XLSX.

The module is pure: it reads the file, checks every row and either returns the
entries or raises :class:`RosterError` listing every problem it found, so that a
faulty roster is never imported half-way.
"""

import csv
import io
import re
import zipfile
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from handlers.render import clean_text


class Role(StrEnum):
    """Role of a staff member inside the bot."""

    TEACHER = "teacher"
    LEADER = "leader"
    ADMIN = "admin"


ROLE_LABELS: dict[Role, str] = {
    Role.TEACHER: "教师",
    Role.LEADER: "教研组长",
    Role.ADMIN: "管理员",
}

# Issue 17: in a district's roster, an admin of the 中心校, who sees every school.
DISTRICT_ADMIN = "学区管理员"

# Every spelling accepted in the 角色 column; an empty cell means TEACHER.
ROLE_ALIASES: dict[str, Role] = {
    "教师": Role.TEACHER,
    "老师": Role.TEACHER,
    "教研组长": Role.LEADER,
    "组长": Role.LEADER,
    "管理员": Role.ADMIN,
    "教导主任": Role.ADMIN,
    "教导处": Role.ADMIN,
    "校长": Role.ADMIN,
    "副校长": Role.ADMIN,
    "教科室主任": Role.ADMIN,
    "信息技术": Role.ADMIN,
}

# Canonical column -> accepted header spellings (the canonical one first).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "姓名": ("姓名", "名字"),
    "教研组": ("教研组", "组别", "学科组"),
    "角色": ("角色", "职务", "身份"),
    "学科": ("学科", "任教学科"),
    "工号": ("工号", "教师编号", "编号"),
    "手机号": ("手机号", "手机", "手机号码"),
    # 师徒结对 (optional): the 徒弟's row names their 师傅, from 结对日期 (default: today).
    "师傅": ("师傅", "指导教师", "导师"),
    "结对日期": ("结对日期", "结对时间"),
    "学校": ("学校", "所在学校", "校名"),  # issue 17: required when there are several schools
}
REQUIRED_COLUMNS: tuple[str, ...] = ("姓名", "教研组", "角色", "学科")
# Issue 17: a person of a given school of the district, written 学校·姓名 (城关镇中心校·吴老师),
# as a 师傅 of another school is named where the name alone is not enough.
SCHOOL_MARK = "·"
MAX_NAME_LENGTH = 20

_HEADER_LOOKUP = {alias: column for column, aliases in COLUMN_ALIASES.items() for alias in aliases}
_GROUP_SEPARATORS = re.compile(r"[、,，;；/\s]+")
_SPACE_BETWEEN_HAN = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")
_HEADER_SEARCH_ROWS = 10

EMPTY_MESSAGE = "花名册里没有老师"
FORMAT_MESSAGE = "只支持 .csv 和 .xlsx 格式的花名册"


@dataclass(frozen=True)
class RosterEntry:
    """One staff member as listed in the roster.

    Attributes:
        row: 1-based row number as a spreadsheet shows it (header = row 1).
        name: Full name.
        groups: 教研组 the person belongs to; empty only for administrators.
        role: Role inside the bot.
        subject: Subject taught, may be "".
        staff_no: 工号, or None when the column is missing or the cell empty.
        mobile: 手机号 (11 digits), or None; 钉钉 binds by it when 工号 does not match.
        mentor: 师傅 (another name in the file) of this 徒弟, or None.
        mentor_since: 结对日期, or None (the pair starts on the day of the import).
        school: 学校 (issue 17), "" in a single-school deployment.
        mentor_school: the 师傅's 学校 in a district (may be another school), else "".
    """

    row: int
    name: str
    groups: tuple[str, ...]
    role: Role
    subject: str
    staff_no: str | None
    mobile: str | None = None
    mentor: str | None = None
    mentor_since: date | None = None
    school: str = ""
    mentor_school: str = ""


class RosterError(ValueError):
    """Raised with every problem found; nothing of the file is to be imported."""

    problems: list[str]

    def __init__(self, problems: str | Sequence[str]) -> None:
        """Store the problems, one Chinese line each.

        Args:
            problems: A single message or a list of messages.
        """
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


def parse_roster(path: Path, *, known_groups: Collection[str] | Mapping[str, Collection[str]],
                 central: str = "") -> list[RosterEntry]:
    """Parse the roster file at ``path``.

    Args:
        path: A .csv or .xlsx file.
        known_groups: Names of the 教研组 that exist in the bot; with several schools,
            each school's name to its 教研组 (the 学校 column then says whose row it is).
        central: The 中心校, the only school whose rows may say 学区管理员.

    Returns:
        The entries in file order.

    Raises:
        RosterError: With every problem found in the file.
    """
    return parse_roster_bytes(
        Path(path).read_bytes(), filename=str(path), known_groups=known_groups,
        central=central)


def parse_roster_bytes(
    data: bytes, *, filename: str, known_groups: Collection[str] | Mapping[str, Collection[str]],
    central: str = "",
) -> list[RosterEntry]:
    """Parse a roster received as bytes, e.g. a document sent in chat.

    Args:
        data: Raw file content.
        filename: Original file name; only its suffix is used to pick the format.
        known_groups: Names of the 教研组 that exist in the bot.

    Returns:
        The entries in file order.

    Raises:
        RosterError: With every problem found in the file.
    """
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        rows = _read_csv(data)
    elif suffix == ".xlsx":
        rows = _read_xlsx(data)
    else:
        raise RosterError(FORMAT_MESSAGE)
    if isinstance(known_groups, Mapping):
        return _parse_school_rows(rows, known_groups, central)
    return _parse_rows(rows, known_groups)


def _read_csv(data: bytes) -> list[list[object]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RosterError("无法识别 CSV 文件的编码，请另存为 UTF-8 或 GBK 编码")
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = "\t" if "," not in first_line and "\t" in first_line else ","
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        return [list(row) for row in reader]
    except csv.Error as exc:
        raise RosterError("CSV 文件格式有误，无法读取，请用 Excel 重新另存为 CSV") from exc


def _read_xlsx(data: bytes) -> list[list[object]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise RosterError("无法读取这个 .xlsx 文件，请用 Excel 或 WPS 另存后再发送") from exc
    try:
        sheet = workbook.worksheets[0]
        if isinstance(sheet, ReadOnlyWorksheet):
            sheet.reset_dimensions()  # some tools write a wrong <dimension> that hides rows
        return [list(row) for row in sheet.iter_rows(min_row=1, values_only=True)]
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    """Turn a cell into trimmed text; integral floats from Excel lose their ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_text(str(value)).strip()


def _header_key(value: object) -> str:
    return re.sub(r"\s+", "", _cell_text(value)).strip("*＊")


def _split_groups(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(part for part in _GROUP_SEPARATORS.split(text) if part))


def mobile_number(text: str) -> str | None:
    """A mainland mobile number as 11 digits (spaces, dashes, +86 dropped); None if not one."""
    digits = re.sub(r"[\s\-()（）]", "", text).removeprefix("+86").removeprefix("0086")
    digits = re.sub(r"^(\d+)\.0+$", r"\1", digits)
    return digits if re.fullmatch(r"1\d{10}", digits) else None


def _staff_no(text: str) -> str | None:
    text = re.sub(r"^(\d+)\.0+$", r"\1", text)
    return text or None


def _normalize_name(text: str) -> str:
    # "王  芳" / "王　芳" (padded to line up with longer names) becomes "王芳".
    return re.sub(r"\s+", " ", _SPACE_BETWEEN_HAN.sub("", text))


def _find_header(rows: list[list[str]]) -> int | None:
    """Return the index of the header row: the first row naming a 姓名 column."""
    filled = [i for i, row in enumerate(rows) if any(row)][:_HEADER_SEARCH_ROWS]
    for index in filled:
        if any(_HEADER_LOOKUP.get(_header_key(cell)) == "姓名" for cell in rows[index]):
            return index
    return filled[0] if filled else None


def _map_columns(header: list[str], row_no: int) -> tuple[dict[str, int], list[str]]:
    columns: dict[str, int] = {}
    problems: list[str] = []
    for position, cell in enumerate(header):
        column = _HEADER_LOOKUP.get(_header_key(cell))
        if column is None:
            continue
        if column in columns:
            problems.append(f"第 {row_no} 行：表头里「{column}」列出现了不止一次（「{cell}」）")
        else:
            columns[column] = position
    needed = "、".join(REQUIRED_COLUMNS)
    problems += [
        f"第 {row_no} 行：表头缺少「{column}」列（必需的列：{needed}）"
        for column in REQUIRED_COLUMNS
        if column not in columns
    ]
    return columns, problems


def _ordered(groups: Collection[str]) -> list[str]:
    cleaned = (_cell_text(group) for group in groups)
    unique = list(dict.fromkeys(group for group in cleaned if group))
    return unique if isinstance(groups, Sequence) else sorted(unique)


def _parse_rows(
    raw_rows: Iterable[list[object]], known_groups: Collection[str], *, mentors: bool = True,
) -> list[RosterEntry]:
    """The rows of one school (``mentors``: its 师傅 checked among them)."""
    rows = [[_cell_text(cell) for cell in row] for row in raw_rows]
    header_index = _find_header(rows)
    if header_index is None:
        raise RosterError(EMPTY_MESSAGE)
    columns, header_problems = _map_columns(rows[header_index], header_index + 1)
    if header_problems:
        raise RosterError(header_problems)

    known = _ordered(known_groups)
    known_set = set(known)
    known_text = "、".join(known) if known else "尚未设置任何教研组"
    allowed_roles = "、".join(ROLE_ALIASES)
    problems: list[tuple[int, str]] = []
    entries: list[RosterEntry] = []
    rows_by_staff_no: dict[str, int] = {}
    rows_by_name: dict[str, list[RosterEntry]] = {}

    for index in range(header_index + 1, len(rows)):
        cells = rows[index]
        if not any(cells):
            continue
        row_no = index + 1

        value = {column: cells[i] if i < len(cells) else "" for column, i in columns.items()}
        name = _normalize_name(value["姓名"])
        groups = _split_groups(value["教研组"])
        role_text = re.sub(r"\s+", "", value["角色"])
        role = ROLE_ALIASES.get(role_text, Role.TEACHER)
        staff_no = _staff_no(value.get("工号", ""))
        mobile_text = value.get("手机号", "").strip()
        mobile = mobile_number(mobile_text)
        found: list[str] = []
        if mobile_text and mobile is None:
            found.append(f"手机号「{mobile_text}」格式不对（应为 11 位手机号码）")

        if not name:
            found.append("姓名为空")
        elif len(name) > MAX_NAME_LENGTH:
            found.append(f"姓名「{name}」过长（{len(name)} 个字符，最多 {MAX_NAME_LENGTH} 个）")
        if role_text and role_text not in ROLE_ALIASES:
            found.append(f"角色「{role_text}」无法识别（可填：{allowed_roles}；留空即为教师）")
        elif not groups and role is not Role.ADMIN:
            found.append(f"没有填写教研组（{ROLE_LABELS[role]}必须属于至少一个教研组）")
        unknown = [group for group in groups if group not in known_set]
        found += [f"教研组「{group}」不存在（可选：{known_text}）" for group in unknown]
        if staff_no is not None:
            if staff_no in rows_by_staff_no:
                found.append(f"工号「{staff_no}」与第 {rows_by_staff_no[staff_no]} 行重复")
            else:
                rows_by_staff_no[staff_no] = row_no
        entry = _with_mentor(RosterEntry(row_no, name, groups, role, value["学科"], staff_no,
                                         mobile), value, found)
        if name:
            same_name = rows_by_name.setdefault(name, [])
            clash = next((e for e in same_name if e.staff_no is None or staff_no is None), None)
            if clash is not None:
                found.append(f"姓名「{name}」与第 {clash.row} 行重复，请填写工号以便区分")
            same_name.append(entry)

        problems += [(row_no, f"第 {row_no} 行：{message}") for message in found]
        entries.append(entry)

    if mentors:
        entries, wrong = _resolve_mentors(entries, ())
        problems += wrong
    if problems:
        raise RosterError([message for _, message in sorted(problems, key=lambda p: p[0])])
    if not entries:
        raise RosterError(EMPTY_MESSAGE)
    return entries


_DATE_CELL = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:\s+0{1,2}:00(?::00)?)?$")


def _pair_date(text: str) -> date | None:
    """A 结对日期 cell: 2026-09-01, 2026/9/1, 2026年9月1日 (Excel's dates arrive as text
    with a time of midnight); None when it is not a date."""
    match = _DATE_CELL.match(text.strip())
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _with_mentor(entry: RosterEntry, value: dict[str, str], found: list[str]) -> RosterEntry:
    """The entry with its optional 师傅 and 结对日期 cells read (problems into ``found``)."""
    mentor = _normalize_name(value.get("师傅", ""))
    since_text = value.get("结对日期", "").strip()
    since = _pair_date(since_text) if since_text else None
    if since_text and since is None:
        found.append(f"结对日期「{since_text}」格式不对（例如 2026-09-01）")
    elif since_text and not mentor:
        found.append("填了结对日期，但没有填师傅")
    if mentor and mentor == entry.name:
        found.append("师傅不能是自己")
    return replace(entry, mentor=mentor or None, mentor_since=since)


# --- issue 17: one roster for several schools (the 学校 column) ---

def _parse_school_rows(raw_rows: Iterable[list[object]],
                       schools: Mapping[str, Collection[str]], central: str,
                       ) -> list[RosterEntry]:
    """A district's roster: each row's 学校 must be a school of the config and its 教研组
    groups of that school (two 村小 may each have a 语文组). Every problem is reported by
    row, and nothing is imported if there is one."""
    rows = [[_cell_text(cell) for cell in row] for row in raw_rows]
    header_index = _find_header(rows)
    if header_index is None:
        raise RosterError(EMPTY_MESSAGE)
    columns, _ = _map_columns(rows[header_index], header_index + 1)
    only = next(iter(schools)) if len(schools) == 1 else None
    if "学校" not in columns and only is None:
        raise RosterError(f"第 {header_index + 1} 行：表头缺少「学校」列（有多所学校时必需）")
    names = "、".join(schools)
    problems: list[tuple[int, str]] = []
    by_school: dict[str, list[int]] = {}
    for index in range(header_index + 1, len(rows)):
        cells = rows[index]
        if not any(cells):
            continue
        row_no = index + 1
        where = columns.get("学校")
        school = (cells[where] if where is not None and where < len(cells) else "") or (
            only or "")
        role_at = columns.get("角色")
        role = re.sub(r"\s+", "", cells[role_at]) if role_at is not None and role_at < len(
            cells) else ""
        if school not in schools:
            problems.append((row_no, f"第 {row_no} 行：学校「{school}」不在配置里（可选：{names}）"
                             if school else f"第 {row_no} 行：没有填写学校（可选：{names}）"))
        elif role == DISTRICT_ADMIN and central and school != central:
            problems.append((row_no, f"第 {row_no} 行：学区管理员应属于中心校「{central}」"))
        else:
            by_school.setdefault(school, []).append(index)
    entries: list[RosterEntry] = []
    staff_rows: dict[str, int] = {}
    for school, indices in by_school.items():
        # Each school's rows are checked as one school's roster, keeping their row numbers.
        blank: list[list[object]] = [[] for _ in range(len(rows))]
        for index in [header_index, *indices]:
            blank[index] = list(rows[index])
            at = columns.get("角色")
            if index != header_index and at is not None and at < len(blank[index]) and (
                    re.sub(r"\s+", "", str(blank[index][at])) == DISTRICT_ADMIN):
                blank[index][at] = ROLE_LABELS[Role.ADMIN]  # a 中心校 admin: checked above
        try:
            found = _parse_rows(blank, schools[school], mentors=False)
        except RosterError as exc:
            problems += [(_row_of(problem), problem) for problem in exc.problems]
            continue
        for entry in found:
            if entry.staff_no is not None and entry.staff_no in staff_rows:
                problems.append((entry.row, f"第 {entry.row} 行：工号「{entry.staff_no}」与第 "
                                 f"{staff_rows[entry.staff_no]} 行重复"))
            elif entry.staff_no is not None:
                staff_rows[entry.staff_no] = entry.row
            entries.append(replace(entry, school=school))
    entries, wrong = _resolve_mentors(entries, schools)
    problems += wrong
    if problems:
        raise RosterError([message for _, message in sorted(problems, key=lambda p: p[0])])
    if not entries:
        raise RosterError(EMPTY_MESSAGE)
    return sorted(entries, key=lambda entry: entry.row)


def _resolve_mentors(entries: Sequence[RosterEntry], schools: Collection[str],
                     ) -> tuple[list[RosterEntry], list[tuple[int, str]]]:
    """Each 徒弟's 师傅: exactly one other person of the file (in a district, of any of
    its ``schools``: a name alone if it is one person's, else 学校·姓名); the entries with
    ``mentor_school`` set, and the problems by row."""
    by_name: dict[str, list[RosterEntry]] = {}
    for entry in sorted(entries, key=lambda entry: entry.row):
        by_name.setdefault(entry.name, []).append(entry)
    resolved, problems = [], []
    for entry in entries:
        if entry.mentor is None or entry.mentor == entry.name:  # the latter told already
            resolved.append(entry)
            continue
        school, name = split_school(entry.mentor, schools)
        found = [e for e in by_name.get(name, []) if school is None or e.school == school]
        where = f"第 {entry.row} 行：师傅「{entry.mentor}」"
        if not found:
            problems.append((entry.row, f"{where}不在花名册里"))
        elif len(places := list(dict.fromkeys(e.school for e in found))) > 1:
            problems.append((entry.row, f"{where}在{'、'.join(places)}都有，请写成「学校"
                             f"{SCHOOL_MARK}姓名」，例如「{places[0]}{SCHOOL_MARK}{name}」"))
        elif len(found) > 1:
            problems.append((entry.row, f"{where}在花名册里有重名，无法确定是哪一位"))
        elif found[0] is entry:
            problems.append((entry.row, f"第 {entry.row} 行：师傅不能是自己"))
        resolved.append(replace(entry, mentor=name, mentor_school=found[0].school)
                        if len(found) == 1 else entry)
    return resolved, problems


def split_school(text: str, schools: Collection[str]) -> tuple[str | None, str]:
    """``学校·姓名`` as (学校, 姓名) when 学校 is one of ``schools``; else (None, text) (a
    name such as 阿依古丽·买买提 keeps its dot)."""
    school, mark, name = text.partition(SCHOOL_MARK)
    school, name = school.strip(), name.strip()
    return (school, name) if mark and school in schools and name else (None, text)


def _row_of(problem: str) -> int:
    found = re.match(r"第 (\d+) 行", problem)
    return int(found[1]) if found else 0
