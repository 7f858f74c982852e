"""课题研究: every teacher registers a 课题 (立项表: title, 类别, question, plan) with
``/topic``; 反思, 听课记录 and other records are linked to it (offered after each 反思 and
听课记录, or picked later); 阶段小结 and a 结题/阶段总结 are forms of the 课题, the latter
asked for before the semester ends. A 结题报告 ends the 课题. 教研组长 and 教导处 see who
has registered one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from handlers import texts
from handlers.callback_data import is_id
from handlers.context import ButtonRoute, Command, Ctx, Where
from handlers.deliveries import renderer
from handlers.features import hooks, progress, records
from handlers.forms.engine import Draft
from handlers.forms.spec import FormSpec
from handlers.permissions import Access
from handlers.render import book_title, esc, fmt_date, polite, shorten
from handlers.settings import Settings
from handlers.types import Button, Reply, private_chat
from scheduler.quiet import after_quiet
from storage.repos import groups, outbox, research, school, semesters
from storage.repos import records as record_repo
from storage.repos.outbox import OutboxItem
from storage.repos.people import PersonRow
from storage.repos.records import RecordRow
from storage.repos.research import TopicRow

TOPIC_BUTTONS = "kt"
TOPIC_REPORT_DUE = "topic-report"
SHOWN = 8
RECENT = 3


def _title(topic: TopicRow) -> str:
    return esc(book_title(topic.title))


def _off(ctx: Ctx) -> list[Reply] | None:
    return None if ctx.settings.research.enabled else [Reply(texts.TOPIC_OFF)]


def _page(ctx: Ctx, *, edit: bool) -> Reply:
    """The sender's 课题: its 立项, what is linked to it, and what to do next."""
    topic = research.current(ctx.session, teacher_id=ctx.me.id)
    if topic is None:
        done = [t for t in research.topics(ctx.session, teacher_ids=[ctx.me.id])
                if t.concluded_on is not None]
        text = texts.TOPIC_NONE
        if done:
            text += "\n" + texts.TOPIC_DONE_BEFORE.format(
                titles="、".join(_title(t) for t in done))
        return Reply(text, buttons=((Button(texts.TOPIC_NEW,
                                            data=f"{TOPIC_BUTTONS}:new:0"),),), edit=edit)
    answers = topic.answers
    lines = [texts.TOPIC_PAGE.format(title=_title(topic), scope=esc(answers.get("scope", "")),
                                     day=fmt_date(topic.registered_on))]
    if answers.get("members"):
        lines.append(texts.TOPIC_MEMBERS.format(members=esc(answers["members"])))
    lines.append(texts.TOPIC_QUESTION.format(
        question=esc(shorten(str(answers.get("question", "")), 80))))
    found = research.linked(ctx.session, topic_ids=[topic.id])
    lines.append(texts.TOPIC_COUNTS.format(
        linked=sum(1 for r in found if r.kind not in research.KINDS),
        stages=sum(1 for r in found if r.kind == research.STAGE),
        reports=sum(1 for r in found if r.kind == research.REPORT)))
    catalog = ctx.settings.catalog
    lines += [texts.TOPIC_RECENT.format(day=fmt_date(r.occurred_on), form=esc(catalog.label(
        r.kind)), title=esc(shorten(r.title or texts.NONE, 30))) for r in found[-RECENT:]]
    data = f"{TOPIC_BUTTONS}:{{}}:{topic.id}"
    buttons = ((Button(texts.TOPIC_STAGE, data=data.format("stage")),
                Button(texts.TOPIC_REPORT, data=data.format("report"))),
               (Button(texts.TOPIC_PICK, data=data.format("pick")),
                Button(texts.TOPIC_EDIT, data=f"{records.MINE_BUTTONS}:edit:{topic.id}")))
    return Reply("\n".join(lines), buttons=buttons, edit=edit)


def _overview(ctx: Ctx) -> Reply:
    """Who has registered a 课题: the leader's groups, or every group for 教导处."""
    names = [g.name for g in ctx.settings.groups]
    if ctx.access is not Access.ADMIN:
        names = [name for name in names if name in ctx.me.leads]
    ids = school.group_ids(ctx.session, school_id=ctx.school_id)
    scope = texts.REVIEW_ALL if ctx.access is Access.ADMIN else "、".join(names)
    lines = [texts.TOPIC_OVERVIEW_HEADER.format(scope=esc(scope))]
    for name in names:
        if name not in ids:
            continue
        members = groups.members(ctx.session, group_ids=[ids[name]])
        open_topics = {t.teacher_id for t in research.topics(
            ctx.session, teacher_ids=[m.id for m in members]) if t.concluded_on is None}
        missing = [m.name for m in members if m.id not in open_topics]
        lines.append(texts.TOPIC_OVERVIEW_LINE.format(
            group=esc(name), done=len(members) - len(missing), people=len(members),
            missing=texts.TOPIC_OVERVIEW_MISSING.format(names=esc("、".join(missing)))
            if missing else ""))
    return Reply("\n".join(lines))


