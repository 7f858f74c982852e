# ruff: noqa: T201 - the bench reports on the terminal
"""How well copy detection separates copied 反思 from merely similar ones (docs/decisions.md).

``python -m bench.similarity``: MinHash (datasketch) over character 2- and 3-grams, and
SimHash (the ``simhash`` package) over the same shingles, on bench/similar_texts.py:
for each method the lowest score of a copied pair and the highest of a merely similar pair.
Then the signing and look-up time for a school of 60 teachers × 300 records.
"""

from __future__ import annotations

import itertools
import random
import statistics
import time

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


if __name__ == "__main__":
    main()
