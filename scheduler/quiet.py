"""Quiet hours: no private message between, say, 21:30 and 07:00 school time."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


def is_quiet(moment: datetime, *, start: time, end: time, zone: ZoneInfo) -> bool:
    """Whether ``moment`` falls in the quiet hours (which may cross midnight)."""
    local = moment.astimezone(zone).time()
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def after_quiet(moment: datetime, *, start: time, end: time, zone: ZoneInfo) -> datetime:
    """``moment`` itself, or the end of the quiet hours it falls in."""
    if not is_quiet(moment, start=start, end=end, zone=zone):
        return moment
    local = moment.astimezone(zone)
    wake = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if wake <= local:
        wake += timedelta(days=1)
    return wake.astimezone(moment.tzinfo)
