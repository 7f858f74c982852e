"""Group chat links, the one-time hint for unlinked chats, and duplicate-update keys."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, select

from storage import Database
from storage.repos import chats, updates
from storage.repos.chats import LinkRow
from storage.tables import AuditEntry, ChatLink, ProcessedUpdate, UnlinkedChat
from tests.storage.conftest import NOW, make_school, race


def link(db: Database, chat: str, school_id: int, group_id: int | None, title: str = "",
         minutes: int = 0) -> None:
    db.call(lambda s: chats.set_link(s, chat=chat, title=title, school_id=school_id,
                                     group_id=group_id, actor_id=None,
                                     now=NOW + timedelta(minutes=minutes)))


def test_set_and_get_link(db: Database) -> None:
    school_id, groups = make_school(db)
    assert db.call(lambda s: chats.get_link(s, chat="tg:-100")) is None
    link(db, "tg:-100", school_id, groups["语文组"], "语文组教研群")
    link(db, "tg:-200", school_id, None, "全体教师群")
    assert db.call(lambda s: chats.get_link(s, chat="tg:-100")) == LinkRow(
        "tg:-100", school_id, groups["语文组"], "语文组")
    assert db.call(lambda s: chats.get_link(s, chat="tg:-200")) == LinkRow(
        "tg:-200", school_id, None, None)
    assert db.call(lambda s: chats.chats_of_group(s, group_id=groups["语文组"])) == ["tg:-100"]
    assert db.call(lambda s: chats.chats_of_group(s, group_id=groups["数学组"])) == []
    details = db.call(lambda s: s.exec(select(AuditEntry.action, AuditEntry.detail)
                                       .order_by(col(AuditEntry.id))).all())
    assert details == [("link_chat", f"语文组教研群 → {groups['语文组']}"),
                       ("link_chat", "全体教师群 → 全校")]


def test_relinking_replaces_the_link(db: Database) -> None:
    school_id, groups = make_school(db)
    link(db, "tg:-100", school_id, groups["语文组"], "语文组教研群")
    link(db, "tg:-100", school_id, groups["数学组"], "数学组教研群", minutes=5)
    assert db.call(lambda s: chats.get_link(s, chat="tg:-100")) == LinkRow(
        "tg:-100", school_id, groups["数学组"], "数学组")
    rows = db.call(lambda s: s.exec(select(ChatLink)).all())
    assert [(r.chat, r.group_id, r.title, r.linked_at) for r in rows] == [
        ("tg:-100", groups["数学组"], "数学组教研群", NOW + timedelta(minutes=5))]
    assert db.call(lambda s: chats.chats_of_group(s, group_id=groups["语文组"])) == []
    link(db, "tg:-100", school_id, None, "全校群", minutes=10)
    assert db.call(lambda s: chats.get_link(s, chat="tg:-100")) == LinkRow(
        "tg:-100", school_id, None, None)
    assert db.call(lambda s: chats.chats_of_group(s, group_id=groups["数学组"])) == []


def test_remove_link(db: Database) -> None:
    school_id, groups = make_school(db)
    link(db, "tg:-100", school_id, groups["语文组"])
    link(db, "tg:-200", school_id, groups["语文组"])
    assert db.call(lambda s: chats.remove_link(s, chat="tg:-100")) is True
    assert db.call(lambda s: chats.get_link(s, chat="tg:-100")) is None
    assert db.call(lambda s: chats.remove_link(s, chat="tg:-100")) is False
    assert db.call(lambda s: chats.remove_link(s, chat="tg:-999")) is False
    assert db.call(lambda s: chats.chats_of_group(s, group_id=groups["语文组"])) == ["tg:-200"]


def test_first_time_unlinked_is_true_once_per_chat(db: Database) -> None:
    def first(chat: str) -> bool:
        return db.call(lambda s: chats.first_time_unlinked(s, chat=chat, now=NOW))

    assert first("tg:-100") is True
    assert first("tg:-100") is False
    assert first("tg:-100") is False
    assert first("tg:-200") is True
    told = db.call(lambda s: s.exec(select(UnlinkedChat.chat, UnlinkedChat.told_at)
                                    .order_by(col(UnlinkedChat.chat))).all())
    assert told == [("tg:-100", NOW), ("tg:-200", NOW)]


def test_first_time_unlinked_twice_in_one_unit(db: Database) -> None:
    def unit(session: Session) -> tuple[bool, bool]:
        return (chats.first_time_unlinked(session, chat="tg:-1", now=NOW),
                chats.first_time_unlinked(session, chat="tg:-1", now=NOW))

    assert db.call(unit) == (True, False)


def test_first_time_unlinked_racing_tells_once(db: Database) -> None:
    results = race(db, *(lambda s: chats.first_time_unlinked(s, chat="tg:-100", now=NOW)
                         for _ in range(2)))
    assert sorted(results) == [False, True], results


def claim(db: Database, key: str, minutes: int = 0) -> bool:
    return db.call(lambda s: updates.claim_update(s, key=key,
                                                  now=NOW + timedelta(minutes=minutes)))


def test_claim_update_once_across_transactions(db: Database) -> None:
    assert claim(db, "tg:1") is True
    assert claim(db, "tg:1", minutes=1) is False
    assert claim(db, "tg:2") is True
    assert claim(db, "tg:1", minutes=2) is False
    rows = db.call(lambda s: s.exec(select(ProcessedUpdate.key, ProcessedUpdate.at)
                                    .order_by(col(ProcessedUpdate.key))).all())
    assert rows == [("tg:1", NOW), ("tg:2", NOW)]


def test_claim_update_twice_in_one_transaction(db: Database) -> None:
    def unit(session: Session) -> tuple[bool, bool, bool]:
        return (updates.claim_update(session, key="tg:1", now=NOW),
                updates.claim_update(session, key="tg:1", now=NOW),
                updates.claim_update(session, key="tg:2", now=NOW))

    assert db.call(unit) == (True, False, True)


def test_forget_updates_deletes_old_keys_only(db: Database) -> None:
    assert claim(db, "tg:old", minutes=-3 * 24 * 60)
    assert claim(db, "tg:edge", minutes=-2 * 24 * 60)
    assert claim(db, "tg:new", minutes=-60)
    before = NOW - updates.DEDUP_WINDOW
    assert db.call(lambda s: updates.forget_updates(s, before=before)) == 1
    keys = db.call(lambda s: s.exec(select(ProcessedUpdate.key)
                                    .order_by(col(ProcessedUpdate.key))).all())
    assert keys == ["tg:edge", "tg:new"]
    assert db.call(lambda s: updates.forget_updates(s, before=before)) == 0
    # A forgotten key may be claimed again; kept ones may not.
    assert claim(db, "tg:old") is True
    assert claim(db, "tg:edge") is False
    assert db.call(lambda s: updates.forget_updates(s, before=NOW + timedelta(days=1))) == 3


def test_concurrent_claims_of_one_key_give_exactly_one_true(db: Database) -> None:
    results = race(db, *(lambda s: updates.claim_update(s, key="tg:77", now=NOW)
                         for _ in range(2)))
    assert sorted(results) == [False, True], results
    assert db.call(lambda s: s.exec(select(ProcessedUpdate.key)).all()) == ["tg:77"]


def test_concurrent_claims_of_different_keys_both_succeed(db: Database) -> None:
    results = race(db, *(lambda s, key=key: updates.claim_update(s, key=key, now=NOW)
                         for key in ("tg:1", "tg:2")), hold=0.05)
    assert results == [True, True]
