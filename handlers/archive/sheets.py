"""Ledgers that print: one styled, page-set-up sheet per list, written with openpyxl.

Every sheet is A4 landscape, one page wide, with a title row, the header repeated on every
page, a footer 第 N 页 共 M 页, thin borders, wrapped text with row heights that show all of
it, a frozen header and an autofilter. Fonts are 宋体 (body) and 黑体 (title, header) with the
GB2312 charset, and the workbook theme names them for East Asian text too.

A text cell that begins with ``=``, ``+``, ``-`` or ``@`` is stored as text with Excel's
quote prefix, never as a formula (a teacher's title ``=HYPERLINK(…)`` stays a title).
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from copy import copy
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.theme import theme_xml

from handlers import texts

BODY_FONT, HEADING_FONT = "宋体", "黑体"
GB2312 = 134  # the font charset Excel and WPS use for simplified Chinese
BODY_SIZE = 10.5  # 五号
LINE_HEIGHT = 14.0  # points per line of 五号 text, with leading
CELL_LIMIT = 32_000  # Excel keeps at most 32 767 characters in a cell
FORMULA_STARTS = ("=", "+", "-", "@")
# XML 1.0 cannot hold these control characters (a pasted Word line break is \x0b).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
HEADER_ROW = 3  # row 1: title; row 2: school, semester and export date; row 3: the header


class Kind(StrEnum):
    """How a column's cells are shown."""

    TEXT = "text"  # short text, centred
    WRAP = "wrap"  # long text, wrapped, top-left
    INT = "int"
    PCT = "pct"
    DATE = "date"
    TIME = "time"  # a date and time


@dataclass(frozen=True)
class Column:
    """A column of a ledger: its header, width (in characters of 1 unit) and kind."""

    title: str
    width: float
    kind: Kind = Kind.TEXT


def width(text: object) -> int:
    """Display width: a CJK (wide) character counts 2, others 1."""
    text = str(text)
    if text.isascii():
        return len(text)
    try:  # GBK stores exactly the wide characters in two bytes: counted in C
        return len(text.encode("gbk"))
    except UnicodeEncodeError:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def clean(value: object) -> object:
    """A cell or paragraph value without characters XML refuses (other values unchanged)."""
    if not isinstance(value, str):
        return value
    return _NOT_XML.sub(" ", value)


_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FORMATS = {Kind.INT: "0", Kind.PCT: "0.0%", Kind.DATE: "yyyy-mm-dd",
            Kind.TIME: "yyyy-mm-dd hh:mm"}


def _font(name: str, size: float, *, bold: bool = False) -> Font:
    return Font(name=name, sz=size, bold=bold, charset=GB2312)


def _styles() -> list[NamedStyle]:
    found = []
    for kind in Kind:
        style = NamedStyle(name=f"ledger_{kind}", font=_font(BODY_FONT, BODY_SIZE),
                           border=_BORDER)
        style.number_format = _FORMATS.get(kind, "General")
        wrap = kind is Kind.WRAP
        style.alignment = Alignment(horizontal="left" if wrap else "center",
                                    vertical="top" if wrap else "center", wrap_text=True)
        found.append(style)
    head = NamedStyle(name="ledger_head", font=_font(HEADING_FONT, BODY_SIZE, bold=True),
                      border=_BORDER, fill=PatternFill("solid", fgColor="E7E6E6"),
                      alignment=Alignment(horizontal="center", vertical="center",
                                          wrap_text=True))
    totals = []
    for kind in (Kind.TEXT, Kind.INT, Kind.PCT):
        total = NamedStyle(name=f"ledger_total_{kind}",
                           font=_font(HEADING_FONT, BODY_SIZE, bold=True), border=_BORDER,
                           alignment=Alignment(horizontal="center", vertical="center",
                                               wrap_text=True))
        total.number_format = _FORMATS.get(kind, "General")
        totals.append(total)
    title = NamedStyle(name="ledger_title", font=_font(HEADING_FONT, 16, bold=True),
                       alignment=Alignment(horizontal="center", vertical="center"))
    meta = NamedStyle(name="ledger_meta", font=_font(BODY_FONT, BODY_SIZE),
                      alignment=Alignment(horizontal="right", vertical="center"))
    return [*found, *totals, head, title, meta]


def new_book() -> Workbook:
    """An empty write-only workbook with the ledger styles and a theme naming the Chinese
    fonts. Write-only: rows go to a temporary file as they are written, so a semester's
    ledgers do not sit in memory as cell objects."""
    book = Workbook(write_only=True)
    for style in _styles():
        book.add_named_style(style)
    # The theme's East Asian font slots are empty by default: name them, so text without
    # a cell font (and WPS's defaults) is 宋体 and headings 黑体.
    theme = theme_xml.replace('<a:ea typeface=""/>', f'<a:ea typeface="{HEADING_FONT}"/>', 1)
    book.loaded_theme = theme.replace('<a:ea typeface=""/>',
                                      f'<a:ea typeface="{BODY_FONT}"/>', 1).encode()
    return book


