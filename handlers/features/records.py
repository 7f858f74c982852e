"""Handing in records through forms: open, answer, submit, and later view, edit or delete.

Every step stores the draft in the same transaction that produces the reply, so nothing a
teacher typed is lost to a restart, and a duplicate update is ignored by the dispatcher.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session

from handlers import attachments, texts
from handlers.callback_data import is_id
from handlers.context import ButtonRoute, Command, Ctx, Where
from handlers.features.progress import kind_line
from handlers.forms import engine
from handlers.forms.engine import Draft, Outcome
from handlers.forms.spec import FieldKind, FormSpec
from handlers.forms.validators import InvalidInput
from handlers.permissions import Access
from handlers.render import esc, fmt_date, polite, shorten
from handlers.settings import Settings
from handlers.types import Button, Reply, private_chat
from storage.repos import drafts, meetings, mentoring, people, records, school, updates

# Forms whose submission is not a record of its own (an announcement, a leave request …)
# register what submitting them does here.
Submitter = Callable[[Ctx, FormSpec, Draft], list[Reply]]
SUBMITTERS: dict[str, Submitter] = {}
# Called with every record saved (new or edited), after it is written: copy detection
# signs its text there (handlers/features/review.py).
AFTER_SAVE: list[Callable[[Ctx, FormSpec, int, dict[str, Any]], None]] = []

PAGE_SIZE = 6
RECORD_BUTTONS = "rec"
MINE_BUTTONS = "mine"


# -- drafts ----------------------------------------------------------------------------


REPEATS_SHOWN = 3  # repeated sentences quoted to the leader


def _lookup(ctx: Ctx, spec: FormSpec) -> engine.Lookup:
    """The school's people of a name; in a 听课记录, also the sender's 师傅 or 徒弟 of
    another school of the district (issue 17), with that school's name."""
    def find(name: str) -> list[tuple[int, str, str]]:
        found = people.find_by_name(ctx.session, school_id=ctx.school_id, name=name)
        across = [(partner, school) for partner, partner_name, school in mentoring.partners(
            ctx.session, teacher_id=ctx.me.id, on=ctx.today)
            if partner_name == name and school != ctx.settings.school.name
        ] if spec.kind == mentoring.OBSERVATION else []
        return [(p.id, p.name, "、".join(p.groups) or texts.NONE) for p in found] + [
            (partner, name, school) for partner, school in across]

    return find


def _load(ctx: Ctx) -> tuple[FormSpec, Draft] | None:
    """The sender's open draft, or None (an expired or orphaned one is dropped)."""
    row = drafts.get_draft(ctx.session, account=ctx.incoming.account)
    if row is None:
        return None
    spec = ctx.settings.catalog.get(row.form)
    expired = row.updated_at < ctx.now - timedelta(days=ctx.settings.drafts.expire_after_days)
    if spec is None or expired or row.teacher_id != ctx.me.id:
        drafts.delete_draft(ctx.session, account=ctx.incoming.account)
        return None
    if row.step not in {f.key for f in spec.fields} and not row.step.startswith("@"):
        drafts.delete_draft(ctx.session, account=ctx.incoming.account)
        return None
    return spec, Draft.restore(row.form, row.step, row.answers, row.context)


def _apply(ctx: Ctx, spec: FormSpec, outcome: Outcome) -> list[Reply]:
    """Store what a step produced; save the record when the form was submitted."""
    account = ctx.incoming.account
    if outcome.submitted is not None:
        # The submitter deletes the draft once it has saved what it needed.
        return SUBMITTERS.get(spec.kind, save_record)(ctx, spec, outcome.submitted)
    if outcome.draft is None:
        drafts.delete_draft(ctx.session, account=account)
    else:
        draft = outcome.draft
        drafts.save_draft(ctx.session, account=account, teacher_id=ctx.me.id, form=draft.form,
                          step=draft.step, answers=draft.answers, context=draft.context(),
                          now=ctx.now)
    replies = list(outcome.replies)
    if outcome.switch_to:
        new_spec = ctx.settings.catalog.get(outcome.switch_to)
        if new_spec is not None:
            args = outcome.switch_args
            link = args.get("link")
            replies += _begin(ctx, new_spec, prefill=args.get("prefill"),
                              record_id=args.get("record_id"),
                              link=(str(link[0]), int(link[1])) if link else None)
    return replies


