"""The form engine: one pure step function from (form, draft, event) to the next draft.

A draft is a plain value that the caller stores after every step, so a restart resumes at
the same field. Steps are field keys, or one of the special steps below. Buttons carry the
draft's token (``f:<token>:<action>:<arg>``) so that a press on an old form's button cannot
act on a newer draft.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from handlers import texts
from handlers.callback_data import is_id
from handlers.forms.spec import FieldKind, FieldSpec, FormSpec
from handlers.forms.validators import (
    Counted,
    InvalidInput,
    check_length,
    count_unique,
    parse_date,
    parse_int,
    parse_time,
)
from handlers.render import esc, shorten
from handlers.types import Button, Reply

CONFIRM = "@confirm"
PICK = "@pick"
CANCEL = "@cancel"
SWITCH = "@switch"
BUTTON_PREFIX = "f"
DONE_WORDS = ("完成", "写完了", "好了")
TEXT_MAX = 200
LONG_TEXT_MAX = 50_000
SUMMARY_VALUE = 120

# Roster look-up for teacher fields: the (id, name, groups) of people called ``name``.
Lookup = Callable[[str], list[tuple[int, str, str]]]


@dataclass(frozen=True)
class Draft:
    """Where a person stands in a form, and everything answered so far."""

    form: str
    token: str
    step: str
    answers: Mapping[str, Any] = field(default_factory=dict)
    history: tuple[str, ...] = ()
    prefilled: tuple[str, ...] = ()
    to_confirm: bool = False
    replacing: bool = False
    resume: str = ""
    switch_to: str = ""
    switch_args: Mapping[str, Any] = field(default_factory=dict)
    typed_name: str = ""
    record_id: int | None = None
    link_kind: str | None = None
    link_id: int | None = None

    def context(self) -> dict[str, Any]:
        """Everything but form, step and answers, as JSON for the draft row."""
        return {
            "token": self.token, "history": list(self.history),
            "prefilled": list(self.prefilled), "to_confirm": self.to_confirm,
            "replacing": self.replacing, "resume": self.resume, "switch_to": self.switch_to,
            "switch_args": dict(self.switch_args), "typed_name": self.typed_name,
            "record_id": self.record_id,
            "link_kind": self.link_kind, "link_id": self.link_id,
        }

    @classmethod
    def restore(cls, form: str, step: str, answers: Mapping[str, Any],
                context: Mapping[str, Any]) -> Draft:
        """The draft stored by ``context()``."""
        return cls(
            form=form, step=step, answers=dict(answers), token=str(context.get("token", "")),
            history=tuple(context.get("history", ())),
            prefilled=tuple(context.get("prefilled", ())),
            to_confirm=bool(context.get("to_confirm")), replacing=bool(context.get("replacing")),
            resume=str(context.get("resume", "")), switch_to=str(context.get("switch_to", "")),
            switch_args=dict(context.get("switch_args", {})),
            typed_name=str(context.get("typed_name", "")), record_id=context.get("record_id"),
            link_kind=context.get("link_kind"),
            link_id=context.get("link_id"),
        )


@dataclass(frozen=True)
class Text:
    """The person typed ``text``."""

    text: str


@dataclass(frozen=True)
class Press:
    """The person pressed a form button."""

    action: str
    arg: str = ""
    step: str = ""  # the step the button was shown at ("": any, as in older tests)


@dataclass(frozen=True)
class Control:
    """One of /cancel, /back, /skip, /done."""

    name: str


@dataclass(frozen=True)
class NotText:
    """A photo, sticker or other message where text was expected."""


@dataclass(frozen=True)
class FileIn:
    """A file or photo the person sent, already checked and kept (``ref``), or why it was
    refused (``error``: too large, a type the school does not take)."""

    ref: Mapping[str, Any] | None = None
    error: str = ""


Event = Text | Press | Control | NotText | FileIn


@dataclass(frozen=True)
class Outcome:
    """The result of a step: the draft to store (None: gone), and what to say.

    ``submitted`` is the finished draft to save as a record; ``switch_to`` names a form to
    start now that the old one has been discarded, with ``switch_args`` (prefill, record
    id, link) as it was asked for.
    """

    draft: Draft | None
    replies: list[Reply]
    submitted: Draft | None = None
    discarded: bool = False
    switch_to: str = ""
    switch_args: Mapping[str, Any] = field(default_factory=dict)


def button(draft: Draft, label: str, action: str, arg: str = "") -> Button:
    """A button that comes back as ``Press(action, arg, step)`` for this draft and this
    step only: pressed later, on an older question, it asks the current one again."""
    data = f"{BUTTON_PREFIX}:{draft.token}:{draft.step}:{action}" + (f":{arg}" if arg else "")
    return Button(label, data=data)


def parse_button(data: str) -> tuple[str, Press] | None:
    """The token and press in a form button's data (without the ``f:`` prefix)."""
    token, _, rest = data.partition(":")
    at_step, _, rest = rest.partition(":")
    action, _, arg = rest.partition(":")
    if not token or not at_step or not action:
        return None
    return token, Press(action, arg, at_step)


