"""The form catalog: the built-in forms, a school's overrides and patches, and the config."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from bot.config import CONFIG_ENV, DATABASE_ENV, TOKEN_ENV, Config, ConfigError, load
from handlers.forms.catalog import FormCatalog, builtin_forms
from handlers.forms.spec import FieldKind, FieldPatch, FieldSpec, FormSpec
from tests.conftest import EXAMPLE_CONFIG

RECORD_KINDS = ["reflection", "observation", "reading_note", "story", "book_review", "insight",
                "paper", "standard_excerpt", "essay", "speech"]
SESSION_KINDS = ["announcement", "reschedule", "leave", "minutes"]  # opened from 教研活动
LESSON_KINDS = ["new_lesson", "design_note"]  # opened from 公开课
REVIEW_KINDS = ["review"]  # opened from /check
ASSIGN_KINDS = ["assign_lesson"]  # issue 16 §2: /assignlesson (教导处)
BUILTIN_KINDS = [*RECORD_KINDS, *SESSION_KINDS, *LESSON_KINDS, *REVIEW_KINDS, *ASSIGN_KINDS]
FED_KINDS = ["attendance", "open_lesson"]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (TOKEN_ENV, CONFIG_ENV, DATABASE_ENV):
        monkeypatch.delenv(name, raising=False)


def example() -> dict[str, Any]:
    return tomllib.loads(EXAMPLE_CONFIG.read_text(encoding="utf-8"))


LESSON_PLAN = FormSpec(
    kind="lesson_plan", label="教案", title_field="topic",
    fields=(FieldSpec(key="topic", label="课题", prompt="课题？"),
            FieldSpec(key="plan", label="教案正文", prompt="正文", kind=FieldKind.LONG_TEXT,
                      min_chars=200)),
)
SHORT_REFLECTION = FormSpec(
    kind="reflection", label="课后反思", command="reflect", title_field="topic",
    fields=(FieldSpec(key="topic", label="课题", prompt="课题？"),
            FieldSpec(key="body", label="反思", prompt="反思", kind=FieldKind.LONG_TEXT,
                      min_chars=500)),
)


# -- the built-in forms --------------------------------------------------------------------


def test_builtin_forms() -> None:
    forms = builtin_forms()
    assert [form.kind for form in forms] == BUILTIN_KINDS
    assert [form.kind for form in forms if form.listed] == RECORD_KINDS  # the 10 record kinds
    assert {form.kind: form.command for form in forms if form.command} == {
        "reflection": "reflect", "observation": "observe"}
    assert [form.label for form in forms] == [
        "教学反思", "听课记录", "读书笔记", "教育故事", "读书心得", "心得体会", "教育教学论文",
        "课标摘抄", "教学随笔", "专题演讲", "教研活动通知", "教研改期", "教研请假", "教研活动记录",
        "公开课登记", "说课稿", "检查意见", "预约听课安排"]
    # Announcements, changes, leave requests, lesson registrations, 说课 notes and 检查意见
    # change something else; every other form becomes a record that quotas can count.
    assert [form.kind for form in forms if not form.record] == [
        "announcement", "reschedule", "leave", "new_lesson", "design_note", "review",
        "assign_lesson"]
    assert [form.kind for form in forms if form.future_dates] == ["reschedule", "new_lesson",
                                                                  "assign_lesson"]


@pytest.mark.parametrize(
    ("kind", "fields", "title_field", "date_field", "body"),
    [
        ("reflection", 7, "topic", "taught_on",
         {"highlights": 30, "shortcomings": 30, "student_errors": None, "next_time": 30}),
        ("observation", 11, "title", "observed_on",
         {"process": 50, "strength": 10, "weakness": 10, "suggestion": 10}),
        ("reading_note", 3, "book", None, {"notes": 100}),
        ("story", 2, "title", None, {"body": 300}),
        ("insight", 2, "title", None, {"body": None}),
        ("speech", 4, "title", "given_on", {"summary": 50}),
    ],
)
def test_builtin_form_shapes(kind: str, fields: int, title_field: str, date_field: str | None,
                             body: dict[str, int | None]) -> None:
    form = FormCatalog.build([], []).get(kind)
    assert form is not None
    assert len(form.fields) == fields
    assert (form.title_field, form.date_field) == (title_field, date_field)
    assert {f.key: f.min_chars for f in form.body_fields} == body


def test_catalog_of_the_builtin_forms() -> None:
    catalog = FormCatalog.build([], [])
    assert [form.kind for form in catalog] == BUILTIN_KINDS
    assert list(catalog) == list(builtin_forms())
    reflect = catalog.by_command("reflect")
    assert reflect is not None
    assert reflect.kind == "reflection"
    observe = catalog.by_command("observe")
    assert observe is not None
    assert observe.kind == "observation"
    assert catalog.by_command("record") is None
    assert catalog.get("nope") is None
    assert catalog.label("story") == "教育故事"
    assert catalog.label("open_lesson") == "open_lesson"


def test_others_are_the_listed_forms_without_a_command() -> None:
    catalog = FormCatalog.build([LESSON_PLAN], [])
    assert [form.kind for form in catalog.others] == [*RECORD_KINDS[2:], "lesson_plan"]
    hidden = LESSON_PLAN.model_copy(update={"listed": False})
    assert "lesson_plan" not in [f.kind for f in FormCatalog.build([hidden], []).others]
    with_command = LESSON_PLAN.model_copy(update={"command": "plan"})
    catalog = FormCatalog.build([with_command], [])
    assert [form.kind for form in catalog.others] == RECORD_KINDS[2:]
    assert catalog.by_command("plan") == with_command


def test_an_override_replaces_a_form_in_place_and_a_new_kind_comes_last() -> None:
    catalog = FormCatalog.build([SHORT_REFLECTION, LESSON_PLAN], [])
    assert [form.kind for form in catalog] == [*BUILTIN_KINDS, "lesson_plan"]
    assert [form.kind for form in catalog.others][-1] == "lesson_plan"
    reflection = catalog.get("reflection")
    assert reflection == SHORT_REFLECTION
    assert catalog.by_command("reflect") == SHORT_REFLECTION
    assert catalog.label("reflection") == "课后反思"
    assert catalog.get("lesson_plan") == LESSON_PLAN
    assert catalog.label("lesson_plan") == "教案"
    # The built-in forms themselves are untouched.
    assert builtin_forms()[0].label == "教学反思"
    assert len(builtin_forms()[0].fields) == 7


def test_a_patch_raises_min_chars() -> None:
    catalog = FormCatalog.build([], [FieldPatch(form="reflection", field="highlights",
                                                min_chars=100)])
    reflection = catalog.get("reflection")
    assert reflection is not None
    assert reflection.field("highlights").min_chars == 100
    assert reflection.field("shortcomings").min_chars == 30
    assert [f.key for f in reflection.fields] == [f.key for f in builtin_forms()[0].fields]
    assert reflection.command == "reflect"
    assert builtin_forms()[0].field("highlights").min_chars == 30  # the cache is not changed
    assert FormCatalog.build([], []).get("reflection") == builtin_forms()[0]


@pytest.mark.parametrize(
    ("patch", "check"),
    [
        (FieldPatch(form="reflection", field="topic", label="课名", prompt="课名是？"),
         lambda f: (f.label, f.prompt) == ("课名", "课名是？")),
        (FieldPatch(form="reflection", field="student_errors", required=True),
         lambda f: f.required is True),
        (FieldPatch(form="observation", field="teacher", required=False),
         lambda f: f.required is False),
        (FieldPatch(form="observation", field="subject", choices=("语文", "书法")),
         lambda f: f.choices == ("语文", "书法") and f.allow_other),
        (FieldPatch(form="story", field="body", max_chars=3000),
         lambda f: (f.min_chars, f.max_chars) == (300, 3000)),
    ],
)
def test_patches_apply(patch: FieldPatch, check: Any) -> None:
    form = FormCatalog.build([], [patch]).get(patch.form)
    assert form is not None
    assert check(form.field(patch.field))


def test_patches_apply_in_order_and_to_overrides() -> None:
    catalog = FormCatalog.build([SHORT_REFLECTION], [
        FieldPatch(form="reflection", field="body", min_chars=800),
        FieldPatch(form="reflection", field="body", label="课后反思正文"),
    ])
    reflection = catalog.get("reflection")
    assert reflection is not None
    assert (reflection.field("body").min_chars, reflection.field("body").label) == (
        800, "课后反思正文")


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        (FieldPatch(form="nope", field="topic", min_chars=5), "form_patches：没有 nope 这个表单"),
        (FieldPatch(form="reflection", field="nope", min_chars=5),
         "form_patches：表单 reflection 没有字段 nope"),
        (FieldPatch(form="reflection", field="teacher", min_chars=5),
         "form_patches：表单 reflection 没有字段 teacher"),
        (FieldPatch(form="reflection", field="highlights", max_chars=10),
         "「闪光点」的 min_chars 大于 max_chars"),
        (FieldPatch(form="observation", field="subject", choices=()),
         "选择题「学科」需要 choices"),
    ],
)
def test_bad_patches_are_refused(patch: FieldPatch, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FormCatalog.build([], [patch])


def test_a_patch_for_a_new_kind_needs_its_override() -> None:
    patch = FieldPatch(form="lesson_plan", field="plan", min_chars=300)
    with pytest.raises(ValueError, match="form_patches：没有 lesson_plan 这个表单"):
        FormCatalog.build([], [patch])
    form = FormCatalog.build([LESSON_PLAN], [patch]).get("lesson_plan")
    assert form is not None
    assert form.field("plan").min_chars == 300


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"kind": "x", "label": "X", "fields": []}, "fields"),
        ({"kind": "x", "label": "X", "fields": [{"key": "a", "label": "A", "prompt": "?"},
                                                  {"key": "a", "label": "B", "prompt": "?"}]},
         "表单「X」的字段重复：a"),
        ({"kind": "x", "label": "X", "title_field": "t",
          "fields": [{"key": "a", "label": "A", "prompt": "?"}]},
         "表单「X」的 title_field 指向不存在的字段 t"),
        ({"kind": "x", "label": "X",
          "fields": [{"key": "a", "label": "A", "prompt": "?", "kind": "choice"}]},
         "选择题「A」需要 choices"),
        ({"kind": "Bad", "label": "X", "fields": [{"key": "a", "label": "A", "prompt": "?"}]},
         "kind"),
    ],
)
def test_bad_form_specs(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        FormSpec.model_validate(spec)


# -- through the config ------------------------------------------------------------------


def test_the_example_config_has_the_builtin_catalog() -> None:
    config = Config.model_validate(example())
    assert [form.kind for form in config.catalog] == BUILTIN_KINDS
    assert len(config.quotas) == 12


def test_config_with_forms_and_patches() -> None:
    raw = example()
    raw["forms"] = [LESSON_PLAN.model_dump(mode="json", exclude_defaults=True)]
    raw["form_patches"] = [
        {"form": "reflection", "field": "highlights", "min_chars": 80},
        {"form": "lesson_plan", "field": "plan", "min_chars": 400},
    ]
    raw["quotas"].append({"kind": "lesson_plan", "label": "教案", "target": 3})
    config = Config.model_validate(raw)
    reflection = config.catalog.get("reflection")
    assert reflection is not None
    assert reflection.field("highlights").min_chars == 80
    plan = config.catalog.get("lesson_plan")
    assert plan is not None
    assert plan.field("plan").min_chars == 400
    assert [form.kind for form in config.catalog.others][-1] == "lesson_plan"
    assert config.quotas[-1].kind == "lesson_plan"


def test_config_forms_from_toml_text(tmp_path: Path) -> None:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8") + """
[[forms]]
kind = "lesson_plan"
label = "教案"
fields = [
  { key = "topic", label = "课题", prompt = "课题？" },
  { key = "plan", label = "教案正文", kind = "long_text", min_chars = 200, prompt = "正文" },
]