def keep_draft(ctx: Ctx, draft: Draft) -> None:
    """Store ``draft`` as the sender's open form (a submitter that asks once more)."""
    drafts.save_draft(ctx.session, account=ctx.incoming.account, teacher_id=ctx.me.id,
                      form=draft.form, step=draft.step, answers=draft.answers,
                      context=draft.context(), now=ctx.now)


def finish_draft(ctx: Ctx) -> None:
    """Drop the sender's draft after a submitter has used it; its buttons then say the
    form was handed in (not that they expired)."""
    account = ctx.incoming.account
    row = drafts.get_draft(ctx.session, account=account)
    if row is not None and row.context.get("token"):
        updates.claim_update(ctx.session, key=spent_key(account, row.context["token"]),
                             now=ctx.now)
    drafts.delete_draft(ctx.session, account=account)


def spent_key(account: str, token: str, *, closed: bool = False) -> str:
    """The dedup key that remembers a form handed in (or closed with its semester)."""
    return f"{'form-closed' if closed else 'form'}:{account}:{token}"


def _begin(ctx: Ctx, spec: FormSpec, *, prefill: dict[str, Any] | None = None,
           record_id: int | None = None, link: tuple[str, int] | None = None) -> list[Reply]:
    outcome = engine.begin(spec, token=secrets.token_urlsafe(4), prefill=prefill,
                           record_id=record_id, link=link)
    intro = [Reply(texts.FORM_EDITING.format(form=esc(spec.label)))] if record_id else []
    return intro + _apply(ctx, spec, outcome)


def open_listed_form(ctx: Ctx, kind: str) -> list[Reply]:
    """A form anyone may open by name (``/start form-<kind>``): the listed record forms."""
    spec = ctx.settings.catalog.get(kind)
    if spec is None or not (spec.record and (spec.listed or spec.command)):
        return [Reply(texts.BUTTON_EXPIRED)]
    return open_form(ctx, kind)


def open_form(ctx: Ctx, kind: str, *, prefill: dict[str, Any] | None = None,
              record_id: int | None = None, link: tuple[str, int] | None = None) -> list[Reply]:
    """Start a form (or an edit); with another form open, ask which one to keep.

    Forms run in private chat: a button pressed in a group is answered there with a toast
    and the same button in the person's private chat.
    """
    spec = ctx.settings.catalog.get(kind)
    if spec is None:
        return [Reply(texts.BUTTON_EXPIRED)]
    if not ctx.incoming.chat.is_private:
        return _to_private(ctx)
    semester = school.current_semester(ctx.session, school_id=ctx.school_id, today=ctx.today)
    if semester is None:
        return [Reply(texts.NO_SEMESTER)]
    if semester.closed and spec.record:
        return [Reply(texts.SEMESTER_CLOSED)]
    current = _load(ctx)
    if current is not None:
        open_spec, draft = current
        if draft.form == kind and record_id is None and draft.record_id is None and not prefill:
            return [Reply(texts.FORM_RESUMED.format(form=esc(spec.label))),
                    engine.show(open_spec, draft)]
        args = {"prefill": prefill, "record_id": record_id, "link": link}
        return _apply(ctx, open_spec, engine.ask_switch(open_spec, draft, kind, args))
    return _begin(ctx, spec, prefill=prefill, record_id=record_id, link=link)


def _to_private(ctx: Ctx) -> list[Reply]:
    pressed = ctx.incoming.button
    again = Button(texts.FORM_CONTINUE_HERE, data=pressed) if pressed else None
    private = Reply(texts.FORM_IN_PRIVATE, chat=private_chat(ctx.incoming.account),
                    buttons=((again,),) if again else (),
                    fallback=Reply(texts.FORM_OPEN_PRIVATE_FIRST.format(
                        name=esc(polite(ctx.me.name))), buttons=((Button(
                            texts.PRIVATE_ONLY_BUTTON, start="cmd-start"),),)))
    return [Reply("", notice=texts.FORM_SEE_PRIVATE), private]


