"""Near-duplicate detection over characters: MinHash signatures of a record's text.

A record's text is reduced to its letters, digits and Han characters, cut into overlapping
character n-grams (shingles), and signed with datasketch's MinHash (128 permutations). Two
signatures agree at a position with probability equal to the Jaccard similarity of the
two shingle sets. The signature is split into bands (locality-sensitive hashing): records
that share a band key are candidates, and only those are compared. The choice and the
thresholds are measured in bench/similarity.py (docs/decisions.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np

SHINGLE = 3  # characters per shingle
PERMUTATIONS = 128
# BANDS × ROWS = PERMUTATIONS: a pair at 0.2 Jaccard shares a band 93% of the time, at 0.3
# 99.8%; pairs below the flag threshold that share one are compared and dropped.
BANDS, ROWS = 64, 2
SEED = 16
_DTYPE = np.dtype("<u4")  # MinHash values are below 2**32


def normalise(text: str) -> str:
    """Letters, digits and Han characters only, lower case: punctuation and spacing do not
    make a copy look new."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


def shingles(text: str, k: int = SHINGLE) -> set[str]:
    """The character k-grams of the normalised text (the whole text if shorter)."""
    clean = normalise(text)
    if len(clean) <= k:
        return {clean} if clean else set()
    return {clean[i:i + k] for i in range(len(clean) - k + 1)}


def warm_up() -> None:
    """Import datasketch (0.6 s with scipy) before the first record is signed, off the
    database's worker."""
    sign("预热")


def sign(text: str, *, k: int = SHINGLE) -> bytes:
    """The MinHash signature of ``text``, as bytes to store."""
    from datasketch import MinHash  # imported on first use: it brings scipy along

    minhash = MinHash(num_perm=PERMUTATIONS, seed=SEED)
    minhash.update_batch([piece.encode() for piece in sorted(shingles(text, k))])
    return np.asarray(minhash.hashvalues, dtype=_DTYPE).tobytes()


def estimate(a: bytes, b: bytes) -> float:
    """The estimated Jaccard similarity of two signatures (0–1)."""
    left, right = np.frombuffer(a, dtype=_DTYPE), np.frombuffer(b, dtype=_DTYPE)
    if left.shape != right.shape:
        return 0.0
    return float(np.count_nonzero(left == right)) / len(left)


def band_keys(signature: bytes) -> list[int]:
    """One key per band: records sharing any key are compared (63-bit, fits BIGINT)."""
    size = ROWS * _DTYPE.itemsize
    keys = []
    for band in range(BANDS):
        piece = bytes([band]) + signature[band * size:(band + 1) * size]
        digest = hashlib.blake2b(piece, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big") >> 1)
    return keys


def body_text(answers: dict[str, object], fields: Iterable[str]) -> str:
    """The text a record is compared by: its long answers, one after another."""
    return "\n".join(str(answers.get(key) or "") for key in fields)
