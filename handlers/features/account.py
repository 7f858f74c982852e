"""Binding a chat account to the roster, linking group chats, and ``/me``."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from handlers import texts
from handlers.callback_data import is_id
from handlers.context import ButtonRoute, Command, Ctx, Where
from handlers.deliveries import renderer
from handlers.permissions import Access
from handlers.render import esc, polite, shorten
from handlers.settings import Settings
from handlers.types import Button, Chat, Reply, private_chat
from storage.repos import chats, outbox, people, school
from storage.repos.outbox import OutboxItem

BIND_PAYLOAD = "bind-"
UNKNOWN_REQUEST = "request-unknown"


def _group_names(ctx: Ctx) -> str:
    return "、".join(group.name for group in ctx.settings.groups)


def bind(ctx: Ctx, arg: str) -> list[Reply]:
    """Bind the sender's account to the roster entry holding the code ``arg``."""
    if ctx.person is not None:
        return [Reply(texts.BIND_ALREADY.format(name=esc(ctx.person.name)))]
    if not arg:
        return [Reply(texts.BIND_USAGE)]
    if people.get_by_account(ctx.session, account=ctx.incoming.account) is not None:
        return [Reply(texts.BIND_OTHER_SCHOOL)]
    account = ctx.incoming.account
    limit = ctx.settings.binding.wrong_codes_per_hour
    wrong = people.count_wrong_codes(ctx.session, account=account,
                                     since=ctx.now - timedelta(hours=1))
    if wrong >= limit:
        return [Reply(texts.BIND_LIMITED)]
    person = people.bind_with_code(ctx.session, school_id=ctx.school_id, code=arg,
                                   account=account, now=ctx.now)
    if person is None:
        people.add_wrong_code(ctx.session, account=account, now=ctx.now)
        left = limit - wrong - 1
        return [Reply(texts.BIND_LIMITED if left <= 0 else texts.BIND_WRONG.format(left=left))]
    return [Reply(texts.BIND_OK.format(name=esc(polite(person.name)), bot=texts.BOT_NAME),
                  keyboard=texts.MENU)]


def start(ctx: Ctx, arg: str) -> list[Reply]:
    """Greet; ``/start bind-CODE`` (a deep link) binds at once."""
    if arg.startswith(BIND_PAYLOAD):
        return bind(ctx, arg.removeprefix(BIND_PAYLOAD))
    if ctx.person is None:
        return [Reply(texts.GREETING_STRANGER.format(bot=texts.BOT_NAME))]
    if not ctx.person.active:
        return [Reply(texts.DEACTIVATED)]
    hello = texts.GREETING_BOUND.format(name=esc(polite(ctx.person.name)), bot=texts.BOT_NAME)
    return [Reply(hello,
                  keyboard=texts.MENU)]


def request(ctx: Ctx, arg: str) -> list[Reply]:
    """Ask 教导处 to bind the sender to the roster entry named ``arg``.

    The answer is the same whether or not the name is on the roster, so that the roster
    cannot be probed; admins are asked only when exactly one active, unbound entry matches.
    """
    if ctx.person is not None:
        return [Reply(texts.BIND_ALREADY.format(name=esc(ctx.person.name)))]
    name = arg.strip()
    if not name or len(name) > 40:
        return [Reply(texts.REQUEST_USAGE)]
    matches = [p for p in people.find_by_name(ctx.session, school_id=ctx.school_id, name=name)
               if p.account is None]
    if not matches and not people.find_by_name(ctx.session, school_id=ctx.school_id,
                                               name=name):
        # Not on the roster (a new hire?): 教导处 hears of it once per account, as an
        # unknown name; the answer is the same as for any request.
        display = ctx.incoming.display_name or ctx.incoming.account
        for account in people.admin_accounts(ctx.session, school_id=ctx.school_id):
            outbox.enqueue(ctx.session, key=f"{UNKNOWN_REQUEST}:{ctx.incoming.account}:{account}",
                           kind=UNKNOWN_REQUEST, chat=account,
                           payload={"display": display, "name": name}, due_at=ctx.now)
    if len(matches) != 1:
        return [Reply(texts.REQUEST_FILED)]
    target = matches[0]
    display = ctx.incoming.display_name or ctx.incoming.account
    request_id = people.add_bind_request(ctx.session, account=ctx.incoming.account,
                                         display_name=display, teacher_id=target.id,
                                         now=ctx.now)
    if request_id is None:
        return [Reply(texts.REQUEST_PENDING)]
    row = people.RequestRow(request_id, display, target)
    to_admins = [_request_reply(row, chat=private_chat(account))
                 for account in people.admin_accounts(ctx.session, school_id=ctx.school_id)]
    return [Reply(texts.REQUEST_FILED), *to_admins]


