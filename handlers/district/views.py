"""What a 学区管理员 sees across schools: one line per school, side by side, with a chart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from handlers import charts
from handlers.district import texts
from handlers.features import reports
from handlers.features.progress import measure_people
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


def school_figures(session: Session, schools: Sequence[tuple[str, Settings, int]],
                   today: date, *, snapshot: bool = False) -> list[SchoolFigure]:
    """Each school's figures today (name, settings, id), measured live, or (``snapshot``)
    from the standings kept with the schools' digest snapshots."""
    if snapshot:
        kept = reports.school_standings(
            session, [(school_id, settings) for _, settings, school_id in schools], today)
        return [SchoolFigure(name, len(settings.groups), *kept.get(school_id, (0, 0, 0, 0)))
                for name, settings, school_id in schools]
    return [_live(session, name, settings, school_id, today)
            for name, settings, school_id in schools]


def _live(session: Session, name: str, settings: Settings, school_id: int,
          today: date) -> SchoolFigure:
    semester = school.current_semester(session, school_id=school_id, today=today)
    if semester is None:
        return SchoolFigure(name, len(settings.groups), 0, 0, 0, 0)
    members = groups.members(session, school_id=school_id)
    measured = measure_people(session, settings, semester, today, members)
    return SchoolFigure(name, len(settings.groups), *reports.standing(measured))


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