def body_counted(spec: FormSpec, answers: Mapping[str, Any]) -> Counted:
    """The 字数 of the form's long-text fields together, every sentence once (what quotas
    count), with the repeated sentences that were cut."""
    return count_unique(*(str(answers.get(f.key, "")) for f in spec.body_fields))


def body_chars(spec: FormSpec, answers: Mapping[str, Any]) -> int:
    """The 字数 of the form's long-text fields together (what quotas count)."""
    return body_counted(spec, answers).total


# -- showing ------------------------------------------------------------------------------


def checklist(value: Any) -> list[dict[str, Any]] | None:
    """The people of a checklist value (each ``{"id", "name", "here", "leave"}``), or None
    for anything else (an old record's typed text)."""
    if not isinstance(value, Mapping) or not isinstance(value.get("members"), list):
        return None
    return [m for m in value["members"] if isinstance(m, Mapping) and "id" in m]


def checklist_text(value: Any) -> str:
    """出席 3 人：王芳、刘洋、孙丽；请假：周静；缺席：无 (plain, not escaped)."""
    members = checklist(value) or []
    present = [str(m["name"]) for m in members if m.get("here") and not m.get("leave")]
    leave = [str(m["name"]) for m in members if m.get("leave")]
    absent = [str(m["name"]) for m in members if not m.get("here") and not m.get("leave")]
    return texts.FORM_CHECK_SUMMARY.format(
        count=len(present), present="、".join(present) or texts.NONE,
        leave="、".join(leave) or texts.NONE, absent="、".join(absent) or texts.NONE)


def _checklist_ask(draft: Draft, spec_field: FieldSpec,
                   members: list[dict[str, Any]]) -> tuple[list[str], list[tuple[Button, ...]]]:
    """The lines and buttons of a checklist: a button per person to tick or untick (not
    for approved leave, which is shown as such), then 确认名单."""
    value = draft.answers.get(spec_field.key) or {}
    lines = [checklist_text(value)]
    if value.get("from_checkin") and any(m.get("here") for m in members):
        lines.append(texts.FORM_CHECK_PREFILLED)  # never said over an empty list
    tickable = [m for m in members if not m.get("leave")]
    options = [button(draft, (texts.FORM_CHECK_ON if m.get("here") else texts.FORM_CHECK_OFF)
                      .format(name=m["name"]), "tick", str(m["id"])) for m in tickable]
    rows = [tuple(options[i:i + 3]) for i in range(0, len(options), 3)]
    rows.append((button(draft, texts.FORM_CHECK_DONE, "done"),))
    return lines, rows


def _tick(spec: FormSpec, draft: Draft, arg: str) -> Outcome:
    """Tick or untick one person of the checklist; the question is shown again, edited."""
    spec_field = spec.field(draft.step)
    value = dict(draft.answers.get(spec_field.key) or {})
    members = [dict(m) for m in checklist(value) or []]
    found = next((m for m in members if str(m["id"]) == arg), None)
    if found is None or found.get("leave"):
        notice = texts.FORM_CHECK_LEAVE if found is not None else texts.BUTTON_EXPIRED
        return Outcome(draft, [Reply("", notice=notice)])
    found["here"] = not found.get("here")
    ticked = replace(draft, answers={**draft.answers,
                                     spec_field.key: {**value, "members": members}})
    return Outcome(ticked, [replace(_ask(spec, ticked), edit=True)])


