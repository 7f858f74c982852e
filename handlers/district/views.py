"""What a 学区管理员 sees across schools: one line per school, side by side, with a chart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from handlers import charts, quotas
from handlers.district import texts
from handlers.features.progress import measure_people
from handlers.features.reports import school_figures
from handlers.render import esc, fmt_date
from handlers.settings import Settings
from handlers.types import Attachment, Reply
from storage.repos import groups, school


@dataclass(frozen=True)
class SchoolFigure:
    """One school's standing: how many people, their average share done and pace, behind."""

    name: str
    groups: int
    people: int
    share: int
    pace: int
    behind: int


def school_figure(session: Session, settings: Settings, school_id: int, today: date, *,
                  snapshot: bool = False) -> SchoolFigure:
    """The school's figures today, measured live (``snapshot``: from the digest snapshot)."""
    name = settings.school.name
    semester = school.current_semester(session, school_id=school_id, today=today)
    if semester is None:
        return SchoolFigure(name, len(settings.groups), 0, 0, 0, 0)
    if snapshot:  # the morning's figures, kept for the school's own digests
        measured = school_figures(session, settings, semester, today, school_id=school_id)
    else:
        members = groups.members(session, school_id=school_id)
        measured = measure_people(session, settings, semester, today, members)
    if not measured:
        return SchoolFigure(name, len(settings.groups), 0, 0, 0, 0)
    items = [item for mine in measured.values() for item in mine]
    share = [min(i.current.done / i.current.target, 1.0) if i.current.target else 1.0
             for i in items]
    pace = [min(i.current.expected / i.current.target, 1.0) if i.current.target else 1.0
            for i in items]
    behind = sum(1 for mine in measured.values() if quotas.behind(mine))
    return SchoolFigure(name, len(settings.groups), len(measured),
                        round(100 * sum(share) / len(share)) if share else 0,
                        round(100 * sum(pace) / len(pace)) if pace else 0, behind)


def figure_line(figure: SchoolFigure) -> str:
    """One school on one line."""
    if not figure.people:
        return texts.DISTRICT_SCHOOL_EMPTY.format(school=esc(figure.name))
    return texts.DISTRICT_SCHOOL_LINE.format(
        school=esc(figure.name), people=figure.people, share=figure.share, pace=figure.pace,
        behind=figure.behind)


def overview(figures: Sequence[SchoolFigure], today: date, *, header: str, font_path: str,
             footer: str = "") -> Reply:
    """The schools side by side: a line each and a bar each in the chart."""
    lines = [header.format(today=fmt_date(today), count=len(figures))]
    lines += [figure_line(figure) for figure in figures]
    if footer:
        lines += ["", footer]
    bars = [charts.Bar(figure.name, figure.share, 100, figure.pace)
            for figure in figures if figure.people]
    png = charts.bar_chart(texts.DISTRICT_CHART_TITLE, bars, xlabel=texts.DISTRICT_CHART_XLABEL,
                           font_path=font_path) if bars else None
    text = "\n".join(lines)
    if png is None:
        return Reply(text)
    return Reply(text, attachment=Attachment("district.png", png, is_photo=True))