def on_message(ctx: Ctx) -> list[Reply] | None:
    """Text (or a photo …) in private chat answers the open form; None if none is open."""
    current = _load(ctx)
    if current is None:
        return _by_label(ctx)
    spec, draft = current
    text = ctx.incoming.text
    event: engine.Event = engine.NotText() if text is None else engine.Text(text)
    if ctx.incoming.file is not None and text is None:
        event = _file_event(ctx, spec, draft)
    outcome = engine.step(spec, draft, event, today=ctx.today, lookup=_lookup(ctx, spec))
    return _apply(ctx, spec, outcome)


def file_wanted(session: Session, *, settings: Settings, account: str) -> bool:
    """Whether ``account``'s open form is waiting for a file: only then does an adapter
    download what the person sent (钉钉 meters every download)."""
    row = drafts.get_draft(session, account=account)
    spec = settings.catalog.get(row.form) if row is not None else None
    if row is None or spec is None:
        return False
    return any(f.key == row.step and f.kind is FieldKind.FILE for f in spec.fields)


def _file_event(ctx: Ctx, spec: FormSpec, draft: Draft) -> engine.Event:
    """A file sent to a form: kept on disk when the current field takes files (checked by
    size and content); anywhere else it is refused as today, and the draft kept."""
    field = next((f for f in spec.fields if f.key == draft.step), None)
    if field is None or field.kind is not FieldKind.FILE or ctx.incoming.file is None:
        return engine.NotText()
    try:
        return engine.FileIn(ref=attachments.accept(ctx.settings, ctx.incoming.file))
    except InvalidInput as exc:
        return engine.FileIn(error=str(exc))


def _by_label(ctx: Ctx) -> list[Reply] | None:
    """With no form open, typing a form's name (a label of /record's menu, "读书笔记")
    works as pressing it; None for any other text."""
    typed = (ctx.incoming.text or "").strip()
    chosen = next((form for form in ctx.settings.catalog
                   if form.record and form.listed and form.label == typed), None)
    return None if chosen is None else open_listed_form(ctx, chosen.kind)


def reask(ctx: Ctx) -> list[Reply]:
    """The open form's current question again (after another command in the middle of
    it), so that what the person types next is clearly its answer."""
    current = _load(ctx)
    if current is None:
        return []
    spec, draft = current
    return [Reply(texts.FORM_BACK_TO.format(form=esc(spec.label))), engine.show(spec, draft)]


def draft_state(ctx: Ctx) -> tuple[str, str] | None:
    """(token, step) of the open form, to tell whether a command moved it."""
    current = _load(ctx)
    return None if current is None else (current[1].token, current[1].step)


def _control(name: str) -> Command:
    def run(ctx: Ctx, _arg: str) -> list[Reply]:
        current = _load(ctx)
        if current is None:
            return [Reply(texts.NO_OPEN_FORM)]
        spec, draft = current
        outcome = engine.step(spec, draft, engine.Control(name), today=ctx.today,
                              lookup=_lookup(ctx, spec))
        return _apply(ctx, spec, outcome)

    return Command(name, run, Access.TEACHER, Where.PRIVATE, texts.SUMMARY[name])


def press_form(ctx: Ctx, data: str) -> list[Reply]:
    """A form button: only the draft it was made for may act on it."""
    parsed = engine.parse_button(data)
    current = _load(ctx)
    if parsed is None or current is None or parsed[0] != current[1].token:
        account = ctx.incoming.account
        if parsed is not None and updates.was_claimed(
                ctx.session, key=spent_key(account, parsed[0])):
            return [Reply("", notice=texts.FORM_ALREADY_DONE)]
        if parsed is not None and updates.was_claimed(
                ctx.session, key=spent_key(account, parsed[0], closed=True)):
            return [Reply("", notice=texts.SEMESTER_CLOSED)]
        return [Reply(texts.BUTTON_EXPIRED, notice=texts.BUTTON_EXPIRED)]
    spec, draft = current
    outcome = engine.step(spec, draft, parsed[1], today=ctx.today, lookup=_lookup(ctx, spec))
    return _apply(ctx, spec, outcome)


