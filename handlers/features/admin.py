"""教导处's tools in chat: the term's archive (/export) and the audit log (/audit)."""

from __future__ import annotations

from handlers import texts
from handlers.context import Command, Ctx, Where
from handlers.permissions import Access
from handlers.render import esc, fmt_datetime, shorten
from handlers.types import Attachment, Reply
from storage.repos import audit, groups, school

AUDIT_LINES = 30


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
            return [Reply(texts.EXPORT_UNKNOWN.format(name=esc(name)) + "\n" + texts.EXPORT_USAGE)]
    filename, content = exports.build_archive(ctx.session, ctx.settings, ctx.school_id, scope,
                                              ctx.today)
    caption = texts.EXPORT_READY.format(name=esc(filename), size=max(1, len(content) // 1024))
    return [Reply(caption, attachment=Attachment(filename, content))]


def show_audit(ctx: Ctx, _arg: str) -> list[Reply]:
    """``/audit``: the latest changes (roles, bindings, attendance, deletions, approvals)."""
    entries = audit.latest(ctx.session, school_id=ctx.school_id, limit=AUDIT_LINES)
    if not entries:
        return [Reply(texts.AUDIT_EMPTY)]
    lines = [texts.AUDIT_HEADER.format(count=len(entries))]
    lines += [texts.AUDIT_LINE.format(when=fmt_datetime(e.at, ctx.settings.zone),
                                      who=esc(e.actor or texts.AUDIT_SYSTEM),
                                      action=esc(texts.AUDIT_ACTIONS.get(e.action, e.action)),
                                      detail=esc(shorten(e.detail, 120)))
              for e in entries]
    return [Reply("\n".join(lines))]


COMMANDS = (
    Command("export", export, Access.ADMIN, Where.PRIVATE, texts.SUMMARY["export"]),
    Command("audit", show_audit, Access.ADMIN, Where.PRIVATE, texts.SUMMARY["audit"]),
)
