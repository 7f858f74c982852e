"""The command line for a district: an archive per school and the 中心校's summary ledger."""

from __future__ import annotations

import io
from pathlib import Path

from sqlmodel import Session

from bot import maintenance
from handlers.archive import sheets
from handlers.district import texts
from handlers.district.router import District
from handlers.district.views import SchoolFigure, school_figures
from handlers.exports import safe_name

_WIDTHS = (24, 10, 10, 16, 12, 12)
_KINDS = (sheets.Kind.TEXT, sheets.Kind.INT, sheets.Kind.INT, sheets.Kind.INT,
          sheets.Kind.INT, sheets.Kind.INT)


def export_district(district: District, *, school: str | None, semester: str | None,
                    group: str | None, teacher: str | None, out: Path) -> list[Path]:
    """Every school's archive (or ``school``'s alone), and without ``school`` the summary
    ledger of all schools side by side. Returns the files written."""
    if school is not None:
        core = district.school_named(school)
        if core is None:
            names = "、".join(c.settings.school.name for c in district.cores)
            raise maintenance.MaintenanceError(texts.NO_SUCH_SCHOOL.format(name=school,
                                                                           schools=names))
        return [maintenance.export_archive(core, semester=semester, group=group,
                                           teacher=teacher, out=out)]
    written = []
    for core in district.cores:
        if group and core.settings.group(group) is None:
            continue  # a group only some schools have: theirs are exported
        written.append(maintenance.export_archive(core, semester=semester, group=group,
                                                  teacher=teacher, out=out))
    written.append(summary_ledger(district, out))
    return written


def district_figures(district: District) -> list[SchoolFigure]:
    """Every school's figures today, measured live."""
    today = district.clock.now().astimezone(district.settings.zone).date()

    def read(session: Session) -> list[SchoolFigure]:
        return school_figures(session, district.schools(), today)

    return district.db.call(read)


def summary_ledger(district: District, out: Path) -> Path:
    """学区研修汇总.xlsx: one row per school (groups, teachers, behind, share and pace)."""
    now = district.clock.now().astimezone(district.settings.zone)
    figures = district_figures(district)
    book = sheets.new_book()
    sheets.write_sheet(
        book, name=texts.SUMMARY_LEDGER_TITLE,
        title=f"{district.settings.school.name} {texts.SUMMARY_LEDGER_TITLE}",
        meta=texts.SUMMARY_LEDGER_META.format(count=len(figures), today=now.date()),
        columns=[sheets.Column(title, width, kind) for title, width, kind in zip(
            texts.SUMMARY_LEDGER_HEADER, _WIDTHS, _KINDS, strict=True)],
        rows=[(f.name, f.groups, f.people, f.behind, f.share, f.pace) for f in figures],
        totals=[(texts.SUMMARY_TOTAL, sum(f.groups for f in figures),
                 sum(f.people for f in figures),
                 sum(f.behind for f in figures), "", "")])
    buffer = io.BytesIO()
    book.save(buffer)
    out.mkdir(parents=True, exist_ok=True)
    path = out / (safe_name(f"{district.settings.school.name}_{texts.SUMMARY_LEDGER_TITLE}_"
                            f"{now:%Y%m%d}") + ".xlsx")
    path.write_bytes(buffer.getvalue())
    return path
