"""Adding to what submitting a form does, without replacing what it did before.

Several features act after a record is handed in (the 师傅 is told of a 徒弟's 反思, a
record is offered to the teacher's 课题). ``after_submit`` chains such an action onto the
form's submitter, whatever was registered before it.
"""

from __future__ import annotations

from collections.abc import Callable

from handlers.context import Ctx
from handlers.features import lessons, records  # lessons first: it registers "observation"
from handlers.forms.engine import Draft
from handlers.forms.spec import FormSpec
from handlers.types import Reply
from storage.repos import research
from storage.repos.records import RecordRow

After = Callable[[Ctx, FormSpec, Draft, RecordRow], list[Reply]]

__all__ = ["After", "after_submit", "lessons"]


def after_submit(kind: str, then: After) -> None:
    """Run ``then`` with the record once a ``kind`` form was saved by its submitter."""
    prior = records.SUBMITTERS.get(kind, records.save_record)

    def submit(ctx: Ctx, spec: FormSpec, draft: Draft) -> list[Reply]:
        replies = prior(ctx, spec, draft)
        saved = research.saved_now(ctx.session, teacher_id=ctx.me.id, kind=kind, now=ctx.now,
                                   record_id=draft.record_id)
        return replies if saved is None else [*replies, *then(ctx, spec, draft, saved)]

    records.SUBMITTERS[kind] = submit
