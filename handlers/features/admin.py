"""教导处's tools in chat: the term's archive (/export) and the audit log (/audit)."""

from __future__ import annotations

from handlers import audit_view, texts
from handlers.callback_data import is_id
from handlers.context import ButtonRoute, Command, Ctx, Where
from handlers.permissions import Access
from handlers.render import esc, fmt_datetime, shorten
from handlers.roster import ROLE_ALIASES, Role
from handlers.types import Attachment, Button, Reply
from storage.repos import audit, groups, people, school
from storage.repos.people import PersonRow

AUDIT_LINES = 30
ROSTER_BUTTONS = "ro"
ROLES = ("teacher", "leader", "admin")


def export(ctx: Ctx, arg: str) -> list[Reply]:
    """``/export [教研组|教师]``: the semester's archive as one ZIP, sent as a document."""
    # openpyxl and python-docx load only when an archive is made.
    from handlers import exports

    semester = school.current_semester(ctx.session, school_id=ctx.school_id, today=ctx.today)
    if semester is None:
        return [Reply(texts.NO_SEMESTER)]
    name = arg.strip()
    scope = exports.Scope(semester)
    if name:
        if name in school.group_ids(ctx.session, school_id=ctx.school_id):
            scope = exports.Scope(semester, group=name)
        elif any(m.name == name for m in groups.members(ctx.session, school_id=ctx.school_id)):
            scope = exports.Scope(semester, teacher=name)
        else:
            unknown = texts.EXPORT_UNKNOWN.format(name=esc(shorten(name, 40)))
            return [Reply(unknown + "\n" + texts.EXPORT_USAGE)]
    data = exports.collect(ctx.session, ctx.settings, ctx.school_id, scope, ctx.today, ctx.now)

    def build() -> Reply:
        filename, content = exports.render(data)
        caption = texts.EXPORT_READY.format(name=esc(filename),
                                            size=max(1, len(content) // 1024))
        return Reply(caption, attachment=Attachment(filename, content))

    return [Reply("", later=build)]


def show_audit(ctx: Ctx, _arg: str) -> list[Reply]:
    """``/audit``: the latest changes (roles, bindings, attendance, deletions, approvals)."""
    entries = audit.latest(ctx.session, school_id=ctx.school_id, limit=AUDIT_LINES)
    if not entries:
        return [Reply(texts.AUDIT_EMPTY)]
    lines = [texts.AUDIT_HEADER.format(count=len(entries))]
    # Chinese only: older entries' ids and English words become names and dates.
    shown = audit_view.details(ctx.session, ctx.settings, ctx.school_id, entries)
    lines += [texts.AUDIT_LINE.format(when=fmt_datetime(e.at, ctx.settings.zone),
                                      who=esc(e.actor or texts.AUDIT_SYSTEM),
                                      action=esc(texts.AUDIT_ACTIONS.get(e.action,
                                                                         texts.AUDIT_OTHER)),
                                      detail=esc(shorten(detail, 120)))
              for e, detail in zip(entries, shown, strict=True)]
    return [Reply("\n".join(lines))]


def _card(ctx: Ctx, person: PersonRow, *, edit: bool = False) -> Reply:
    """One roster entry with the buttons an admin uses to change it."""
    code = people.bind_code_of(ctx.session, teacher_id=person.id)
    state = (texts.ROSTER_BOUND if person.account else
             texts.ROSTER_UNBOUND.format(code=esc(code or "—")))
    text = texts.ROSTER_CARD.format(
        name=esc(person.name), role=texts.ROLE_LABELS.get(person.role, person.role),
        groups=esc("、".join(person.groups) or texts.NONE), subject=esc(person.subject or "—"),
        active=texts.ROSTER_ACTIVE if person.active else texts.ROSTER_INACTIVE, state=state)
    data = f"{ROSTER_BUTTONS}:{{}}:{person.id}"
    roles = tuple(Button(texts.ROLE_LABELS[r], data=f"{data.format('role')}:{r}")
                  for r in ROLES if r != person.role)
    group_row = tuple(Button(("✓" if g.name in person.groups else "") + g.name,
                             data=f"{data.format('group')}:{i}")
                      for i, g in enumerate(ctx.settings.groups))
    actions = (Button(texts.ROSTER_DEACTIVATE if person.active else texts.ROSTER_ACTIVATE,
                      data=data.format("off" if person.active else "on")),
               Button(texts.ROSTER_NEW_CODE, data=data.format("code")),
               Button(texts.ROSTER_UNBIND, data=data.format("unbind")))
    return Reply(text, buttons=(roles, group_row, actions), edit=edit)


def teacher(ctx: Ctx, arg: str) -> list[Reply]:
    """``/teacher 姓名``: a roster entry with buttons to change role, groups, state, binding."""
    name = arg.strip()
    if not name:
        return [Reply(texts.TEACHER_USAGE)]
    found = people.find_any_by_name(ctx.session, school_id=ctx.school_id, name=name)
    if not found:
        return [Reply(texts.TEACHER_NOT_FOUND.format(name=esc(shorten(name, 40))))]
    return [_card(ctx, person) for person in found]


def add_teacher(ctx: Ctx, arg: str) -> list[Reply]:
    """``/addteacher 姓名 教研组 [角色] [学科]``: add one person to the roster."""
    parts = arg.split()
    if len(parts) < 2 or len(parts[0]) > 20:
        return [Reply(texts.ADD_TEACHER_USAGE)]
    name, group = parts[0], parts[1]
    ids = school.group_ids(ctx.session, school_id=ctx.school_id)
    if group not in ids:
        return [Reply(texts.LINK_UNKNOWN.format(name=esc(group), groups=esc("、".join(ids))))]
    role = ROLE_ALIASES.get(parts[2], None) if len(parts) > 2 else Role.TEACHER
    if role is None:
        return [Reply(texts.ADD_TEACHER_USAGE)]
    if people.find_any_by_name(ctx.session, school_id=ctx.school_id, name=name):
        return [Reply(texts.ADD_TEACHER_EXISTS.format(name=esc(name)))]
    person = people.add_teacher(ctx.session, school_id=ctx.school_id, name=name,
                                group_ids=ids, groups=(group,), role=str(role),
                                subject=parts[3] if len(parts) > 3 else "", actor_id=ctx.me.id,
                                now=ctx.now)
    return [Reply(texts.ADD_TEACHER_OK.format(name=esc(name))), _card(ctx, person)]


def press_roster(ctx: Ctx, data: str) -> list[Reply]:
    """An admin's button on a roster card."""
    action, _, rest = data.partition(":")
    raw_id, _, arg = rest.partition(":")
    if not is_id(raw_id):
        return [Reply(texts.BUTTON_EXPIRED, notice=texts.BUTTON_EXPIRED)]
    current = people.get_person(ctx.session, teacher_id=int(raw_id))
    if current is None or current.school_id != ctx.school_id:
        return [Reply(texts.BUTTON_EXPIRED, notice=texts.BUTTON_EXPIRED)]
    role: str | None = None
    chosen: tuple[str, ...] | None = None
    active: bool | None = None
    if action == "role" and arg in ROLES:
        role = arg
    elif action == "group" and is_id(arg) and int(arg) < len(ctx.settings.groups):
        toggled = set(current.groups) ^ {ctx.settings.groups[int(arg)].name}
        chosen = tuple(g.name for g in ctx.settings.groups if g.name in toggled)
    elif action in ("on", "off"):
        if current.id == ctx.me.id:
            return [Reply("", notice=texts.ROSTER_NOT_YOURSELF)]
        active = action == "on"
    elif action not in ("code", "unbind"):
        return [Reply(texts.BUTTON_EXPIRED, notice=texts.BUTTON_EXPIRED)]
    changed = people.change_teacher(
        ctx.session, teacher_id=current.id, school_id=ctx.school_id, actor_id=ctx.me.id,
        now=ctx.now, role=role, groups=chosen,
        group_ids=school.group_ids(ctx.session, school_id=ctx.school_id), active=active,
        new_code=action == "code", unbind=action == "unbind")
    if changed is None:
        return [Reply(texts.BUTTON_EXPIRED, notice=texts.BUTTON_EXPIRED)]
    return [_card(ctx, changed, edit=True)]


COMMANDS = (
    Command("export", export, Access.ADMIN, Where.PRIVATE, texts.SUMMARY["export"]),
    Command("audit", show_audit, Access.ADMIN, Where.PRIVATE, texts.SUMMARY["audit"]),
    Command("teacher", teacher, Access.ADMIN, Where.PRIVATE, texts.SUMMARY["teacher"]),
    Command("addteacher", add_teacher, Access.ADMIN, Where.PRIVATE,
            texts.SUMMARY["addteacher"]),
)
BUTTONS = (ButtonRoute(ROSTER_BUTTONS, press_roster, Access.ADMIN, Where.PRIVATE),)
