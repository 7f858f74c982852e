"""The form engine's file fields: files kept until 完成, refused where no file is asked."""

from __future__ import annotations

from datetime import date

from handlers.forms import engine
from handlers.forms.engine import CONFIRM, Control, Draft, FileIn, NotText, Press, Text
from handlers.forms.spec import FieldKind, FieldSpec, FormSpec

TODAY = date(2026, 11, 30)
PLAN = FormSpec(kind="plan", label="教案", title_field="title", fields=(
    FieldSpec(key="title", label="课题", prompt="课题？"),
    FieldSpec(key="files", label="教案文件", kind=FieldKind.FILE, max_files=2,
              prompt="请发送教案文件"),
    FieldSpec(key="photo", label="照片", kind=FieldKind.FILE, max_files=1, required=False,
              prompt="一张照片"),
))
DOC = {"sha256": "a" * 64, "name": "教案.docx", "type": "docx", "size": 2048, "photo": False}
PIC = {"sha256": "b" * 64, "name": "照片_bbbb.png", "type": "png", "size": 900, "photo": True}


def step(draft: Draft, event: engine.Event) -> engine.Outcome:
    return engine.step(PLAN, draft, event, today=TODAY, lookup=lambda _name: [])


def at(key: str, **answers: object) -> Draft:
    return Draft(form="plan", token="Tok123", step=key, answers=answers)


def said(outcome: engine.Outcome) -> str:
    return "\n".join(reply.text for reply in outcome.replies)


def test_files_are_kept_until_done() -> None:
    first = step(at("files"), FileIn(DOC))
    assert first.draft is not None
    assert first.draft.answers["files"] == [DOC]
    assert "已收到「教案文件」：1 个文件：教案.docx" in said(first)
    assert [b.label for r in first.replies for row in r.buttons for b in row] == ["完成"]
    done = step(first.draft, Press("done", step="files"))
    assert done.draft is not None
    assert done.draft.step == "photo"


def test_the_maximum_moves_on_by_itself() -> None:
    two = step(step(at("files"), FileIn(DOC)).draft, FileIn(PIC))  # type: ignore[arg-type]
    assert two.draft is not None
    assert two.draft.step == "photo"
    one = step(two.draft, FileIn(PIC))
    assert one.draft is not None
    assert one.draft.step == CONFIRM
    assert "教案文件</b>：2 个文件：教案.docx、照片_bbbb.png" in said(one)


def test_a_required_file_field_wants_a_file() -> None:
    for event in (Control("done"), Text("完成"), Control("skip")):
        outcome = step(at("files"), event)
        assert outcome.draft is not None
        assert outcome.draft.step == "files"
    assert "至少一个文件" in said(step(at("files"), Text("完成")))
    assert "请发送文件或照片（不是文字）" in said(step(at("files"), Text("我的教案")))
    assert "请发送文件或照片" in said(step(at("files"), NotText()))


def test_a_refused_file_is_said_and_the_draft_kept() -> None:
    outcome = step(at("files"), FileIn(error="文件太大"))
    assert outcome.draft == at("files")
    assert "⚠️ 文件太大" in said(outcome)


def test_a_file_where_text_is_asked_is_refused_politely() -> None:
    outcome = step(at("title"), FileIn(DOC))
    assert outcome.draft == at("title")
    assert "我只能读文字消息" in said(outcome)


def test_an_optional_file_field_is_skipped() -> None:
    outcome = step(at("photo", title="找春天", files=[DOC]), Control("skip"))
    assert outcome.draft is not None
    assert outcome.draft.step == CONFIRM
    assert "照片</b>：（未填）" in said(outcome)


def test_editing_a_file_field_replaces_its_files() -> None:
    draft = engine.begin(PLAN, token="Tok123", prefill={"title": "找春天", "files": [DOC]},
                         record_id=5).draft
    assert draft is not None
    picked = step(step(draft, Press("edit", step=CONFIRM)).draft,  # type: ignore[arg-type]
                  Press("pick", "files", step="@pick"))
    assert picked.draft is not None
    assert picked.draft.replacing
    again = step(picked.draft, FileIn(PIC))
    assert again.draft is not None
    assert again.draft.answers["files"] == [PIC]