def safe_sheet_title(text: str) -> str:
    """A sheet name Excel accepts: no []:*?/\\, at most 31 characters."""
    return re.sub(r'[\\/:*?"<>|\[\]]', "_", text).strip()[:31] or "_"


def _value(value: object) -> object:
    value = clean(value)
    if isinstance(value, str) and len(value) > CELL_LIMIT:
        return texts.EXPORT_CELL_CUT.format(text=value[:CELL_LIMIT])
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones: the school's wall clock
    return value


def _lines(value: object, column_width: float) -> int:
    """How many lines ``value`` takes in a wrapped cell ``column_width`` wide."""
    if not isinstance(value, str) or 2 * len(value) <= column_width - 1:
        return 1  # fits on one line whatever its characters
    room = max(column_width - 1, 2)
    return sum(max(1, math.ceil(width(line) / room)) for line in value.split("\n"))


class _Cells:
    """Makes styled cells of one sheet; each style's array is looked up once, not per cell
    (openpyxl resolves a named style by name on every assignment)."""

    def __init__(self, sheet: Worksheet) -> None:
        self.sheet = sheet
        self.styles: dict[str, StyleArray] = {}

    def __call__(self, value: object, style: str) -> Cell:
        cell = WriteOnlyCell(self.sheet, _value(value))
        found = self.styles.get(style)
        if found is None:
            cell.style = style
            self.styles[style] = found = cell._style
        cell._style = found  # shared: a cell's own style change must copy it first
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
            cell.data_type = "s"  # text, not a formula
            cell._style = copy(found)
            cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
        return cell


def write_sheet(book: Workbook, *, name: str, title: str, meta: str,
                columns: Sequence[Column], rows: Iterable[Sequence[object]],
                totals: Sequence[Sequence[object]] = ()) -> Worksheet:
    """One ledger sheet: title, meta line, header, rows, then totals rows after the filter."""
    sheet = book.create_sheet(safe_sheet_title(name))
    make = _Cells(sheet)
    last = get_column_letter(len(columns))
    # Written with the first row: widths, frozen panes, page properties.
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.row_dimensions[1].height = 30
    sheet.append([make(title, "ledger_title")])
    sheet.append([make(meta, "ledger_meta")])
    sheet.merged_cells.add(f"A1:{last}1")
    sheet.merged_cells.add(f"A2:{last}2")
    head_lines = max(_lines(column.title, column.width) for column in columns)
    sheet.row_dimensions[HEADER_ROW].height = head_lines * LINE_HEIGHT + 6
    sheet.append([make(column.title, "ledger_head") for column in columns])
    styles = [f"ledger_{column.kind}" for column in columns]
    number = HEADER_ROW
    for values in rows:
        number += 1
        lines = 1
        for value, column in zip(values, columns, strict=True):
            if isinstance(value, str):
                lines = max(lines, _lines(value, column.width))
        sheet.row_dimensions[number].height = lines * LINE_HEIGHT + 4
        if isinstance(values, Subtotal):
            sheet.append(_totals_row(make, values, columns))
        else:
            sheet.append([make(value, style)
                          for value, style in zip(values, styles, strict=True)])
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{max(number, HEADER_ROW + 1)}"
    for values in totals:
        number += 1
        sheet.row_dimensions[number].height = LINE_HEIGHT + 6
        sheet.append(_totals_row(make, values, columns))
    _page_setup(sheet, title)
    return sheet


class Subtotal(tuple[object, ...]):
    """A row among the data shown as a totals row (a group's 小计)."""

    __slots__ = ()


def _totals_row(make: _Cells, values: Sequence[object],
                columns: Sequence[Column]) -> list[Cell]:
    return [make(value, f"ledger_total_{column.kind}" if column.kind in (Kind.INT, Kind.PCT)
                 else "ledger_total_text")
            for value, column in zip(values, columns, strict=False)]


def _page_setup(sheet: Worksheet, title: str) -> None:
    setup = sheet.page_setup
    setup.orientation = "landscape"
    setup.paperSize = Worksheet.PAPERSIZE_A4
    setup.fitToWidth = 1
    setup.fitToHeight = 0  # as many pages down as it takes
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.page_margins.header = sheet.page_margins.footer = 0.3
    footer = sheet.oddFooter
    footer.center.text = texts.EXPORT_FOOTER  # 第 &P 页 共 &N 页
    footer.center.font = f"{BODY_FONT},Regular"
    footer.center.size = 9
    footer.left.text = title.replace("&", "&&")
    footer.left.font = f"{BODY_FONT},Regular"
    footer.left.size = 9


def meta_line(school: str, semester: str, today: date) -> str:
    """The second row of every ledger: whose, which term, when exported."""
    return texts.EXPORT_META.format(school=school, semester=semester, today=today)


def to_bytes(book: Workbook) -> bytes:
    """The workbook as XLSX bytes."""
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
