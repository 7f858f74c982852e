# ruff: noqa: T201 - the bench reports on the terminal
"""How well copy detection separates copied 反思 from merely similar ones (docs/decisions.md).

``python -m bench.similarity``: MinHash (datasketch) over character 2- and 3-grams, and
SimHash (the ``simhash`` package) over the same shingles, on bench/similar_texts.py:
for each method the lowest score of a copied pair and the highest of a merely similar pair.
Then the signing and look-up time for a school of 60 teachers × 300 records
(``--school``: a SQLite file filled through the bot's own indexing, handlers' ``_index``).
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import tempfile
import time
import tomllib
from datetime import datetime
from pathlib import Path

from bench.similar_texts import OTHER_LESSONS, SAME_LESSON, copies
from handlers import similarity


def _pairs() -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    rng = random.Random(16)
    copied = [(f"{i}:{how}", text, copy) for i, text in enumerate(SAME_LESSON + OTHER_LESSONS)
              for how, copy in copies(text, rng).items()]
    alike = [(f"{i}~{j}", a, b) for (i, a), (j, b) in itertools.combinations(
        enumerate(SAME_LESSON + OTHER_LESSONS), 2)]
    return copied, alike


def _jaccard(a: str, b: str, k: int) -> float:
    sa, sb = similarity.shingles(a, k), similarity.shingles(b, k)
    return len(sa & sb) / len(sa | sb)


def _minhash(a: str, b: str, k: int) -> float:
    return similarity.estimate(similarity.sign(a, k=k), similarity.sign(b, k=k))


def _simhash(a: str, b: str, k: int) -> float:
    from simhash import Simhash  # only measured, not a dependency of the bot

    distance = Simhash(sorted(similarity.shingles(a, k))).distance(
        Simhash(sorted(similarity.shingles(b, k))))
    return 1 - distance / 64


def main() -> None:
    """Print the separation of each method, then the timing."""
    copied, alike = _pairs()
    print(f"{len(copied)} copied pairs, {len(alike)} merely similar pairs")
    for name, fn in (("exact Jaccard", _jaccard), ("MinHash 128", _minhash),
                     ("SimHash 64", _simhash)):
        for k in (2, 3):
            low = min(fn(a, b, k) for _, a, b in copied)
            high = max(fn(a, b, k) for _, a, b in alike)
            worst = min(copied, key=lambda p, f=fn, k=k: f(p[1], p[2], k))[0]
            print(f"{name:14} k={k}: copies ≥ {low:.2f} (lowest: {worst}), "
                  f"similar ≤ {high:.2f}, gap {low - high:+.2f}")
    texts = [a for _, a, _ in copied] * 4
    started = time.perf_counter()
    signatures = [similarity.sign(text) for text in texts]
    per = (time.perf_counter() - started) / len(texts)
    print(f"signing: {per * 1000:.2f} ms a record")
    keys = [similarity.band_keys(s) for s in signatures]
    print(f"band keys per record: {len(keys[0])}; median estimate time "
          f"{statistics.median(_time_estimate(signatures)) * 1e6:.0f} µs")


def _time_estimate(signatures: list[bytes]) -> list[float]:
    spent = []
    for a, b in itertools.pairwise(signatures):
        started = time.perf_counter()
        similarity.estimate(a, b)
        spent.append(time.perf_counter() - started)
    return spent


def _sentences() -> list[str]:
    """Sentences teachers write, from the corpus and the demo semester's pools."""
    from bench.similar_texts import sentences

    demo = tomllib.loads((Path(__file__).parent.parent / "bot" / "demo.toml").read_text())
    pool = [s for text in SAME_LESSON + OTHER_LESSONS for s in sentences(text)]
    pool += demo["reading"] + demo["excerpts"]
    for subject in demo["subjects"].values():
        pool += subject["reflect"] + subject["weak"] + subject["next"]
    return pool