@renderer(UNKNOWN_REQUEST)
def render_unknown_request(_session: Session, _settings: Settings,
                           item: OutboxItem) -> list[Reply]:
    """An admin hears that someone asked to bind to a name not on the roster."""
    return [Reply(texts.REQUEST_UNKNOWN_TO_ADMIN.format(
        display=esc(str(item.payload["display"])), name=esc(str(item.payload["name"]))),
        chat=private_chat(item.chat))]


def _request_reply(row: people.RequestRow, *, chat: Chat | None = None) -> Reply:
    note = texts.REQUEST_TO_ADMIN.format(
        display=esc(row.display_name), name=esc(row.teacher.name),
        groups=esc("、".join(row.teacher.groups) or texts.NONE),
    )
    buttons = ((Button(texts.REQUEST_APPROVE, data=f"br:ok:{row.id}"),
                Button(texts.REQUEST_REFUSE, data=f"br:no:{row.id}")),)
    return Reply(note, buttons=buttons, chat=chat)


def pending(ctx: Ctx, _arg: str) -> list[Reply]:
    """List the bind requests waiting for an admin, each with its buttons."""
    rows = people.list_pending_requests(ctx.session, school_id=ctx.school_id)
    if not rows:
        return [Reply(texts.PENDING_NONE)]
    return [Reply(texts.PENDING_HEADER.format(count=len(rows)))] + [
        _request_reply(row) for row in rows
    ]


def decide_request(ctx: Ctx, arg: str) -> list[Reply]:
    """An admin pressed 批准 or 拒绝 on a bind request (``ok:<id>`` / ``no:<id>``)."""
    verdict, _, raw_id = arg.partition(":")
    if verdict not in ("ok", "no") or not is_id(raw_id):
        return [Reply(texts.BUTTON_EXPIRED, notice=texts.BUTTON_EXPIRED)]
    decision = people.decide_bind_request(
        ctx.session, request_id=int(raw_id), school_id=ctx.school_id, admin_id=ctx.me.id,
        approve=verdict == "ok", now=ctx.now,
    )
    if decision is None:
        return [Reply(texts.REQUEST_ALREADY_DECIDED, notice=texts.REQUEST_ALREADY_DECIDED)]
    verdict_text = texts.REQUEST_APPROVE if decision.approved else texts.REQUEST_REFUSE
    summary = texts.REQUEST_DECIDED.format(
        text=f"绑定申请：{esc(decision.teacher_name)}", admin=esc(ctx.me.name),
        verdict=texts.DECIDED[verdict_text],
    )
    to_user = (texts.REQUEST_APPROVED_TO_USER.format(name=esc(decision.teacher_name))
               if decision.approved else texts.REQUEST_REFUSED_TO_USER)
    return [Reply(summary, edit=True, notice=verdict_text),
            Reply(to_user, chat=private_chat(decision.account))]


def link(ctx: Ctx, arg: str) -> list[Reply]:
    """Link this group chat to a 教研组, or to the whole school (``/link 全校``)."""
    name = arg.strip()
    if not name:
        return [Reply(texts.LINK_USAGE.format(groups=esc(_group_names(ctx))))]
    group_id: int | None = None
    if name != texts.LINK_SCHOOL:
        group_id = school.group_ids(ctx.session, school_id=ctx.school_id).get(name)
        if group_id is None:
            return [Reply(texts.LINK_UNKNOWN.format(name=esc(shorten(name, 40)),
                                                    groups=esc(_group_names(ctx))))]
    chat = ctx.incoming.chat
    chats.set_link(ctx.session, chat=chat.address, title=chat.title, school_id=ctx.school_id,
                   group_id=group_id, actor_id=ctx.me.id, now=ctx.now)
    return [Reply(texts.LINK_OK.format(target=esc(name)))]


def unlink(ctx: Ctx, _arg: str) -> list[Reply]:
    """Remove this group chat's link."""
    removed = chats.remove_link(ctx.session, chat=ctx.incoming.chat.address)
    return [Reply(texts.UNLINK_OK if removed else texts.UNLINK_NONE)]


COMMANDS = (
    Command("start", start, Access.STRANGER, Where.PRIVATE, texts.SUMMARY["start"]),
    Command("bind", bind, Access.STRANGER, Where.PRIVATE, texts.SUMMARY["bind"],
            only_unbound=True),
    Command("request", request, Access.STRANGER, Where.PRIVATE, texts.SUMMARY["request"],
            only_unbound=True),
    Command("pending", pending, Access.ADMIN, Where.PRIVATE, texts.SUMMARY["pending"]),
    Command("link", link, Access.ADMIN, Where.GROUP, texts.SUMMARY["link"]),
    Command("unlink", unlink, Access.ADMIN, Where.GROUP, texts.SUMMARY["unlink"]),
)
BUTTONS = (ButtonRoute("br", decide_request, Access.ADMIN, Where.PRIVATE),)
