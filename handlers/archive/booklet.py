"""优秀反思与案例汇编.docx: the term's pieces marked 优秀 in 检查, bound as a booklet (seed 000:
"评比…装订成册"): a cover, the contents, then each piece on its own page with its author,
group, date, its text and the reviewer's comment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from handlers import texts
from handlers.archive.forms import record_body
from handlers.archive.ledgers import Term
from handlers.archive.paper import Paper
from storage.repos.archive import ArchiveRecord
from storage.repos.groups import MemberRow
from storage.repos.reviews import EXCELLENT


def excellent(term: Term, found: Sequence[ArchiveRecord],
              members: Sequence[MemberRow]) -> list[tuple[ArchiveRecord, str]]:
    """The live pieces marked 优秀 with their author's group, in the school's group order,
    then by author and date."""
    group_of = {m.id: (m.groups[0] if m.groups else "") for m in members}
    order = {g.name: i for i, g in enumerate(term.settings.groups)}
    chosen = [(r, group_of.get(r.teacher_id, "")) for r in found
              if r.review_status == EXCELLENT and not r.deleted]
    return sorted(chosen, key=lambda pair: (order.get(pair[1], len(order)), pair[0].teacher,
                                            pair[0].occurred_on, pair[0].id))


def booklet(paper: Paper, term: Term, pieces: Sequence[tuple[ArchiveRecord, str]],
            now: datetime, today: date) -> bytes:
    """The booklet's DOCX bytes."""
    settings = term.settings
    school = settings.school.name
    paper.begin(title=texts.EXPORT_BOOKLET_TITLE, now=now)
    for _ in range(5):
        paper.text()
    paper.text(school, center=True, size=16)
    paper.title(texts.EXPORT_BOOKLET_TITLE)
    paper.text(term.semester.name, center=True, size=14)
    for _ in range(4):
        paper.text()
    paper.text(texts.EXPORT_BOOKLET_NOTE.format(count=len(pieces)), center=True)
    paper.text(texts.EXPORT_BOOKLET_COMPILED.format(school=school, day=f"{today:%Y年%m月%d日}"),
               center=True)
    paper.page_break()
    paper.heading(texts.EXPORT_BOOKLET_CONTENTS)
    catalog = settings.catalog
    for n, (record, group) in enumerate(pieces, start=1):
        paper.text(texts.EXPORT_BOOKLET_ENTRY.format(
            n=n, form=catalog.label(record.kind), title=record.title or texts.NONE,
            name=record.teacher, group=group or texts.NONE))
    for n, (record, group) in enumerate(pieces, start=1):
        paper.page_break()
        paper.heading(texts.EXPORT_BOOKLET_PIECE.format(
            n=n, form=catalog.label(record.kind), title=record.title or texts.NONE))
        paper.text(texts.EXPORT_BOOKLET_BYLINE.format(
            name=record.teacher, group=group or texts.NONE, day=f"{record.occurred_on:%Y-%m-%d}"),
            center=True)
        spec = catalog.get(record.kind)
        if spec is not None:
            record_body(paper, spec, record)
        if record.review_comment:
            paper.labelled(texts.EXPORT_BOOKLET_REVIEW.format(reviewer=record.reviewer),
                           record.review_comment)
    return paper.save()
