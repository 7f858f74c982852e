"""Forms declared as data: fields with a kind, a prompt and limits; overridable in config."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class FieldKind(StrEnum):
    """What a field accepts; each kind has its validator."""

    TEXT = "text"  # one short answer
    LONG_TEXT = "long_text"  # a body counted in 字数; may arrive as several messages
    DATE = "date"
    TIME = "time"
    CHOICE = "choice"
    TEACHER = "teacher"  # someone on the roster, or a visitor typed by name
    NUMBER = "number"
    # Who was there: the people offered in the prefill, ticked with buttons (issue 15's
    # minutes). The value is a dict (see engine.Checklist); a plain string is an old record.
    CHECKLIST = "checklist"
    FILE = "file"  # files or photos (教案, 课件, 活动照片), stored on disk; several until 完成


SHORT_MAX_CHARS = 200  # a long text allowing at most this many 字 takes one message


class FieldSpec(BaseModel):
    """One question of a form."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,30}$")
    label: str = Field(min_length=1, max_length=20)
    prompt: str = Field(min_length=1, max_length=300)
    kind: FieldKind = FieldKind.TEXT
    required: bool = True
    min_chars: int | None = Field(default=None, ge=1)
    max_chars: int | None = Field(default=None, ge=1)
    choices: tuple[str, ...] = ()
    allow_other: bool = False
    minimum: int | None = None
    maximum: int | None = None
    # A long-text field answered in one message (the "三个一") moves on at once. Unset: one
    # message when max_chars is short; false: several messages whatever the limit.
    single: bool | None = None
    # A file field: at most this many files (1: the first file answers the field).
    max_files: int = Field(default=9, ge=1, le=30)

    @property
    def one_message(self) -> bool:
        """Whether one message answers this field: any field but a long text, and a long
        text marked ``single`` or whose ``max_chars`` is short."""
        if self.kind is not FieldKind.LONG_TEXT or self.single is not None:
            return self.kind is not FieldKind.LONG_TEXT or bool(self.single)
        return self.max_chars is not None and self.max_chars <= SHORT_MAX_CHARS

    @model_validator(mode="after")
    def _consistent(self) -> FieldSpec:
        if self.kind is FieldKind.CHOICE and not self.choices:
            raise ValueError(f"选择题「{self.label}」需要 choices")
        if self.min_chars and self.max_chars and self.min_chars > self.max_chars:
            raise ValueError(f"「{self.label}」的 min_chars 大于 max_chars")
        return self


class FormSpec(BaseModel):
    """A record kind and the form that collects it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str = Field(pattern=r"^[a-z][a-z0-9_]{0,30}$")
    label: str = Field(min_length=1, max_length=20)
    command: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]{0,31}$")
    title_field: str | None = None
    date_field: str | None = None
    listed: bool = True
    # False for forms whose submission changes something else (an announcement, a leave
    # request …) instead of becoming a record that quotas count.
    record: bool = True
    future_dates: bool = False
    fields: tuple[FieldSpec, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _known_fields(self) -> FormSpec:
        keys = [field.key for field in self.fields]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            raise ValueError(f"表单「{self.label}」的字段重复：{'、'.join(duplicates)}")
        for name, key in (("title_field", self.title_field), ("date_field", self.date_field)):
            if key is not None and key not in keys:
                raise ValueError(f"表单「{self.label}」的 {name} 指向不存在的字段 {key}")
        return self

    def field(self, key: str) -> FieldSpec:
        """The field with ``key`` (KeyError if the form has none)."""
        for field in self.fields:
            if field.key == key:
                return field
        raise KeyError(key)

    @property
    def body_fields(self) -> tuple[FieldSpec, ...]:
        """The long-text fields whose 字数 count toward quotas."""
        return tuple(f for f in self.fields if f.kind is FieldKind.LONG_TEXT)


class FieldPatch(BaseModel):
    """A school's change to one field of a built-in form, e.g. a higher minimum 字数."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    form: str
    field: str
    label: str | None = None
    prompt: str | None = None
    required: bool | None = None
    min_chars: int | None = Field(default=None, ge=1)
    max_chars: int | None = Field(default=None, ge=1)
    choices: tuple[str, ...] | None = None
    single: bool | None = None
    max_files: int | None = Field(default=None, ge=1, le=30)
