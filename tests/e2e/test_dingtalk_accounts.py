"""One teacher on Telegram and on 钉钉, in one process: messages go where they wrote last.

The school used the bot on Telegram and turns 钉钉 on (both adapters in one process, one
tick: ``bot.multi.both_runner``). 刘洋, bound on Telegram by code, writes to the robot on
钉钉: the directory binds that account too (he is not a stranger there), Telegram tells him
where his reminders go now, and a reminder planned for his Telegram account before the
switch reaches him on 钉钉, where he presses 参加. When he writes on Telegram again,
messages go there again. See docs/decisions.md, "One person on two platforms".
"""

from __future__ import annotations

import functools
from datetime import timedelta

from sqlmodel import select

from bot import texts as bot_texts
from bot.config import TelegramSpec
from bot.dingtalk.render import to_markdown
from bot.multi import both_runner
from bot.tg.adapter import TelegramBridge, build_application
from handlers import texts
from handlers.dispatch import Core
from scheduler.clock import ManualClock
from storage.repos import people
from storage.tables import Attendance, Outbox, Teacher, TeacherAccount
from tests.dingtalk_harness import running, shown
from tests.e2e.test_platforms import DingTalkPlatform, TelegramPlatform
from tests.fake_dingtalk import FakeDingTalk
from tests.fakes import TOKEN, RecordingRequest, Telegram, unpaced


async def test_a_teacher_on_telegram_who_writes_on_dingtalk_is_reached_there(
        core: Core, clock: ManualClock) -> None:
    api = RecordingRequest()
    app = build_application(core, token=TOKEN, spec=TelegramSpec(), request=api,
                            limiter=unpaced())
    fake = FakeDingTalk().start()
    try:
        async with app, running(core, fake) as dt:
            tg, ding = TelegramPlatform(Telegram(app, api, core)), DingTalkPlatform(dt)
            runner = both_runner(core, functools.partial(TelegramBridge(core).send_due,
                                                         app.bot), dt.service.bridge)
            await tg.link("陈主任")
            await tg.bind("刘洋")
            liu_tg = f"tg:{tg.users['刘洋'].id}"
            liu_dt = f"dt:{ding.staff['刘洋'].user_id}"
            clock.advance(timedelta(days=1, hours=9))  # Tuesday 17:00: 语文组 meets tomorrow
            await runner.tick()  # plans the session's reminders, 刘洋's for his Telegram
            soon = core.db.call(lambda s: s.exec(select(Outbox).where(
                Outbox.kind == "soon", Outbox.chat == liu_tg)).one())

            # The school turns 钉钉 on; 刘洋 writes there for the first time.
            bound = await ding.bind("刘洋")
            assert shown(to_markdown(bot_texts.DINGTALK_BOUND_TOO.format(name="刘洋"))) in bound
            me = await ding.say("刘洋", "/me")
            assert me.splitlines()[0] == "刘洋（教师）"  # the same person, not a stranger
            assert core.db.call(lambda s: s.get(TeacherAccount, liu_tg)).teacher_id == (
                core.db.call(lambda s: people.get_by_account(s, account=liu_dt)).id)

            # Telegram tells him where his reminders go now (the tick sends it there).
            before = len(api.calls)
            await runner.tick()
            told = tg._shown(api.calls[before:])
            assert "您的钉钉账号已关联到研修助手" in told

            # The reminder planned for Telegram reaches him on 钉钉; he answers it there.
            before_tg = len(api.calls)
            clock.set(soon.due_at)
            await runner.tick()
            card = fake.last_card(ding.staff["刘洋"].user_id)
            assert "参加" in card.labels
            assert not [c for c in api.calls[before_tg:] if c.chat_id == tg.users["刘洋"].id]
            went = await ding.press("刘洋", "参加")
            assert texts.ATTEND_GO_OK in went
            liu = core.db.call(lambda s: s.exec(select(Teacher).where(
                Teacher.account == liu_dt)).one())
            assert core.db.call(lambda s: s.exec(select(Attendance).where(
                Attendance.teacher_id == liu.id)).one()).status == "going"

            # Back on Telegram: messages go there again, and 钉钉 is kept as his other account.
            me = await tg.say("刘洋", "/me")
            assert me.splitlines()[0] == "刘洋（教师）"
            person = core.db.call(lambda s: people.get_by_account(s, account=liu_dt))
            assert person is not None
            assert person.account == liu_tg
            assert core.db.call(lambda s: s.get(TeacherAccount, liu_dt)) is not None
            # A stranger on 钉钉 is still a stranger; nobody else was bound twice.
            assert core.db.call(lambda s: s.exec(select(TeacherAccount)).all()) == [
                core.db.call(lambda s: s.get(TeacherAccount, liu_dt))]
    finally:
        fake.stop()
