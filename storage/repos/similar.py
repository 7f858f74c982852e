"""Copy detection's storage: each record's signature and band keys, and the pairs of records
that closely match (found when a record is handed in, read by 检查)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import insert
from sqlmodel import Session, col, delete, func, or_, select

from storage.repos._core import rows_connection
from storage.tables import Record, RecordBand, RecordSignature, RecordSimilar, Semester, Teacher


@dataclass(frozen=True)
class Candidate:
    """A live record sharing a band key with the one being indexed."""

    record_id: int
    teacher_id: int
    semester_id: int
    signature: bytes


@dataclass(frozen=True)
class Match:
    """The other record of a close pair, as a reviewer sees it."""

    record_id: int
    teacher_id: int
    teacher: str
    kind: str
    title: str
    occurred_on: date
    semester: str
    similarity: float


def keep_signature(session: Session, *, record_id: int, school_id: int, signature: bytes,
                   keys: Sequence[int]) -> None:
    """Store a record's signature and band keys (replacing older ones and its old pairs).

    Written on the connection in two statements: 64 ORM objects a record cost more than
    the signing itself."""
    forget(session, record_id=record_id)
    connection = rows_connection(session)
    connection.execute(insert(RecordSignature.__table__),  # type: ignore[attr-defined]
                       {"record_id": record_id, "school_id": school_id,
                        "signature": signature})
    connection.execute(insert(RecordBand.__table__),  # type: ignore[attr-defined]
                       [{"record_id": record_id, "band": band, "school_id": school_id,
                         "key": key} for band, key in enumerate(keys)])


def forget(session: Session, *, record_id: int) -> None:
    """Drop a record's signature, keys and pairs."""
    session.exec(delete(RecordSimilar).where(or_(col(RecordSimilar.record_id) == record_id,
                                                 col(RecordSimilar.other_id) == record_id)))
    session.exec(delete(RecordBand).where(col(RecordBand.record_id) == record_id))
    session.exec(delete(RecordSignature).where(col(RecordSignature.record_id) == record_id))


def candidates(session: Session, *, record_id: int, school_id: int, keys: Sequence[int],
               most: int = 200) -> list[Candidate]:
    """Live records of the school that share at least one band key with ``keys``: the
    ``most`` that share the most bands (the number shared grows with the similarity), so
    a school whose pieces all resemble each other still compares a bounded number."""
    shared = func.count().label("shared")
    sharing = session.exec(
        select(RecordBand.record_id, shared)
        .where(col(RecordBand.key).in_(list(keys)), RecordBand.school_id == school_id,
               RecordBand.record_id != record_id)
        .group_by(col(RecordBand.record_id))
        .order_by(shared.desc(), col(RecordBand.record_id).desc())
        .limit(most)).all()
    if not sharing:
        return []
    rows = session.exec(
        select(Record.id, Record.teacher_id, Record.semester_id, RecordSignature.signature)
        .join(RecordSignature, col(RecordSignature.record_id) == col(Record.id))
        .where(col(Record.id).in_([rid for rid, _ in sharing]),
               col(Record.deleted_at).is_(None))
    ).all()
    return [Candidate(rid, tid, sid, bytes(sig)) for rid, tid, sid, sig in rows
            if rid is not None]


def keep_matches(session: Session, *, record_id: int, matches: Sequence[tuple[int, float]],
                 now: datetime) -> None:
    """Store the close pairs of ``record_id``: each pair as (later record, earlier one)."""
    for other_id, score in matches:
        later, earlier = max(record_id, other_id), min(record_id, other_id)
        session.add(RecordSimilar(record_id=later, other_id=earlier, similarity=score,
                                  found_at=now))


def flagged(session: Session, *, record_ids: Sequence[int]) -> set[int]:
    """Which of ``record_ids`` closely match a live record (for the lists of /check)."""
    if not record_ids:
        return set()
    wanted = set(record_ids)
    later = select(RecordSimilar.record_id, RecordSimilar.other_id).where(
        col(RecordSimilar.record_id).in_(wanted))
    earlier = select(RecordSimilar.other_id, RecordSimilar.record_id).where(
        col(RecordSimilar.other_id).in_(wanted))
    pairs = [*session.exec(later).all(), *session.exec(earlier).all()]
    others = {other for _, other in pairs}
    live = set(session.exec(select(Record.id).where(col(Record.id).in_(others),
                                                    col(Record.deleted_at).is_(None))).all())
    return {mine for mine, other in pairs if other in live}


def matches_of(session: Session, *, record_ids: Sequence[int]) -> dict[int, list[Match]]:
    """For each of ``record_ids``, the live records it closely matches, closest first."""
    if not record_ids:
        return {}
    pairs = session.exec(select(RecordSimilar).where(or_(
        col(RecordSimilar.record_id).in_(record_ids),
        col(RecordSimilar.other_id).in_(record_ids)))).all()
    others = {p.other_id if p.record_id in record_ids else p.record_id for p in pairs}
    for p in pairs:  # a pair inside the list shows on both of its records
        others.update((p.record_id, p.other_id))
    rows = session.exec(
        select(Record.id, Record.teacher_id, Teacher.name, Record.kind, Record.title,
               Record.occurred_on, Semester.name)
        .join(Teacher, col(Teacher.id) == col(Record.teacher_id))
        .join(Semester, col(Semester.id) == col(Record.semester_id))
        .where(col(Record.id).in_(others), col(Record.deleted_at).is_(None))
    ).all()
    info = {row[0]: row for row in rows}
    found: dict[int, list[Match]] = {}
    wanted = set(record_ids)
    for p in pairs:
        for mine, other in ((p.record_id, p.other_id), (p.other_id, p.record_id)):
            if mine in wanted and other in info and mine in info:
                rid, tid, name, kind, title, day, semester = info[other]
                found.setdefault(mine, []).append(
                    Match(rid, tid, name, kind, title, day, semester, p.similarity))
    for items in found.values():
        items.sort(key=lambda m: -m.similarity)
    return found