[[form_patches]]
form = "observation"
field = "process"
min_chars = 120
"""
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    catalog = load(str(path)).config.catalog
    observation = catalog.get("observation")
    assert observation is not None
    assert observation.field("process").min_chars == 120
    assert catalog.label("lesson_plan") == "教案"


@pytest.mark.parametrize("kind", FED_KINDS)
def test_quotas_may_name_fed_kinds(kind: str) -> None:
    raw = example()
    raw["quotas"] = [{"kind": kind, "label": "x", "target": 1}]
    assert Config.model_validate(raw).quotas[0].kind == kind


def test_a_quota_with_an_unknown_kind_is_refused() -> None:
    raw = example()
    raw["quotas"].append({"kind": "lesson_plan", "label": "教案", "target": 3})
    known = "、".join([*RECORD_KINDS, "minutes", *FED_KINDS])
    with pytest.raises(ValidationError) as caught:
        Config.model_validate(raw)
    assert f"quotas[12].kind：没有 lesson_plan 这种记录（可选：{known}）" in str(caught.value)


def test_a_bad_patch_in_the_config_is_refused(tmp_path: Path) -> None:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8") + """
[[form_patches]]
form = "reflection"
field = "summary"
min_chars = 10
"""
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="form_patches：表单 reflection 没有字段 summary"):
        load(str(path))
    raw = example()
    raw["form_patches"] = [{"form": "reflection", "field": "summary", "min_chars": 10}]
    with pytest.raises(ValidationError, match="form_patches：表单 reflection 没有字段 summary"):
        Config.model_validate(raw)


def test_an_unknown_key_in_a_patch_is_refused() -> None:
    raw = example()
    raw["form_patches"] = [{"form": "reflection", "field": "topic", "kind": "date"}]
    with pytest.raises(ValidationError, match="kind"):
        Config.model_validate(raw)