def school(teachers: int = 60, per_teacher: int = 300, timed: int = 100) -> None:
    """Index ``teachers × per_teacher`` records of one school, then time ``timed`` more."""
    from bench.common import ZONE, load_config
    from bench.exports import _roster
    from bot.app import build_core, import_roster, read_roster
    from handlers.context import Ctx
    from handlers.features import review
    from handlers.permissions import Access
    from handlers.types import Incoming, private_chat
    from scheduler.clock import ManualClock
    from storage.repos import groups, records, similar
    from storage.repos import school as school_repo

    rng = random.Random(60)
    pool = _sentences()
    now = datetime(2026, 12, 2, 16, 0, tzinfo=ZONE)
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "school.db"
        core = build_core(load_config(), database_url=f"sqlite:///{db}", clock=ManualClock(now))
        roster = db.with_suffix(".csv")
        _roster(roster, teachers)
        import_roster(core, read_roster(core, roster))
        spec = core.settings.catalog.get("reflection")
        assert spec is not None

        def add(session, teacher_id: int, semester_id: int) -> float:  # type: ignore[no-untyped-def]
            answers = {"topic": "课题", "highlights": "".join(rng.sample(pool, 3)),
                       "shortcomings": "".join(rng.sample(pool, 2)),
                       "next_time": "".join(rng.sample(pool, 2))}
            record_id = records.add_record(
                session, teacher_id=teacher_id, semester_id=semester_id, kind="reflection",
                title="课题", answers=answers, chars=300, occurred_on=now.date(), now=now)
            ctx = Ctx(session=session, settings=core.settings, school_id=core.school_id,
                      now=now, incoming=Incoming(account="bench", chat=private_chat("bench")),
                      person=None, access=Access.TEACHER)
            started = time.perf_counter()
            review._index(ctx, spec, record_id, answers)
            return time.perf_counter() - started

        def who(session) -> list[int]:  # type: ignore[no-untyped-def]
            semester = school_repo.current_semester(session, school_id=core.school_id,
                                                    today=now.date())
            members = groups.members(session, school_id=core.school_id)
            return [semester.id, *(m.id for m in members)]

        semester_id, *ids = core.db.call(who)
        started = time.perf_counter()
        for done in range(1, per_teacher + 1):  # one transaction per round of the staff
            spent = core.db.call(lambda s: [add(s, i, semester_id) for i in ids])
            if done % 10 == 0:
                print(f"  {done * len(ids)} records: the last round's median "
                      f"{statistics.median(spent) * 1000:.1f} ms", flush=True)
        print(f"indexed {len(ids) * per_teacher} records in "
              f"{time.perf_counter() - started:.1f} s")
        # Each one more record in its own transaction, as a submission is.
        spent = sorted(core.db.call(lambda s: add(s, rng.choice(ids), semester_id))
                       for _ in range(timed))
        print(f"one more record: median {statistics.median(spent) * 1000:.1f} ms, "
              f"p95 {spent[int(len(spent) * 0.95)] * 1000:.1f} ms (sign, keys, candidates, "
              f"compare, store)")

        def month(session) -> tuple[float, int, float]:  # type: ignore[no-untyped-def]
            wanted = list(range(1, teachers * 30 + 1))
            started = time.perf_counter()
            found = similar.flagged(session, record_ids=wanted)
            took = time.perf_counter() - started
            started = time.perf_counter()
            similar.matches_of(session, record_ids=wanted[-1:])
            return took, len(found), time.perf_counter() - started

        took, flagged, page = core.db.call(month)
        print(f"/check's flags for a month of {teachers * 30} records: {took * 1000:.0f} ms "
              f"({flagged} flagged); one record's matches: {page * 1000:.1f} ms")
        core.db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--school", action="store_true",
                        help="time indexing in a school of 60 teachers × 300 records")
    parser.add_argument("--per-teacher", type=int, default=300)
    args = parser.parse_args()
    if args.school:
        school(per_teacher=args.per_teacher)
    else:
        main()