def topic(ctx: Ctx, _arg: str) -> list[Reply]:
    """``/topic``: my 课题 (or how to register one); leaders and 教导处 also see who has
    registered."""
    off = _off(ctx)
    if off:
        return off
    if school.current_semester(ctx.session, school_id=ctx.school_id, today=ctx.today) is None:
        return [Reply(texts.NO_SEMESTER)]
    replies = [_page(ctx, edit=False)]
    if ctx.access >= Access.LEADER:
        replies.append(_overview(ctx))
    return replies


def _own_topic(ctx: Ctx, raw_id: str) -> TopicRow | None:
    """The sender's own 课题 still open with this id."""
    found = research.get_topic(ctx.session, topic_id=int(raw_id)) if is_id(raw_id) else None
    if found is None or found.teacher_id != ctx.me.id or found.concluded_on is not None:
        return None
    return found


def _pick(ctx: Ctx, found: TopicRow) -> Reply:
    semester = school.current_semester(ctx.session, school_id=ctx.school_id, today=ctx.today)
    rows = research.linkable(ctx.session, teacher_id=ctx.me.id, limit=SHOWN,
                             semester_id=semester.id) if semester else []
    if not rows:
        return Reply(texts.TOPIC_NOTHING_TO_LINK, edit=True)
    catalog = ctx.settings.catalog
    buttons = tuple((Button(shorten(f"{catalog.label(kind)} · {title or texts.NONE} · "
                                    f"{day.month}/{day.day}", 50),
                            data=f"{TOPIC_BUTTONS}:link:{record_id}"),)
                    for record_id, kind, title, day in rows)
    return Reply(texts.TOPIC_PICK_HEADER.format(title=_title(found)), buttons=buttons,
                 edit=True)


def _link(ctx: Ctx, raw_id: str) -> list[Reply]:
    """Link one of the sender's records (not a 课题 record itself) to their open 课题."""
    found = record_repo.get_record(ctx.session, record_id=int(raw_id)) if is_id(raw_id) else None
    current = research.current(ctx.session, teacher_id=ctx.me.id)
    if (found is None or found.deleted or found.teacher_id != ctx.me.id
            or found.kind in research.KINDS or current is None):
        return [Reply(texts.TOPIC_GONE, notice=texts.TOPIC_GONE)]
    research.link(ctx.session, record_id=found.id, topic_id=current.id, now=ctx.now)
    said = texts.TOPIC_LINKED.format(title=_title(current))
    return [Reply(said, edit=True, notice=said)]


def press_topic(ctx: Ctx, data: str) -> list[Reply]:
    """Buttons of /topic: 立项, 阶段小结, 结题/阶段总结, pick a record, link one."""
    off = _off(ctx)
    if off:
        return [Reply(off[0].text, notice=off[0].text)]
    action, _, raw_id = data.partition(":")
    if action == "new":
        if research.current(ctx.session, teacher_id=ctx.me.id) is not None:
            return [Reply(texts.TOPIC_EXISTS, notice=texts.TOPIC_EXISTS)]
        return records.open_form(ctx, research.TOPIC)
    if action == "link":
        return _link(ctx, raw_id)
    found = _own_topic(ctx, raw_id)
    if found is None:
        return [Reply(texts.TOPIC_GONE, notice=texts.TOPIC_GONE)]
    if action == "pick":
        return [_pick(ctx, found)]
    kind = {"stage": research.STAGE, "report": research.REPORT}.get(action)
    if kind is None:
        return [Reply(texts.BUTTON_EXPIRED, notice=texts.BUTTON_EXPIRED)]
    return records.open_form(ctx, kind, prefill={"topic": found.title},
                             link=(research.LINK, found.id))


# -- after a record is handed in ---------------------------------------------------------


def _offer_link(ctx: Ctx, _spec: FormSpec, draft: Draft, saved: RecordRow) -> list[Reply]:
    """A new 反思 or 听课记录: offer to link it to the teacher's open 课题."""
    if draft.record_id is not None or not ctx.settings.research.enabled:
        return []
    current = research.current(ctx.session, teacher_id=ctx.me.id)
    if current is None:
        return []
    button = Button(texts.TOPIC_LINK_BUTTON, data=f"{TOPIC_BUTTONS}:link:{saved.id}")
    return [Reply(texts.TOPIC_LINK_OFFER.format(title=_title(current)), buttons=((button,),))]


def _registered(_ctx: Ctx, _spec: FormSpec, draft: Draft, _saved: RecordRow) -> list[Reply]:
    return [] if draft.record_id is not None else [Reply(texts.TOPIC_REGISTERED)]


