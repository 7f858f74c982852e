"""The forms a school uses: the built-in ones (builtin.toml) with the school's changes."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path

from pydantic import TypeAdapter

from handlers.forms.spec import FieldKind, FieldPatch, FieldSpec, FormSpec

BUILTIN = Path(__file__).with_name("builtin.toml")
# The forms of 集体备课 (handlers/features/prep.py): left out when a school switches it off.
PREP_FORMS = ("prep_setup", "prep_plan", "prep_comment", "prep_revised")


@cache
def builtin_forms() -> tuple[FormSpec, ...]:
    """The forms shipped with the bot."""
    data = tomllib.loads(BUILTIN.read_text(encoding="utf-8"))
    return TypeAdapter(tuple[FormSpec, ...]).validate_python(data["forms"])


class FormCatalog:
    """Forms by record kind, in a stable order (built-in first, then the school's own)."""

    def __init__(self, forms: Sequence[FormSpec]) -> None:
        """Index ``forms`` by kind and by command."""
        self._forms = {form.kind: form for form in forms}
        self._commands = {form.command: form for form in forms if form.command}

    @classmethod
    def build(cls, overrides: Sequence[FormSpec], patches: Sequence[FieldPatch], *,
              files: bool = True, prep: bool = True) -> FormCatalog:
        """Built-in forms, replaced or extended by ``overrides``, then ``patches`` applied.

        Without ``files`` (attachments switched off) no form asks for a file; without
        ``prep`` the forms of 集体备课 are left out.

        Raises:
            ValueError: A patch names a form or field that does not exist (a config error).
        """
        forms = {form.kind: form for form in builtin_forms()}
        forms.update({form.kind: form for form in overrides})
        for patch in patches:
            form = forms.get(patch.form)
            if form is None:
                raise ValueError(f"form_patches：没有 {patch.form} 这个表单")
            if patch.field not in {field.key for field in form.fields}:
                raise ValueError(f"form_patches：表单 {patch.form} 没有字段 {patch.field}")
            changes = patch.model_dump(exclude={"form", "field"}, exclude_none=True)
            fields = tuple(
                FieldSpec.model_validate({**field.model_dump(), **changes})
                if field.key == patch.field else field
                for field in form.fields
            )
            forms[patch.form] = form.model_copy(update={"fields": fields})
        if not prep:
            forms = {kind: form for kind, form in forms.items() if kind not in PREP_FORMS}
        if not files:
            forms = {kind: form.model_copy(update={"fields": kept}) for kind, form in forms.items()
                     if (kept := tuple(f for f in form.fields if f.kind is not FieldKind.FILE))}
        return cls(list(forms.values()))

    def __iter__(self) -> Iterator[FormSpec]:
        """Every form, in catalog order."""
        return iter(self._forms.values())

    def get(self, kind: str) -> FormSpec | None:
        """The form for record kind ``kind``."""
        return self._forms.get(kind)

    def by_command(self, command: str) -> FormSpec | None:
        """The form a slash command opens, e.g. ``reflect``."""
        return self._commands.get(command)

    def label(self, kind: str) -> str:
        """The Chinese name of a record kind (the kind itself if unknown)."""
        form = self._forms.get(kind)
        return form.label if form is not None else kind

    @property
    def others(self) -> list[FormSpec]:
        """Listed forms without their own command: offered together under /record."""
        return [form for form in self._forms.values() if not form.command and form.listed]
