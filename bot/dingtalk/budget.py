"""The monthly budget of metered 钉钉 calls (a free organisation has 10 000 a month).

Calls are counted in memory as they are made and added to the month's row in the database
after each update or outbox message (one upsert), so several processes share one count.
At ``budget_warn_percent`` the admins are told once a month; when the budget is spent,
private messages the bot starts itself (reminders, nudges) stop first, while group posts
and answers to people who wrote go on.
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime

from bot.config import DingTalkSpec
from handlers.dispatch import Core
from storage.repos import usage

logger = logging.getLogger(__name__)

PLATFORM = "dingtalk"


class Budget:
    """Counts calls and tells when to warn and when to stop private nudges."""

    def __init__(self, core: Core, spec: DingTalkSpec) -> None:
        """Keep ``spec``'s budget for ``core``'s school."""
        self.core = core
        self.limit = spec.monthly_budget
        self.warn_at = spec.monthly_budget * spec.budget_warn_percent // 100
        self.percent = spec.budget_warn_percent
        self.pending = 0
        self.used = 0
        self.month = ""
        self.exhausted = ""  # the month 钉钉 said its calls are used up

    def count(self, _what: str) -> None:
        """One metered call made (``OpenApi.on_call``)."""
        self.pending += 1

    def _month(self, now: datetime) -> str:
        return now.astimezone(self.core.settings.zone).strftime("%Y-%m")

    def spend_all(self) -> None:
        """钉钉 itself says the month's calls are used up (error 90020)."""
        month = self._month(self.core.clock.now())
        if self.exhausted != month:
            logger.warning("钉钉 reports this month's API calls used up")
            self.exhausted = month

    @property
    def spent(self) -> bool:
        """Whether this month's budget is used up."""
        return (self.used + self.pending >= self.limit
                or self.exhausted == self._month(self.core.clock.now()))

    async def flush(self) -> bool:
        """Write the count down; True when the admins should be told now (once a month)."""
        month = self._month(self.core.clock.now())
        if month != self.month:
            self.month, self.used = month, 0
        calls, self.pending = self.pending, 0
        add = functools.partial(usage.add_calls, platform=PLATFORM, month=month, calls=calls)
        row = await self.core.db.run(add)
        self.used = row.calls
        if row.calls < self.warn_at or row.warned:
            return False
        told = await self.core.db.run(functools.partial(usage.mark_warned, platform=PLATFORM,
                                                        month=month))
        if told:
            logger.warning("钉钉 calls this month: %d of %d", row.calls, self.limit)
        return told