# -- submitting ------------------------------------------------------------------------


def _occurred_on(spec: FormSpec, answers: dict[str, Any], fallback: date) -> date:
    if spec.date_field and answers.get(spec.date_field):
        return date.fromisoformat(str(answers[spec.date_field]))
    return fallback


def save_record(ctx: Ctx, spec: FormSpec, draft: Draft) -> list[Reply]:
    """Save a record form's answers as a new record (or over the one being edited)."""
    answers = dict(draft.answers)
    title = shorten(str(answers.get(spec.title_field, "")) if spec.title_field else "", 200)
    counted = engine.body_counted(spec, answers)
    chars = counted.total
    if draft.record_id is not None:
        record = records.get_record(ctx.session, record_id=draft.record_id)
        if record is None or record.teacher_id != ctx.me.id or record.deleted:
            drafts.delete_draft(ctx.session, account=ctx.incoming.account)
            return [Reply(texts.RECORD_GONE)]
        if records.semester_closed(ctx.session, semester_id=record.semester_id):
            drafts.delete_draft(ctx.session, account=ctx.incoming.account)
            return [Reply(texts.SEMESTER_CLOSED)]
        records.update_record(ctx.session, record_id=record.id, title=title, answers=answers,
                              chars=chars, occurred_on=_occurred_on(spec, answers,
                                                                    record.occurred_on),
                              now=ctx.now)
        saved, record_id = texts.RECORD_UPDATED, record.id
    else:
        semester = school.current_semester(ctx.session, school_id=ctx.school_id,
                                           today=ctx.today)
        if semester is None:
            return [Reply(texts.NO_SEMESTER)]
        if semester.closed:
            return [Reply(texts.SEMESTER_CLOSED)]
        link = (draft.link_kind, draft.link_id) if draft.link_kind and draft.link_id else None
        record_id = records.add_record(
            ctx.session, teacher_id=ctx.me.id, semester_id=semester.id, kind=spec.kind,
            title=title, answers=answers, chars=chars,
            occurred_on=_occurred_on(spec, answers, ctx.today), now=ctx.now, link=link)
        saved = texts.RECORD_SAVED
    for after in AFTER_SAVE:
        after(ctx, spec, record_id, answers)
    finish_draft(ctx)
    lines = [saved.format(form=esc(spec.label), title=esc(title) or texts.NONE)]
    if spec.body_fields:
        lines.append(texts.RECORD_CHARS.format(chars=chars))
        if counted.cut:
            lines[-1] += texts.FORM_REPEATS_CUT.format(chars=counted.cut_chars)
    progress = kind_line(ctx, spec.kind)
    if progress:
        lines.append(progress)
    return [Reply("\n".join(lines), edit=True),
            *_repeats_shown(ctx, spec, title, counted)]


def _repeats_shown(ctx: Ctx, spec: FormSpec, title: str,
                   counted: engine.Counted) -> list[Reply]:
    """The pieces cut as repeats, shown to the teacher's 教研组长 and 教导处."""
    if not counted.cut:
        return []
    ids = school.group_ids(ctx.session, school_id=ctx.school_id)
    readers = set(people.admin_accounts(ctx.session, school_id=ctx.school_id))
    for group in ctx.me.groups:
        if group in ids:
            readers.update(meetings.leader_accounts(ctx.session, group_id=ids[group]))
    readers.discard(ctx.incoming.account)
    pieces = [texts.REPEATS_PIECE.format(sentence=esc(shorten(sentence, 40)), times=times)
              for sentence, times in counted.cut[:REPEATS_SHOWN]]
    text = "\n".join([texts.REPEATS_TO_READERS.format(
        name=esc(ctx.me.name), form=esc(spec.label), title=esc(title) or texts.NONE,
        chars=counted.cut_chars), *pieces])
    return [Reply(text, chat=private_chat(account)) for account in sorted(readers)]


