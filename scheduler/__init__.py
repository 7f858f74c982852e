"""Scheduler: the school calendar, reminder planning and the delivery outbox."""
