"""Sessions across schools (issue 17): a 中心校 admin lets its 村小's groups take part in
one of its sessions (联片教研, 学区培训). The session stays the 中心校's; the notice goes to
every group's chat, and each member answers, signs in and asks leave in their own school.
"""

from __future__ import annotations

from handlers import texts
from handlers.context import Command, Ctx, Where
from handlers.district import texts as district_texts
from handlers.features import sessions
from handlers.permissions import Access
from handlers.render import esc, fmt_date, shorten
from handlers.types import Reply
from storage.repos import meetings, school
from storage.repos.audit import audit


def _guest_groups(ctx: Ctx, words: list[str], villages: dict[str, int]
                  ) -> tuple[list[int], Reply | None]:
    """The groups named as ``学校 教研组 [教研组 …] 学校 教研组 …``, or why not."""
    found: list[int] = []
    theirs: dict[str, int] | None = None
    current = ""
    for word in words:
        if word in villages:
            current = word
            theirs = school.group_ids(ctx.session, school_id=villages[word])
        elif theirs is None:
            return [], _usage(villages)
        elif word not in theirs:
            return [], Reply(district_texts.JOINT_UNKNOWN_GROUP.format(
                school=esc(current), name=esc(shorten(word, 40)),
                groups=esc("、".join(theirs))))
        else:
            found.append(theirs[word])
    return found, None if found else _usage(villages)


def _usage(villages: dict[str, int]) -> Reply:
    return Reply(district_texts.JOINT_USAGE.format(
        example=esc(next(iter(villages))), schools=esc("、".join(villages))))


def joint(ctx: Ctx, arg: str) -> list[Reply]:
    """``/joint 教研组 学校 教研组 …``: the next session of one of our groups becomes a
    联片教研 of the named 村小 groups; posted to them at once if already announced."""
    villages = meetings.district_schools(ctx.session, parent_id=ctx.school_id)
    if not villages:
        return [Reply(district_texts.JOINT_NOT_CENTRAL)]
    words = arg.split()
    if not words:
        return [_usage(villages)]
    ids = school.group_ids(ctx.session, school_id=ctx.school_id)
    if words[0] not in ids:
        return [Reply(texts.PROGRESS_UNKNOWN_GROUP.format(
            name=esc(shorten(words[0], 40)), groups=esc("、".join(ids))))]
    wanted, problem = _guest_groups(ctx, words[1:], villages)
    if problem is not None:
        return [problem]
    meeting = sessions.next_meeting(ctx, ids[words[0]])
    if meeting is None:
        return [Reply(texts.ANNOUNCE_NO_SESSION)]
    added = meetings.add_guests(ctx.session, meeting_id=meeting.id, group_ids=wanted,
                                added_by=ctx.me.id, now=ctx.now)
    if not added:
        return [Reply(district_texts.JOINT_NO_NEW)]
    joint_line = sessions.joint_line(ctx, meeting)
    audit(ctx.session, school_id=ctx.school_id, actor_id=ctx.me.id, action="joint_session",
          detail=district_texts.AUDIT_JOINT.format(
              group=meeting.group, day=fmt_date(meeting.planned_on),
              groups="、".join(f"{g.school}{g.group}" for g in meetings.guests(
                  ctx.session, meeting_id=meeting.id) if g.group_id in added)),
          now=ctx.now)
    said = Reply(district_texts.JOINT_SET.format(day=fmt_date(meeting.planned_on),
                                                 group=esc(meeting.group), joint=joint_line))
    if meeting.status != meetings.ANNOUNCED:
        return [said, Reply(district_texts.JOINT_ANNOUNCE_HINT.format(group=esc(meeting.group)))]
    text = sessions.notice(ctx, meeting)
    posted = [reply for group_id in added
              for reply in sessions.group_chats_replies(ctx, group_id, text, meeting.id)]
    return [said, Reply(district_texts.JOINT_POSTED), *posted]


COMMANDS = (
    Command("joint", joint, Access.ADMIN, Where.PRIVATE, district_texts.JOINT_SUMMARY),
)