# -- commands --------------------------------------------------------------------------


def record(ctx: Ctx, arg: str) -> list[Reply]:
    """``/record``: choose one of the other kinds (读书笔记, 教育故事 …), or name it."""
    others = ctx.settings.catalog.others
    chosen = next((form for form in others if arg.strip() in (form.label, form.kind)), None)
    if arg.strip() and chosen is not None:
        return open_form(ctx, chosen.kind)
    options = [Button(form.label, data=f"{RECORD_BUTTONS}:{form.kind}") for form in others]
    rows = tuple(tuple(options[i:i + 2]) for i in range(0, len(options), 2))
    return [Reply(texts.RECORD_CHOOSE, buttons=rows)]


def press_record(ctx: Ctx, kind: str) -> list[Reply]:
    """A press on one of /record's choices (or a nudge's button): listed record forms only."""
    return open_listed_form(ctx, kind)


def mine(ctx: Ctx, arg: str) -> list[Reply]:
    """``/mine``: my records this semester, a page at a time, each opening to view."""
    page = int(arg) if is_id(arg) else 0
    return [_page(ctx, page, edit=False)]


def _page(ctx: Ctx, page: int, *, edit: bool) -> Reply:
    semester = school.current_semester(ctx.session, school_id=ctx.school_id, today=ctx.today)
    if semester is None:
        return Reply(texts.NO_SEMESTER)
    rows, total = records.list_records(ctx.session, teacher_id=ctx.me.id,
                                       semester_id=semester.id, offset=page * PAGE_SIZE,
                                       limit=PAGE_SIZE)
    if total == 0:
        return Reply(texts.MINE_EMPTY, edit=edit)
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    buttons: list[tuple[Button, ...]] = [
        (Button(shorten(f"{ctx.settings.catalog.label(r.kind)} · {r.title or '—'} · "
                        f"{r.occurred_on.month}/{r.occurred_on.day}", 60),
                data=f"{MINE_BUTTONS}:view:{r.id}:{page}"),)
        for r in rows
    ]
    nav = []
    if page > 0:
        nav.append(Button(texts.PAGE_PREVIOUS, data=f"{MINE_BUTTONS}:page:{page - 1}"))
    if page + 1 < pages:
        nav.append(Button(texts.PAGE_NEXT, data=f"{MINE_BUTTONS}:page:{page + 1}"))
    if nav:
        buttons.append(tuple(nav))
    text = texts.MINE_HEADER.format(semester=esc(semester.name), total=total, page=page + 1,
                                    pages=pages)
    return Reply(text, buttons=tuple(buttons), edit=edit)


def _own_record(ctx: Ctx, raw_id: str) -> records.RecordRow | None:
    """The sender's own live record with this id; anything else is refused."""
    if not is_id(raw_id):
        return None
    found = records.get_record(ctx.session, record_id=int(raw_id))
    if found is None or found.teacher_id != ctx.me.id or found.deleted:
        return None
    return found


def _view(ctx: Ctx, found: records.RecordRow, page: str) -> Reply:
    spec = ctx.settings.catalog.get(found.kind)
    body = (engine.summary(spec, found.answers) if spec is not None else esc(found.title))
    # Each value is shortened before escaping, and long views are split at line ends by
    # the adapter, so no tag or entity is ever cut.
    text = texts.RECORD_VIEW.format(form=esc(ctx.settings.catalog.label(found.kind)),
                                    day=fmt_date(found.occurred_on), body=body)
    if found.review_status:
        text += texts.REVIEW_CURRENT.format(status=texts.REVIEW_MARKS[found.review_status])
        if found.review_comment:
            text += "\n" + texts.REVIEW_COMMENT.format(comment=esc(found.review_comment))
    closed = records.semester_closed(ctx.session, semester_id=found.semester_id)
    actions = [] if closed else [
        Button(texts.RECORD_EDIT, data=f"{MINE_BUTTONS}:edit:{found.id}"),
        Button(texts.RECORD_DELETE, data=f"{MINE_BUTTONS}:del:{found.id}:{page}"),
    ]
    files = attachments.files_of(spec, found.answers)
    if files:
        actions.insert(0, Button(texts.FILES_OF_RECORD.format(count=len(files)),
                                 data=f"{MINE_BUTTONS}:files:{found.id}:{page}"))
    back = Button(texts.RECORD_BACK, data=f"{MINE_BUTTONS}:page:{page or 0}")
    return Reply(text, buttons=(tuple(actions), (back,)) if actions else ((back,),), edit=True)


