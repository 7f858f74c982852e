"""DOCX like the paper forms Chinese schools use: A4, zh-CN, 宋体 body, a centred 黑体 title.

A ``Paper`` is one document with its styles looked up once: python-docx finds a style by
name by walking every style of the document, and doing that for each paragraph was a third
of an export's time. Labels sit in a narrow column; boxes keep a minimum height when empty,
so a form can be filled in by hand.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph

from handlers.archive.sheets import BODY_FONT, HEADING_FONT, clean

LANGUAGE = "zh-CN"
BODY_PT = 12  # 小四
TABLE_PT = 10.5  # 五号
TEXT_WIDTH = Cm(16)  # A4 less 2.5 cm on each side
LABEL_WIDTH = Cm(2.6)
_STYLES = (("Normal", BODY_FONT, BODY_PT), ("Title", HEADING_FONT, 18),
           ("Heading 1", HEADING_FONT, 15), ("Heading 2", HEADING_FONT, 14),
           ("Heading 3", HEADING_FONT, 12))
THEME_ATTRIBUTES = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def _lang(rpr: object) -> None:
    lang = rpr.find(qn("w:lang"))  # type: ignore[attr-defined]
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)  # type: ignore[attr-defined]
    lang.set(qn("w:val"), LANGUAGE)
    lang.set(qn("w:eastAsia"), LANGUAGE)


def _fonts(rpr: object, font: str) -> None:
    fonts = rpr.get_or_add_rFonts()  # type: ignore[attr-defined]
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), font)
    # A theme font attribute wins over the named one in Word (ECMA-376 17.3.2.26).
    for theme in THEME_ATTRIBUTES:
        fonts.attrib.pop(qn(theme), None)


class Paper:
    """One DOCX being written, with its styles at hand."""

    def __init__(self, *, title: str, author: str, now: datetime) -> None:
        self.document: DocxDocument = Document()
        document = self.document
        section = document.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2.5)
        section.top_margin = section.bottom_margin = Cm(2.5)
        styles = document.styles
        defaults = styles.element.find(qn("w:docDefaults"))
        if defaults is not None:
            rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
            _lang(rpr)
            _fonts(rpr, BODY_FONT)
        self.style = {}
        for name, font, size in _STYLES:
            style = styles[name]
            style.font.size = Pt(size)  # type: ignore[attr-defined]
            style.font.color.rgb = RGBColor(0, 0, 0)  # type: ignore[attr-defined]
            style.font.italic = False  # type: ignore[attr-defined]
            rpr = style.element.get_or_add_rPr()
            _fonts(rpr, font)
            _lang(rpr)
            self.style[name] = style
        title_style = self.style["Title"]
        title_style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER  # type: ignore[attr-defined]
        title_style.font.bold = True  # type: ignore[attr-defined]
        ppr = title_style.element.pPr
        if ppr is not None and ppr.find(qn("w:pBdr")) is not None:
            ppr.remove(ppr.find(qn("w:pBdr")))  # the template's blue rule under the title
        self.style["grid"] = styles["Table Grid"]
        properties = document.core_properties
        properties.title = title
        properties.author = properties.last_modified_by = author
        # Stored as UTC (W3CDTF with Z): python-docx writes a naive time as UTC.
        properties.created = properties.modified = now.astimezone(UTC).replace(tzinfo=None)
        properties.language = LANGUAGE
        properties.revision = 1

    def _styled(self, text: str, name: str) -> Paragraph:
        paragraph = self.document.add_paragraph(str(clean(text)))
        # By id, not by name or object: python-docx would look the default style up again.
        paragraph._p.style = self.style[name].style_id
        return paragraph

    def title(self, text: str) -> Paragraph:
        """The centred 黑体 title."""
        return self._styled(text, "Title")

    def heading(self, text: str, level: int = 1) -> Paragraph:
        """A 黑体 heading (level 1–3)."""
        return self._styled(text, f"Heading {level}")

    def text(self, text: str = "", *, center: bool = False, bold: bool = False,
             size: float | None = None) -> Paragraph:
        """A body paragraph; line breaks in ``text`` stay line breaks."""
        paragraph = self.document.add_paragraph()  # Normal: the default style
        run = paragraph.add_run(str(clean(text)))
        run.bold = bold or None
        if size:
            run.font.size = Pt(size)
        if center:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        return paragraph

    def labelled(self, label: str, text: str) -> Paragraph:
        """A bold label followed by its text, full width (long texts of a record)."""
        paragraph = self.document.add_paragraph()
        paragraph.add_run(str(clean(label)) + "：").bold = True
        paragraph.add_run(str(clean(text)))
        return paragraph

    def page_break(self) -> None:
        """Start a new page."""
        self.document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def table(self, widths: Sequence[float], rows: Sequence[Sequence[object]], *,
              header: bool = False, labels: bool = False,
              min_heights: Sequence[float | None] = ()) -> Table:
        """A bordered table, ``widths`` in cm; a row with fewer values than columns has its
        last value span the rest. ``labels``: every even column is a bold label;
        ``min_heights`` (cm, per row) keep empty boxes tall enough to write in."""
        table = self.document.add_table(rows=len(rows), cols=len(widths))
        table._tbl.tblPr.style = self.style["grid"].style_id
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        layout = OxmlElement("w:tblLayout")
        layout.set(qn("w:type"), "fixed")
        table._tbl.tblPr.append(layout)
        for column, width in zip(table.columns, widths, strict=True):
            column.width = Cm(width)
        for index, (row, values) in enumerate(zip(table.rows, rows, strict=True)):
            height = min_heights[index] if index < len(min_heights) else None
            if height:
                row.height = Cm(height)
                row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
            cells = list(row.cells)
            for position, cell in enumerate(cells):
                cell.width = Cm(widths[position])
            if len(values) < len(cells):  # the last value spans the rest of the row
                cells[len(values) - 1] = cells[len(values) - 1].merge(cells[-1])
            for position, (cell, value) in enumerate(zip(cells, values, strict=False)):
                if value is None:
                    continue
                paragraph = cell.paragraphs[0]
                run = paragraph.add_run(str(clean(value)))
                run.font.size = Pt(TABLE_PT)
                if (header and index == 0) or (labels and position % 2 == 0):
                    run.bold = True
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        return table

    def save(self) -> bytes:
        """The document as DOCX bytes."""
        buffer = io.BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()