def _reported(ctx: Ctx, _spec: FormSpec, draft: Draft, saved: RecordRow) -> list[Reply]:
    """A 结题报告 ends its 课题: say so."""
    if saved.answers.get("stage") != research.CONCLUDED or not draft.link_id:
        return []
    found = research.get_topic(ctx.session, topic_id=draft.link_id)
    if found is None or found.concluded_on is None:
        return []
    return [Reply(texts.TOPIC_CONCLUDED.format(title=_title(found)))]


def me_section(ctx: Ctx, person: PersonRow) -> str:
    """/me's 课题 block: the open 课题 (or the ones ended this semester) and its counts."""
    if not ctx.settings.research.enabled:
        return ""
    semester = school.current_semester(ctx.session, school_id=ctx.school_id, today=ctx.today)
    if semester is None:
        return ""
    shown = [t for t in research.topics(ctx.session, teacher_ids=[person.id])
             if t.concluded_on is None or t.concluded_on >= semester.start]
    if not shown:
        return f"{texts.TOPIC_SECTION}\n{texts.TOPIC_SECTION_NONE}"
    found = research.linked(ctx.session, topic_ids=[t.id for t in shown])
    lines = [texts.TOPIC_SECTION]
    for item in shown:
        own = [r for r in found if r.topic_id == item.id]
        lines.append(texts.TOPIC_SECTION_LINE.format(
            title=_title(item), scope=esc(item.answers.get("scope", "")),
            state=texts.TOPIC_OPEN if item.concluded_on is None else texts.TOPIC_CLOSED,
            linked=sum(1 for r in own if r.kind not in research.KINDS),
            stages=sum(1 for r in own if r.kind == research.STAGE)))
    return "\n".join(lines)


# -- over time: the 结题/阶段总结 before the semester ends --------------------------------


def plan_topic_reports(session: Session, now: datetime, *, settings: Settings,
                       school_id: int) -> None:
    """``report_days_before`` the semester's end: ask everyone with an open 课题 for its
    结题/阶段总结 (once a semester; said only if still not handed in when sent)."""
    cfg = settings.research
    local = now.astimezone(settings.zone)
    today = local.date()
    if not cfg.enabled or not cfg.report_days_before or local.time() < cfg.at:
        return
    semester = school.current_semester(session, school_id=school_id, today=today)
    if (semester is None or semester.closed or not semester.start <= today <= semester.end
            or (semester.end - today).days > cfg.report_days_before):
        return
    members = {m.id: m for m in groups.members(session, school_id=school_id) if m.account}
    open_ids = {t.teacher_id for t in research.topics(session, teacher_ids=list(members))
                if t.concluded_on is None}
    quiet = settings.reminders.quiet_hours
    due = after_quiet(now, start=quiet.start, end=quiet.end, zone=settings.zone)
    expires = datetime.combine(semester.end + timedelta(days=1), datetime.min.time(),
                               settings.zone)
    for teacher_id in sorted(open_ids):
        member = members[teacher_id]
        assert member.account is not None
        outbox.enqueue(session, key=f"{TOPIC_REPORT_DUE}:{semester.id}:{teacher_id}",
                       kind=TOPIC_REPORT_DUE, chat=member.account, due_at=due,
                       expires_at=expires, payload={"teacher": teacher_id,
                                                    "semester": semester.id})


@renderer(TOPIC_REPORT_DUE)
def render_topic_report(session: Session, _settings: Settings, item: OutboxItem) -> list[Reply]:
    """The ask for a 结题/阶段总结, unless it was handed in (or the 课题 ended) meanwhile."""
    teacher_id = int(item.payload["teacher"])
    found = research.current(session, teacher_id=teacher_id)
    semester_id = int(item.payload["semester"])
    if found is None or research.reported(session, teacher_id=teacher_id, topic_id=found.id,
                                          semester_id=semester_id):
        return []
    semester = semesters.get_by_id(session, semester_id=semester_id)
    if semester is None or semester.closed:
        return []
    button = Button(texts.TOPIC_REPORT_FILL, data=f"{TOPIC_BUTTONS}:report:{found.id}")
    return [Reply(texts.TOPIC_REPORT_ASK.format(name=esc(polite(found.teacher)),
                                                day=fmt_date(semester.end),
                                                title=_title(found)),
                  buttons=((button,),), chat=private_chat(item.chat))]


hooks.after_submit("reflection", _offer_link)
hooks.after_submit("observation", _offer_link)
hooks.after_submit(research.TOPIC, _registered)
hooks.after_submit(research.REPORT, _reported)
progress.ME_SECTIONS.append(me_section)

COMMANDS = (Command("topic", topic, Access.TEACHER, Where.PRIVATE, texts.SUMMARY["topic"]),)
BUTTONS = (ButtonRoute(TOPIC_BUTTONS, press_topic, Access.TEACHER, Where.PRIVATE),)
