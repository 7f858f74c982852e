"""DOCX like the paper forms Chinese schools use: A4, zh-CN, 宋体 body, a centred 黑体 title.

python-docx makes the package: the styles (宋体/黑体 in every font slot, theme fonts removed,
black headings, zh-CN), the page, the core properties. The body is written as
WordprocessingML with lxml directly, and one ``Paper`` is reused for every document of an
archive: python-docx's own paragraph and table calls look styles up by name and search
siblings for every child they add, which made a 60-teacher export take 20 s, and opening
and saving its template for each file took another two. Each ``save`` copies the template's
other parts and writes only the body and the core properties anew.

Labels sit in a narrow column; boxes keep a minimum height when empty, so a form can be
filled in by hand.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime

from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from lxml import etree

from handlers.archive.sheets import BODY_FONT, HEADING_FONT, clean

LANGUAGE = "zh-CN"
BODY_PT = 10.5  # 五号, as most school documents
TABLE_PT = 10.5  # 五号
TWIPS_PER_CM = 567
_STYLES = (("Normal", BODY_FONT, BODY_PT), ("Title", HEADING_FONT, 18),
           ("Heading 1", HEADING_FONT, 15), ("Heading 2", HEADING_FONT, 14),
           ("Heading 3", HEADING_FONT, 12))
THEME_ATTRIBUTES = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
(P, PPR, PSTYLE, JC, R, RPR, B, SZ, SZCS, T, BR, TBL, TBLPR, TBLSTYLE, TBLW, TBLLAYOUT,
 TBLGRID, GRIDCOL, TR, TRPR, TRHEIGHT, TC, TCPR, TCW, GRIDSPAN, VALIGN) = (
    f"{{{_W}}}{tag}" for tag in (
        "p", "pPr", "pStyle", "jc", "r", "rPr", "b", "sz", "szCs", "t", "br", "tbl", "tblPr",
        "tblStyle", "tblW", "tblLayout", "tblGrid", "gridCol", "tr", "trPr", "trHeight", "tc",
        "tcPr", "tcW", "gridSpan", "vAlign"))
VAL, WIDTH, TYPE, RULE = (f"{{{_W}}}{name}" for name in ("val", "w", "type", "hRule"))
SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def _lang(rpr: etree._Element) -> None:
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), LANGUAGE)
    lang.set(qn("w:eastAsia"), LANGUAGE)


def _fonts(rpr: etree._Element, font: str) -> None:
    fonts = rpr.get_or_add_rFonts()  # type: ignore[attr-defined]
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), font)
    # A theme font attribute wins over the named one in Word (ECMA-376 17.3.2.26).
    for theme in THEME_ATTRIBUTES:
        fonts.attrib.pop(qn(theme), None)


def _slim(document: DocxDocument, *, keep: set[str]) -> None:
    """Leave out what python-docx's template carries but these documents never use: the
    styles nobody refers to (the template's styles.xml is 350 KB, and every file of an
    archive would compress it again), Word 2010's stylesWithEffects copy, the empty
    customXml part and the thumbnail of an empty page."""
    styles = document.styles.element
    by_id = {style.get(qn("w:styleId")): style for style in styles.findall(qn("w:style"))}
    wanted = set(keep) | {style.get(qn("w:styleId")) for style in by_id.values()
                          if style.get(qn("w:default")) == "1"}
    pending = list(wanted)
    while pending:  # the styles these are based on, linked to or followed by
        style = by_id.get(pending.pop())
        for tag in ("w:basedOn", "w:link", "w:next"):
            found = style.find(qn(tag)) if style is not None else None
            if found is not None and found.get(qn("w:val")) not in wanted:
                wanted.add(found.get(qn("w:val")))
                pending.append(found.get(qn("w:val")))
    for style_id, style in by_id.items():
        if style_id not in wanted:
            styles.remove(style)
    latent = styles.find(qn("w:latentStyles"))
    if latent is not None:
        styles.remove(latent)
    part = document.part
    for rel_id, rel in list(part.rels.items()):
        if rel.reltype.endswith(("/stylesWithEffects", "/customXml")):
            part.drop_rel(rel_id)
    package_rels = part.package.rels
    for rel_id, rel in list(package_rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            package_rels.pop(rel_id)


def _twips(cm: float) -> str:
    return str(round(cm * TWIPS_PER_CM))


class Paper:
    """A reusable DOCX writer: ``begin`` a document, add its parts, ``save`` its bytes."""

    def __init__(self, *, author: str) -> None:
        self.author = author
        self.document = Document()
        document = self.document
        section = document.sections[0]
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2.5)
        section.top_margin = section.bottom_margin = Cm(2.5)
        styles = document.styles
        defaults = styles.element.find(qn("w:docDefaults"))
        if defaults is not None:
            rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
            _lang(rpr)
            _fonts(rpr, BODY_FONT)
        self.style_ids: dict[str, str] = {}
        for name, font, size in _STYLES:
            style = styles[name]
            style.font.size = Pt(size)  # type: ignore[attr-defined]
            style.font.color.rgb = RGBColor(0, 0, 0)  # type: ignore[attr-defined]
            style.font.italic = False  # type: ignore[attr-defined]
            rpr = style.element.get_or_add_rPr()
            _fonts(rpr, font)
            _lang(rpr)
            self.style_ids[name] = style.style_id
        title = styles["Title"]
        title.paragraph_format.alignment = 1  # type: ignore[attr-defined]  # centred
        title.font.bold = True  # type: ignore[attr-defined]
        ppr = title.element.pPr
        if ppr is not None and ppr.find(qn("w:pBdr")) is not None:
            ppr.remove(ppr.find(qn("w:pBdr")))  # the template's blue rule under the title
        self.grid = styles["Table Grid"].style_id
        _slim(document, keep={*self.style_ids.values(), self.grid})
        self.body = document.element.body
        self.end = self.body.find(qn("w:sectPr"))
        self.core = document.part.package._core_properties_part  # made now if missing
        self._template: list[tuple[str, bytes]] | None = None

    def begin(self, *, title: str, now: datetime) -> None:
        """Start a new document (the previous one's body is dropped)."""
        self.body.clear()
        self.body.append(self.end)
        properties = self.document.core_properties
        properties.title = title
        properties.author = properties.last_modified_by = self.author
        # Stored as UTC (W3CDTF with Z): python-docx writes a naive time as UTC.
        properties.created = properties.modified = now.astimezone(UTC).replace(tzinfo=None)
        properties.language = LANGUAGE
        properties.revision = 1

    # -- paragraphs -----------------------------------------------------------------------

    def _paragraph(self, *, style: str | None = None,
                   align: str | None = None) -> etree._Element:
        paragraph = etree.Element(P)
        if style or align:
            ppr = etree.SubElement(paragraph, PPR)
            if style:
                etree.SubElement(ppr, PSTYLE).set(VAL, self.style_ids[style])
            if align:
                etree.SubElement(ppr, JC).set(VAL, align)
        self.end.addprevious(paragraph)
        return paragraph

    def title(self, text: str) -> None:
        """The centred 黑体 title."""
        _run(self._paragraph(style="Title"), text)

    def heading(self, text: str, level: int = 1) -> None:
        """A 黑体 heading (level 1–3)."""
        _run(self._paragraph(style=f"Heading {level}"), text)

    def text(self, text: str = "", *, center: bool = False, right: bool = False,
             bold: bool = False, size: float | None = None) -> None:
        """A body paragraph; line breaks in ``text`` stay line breaks."""
        paragraph = self._paragraph(align="center" if center else "right" if right else None)
        if text:
            _run(paragraph, text, bold=bold, size=size)

    def labelled(self, label: str, text: str) -> None:
        """A bold label followed by its text, full width (long texts of a record)."""
        paragraph = self._paragraph()
        _run(paragraph, label + "：", bold=True)
        _run(paragraph, text)

    def page_break(self) -> None:
        """Start a new page."""
        run = etree.SubElement(self._paragraph(), R)
        etree.SubElement(run, BR).set(TYPE, "page")

    # -- tables ---------------------------------------------------------------------------

    def table(self, widths: Sequence[float], rows: Sequence[Sequence[object]], *,
              header: bool = False, labels: bool = False,
              min_heights: Sequence[float | None] = ()) -> None:
        """A bordered table, ``widths`` in cm; a row with fewer values than columns has its
        last value span the rest. ``labels``: every even column is a bold, centred label;
        ``min_heights`` (cm, per row) keep empty boxes tall enough to write in."""
        table = etree.Element(TBL)
        properties = etree.SubElement(table, TBLPR)
        etree.SubElement(properties, TBLSTYLE).set(VAL, self.grid)
        width = etree.SubElement(properties, TBLW)
        width.set(WIDTH, _twips(sum(widths)))
        width.set(TYPE, "dxa")
        etree.SubElement(properties, JC).set(VAL, "center")
        etree.SubElement(properties, TBLLAYOUT).set(TYPE, "fixed")
        grid = etree.SubElement(table, TBLGRID)
        for value in widths:
            etree.SubElement(grid, GRIDCOL).set(WIDTH, _twips(value))
        for index, values in enumerate(rows):
            row = etree.SubElement(table, TR)
            height = min_heights[index] if index < len(min_heights) else None
            if height:
                size = etree.SubElement(etree.SubElement(row, TRPR), TRHEIGHT)
                size.set(VAL, _twips(height))
                size.set(RULE, "atLeast")
            box = bool(height and height >= 2)  # a box to write in: text from the top
            for position, value in enumerate(values):
                span = len(widths) - position if position == len(values) - 1 else 1
                bold = (header and index == 0) or (labels and position % 2 == 0)
                self._cell(row, sum(widths[position:position + span]), span, value, bold,
                           top=box and not bold)
        self.end.addprevious(table)

    def _cell(self, row: etree._Element, width: float, span: int, value: object,
              bold: bool, *, top: bool) -> None:
        cell = etree.SubElement(row, TC)
        properties = etree.SubElement(cell, TCPR)
        size = etree.SubElement(properties, TCW)
        size.set(WIDTH, _twips(width))
        size.set(TYPE, "dxa")
        if span > 1:
            etree.SubElement(properties, GRIDSPAN).set(VAL, str(span))
        etree.SubElement(properties, VALIGN).set(VAL, "top" if top else "center")
        paragraph = etree.SubElement(cell, P)
        if bold:
            etree.SubElement(etree.SubElement(paragraph, PPR), JC).set(VAL, "center")
        if value not in (None, ""):
            _run(paragraph, str(value), bold=bold, size=TABLE_PT)

    # -- the file -------------------------------------------------------------------------

    def save(self) -> bytes:
        """The current document as DOCX bytes."""
        if self._template is None:
            buffer = io.BytesIO()
            self.document.save(buffer)
            with zipfile.ZipFile(buffer) as package:
                self._template = [(name, package.read(name)) for name in package.namelist()]
        fresh = {self.document.part.partname.lstrip("/"): self.document.part.blob,
                 self.core.partname.lstrip("/"): self.core.blob}
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
            for name, content in self._template:
                package.writestr(name, fresh.get(name, content))
        return out.getvalue()


def _run(paragraph: etree._Element, text: str, *, bold: bool = False,
         size: float | None = None) -> None:
    run = etree.SubElement(paragraph, R)
    if bold or size:
        properties = etree.SubElement(run, RPR)
        if bold:
            etree.SubElement(properties, B)
        if size:
            half_points = str(round(size * 2))
            etree.SubElement(properties, SZ).set(VAL, half_points)
            etree.SubElement(properties, SZCS).set(VAL, half_points)
    for number, line in enumerate(str(clean(text)).split("\n")):
        if number:
            etree.SubElement(run, BR)
        piece = etree.SubElement(run, T)
        piece.text = line
        piece.set(SPACE, "preserve")
