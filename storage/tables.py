"""SQLModel tables for the whole domain.

Every instant is stored as an aware UTC datetime (SQLModel 0.0.50 maps ``datetime`` to a
UTC type that rejects naive values); calendar days are plain ``date`` values in the
school's own time zone. Free-form answers of forms live in JSON columns, so a school can
change its forms in config without a migration.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel


class School(SQLModel, table=True):
    """A school; a 村小 points at the 中心校 that oversees it."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=100)
    parent_id: int | None = Field(default=None, foreign_key="school.id")


class Teacher(SQLModel, table=True):
    """A person on the roster, bound to at most one chat account."""

    __table_args__ = (
        UniqueConstraint("school_id", "staff_no"),
        UniqueConstraint("account"),
    )

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    name: str = Field(max_length=40)
    staff_no: str | None = Field(default=None, max_length=40)
    # 手机号 from the roster (optional): 钉钉 binds by it when the 工号 does not match.
    mobile: str | None = Field(default=None, max_length=20)
    subject: str = Field(default="", max_length=40)
    role: str = Field(default="teacher", max_length=16)
    active: bool = True
    # One-time binding code handed out by 教导处; cleared once used.
    bind_code: str | None = Field(default=None, max_length=16, unique=True)
    # Platform account, e.g. "tg:123456"; its private chat has the same address.
    account: str | None = Field(default=None, max_length=64)
    bound_at: datetime | None = None
    # The teacher's own choice for the weekly nudge (ISO weekday; None: the school's day).
    nudge_weekday: int | None = None
    nudges_off: bool = False