def _file_names(value: Any) -> str:
    files = [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
    return texts.FORM_FILES.format(count=len(files), names="、".join(
        shorten(str(item.get("name", "")), 40) for item in files))


def _value_text(spec_field: FieldSpec, value: Any, *, counted: bool = True) -> str:
    if spec_field.kind is FieldKind.CHECKLIST and checklist(value) is not None:
        return esc(checklist_text(value))
    if spec_field.kind is FieldKind.FILE:
        return esc(_file_names(value))
    if spec_field.kind is FieldKind.DATE:
        day = date.fromisoformat(str(value))
        return f"{day.year}年{day.month}月{day.day}日"
    text = str(value)
    if spec_field.kind is FieldKind.LONG_TEXT and counted:
        chars = count_unique(text).total
        return f"{esc(shorten(text, SUMMARY_VALUE))}（{chars} 字）"
    return esc(shorten(text, SUMMARY_VALUE))


def _ask(spec: FormSpec, draft: Draft, error: str = "") -> Reply:
    spec_field = spec.field(draft.step)
    number = [f.key for f in spec.fields].index(spec_field.key) + 1
    lines = []
    if error:
        lines.append(f"⚠️ {error}")
    lines.append(texts.FORM_ASK.format(form=esc(spec.label), number=number,
                                       total=len(spec.fields), label=esc(spec_field.label)))
    lines.append(esc(spec_field.prompt))
    current = draft.answers.get(spec_field.key)
    members = checklist(current) if spec_field.kind is FieldKind.CHECKLIST else None
    if members is not None:
        lines += _checklist_ask(draft, spec_field, members)[0]
    elif current not in (None, ""):
        lines.append(texts.FORM_CURRENT.format(value=_value_text(spec_field, current)))
        if spec_field.kind is FieldKind.LONG_TEXT and not spec_field.one_message:
            lines.append(texts.FORM_LONG_REPLACE if draft.replacing else texts.FORM_LONG_APPEND)
    hints = []
    if spec_field.kind is FieldKind.FILE:
        hints.append(texts.FORM_HINT_FILE if spec_field.max_files == 1
                     else texts.FORM_HINT_FILES.format(max=spec_field.max_files))
    if not spec_field.required:
        hints.append(texts.FORM_HINT_SKIP)
    if spec_field.kind is FieldKind.LONG_TEXT and spec_field.one_message:
        if spec_field.min_chars:
            hints.append(texts.FORM_HINT_SHORT.format(min=spec_field.min_chars))
    elif spec_field.kind is FieldKind.LONG_TEXT:
        hints.append(texts.FORM_HINT_LONG.format(min=spec_field.min_chars)
                     if spec_field.min_chars else texts.FORM_HINT_LONG_NO_MIN)
    if draft.history:
        hints.append(texts.FORM_HINT_BACK)
    hints.append(texts.FORM_HINT_CANCEL)
    lines.append(texts.FORM_HINTS.format(hints="，".join(hints)))
    rows: list[tuple[Button, ...]] = []
    if members is not None:
        rows += _checklist_ask(draft, spec_field, members)[1]
    elif spec_field.kind is FieldKind.CHOICE:
        options = [button(draft, choice, "choice", str(i))
                   for i, choice in enumerate(spec_field.choices)]
        rows += [tuple(options[i:i + 3]) for i in range(0, len(options), 3)]
    elif spec_field.kind is FieldKind.DATE:
        other_day = texts.FORM_TOMORROW if spec.future_dates else texts.FORM_YESTERDAY
        rows.append((button(draft, texts.FORM_TODAY, "date", "0"),
                     button(draft, other_day, "date", "1")))
    if ((spec_field.kind is FieldKind.LONG_TEXT and not spec_field.one_message)
            or spec_field.kind is FieldKind.FILE) and current not in (None, "", []):
        rows.append((button(draft, texts.FORM_DONE, "done"),))
    elif current not in (None, "") and members is None:
        rows.append((button(draft, texts.FORM_KEEP_VALUE, "keep_value"),))
    if spec_field.kind is FieldKind.TEACHER and draft.typed_name:
        # Waiting for "是校外教师?": the answer may be typed as well as pressed.
        rows.append((button(draft, texts.FORM_VISITOR_YES, "visitor"),
                     button(draft, texts.FORM_VISITOR_RETYPE, "retype")))
    if not spec_field.required:
        rows.append((button(draft, texts.FORM_SKIP, "skip"),))
    return Reply("\n".join(lines), buttons=tuple(rows))


def summary(spec: FormSpec, answers: Mapping[str, Any]) -> str:
    """The answers as the person checks them before submitting."""
    lines = []
    for spec_field in spec.fields:
        value = answers.get(spec_field.key)
        # 字数 only where quotas count them: a notice (an announcement …) has none.
        shown = texts.FORM_EMPTY if value in (None, "", []) else _value_text(
            spec_field, value, counted=spec.record)
        lines.append(f"<b>{esc(spec_field.label)}</b>：{shown}")
    if spec.body_fields and spec.record:
        counted = body_counted(spec, answers)
        lines.append(texts.FORM_TOTAL_CHARS.format(chars=counted.total))
        if counted.cut:
            lines[-1] += texts.FORM_REPEATS_CUT.format(chars=counted.cut_chars)
    return "\n".join(lines)


def _confirm(spec: FormSpec, draft: Draft, error: str = "") -> Reply:
    head = f"⚠️ {error}\n" if error else ""
    text = head + texts.FORM_CONFIRM.format(form=esc(spec.label), summary=summary(spec,
                                                                                  draft.answers))
    buttons = ((button(draft, texts.FORM_SUBMIT, "submit"),
                button(draft, texts.FORM_EDIT, "edit"),
                button(draft, texts.FORM_CANCEL, "cancel")),)
    return Reply(text, buttons=buttons)


def _pick(spec: FormSpec, draft: Draft) -> Reply:
    options = [button(draft, f.label, "pick", f.key) for f in spec.fields]
    rows = [tuple(options[i:i + 3]) for i in range(0, len(options), 3)]
    rows.append((button(draft, texts.FORM_BACK_TO_SUMMARY, "summary"),))
    return Reply(texts.FORM_PICK, buttons=tuple(rows))


def show(spec: FormSpec, draft: Draft) -> Reply:
    """Say again what the draft is waiting for (used when a person comes back)."""
    if draft.step == CONFIRM:
        return _confirm(spec, draft)
    if draft.step == PICK:
        return _pick(spec, draft)
    if draft.step == CANCEL:
        return Reply(texts.FORM_CANCEL_ASK.format(form=esc(spec.label)),
                     buttons=((button(draft, texts.FORM_DISCARD, "discard"),
                               button(draft, texts.FORM_KEEP, "keep")),))
    if draft.step == SWITCH:
        return Reply(texts.FORM_SWITCH_ASK.format(form=esc(spec.label)),
                     buttons=((button(draft, texts.FORM_KEEP, "keep"),
                               button(draft, texts.FORM_SWITCH, "switch")),))
    return _ask(spec, draft)


# -- moving ------------------------------------------------------------------------------


def begin(spec: FormSpec, *, token: str, prefill: Mapping[str, Any] | None = None,
          record_id: int | None = None, link: tuple[str, int] | None = None) -> Outcome:
    """Open ``spec``: a new record (prefilled fields are skipped) or an edit of one."""
    answers = dict(prefill or {})
    # A checklist is asked even when prefilled: the prefill is only its starting point.
    asked = {f.key for f in spec.fields if f.kind is not FieldKind.CHECKLIST}
    draft = Draft(form=spec.kind, token=token, step=CONFIRM, answers=answers,
                  prefilled=tuple(k for k in answers if k in asked),
                  record_id=record_id, link_kind=link[0] if link else None,
                  link_id=link[1] if link else None)
    if record_id is not None:
        return Outcome(draft, [_confirm(spec, draft)])
    first = _next_field(spec, draft, after=None)
    draft = replace(draft, step=first or CONFIRM)
    return Outcome(draft, [show(spec, draft)])


def ask_switch(spec: FormSpec, draft: Draft, new_form: str,
               args: Mapping[str, Any] | None = None) -> Outcome:
    """Someone opened another form while this one is open: continue or discard?

    ``args`` (JSON-able: prefill, record_id, link) come back with the switch if chosen.
    """
    resume = draft.resume if draft.step in (CANCEL, SWITCH) else draft.step
    asked = replace(draft, step=SWITCH, resume=resume, switch_to=new_form,
                    switch_args=dict(args or {}))
    return Outcome(asked, [show(spec, asked)])


def _next_field(spec: FormSpec, draft: Draft, *, after: str | None) -> str | None:
    keys = [f.key for f in spec.fields]
    start = 0 if after is None else keys.index(after) + 1
    for key in keys[start:]:
        if key not in draft.prefilled:
            return key
    return None


def _enter(spec: FormSpec, draft: Draft, key: str) -> Draft:
    value = draft.answers.get(key)
    long_text = spec.field(key).kind in (FieldKind.LONG_TEXT, FieldKind.FILE)
    return replace(draft, step=key, replacing=long_text and value not in (None, "", []))


def _advance(spec: FormSpec, draft: Draft, answers: dict[str, Any], note: str = "") -> Outcome:
    current = draft.step
    moved = replace(draft, answers=answers, history=(*draft.history, current), replacing=False)
    following = None if draft.to_confirm else _next_field(spec, moved, after=current)
    if following is None:
        moved = replace(moved, step=CONFIRM, to_confirm=False)
        replies = [_confirm(spec, moved)]
    else:
        moved = _enter(spec, moved, following)
        replies = [_ask(spec, moved)]
    if note:
        replies.insert(0, Reply(note))
    return Outcome(moved, replies)


def _accept(spec: FormSpec, spec_field: FieldSpec, text: str, *, today: date) -> Any:
    """The stored value for a typed answer, or InvalidInput saying what to fix."""
    text = text.strip()
    if not text:
        raise InvalidInput(texts.FORM_EMPTY_ANSWER)
    if spec_field.kind is FieldKind.DATE:
        day = parse_date(text, today=today, past=not spec.future_dates)
        if spec.future_dates and day < today:
            raise InvalidInput(texts.FORM_PAST_DATE)
        if not spec.future_dates and day > today:
            raise InvalidInput(texts.FORM_FUTURE_DATE)
        return day.isoformat()
    if spec_field.kind is FieldKind.TIME:
        return parse_time(text).strftime("%H:%M")
    if spec_field.kind is FieldKind.NUMBER:
        return parse_int(text, minimum=spec_field.minimum, maximum=spec_field.maximum)
    if spec_field.kind is FieldKind.CHOICE:
        if text in spec_field.choices:
            return text
        digits = unicodedata.normalize("NFKC", text)
        if digits.isdecimal() and len(digits) <= 3 and 1 <= int(digits) <= len(
                spec_field.choices):
            return spec_field.choices[int(digits) - 1]
        if not spec_field.allow_other:
            raise InvalidInput(texts.FORM_CHOOSE.format(choices="、".join(spec_field.choices)))
    limit = spec_field.max_chars or TEXT_MAX
    if len(text) > limit:
        raise InvalidInput(texts.FORM_TOO_LONG.format(limit=limit, length=len(text)))
    check_length(text, min_chars=spec_field.min_chars, max_chars=None)
    return text


def _finish_long(spec: FormSpec, draft: Draft) -> Outcome:
    spec_field = spec.field(draft.step)
    value = str(draft.answers.get(spec_field.key, ""))
    if not value.strip():
        if spec_field.required:
            return Outcome(draft, [_ask(spec, draft, texts.FORM_EMPTY_ANSWER)])
        return _advance(spec, draft, _without(draft.answers, spec_field.key))
    try:
        check_length(value, min_chars=spec_field.min_chars, max_chars=spec_field.max_chars)
    except InvalidInput as exc:
        return Outcome(draft, [_ask(spec, draft, str(exc))])
    return _advance(spec, draft, dict(draft.answers))


def _long_text(spec: FormSpec, draft: Draft, text: str) -> Outcome:
    spec_field = spec.field(draft.step)
    if text.strip() in DONE_WORDS:
        return _finish_long(spec, draft)
    if not text.strip():
        return Outcome(draft, [_ask(spec, draft, texts.FORM_EMPTY_ANSWER)])
    if spec_field.one_message:  # a short field: this message is the answer
        value = text.strip()
        if len(value) > LONG_TEXT_MAX:
            return Outcome(draft, [_ask(spec, draft, texts.FORM_TOO_LONG.format(
                limit=LONG_TEXT_MAX, length=len(value)))])
        try:
            check_length(value, min_chars=spec_field.min_chars, max_chars=spec_field.max_chars)
        except InvalidInput as exc:
            return Outcome(draft, [_ask(spec, draft, str(exc))])
        return _advance(spec, draft, {**draft.answers, spec_field.key: value})
    old = "" if draft.replacing else str(draft.answers.get(spec_field.key, ""))
    value = f"{old}\n{text}" if old else text
    if len(value) > LONG_TEXT_MAX:
        return Outcome(draft, [_ask(spec, draft, texts.FORM_TOO_LONG.format(
            limit=LONG_TEXT_MAX, length=len(value)))])
    try:
        check_length(value, min_chars=None, max_chars=spec_field.max_chars)
    except InvalidInput as exc:
        return Outcome(draft, [_ask(spec, draft, str(exc))])
    kept = replace(draft, answers={**draft.answers, spec_field.key: value}, replacing=False)
    counted = count_unique(value)
    chars = counted.total
    missing = (spec_field.min_chars or 0) - chars
    note = texts.FORM_LONG_SO_FAR.format(label=esc(spec_field.label), chars=chars)
    if counted.cut:
        note += texts.FORM_REPEATS_CUT.format(chars=counted.cut_chars)
    note += texts.FORM_LONG_MISSING.format(missing=missing) if missing > 0 else ""
    note += texts.FORM_LONG_MORE
    return Outcome(kept, [Reply(note, buttons=((button(kept, texts.FORM_DONE, "done"),),))])


def _finish_files(spec: FormSpec, draft: Draft) -> Outcome:
    spec_field = spec.field(draft.step)
    if not draft.answers.get(spec_field.key):
        if spec_field.required:
            return Outcome(draft, [_ask(spec, draft, texts.FORM_FILE_MISSING)])
        return _advance(spec, draft, _without(draft.answers, spec_field.key))
    return _advance(spec, draft, dict(draft.answers))


def _file_in(spec: FormSpec, draft: Draft, event: FileIn) -> Outcome:
    """A file for a file field: kept with the others until 完成 (or the field's maximum)."""
    spec_field = spec.field(draft.step)
    if event.ref is None:
        return Outcome(draft, [_ask(spec, draft, event.error or texts.NOT_TEXT)])
    old = [] if draft.replacing else list(draft.answers.get(spec_field.key) or [])
    if len(old) >= spec_field.max_files:
        return Outcome(draft, [_ask(spec, draft, texts.FORM_FILES_FULL.format(
            max=spec_field.max_files))])
    files = [*old, dict(event.ref)]
    kept = replace(draft, answers={**draft.answers, spec_field.key: files}, replacing=False)
    if len(files) >= spec_field.max_files:
        return _advance(spec, kept, dict(kept.answers))
    note = texts.FORM_FILE_SO_FAR.format(label=esc(spec_field.label),
                                         files=esc(_file_names(files)))
    return Outcome(kept, [Reply(note, buttons=((button(kept, texts.FORM_DONE, "done"),),))])


def _teacher(spec: FormSpec, draft: Draft, text: str, lookup: Lookup) -> Outcome:
    spec_field = spec.field(draft.step)
    name = text.strip()
    if not name:
        return Outcome(draft, [_ask(spec, draft, texts.FORM_EMPTY_ANSWER)])
    if len(name) > 20:
        return Outcome(draft, [_ask(spec, draft, texts.FORM_TOO_LONG.format(
            limit=20, length=len(name)))])
    matches = lookup(name)
    if len(matches) > 1:
        waiting = replace(draft, typed_name=name)
        options = tuple((button(waiting, f"{n}（{g}）", "teacher", str(teacher_id)),)
                        for teacher_id, n, g in matches)
        return Outcome(waiting, [Reply(texts.FORM_WHICH_TEACHER.format(name=esc(name)),
                                       buttons=options)])
    answers = dict(draft.answers)
    answers[spec_field.key] = name
    if matches:
        answers[f"{spec_field.key}_id"] = matches[0][0]
        return _advance(spec, draft, answers)
    # "孙丽执教，王芳主持": the roster's names inside it; anyone else is confirmed first.
    found, unknown = _roster_names(name, lookup)
    if found and not unknown:
        answers[f"{spec_field.key}_id"] = found[0][0]
        note = texts.FORM_ROSTER_NAMES.format(names=esc("、".join(n for _, n in found)))
        return _advance(spec, draft, answers, note)
    waiting = replace(draft, typed_name=name)
    return Outcome(waiting, [Reply(
        texts.FORM_VISITOR_ASK.format(names=esc("、".join(unknown or [name]))),
        buttons=((button(waiting, texts.FORM_VISITOR_YES, "visitor"),
                  button(waiting, texts.FORM_VISITOR_RETYPE, "retype")),))])


_NAME_SPLIT = re.compile(r"[，,、；;\s]+|(?<=.)[和与及](?=.)")
_ROLE_WORDS = re.compile(r"(?:执教|主持|主讲|上课|说课|评课|讲座|老师)+$")


def _roster_names(text: str, lookup: Lookup) -> tuple[list[tuple[int, str]], list[str]]:
    """The people of the roster named in ``text`` (split at 、，和 …, without 执教, 主持 …)
    and the names that are not on it."""
    found: list[tuple[int, str]] = []
    unknown: list[str] = []
    for part in _NAME_SPLIT.split(text):
        name = _ROLE_WORDS.sub("", part.strip())
        if not name:
            continue
        matches = lookup(name)
        if matches:
            found.append((matches[0][0], name))
        else:
            unknown.append(name)
    return found, unknown


def _visitor(spec: FormSpec, draft: Draft, lookup: Lookup) -> Outcome:
    """The person confirmed that the name typed is someone from outside (校外教师)."""
    spec_field = spec.field(draft.step)
    name = draft.typed_name
    found, _unknown = _roster_names(name, lookup)
    answers = {**draft.answers, spec_field.key: name,
               f"{spec_field.key}_id": found[0][0] if found else None}
    return _advance(spec, replace(draft, typed_name=""), answers,
                    texts.FORM_VISITOR.format(name=esc(name)))


def _in_field(spec: FormSpec, draft: Draft, event: Event, *, today: date,
              lookup: Lookup) -> Outcome:
    spec_field = spec.field(draft.step)
    is_file = spec_field.kind is FieldKind.FILE
    if isinstance(event, FileIn) and is_file:
        return _file_in(spec, draft, event)
    if isinstance(event, NotText | FileIn):
        # A file where text is asked for (or a sticker where a file is): refused, kept.
        return Outcome(draft, [_ask(spec, draft, texts.FORM_SEND_FILE if is_file
                                    else texts.NOT_TEXT)])
    members = (checklist(draft.answers.get(spec_field.key))
               if spec_field.kind is FieldKind.CHECKLIST else None)
    if members is not None:
        return _in_checklist(spec, draft, event)
    if is_file and ((isinstance(event, Press | Control) and event_is_done(event))
                    or (isinstance(event, Text) and event.text.strip() in DONE_WORDS)):
        return _finish_files(spec, draft)
    if is_file and isinstance(event, Text):
        return Outcome(draft, [_ask(spec, draft, texts.FORM_SEND_FILE)])
    if isinstance(event, Press):
        if event.action == "done" and spec_field.kind is FieldKind.LONG_TEXT:
            return _finish_long(spec, draft)
        if event.action == "skip":
            return step(spec, draft, Control("skip"), today=today, lookup=lookup)
        if event.action == "keep_value" and draft.answers.get(spec_field.key) not in (None, ""):
            return _advance(spec, draft, dict(draft.answers))
        if event.action == "choice" and spec_field.kind is FieldKind.CHOICE and (
            is_id(event.arg) and int(event.arg) < len(spec_field.choices)
        ):
            return _advance(spec, draft, {**draft.answers,
                                          spec_field.key: spec_field.choices[int(event.arg)]})
        is_date = spec_field.kind is FieldKind.DATE
        if event.action == "date" and is_date and event.arg in ("0", "1"):
            day = today + timedelta(days=int(event.arg)) * (1 if spec.future_dates else -1)
            return _advance(spec, draft, {**draft.answers, spec_field.key: day.isoformat()})
        if event.action == "visitor" and spec_field.kind is FieldKind.TEACHER and (
                draft.typed_name):
            return _visitor(spec, draft, lookup)
        if event.action == "retype" and spec_field.kind is FieldKind.TEACHER:
            return Outcome(replace(draft, typed_name=""),
                           [_ask(spec, replace(draft, typed_name=""))])
        if event.action == "teacher" and spec_field.kind is FieldKind.TEACHER:
            return Outcome(draft, [_ask(spec, draft)]) if not is_id(event.arg) else (
                _pick_teacher(spec, draft, int(event.arg), lookup))
        return Outcome(draft, [Reply(texts.BUTTON_EXPIRED, notice=texts.BUTTON_EXPIRED)])
    if isinstance(event, Control):
        if event.name == "done" and spec_field.kind is FieldKind.LONG_TEXT:
            return _finish_long(spec, draft)
        return Outcome(draft, [_ask(spec, draft, texts.FORM_NOT_NOW.format(name=event.name))])
    if spec_field.kind is FieldKind.LONG_TEXT:
        return _long_text(spec, draft, event.text)
    if spec_field.kind is FieldKind.TEACHER:
        return _teacher(spec, draft, event.text, lookup)
    try:
        value = _accept(spec, spec_field, event.text, today=today)
    except InvalidInput as exc:
        return Outcome(draft, [_ask(spec, draft, str(exc))])
    return _advance(spec, draft, {**draft.answers, spec_field.key: value})


def _in_checklist(spec: FormSpec, draft: Draft, event: Event) -> Outcome:
    """A checklist takes presses (tick a name, 确认名单) and 完成 / /done; typed names are
    not guessed at."""
    if isinstance(event, Press) and event.action == "tick":
        return _tick(spec, draft, event.arg)
    done = ((isinstance(event, Press) and event.action == "done")
            or (isinstance(event, Control) and event.name == "done")
            or (isinstance(event, Text) and event.text.strip() in DONE_WORDS))
    if done:
        return _advance(spec, draft, dict(draft.answers))
    if isinstance(event, Press):
        return Outcome(draft, [Reply(texts.BUTTON_EXPIRED, notice=texts.BUTTON_EXPIRED)])
    return Outcome(draft, [_ask(spec, draft, texts.FORM_CHECK_USE_BUTTONS)])


def event_is_done(event: Press | Control) -> bool:
    """Whether a press or a control is 完成 (/done, the 完成 button)."""
    return (event.action if isinstance(event, Press) else event.name) == "done"


def _pick_teacher(spec: FormSpec, draft: Draft, teacher_id: int, lookup: Lookup) -> Outcome:
    spec_field = spec.field(draft.step)
    for found_id, name, _groups in lookup(draft.typed_name) if draft.typed_name else []:
        if found_id == teacher_id:
            answers = {**draft.answers, spec_field.key: name, f"{spec_field.key}_id": found_id}
            return _advance(spec, replace(draft, typed_name=""), answers)
    return Outcome(draft, [_ask(spec, draft)])


def _without(answers: Mapping[str, Any], key: str) -> dict[str, Any]:
    """``answers`` with a field's value (and a teacher field's id) removed."""
    return {k: v for k, v in answers.items() if k not in (key, f"{key}_id")}


def _control(spec: FormSpec, draft: Draft, name: str) -> Outcome | None:
    special = draft.step in (CONFIRM, PICK, CANCEL, SWITCH)
    if name == "cancel":
        asked = replace(draft, step=CANCEL,
                        resume=draft.resume if draft.step in (CANCEL, SWITCH) else draft.step)
        return Outcome(asked, [show(spec, asked)])
    if name == "back" and draft.step not in (CANCEL, SWITCH):
        if not draft.history:
            return Outcome(draft, [Reply(texts.FORM_AT_FIRST), show(spec, draft)])
        back = _enter(spec, replace(draft, history=draft.history[:-1], to_confirm=False),
                      draft.history[-1])
        return Outcome(back, [show(spec, back)])
    if name == "skip" and not special:
        spec_field = spec.field(draft.step)
        if spec_field.required:
            return Outcome(draft, [_ask(spec, draft, texts.FORM_REQUIRED)])
        return _advance(spec, draft, _without(draft.answers, spec_field.key))
    return None


def _validate_all(spec: FormSpec, answers: Mapping[str, Any],
                  today: date) -> tuple[str, str] | None:
    """The first field that cannot be submitted as it is (prefilled ones included)."""
    for spec_field in spec.fields:
        value = answers.get(spec_field.key)
        if value in (None, "", []):
            if spec_field.required:
                return spec_field.key, texts.FORM_MISSING.format(label=spec_field.label)
            continue
        if spec_field.kind is FieldKind.DATE:
            day = date.fromisoformat(str(value))
            if not spec.future_dates and day > today:
                return spec_field.key, texts.FORM_FUTURE_DATE
            if spec.future_dates and day < today:
                return spec_field.key, texts.FORM_PAST_DATE
        if spec_field.kind is FieldKind.LONG_TEXT:
            try:
                check_length(str(value), min_chars=spec_field.min_chars,
                             max_chars=spec_field.max_chars)
            except InvalidInput as exc:
                return spec_field.key, f"{spec_field.label}：{exc}"
    return None


def _special(spec: FormSpec, draft: Draft, event: Event, today: date) -> Outcome:
    action, arg = (event.action, event.arg) if isinstance(event, Press) else ("", "")
    if draft.step == CANCEL:
        if action == "discard":
            return Outcome(None, [Reply(texts.FORM_DISCARDED.format(form=esc(spec.label)),
                                        edit=True)], discarded=True)
        if action == "keep":
            kept = replace(draft, step=draft.resume or CONFIRM)
            return Outcome(kept, [show(spec, kept)])
    elif draft.step == SWITCH:
        if action == "switch":
            return Outcome(None, [Reply(texts.FORM_DISCARDED.format(form=esc(spec.label)))],
                           discarded=True, switch_to=draft.switch_to,
                           switch_args=draft.switch_args)
        if action == "keep":
            kept = replace(draft, step=draft.resume or CONFIRM, switch_to="", switch_args={})
            return Outcome(kept, [show(spec, kept)])
    elif draft.step == PICK:
        if action == "pick" and arg in {f.key for f in spec.fields}:
            picked = replace(_enter(spec, draft, arg), to_confirm=True)
            return Outcome(picked, [show(spec, picked)])
        if action == "summary":
            back = replace(draft, step=CONFIRM)
            return Outcome(back, [show(spec, back)])
    elif draft.step == CONFIRM:
        if action == "submit":
            problem = _validate_all(spec, draft.answers, today)
            if problem is not None:
                key, message = problem
                fix = replace(_enter(spec, draft, key), to_confirm=True)
                return Outcome(fix, [_ask(spec, fix, message)])
            return Outcome(None, [], submitted=draft)
        if action == "edit":
            picking = replace(draft, step=PICK)
            return Outcome(picking, [show(spec, picking)])
        if action == "cancel":
            asked = replace(draft, step=CANCEL, resume=CONFIRM)
            return Outcome(asked, [show(spec, asked)])
    if isinstance(event, Press):
        return Outcome(draft, [Reply(texts.BUTTON_EXPIRED, notice=texts.BUTTON_EXPIRED)])
    return Outcome(draft, [Reply(texts.FORM_USE_BUTTONS), show(spec, draft)])


def _as_press(spec: FormSpec, draft: Draft, event: Text) -> Event:
    """Typing the label of a button on the current question works as pressing it (提交,
    跳过, 放弃 …); any other text stays text."""
    typed = event.text.strip()
    for row in show(spec, draft).buttons:
        for offered in row:
            if offered.label == typed and offered.data:
                parsed = parse_button(offered.data.removeprefix(f"{BUTTON_PREFIX}:"))
                if parsed is not None:
                    return parsed[1]
    return event


def step(spec: FormSpec, draft: Draft, event: Event, *, today: date, lookup: Lookup) -> Outcome:
    """Apply one event to a draft: the pure heart of every form."""
    if isinstance(event, Text):
        event = _as_press(spec, draft, event)
    if isinstance(event, Press) and event.step and event.step != draft.step:
        # A button of an earlier question: never applied to this one; ask this one again.
        return Outcome(draft, [Reply(texts.FORM_OLD_BUTTON, notice=texts.FORM_OLD_BUTTON),
                               show(spec, draft)])
    if isinstance(event, Control):
        handled = _control(spec, draft, event.name)
        if handled is not None:
            return handled
    if draft.step in (CONFIRM, PICK, CANCEL, SWITCH):
        return _special(spec, draft, event, today)
    return _in_field(spec, draft, event, today=today, lookup=lookup)
