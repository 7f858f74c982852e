"""Copy detection separates copied 反思 from merely similar ones at the configured threshold
(the measurement behind docs/decisions.md, on bench/similar_texts.py)."""

from __future__ import annotations

import itertools
import random

from bench.similar_texts import OTHER_LESSONS, SAME_LESSON, copies
from handlers import similarity
from handlers.settings import ReviewSpec

THRESHOLD = ReviewSpec().copy_threshold
TEXTS = SAME_LESSON + OTHER_LESSONS


def _score(a: str, b: str) -> float:
    return similarity.estimate(similarity.sign(a), similarity.sign(b))


def test_every_way_of_copying_is_above_the_threshold_and_shares_a_band() -> None:
    rng = random.Random(16)
    for index, text in enumerate(TEXTS):
        original = similarity.sign(text)
        for how, copy in copies(text, rng).items():
            signed = similarity.sign(copy)
            assert similarity.estimate(original, signed) >= THRESHOLD, (index, how)
            assert set(similarity.band_keys(original)) & set(similarity.band_keys(signed)), (
                index, how)


def test_reflections_in_their_own_words_stay_well_below() -> None:
    scores = [_score(a, b) for a, b in itertools.combinations(TEXTS, 2)]
    assert max(scores) < THRESHOLD / 3


def test_punctuation_and_spacing_do_not_make_a_copy_new() -> None:
    text = SAME_LESSON[0]
    assert _score(text, " ".join(text.replace("，", ",").replace("。", ". "))) == 1.0


def test_signature_round_trips_as_bytes() -> None:
    signed = similarity.sign(SAME_LESSON[1])
    assert len(signed) == similarity.PERMUTATIONS * 4
    assert len(similarity.band_keys(signed)) == similarity.BANDS
    assert all(0 <= key < 2**63 for key in similarity.band_keys(signed))