class StudyGroup(SQLModel, table=True):
    """A 教研组 of a school."""

    __tablename__ = "study_group"
    __table_args__ = (UniqueConstraint("school_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    name: str = Field(max_length=40)


class Membership(SQLModel, table=True):
    """A teacher in a 教研组; ``is_leader`` marks its 教研组长."""

    teacher_id: int = Field(foreign_key="teacher.id", primary_key=True)
    group_id: int = Field(foreign_key="study_group.id", primary_key=True, index=True)
    is_leader: bool = False


class ChatLink(SQLModel, table=True):
    """A group chat linked to a 教研组, or to the whole school when ``group_id`` is None."""

    __tablename__ = "chat_link"

    chat: str = Field(primary_key=True, max_length=64)
    school_id: int = Field(foreign_key="school.id", index=True)
    group_id: int | None = Field(default=None, foreign_key="study_group.id", index=True)
    title: str = Field(default="", max_length=200)
    linked_by: int | None = Field(default=None, foreign_key="teacher.id")
    linked_at: datetime


class UnlinkedChat(SQLModel, table=True):
    """A group chat the bot has already told how to link it (it says so only once)."""

    __tablename__ = "unlinked_chat"

    chat: str = Field(primary_key=True, max_length=64)
    told_at: datetime


class BindRequest(SQLModel, table=True):
    """An account asking to be bound to a roster entry, waiting for an admin."""

    __tablename__ = "bind_request"

    id: int | None = Field(default=None, primary_key=True)
    account: str = Field(max_length=64, index=True)
    display_name: str = Field(default="", max_length=200)
    teacher_id: int = Field(foreign_key="teacher.id")
    status: str = Field(default="pending", max_length=16)
    created_at: datetime
    decided_by: int | None = Field(default=None, foreign_key="teacher.id")
    decided_at: datetime | None = None


class BindAttempt(SQLModel, table=True):
    """A wrong binding code, kept to limit guessing per account."""

    __tablename__ = "bind_attempt"
    __table_args__ = (Index("ix_bind_attempt_account_at", "account", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    account: str = Field(max_length=64)
    at: datetime


class Semester(SQLModel, table=True):
    """A semester of a school with its 研修主题; closed semesters are read-only."""

    __table_args__ = (UniqueConstraint("school_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    name: str = Field(max_length=60)
    start: date
    end: date
    theme: str = Field(default="", max_length=200)
    closed_at: datetime | None = None


class Meeting(SQLModel, table=True):
    """One 教研活动 of a group: generated from its slot, or announced by a leader."""

    __table_args__ = (UniqueConstraint("group_id", "planned_on"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="study_group.id", index=True)
    semester_id: int = Field(foreign_key="semester.id", index=True)
    planned_on: date
    starts_at: datetime | None = Field(default=None, index=True)
    ends_at: datetime | None = None
    place: str = Field(default="", max_length=100)
    status: str = Field(default="planned", max_length=16)
    topic: str = Field(default="", max_length=200)
    host: str = Field(default="", max_length=100)
    form: str = Field(default="", max_length=40)
    content: str = ""
    materials: str = ""
    note: str = Field(default="", max_length=200)
    announced_at: datetime | None = None


class Attendance(SQLModel, table=True):
    """A teacher's answer to and presence at a meeting."""

    meeting_id: int = Field(foreign_key="meeting.id", primary_key=True)
    teacher_id: int = Field(foreign_key="teacher.id", primary_key=True, index=True)
    status: str = Field(max_length=16)
    reason: str = ""
    updated_at: datetime
    decided_by: int | None = Field(default=None, foreign_key="teacher.id")
    # Leave asked for through a /pause (issue 15): its decision or withdrawal moves this row.
    pause_id: int | None = Field(default=None, foreign_key="pause.id", index=True)


class Pause(SQLModel, table=True):
    """A teacher's absence (外出培训, 病假 …): no reminders; the sessions it covers are a
    leave request for 教导处 (``status`` pending → approved/refused, or cancelled), or, for
    a pause that only silences reminders, ``quiet``."""

    id: int | None = Field(default=None, primary_key=True)
    teacher_id: int = Field(foreign_key="teacher.id", index=True)
    start: date
    end: date
    reason: str = Field(default="", max_length=200)
    status: str = Field(default="quiet", max_length=16)
    decided_by: int | None = Field(default=None, foreign_key="teacher.id")
    decided_at: datetime | None = None
    created_at: datetime | None = None


class Record(SQLModel, table=True):
    """A record handed in through a form: 教学反思, 听课记录, 读书笔记 …"""

    __table_args__ = (
        # Covers the quota totals (records.monthly_totals): no row is read for them.
        Index("ix_record_totals", "teacher_id", "semester_id", "kind", "occurred_on", "chars",
              "deleted_at", "review_status"),
        Index("ix_record_semester_kind", "semester_id", "kind"),
        # What is linked to an outing, a lesson, a session … (planners read it every tick).
        Index("ix_record_link", "link_kind", "link_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    teacher_id: int = Field(foreign_key="teacher.id")
    semester_id: int = Field(foreign_key="semester.id")
    kind: str = Field(max_length=40)
    title: str = Field(default="", max_length=200)
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    chars: int = 0
    occurred_on: date
    link_kind: str | None = Field(default=None, max_length=16)
    link_id: int | None = None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None
    # 检查: None until reviewed; "pass" 合格, "excellent" 优秀, "returned" 退回修改.
    review_status: str | None = Field(default=None, max_length=16)
    review_comment: str | None = Field(default=None, max_length=500)
    reviewed_by: int | None = Field(default=None, foreign_key="teacher.id")
    reviewed_at: datetime | None = None


class OpenLesson(SQLModel, table=True):
    """A 公开课 / 研讨课 / 示范课 / 汇报课 given by a teacher."""

    id: int | None = Field(default=None, primary_key=True)
    teacher_id: int = Field(foreign_key="teacher.id", index=True)
    semester_id: int = Field(foreign_key="semester.id", index=True)
    kind: str = Field(max_length=16)
    starts_at: datetime = Field(index=True)
    period: str = Field(default="", max_length=20)
    place: str = Field(default="", max_length=100)
    class_name: str = Field(default="", max_length=40)
    subject: str = Field(default="", max_length=40)
    title: str = Field(default="", max_length=200)
    booking_required: bool = True
    design_note: str = ""
    status: str = Field(default="planned", max_length=16)
    created_by: int | None = Field(default=None, foreign_key="teacher.id")
    created_at: datetime
    # 一课多研: a second or third round (二次、三次试教) points at the first lesson.
    follows_id: int | None = Field(default=None, foreign_key="openlesson.id")


class Booking(SQLModel, table=True):
    """A 预约听课: an observer booked on an open lesson."""

    lesson_id: int = Field(foreign_key="openlesson.id", primary_key=True)
    teacher_id: int = Field(foreign_key="teacher.id", primary_key=True, index=True)
    booked_at: datetime


class FormDraft(SQLModel, table=True):
    """The one open form of an account: every answered field is kept here at once."""

    __tablename__ = "form_draft"

    account: str = Field(primary_key=True, max_length=64)
    teacher_id: int = Field(foreign_key="teacher.id", index=True)
    form: str = Field(max_length=40)
    step: str = Field(default="", max_length=40)
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    context: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime
    updated_at: datetime
    warned_at: datetime | None = None


class Outbox(SQLModel, table=True):
    """A message due to someone, keyed so it is planned and sent once.

    ``key`` names what, whom and which occurrence, e.g. ``remind-eve:12:2026-12-02``.
    """

    __table_args__ = (Index("ix_outbox_status_due", "status", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=200)
    kind: str = Field(max_length=40)
    chat: str = Field(max_length=64)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    due_at: datetime
    expires_at: datetime | None = None
    status: str = Field(default="pending", max_length=16)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    attempts: int = 0
    error: str = Field(default="", max_length=500)


class ProcessedUpdate(SQLModel, table=True):
    """An incoming update already handled: a second delivery of it changes nothing."""

    __tablename__ = "processed_update"

    key: str = Field(primary_key=True, max_length=80)
    at: datetime = Field(index=True)
    # What the person was answered, sent again when the platform redelivers the update.
    answer: list[Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class WorkerLease(SQLModel, table=True):
    """A running process that may hold outbox claims; it renews ``seen_at`` while alive."""

    __tablename__ = "worker_lease"

    worker: str = Field(primary_key=True, max_length=64)
    seen_at: datetime


class ChatPace(SQLModel, table=True):
    """How many messages a chat may still take at once (``tokens``, refilled over time, may
    be owed below zero) as of ``at``: one pace for every process sending to it."""

    __tablename__ = "chat_pace"

    chat: str = Field(primary_key=True, max_length=80)
    tokens: float
    at: datetime


class PlatformUsage(SQLModel, table=True):
    """Metered calls to a chat platform's API in one month (钉钉's monthly budget)."""

    __tablename__ = "platform_usage"

    platform: str = Field(primary_key=True, max_length=16)
    month: str = Field(primary_key=True, max_length=7)  # "2026-12", in the school's zone
    calls: int = 0
    warned: bool = False


class AuditEntry(SQLModel, table=True):
    """Who changed what: roles, bindings, attendance corrections, deletions, approvals."""

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="teacher.id")
    action: str = Field(max_length=40)
    detail: str = ""
    at: datetime


class DigestSnapshot(SQLModel, table=True):
    """A school's quota figures as of one day, computed once for that day's digests.

    ``figures`` maps a teacher id to their quotas' current periods; ``version`` names the
    quota settings they were measured with (other settings: the snapshot is stale).
    ``summary`` is the school's standing in four numbers (people, average share done, pace,
    behind), what the 学区管理员's digest prints, read without the figures.
    """

    __tablename__ = "digest_snapshot"
    __table_args__ = (UniqueConstraint("school_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    day: date
    version: str = Field(max_length=64)
    computed_at: datetime
    figures: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    summary: list[int] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class SandboxClock(SQLModel, table=True):
    """The console sandbox's clock, kept in its database so a restart goes on from there.

    A database with this row is a sandbox's: CLI commands run on it read 'now' from here,
    so ``yanxiu export`` and ``seed-demo`` agree with the sandbox on what today is. The bot
    on a real platform never reads it (issue 15).
    """

    __tablename__ = "sandbox_clock"

    school_id: int = Field(foreign_key="school.id", primary_key=True)
    moment: datetime

class TeacherAccount(SQLModel, table=True):
    """A teacher's chat account on another platform than ``teacher.account``, the one their
    messages go to (the platform they wrote on last). An account is in one place only:
    some ``teacher.account`` or here. See docs/decisions.md, "One person on two platforms"."""

    __tablename__ = "teacher_account"

    account: str = Field(primary_key=True, max_length=64)
    teacher_id: int = Field(foreign_key="teacher.id", index=True)
    bound_at: datetime

# -- issue 16 §1, §2: copy detection, 预约听课 assigned by 教导处 ------------------------------


class RecordSignature(SQLModel, table=True):
    """A record's MinHash signature over its text, computed when it is handed in (检查 shows
    records that closely match another; handlers/similarity.py)."""

    __tablename__ = "record_signature"

    record_id: int = Field(foreign_key="record.id", primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    signature: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class RecordBand(SQLModel, table=True):
    """One band key of a record's signature: records sharing a key are compared."""

    __tablename__ = "record_band"
    __table_args__ = (Index("ix_record_band_key", "key", "school_id"),)

    record_id: int = Field(foreign_key="record.id", primary_key=True)
    band: int = Field(primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    key: int = Field(sa_column=Column(BigInteger, nullable=False))


class RecordSimilar(SQLModel, table=True):
    """A record (``record_id``, the later one) that closely matches an earlier one."""

    __tablename__ = "record_similar"

    record_id: int = Field(foreign_key="record.id", primary_key=True)
    other_id: int = Field(foreign_key="record.id", primary_key=True, index=True)
    similarity: float
    found_at: datetime


class LessonAssignment(SQLModel, table=True):
    """A 预约听课 arranged by 教导处: a teacher gives a lesson on a day and 节次, and these
    observers listen; ``lesson_id`` is set once the teacher has registered the lesson."""

    __tablename__ = "lesson_assignment"

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    semester_id: int = Field(foreign_key="semester.id")
    teacher_id: int = Field(foreign_key="teacher.id", index=True)
    day: date
    period: str = Field(default="", max_length=20)
    observers: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    note: str = Field(default="", max_length=200)
    assigned_by: int | None = Field(default=None, foreign_key="teacher.id")
    created_at: datetime
    lesson_id: int | None = Field(default=None, foreign_key="openlesson.id")

# -- issue 16 §3 师徒结对 and §5 课题研究 -----------------------------------------------------


class MentorPair(SQLModel, table=True):
    """A 师徒结对: a 师傅 (mentor) and a 徒弟 (mentee) from ``started_on`` (until ``ended_on``)."""

    __tablename__ = "mentor_pair"

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    mentor_id: int = Field(foreign_key="teacher.id", index=True)
    mentee_id: int = Field(foreign_key="teacher.id", index=True)
    started_on: date
    ended_on: date | None = None
    created_at: datetime
    created_by: int | None = Field(default=None, foreign_key="teacher.id")


class MentorComment(SQLModel, table=True):
    """A 师傅's comment on a 徒弟's record (a 反思): told to the 徒弟, not a review mark."""

    __tablename__ = "mentor_comment"

    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="record.id", index=True)
    mentor_id: int = Field(foreign_key="teacher.id", index=True)
    text: str = Field(max_length=500)
    at: datetime


class TopicLink(SQLModel, table=True):
    """A record (a 反思, a 听课记录 …) linked to its author's 课题 (a research_topic record)."""

    __tablename__ = "topic_link"

    record_id: int = Field(foreign_key="record.id", primary_key=True)
    topic_id: int = Field(foreign_key="record.id", index=True)
    linked_at: datetime

class LessonPrep(SQLModel, table=True):
    """集体备课 of a session: its 主备人 and the lesson prepared (issue 16 §4). The 教案, the
    修改意见 and the 二次备课 are records linked to it (link_kind "prep", the meeting id)."""

    __tablename__ = "lesson_prep"

    meeting_id: int = Field(foreign_key="meeting.id", primary_key=True)
    lead_id: int = Field(foreign_key="teacher.id", index=True)
    unit: str = Field(default="", max_length=100)
    title: str = Field(default="", max_length=200)
    set_by: int | None = Field(default=None, foreign_key="teacher.id")
    updated_at: datetime

# -- issue 16 §6, §7: 外出学习汇报 and 考核 adjustments ---------------------------------


class Outing(SQLModel, table=True):
    """A teacher away for 外出学习/培训, who owes a 外出学习汇报 by ``due_on``.

    Made by an admin's assignment or by a /pause whose reason says so; the report is a
    record linked to it (``link_kind = "outing"``); ``meeting_id`` is the 教研活动 where the
    teacher reports back to the group.
    """

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    teacher_id: int = Field(foreign_key="teacher.id", index=True)
    semester_id: int = Field(foreign_key="semester.id", index=True)
    training: str = Field(max_length=200)
    start: date
    returns_on: date
    due_on: date
    source: str = Field(max_length=16)  # "assigned" or "pause"
    assigned_by: int | None = Field(default=None, foreign_key="teacher.id")
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    created_at: datetime


class AppraisalAdjustment(SQLModel, table=True):
    """教导处's change to a teacher's 考核 score for a semester, with the reason."""

    __tablename__ = "appraisal_adjustment"

    id: int | None = Field(default=None, primary_key=True)
    semester_id: int = Field(foreign_key="semester.id", index=True)
    teacher_id: int = Field(foreign_key="teacher.id", index=True)
    points: float
    reason: str = Field(max_length=500)
    by: int | None = Field(default=None, foreign_key="teacher.id")
    at: datetime


class MeetingGuest(SQLModel, table=True):
    """Another school's 教研组 taking part in a session (联片教研, 学区培训): the session
    stays the organising school's; its notice goes to this group too, and its members'
    attendance counts in their own school."""

    __tablename__ = "meeting_guest"

    meeting_id: int = Field(foreign_key="meeting.id", primary_key=True)
    group_id: int = Field(foreign_key="study_group.id", primary_key=True, index=True)
    added_by: int | None = Field(default=None, foreign_key="teacher.id")
    added_at: datetime


class DistrictVisit(SQLModel, table=True):
    """The school a 学区管理员 works in from private chat after naming it, until they name
    another or use a command of their own (issue 17); no row: at home. Kept per person, not
    per account: on two platforms they work in one school."""

    __tablename__ = "district_visit"

    teacher_id: int = Field(foreign_key="teacher.id", primary_key=True)
    school_id: int = Field(foreign_key="school.id")