def file_replies(ctx: Ctx, refs: list[attachments.FileRef]) -> list[Reply]:
    """The stored files, one message each (a missing one is said, not skipped)."""
    replies = []
    for ref in refs:
        file = attachments.attachment(ctx.settings, ref)
        name = esc(str(ref.get("name", "")))
        replies.append(Reply(name, attachment=file) if file is not None
                       else Reply(texts.FILE_MISSING.format(name=name)))
    return replies


def press_mine(ctx: Ctx, data: str) -> list[Reply]:
    """Buttons of /mine: page, view, edit, delete (with confirmation)."""
    action, _, rest = data.partition(":")
    raw_id, _, page = rest.partition(":")
    if action == "page":
        return [_page(ctx, int(raw_id) if is_id(raw_id) else 0, edit=True)]
    found = _own_record(ctx, raw_id)
    if found is None:
        return [Reply(texts.RECORD_GONE, notice=texts.RECORD_GONE)]
    if action == "view":
        return [_view(ctx, found, page)]
    if action == "files":
        spec = ctx.settings.catalog.get(found.kind)
        return file_replies(ctx, [ref for _, ref in attachments.files_of(spec, found.answers)])
    if records.semester_closed(ctx.session, semester_id=found.semester_id):
        return [Reply(texts.SEMESTER_CLOSED, notice=texts.SEMESTER_CLOSED)]
    if action == "edit":
        # A record returned by 检查 opens with what to change above it.
        note = ([Reply(texts.REVIEW_RETURNED_NOTE.format(comment=esc(found.review_comment)))]
                if found.review_status == "returned" else [])
        return note + open_form(ctx, found.kind, prefill=found.answers, record_id=found.id)
    if action == "del":
        buttons = ((Button(texts.RECORD_DELETE_YES, data=f"{MINE_BUTTONS}:delok:{found.id}"),
                    Button(texts.RECORD_DELETE_NO,
                           data=f"{MINE_BUTTONS}:view:{found.id}:{page}")),)
        return [Reply(texts.RECORD_DELETE_ASK.format(title=esc(found.title or texts.NONE)),
                      buttons=buttons, edit=True)]
    if action == "delok":
        records.delete_record(ctx.session, record_id=found.id, school_id=ctx.school_id,
                              actor_id=ctx.me.id, now=ctx.now)
        return [Reply(texts.RECORD_DELETED.format(title=esc(found.title or texts.NONE)),
                      edit=True)]
    return [Reply(texts.BUTTON_EXPIRED, notice=texts.BUTTON_EXPIRED)]


COMMANDS = (
    Command("record", record, Access.TEACHER, Where.PRIVATE, texts.SUMMARY["record"]),
    Command("mine", mine, Access.TEACHER, Where.PRIVATE, texts.SUMMARY["mine"]),
    *(_control(name) for name in ("cancel", "back", "skip", "done")),
)
BUTTONS = (
    ButtonRoute(engine.BUTTON_PREFIX, press_form, Access.TEACHER, Where.PRIVATE),
    ButtonRoute(RECORD_BUTTONS, press_record, Access.TEACHER, Where.PRIVATE),
    ButtonRoute(MINE_BUTTONS, press_mine, Access.TEACHER, Where.PRIVATE),
)
