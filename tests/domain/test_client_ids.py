"""Client order ids: venue-safe, deterministic, unique, ordered by sequence."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from cryptoscalp_core.domain.client_ids import MAX_LEN, client_order_id, parse_sequence, run_prefix

# The intersection of the Binance, OKX and Bybit rules, restricted to lower case as the module promises.
VENUE_SAFE = re.compile(r"[0-9a-z]{1,32}")

run_ids = st.text(st.characters(exclude_characters="\x00"), max_size=40)
sequences = st.integers(min_value=0, max_value=36**20 - 1)


@given(run_id=run_ids, strategy=run_ids, seq=sequences)
def test_ids_are_venue_safe_and_deterministic(run_id: str, strategy: str, seq: int) -> None:
    prefix = run_prefix(run_id, strategy)
    cid = client_order_id(prefix, seq)
    assert VENUE_SAFE.fullmatch(cid)
    assert len(cid) <= 32 == MAX_LEN
    assert cid.startswith(prefix)
    # Deterministic: recomputing from scratch (as a restarted process does) gives the same id.
    assert client_order_id(run_prefix(run_id, strategy), seq) == cid
    # The tail is the sequence in base 36, read back by int(), which knows nothing of our encoder.
    assert int(cid[len(prefix):], 36) == seq
    assert parse_sequence(prefix, cid) == seq


@given(run_id=run_ids, seqs=st.lists(sequences, min_size=2, max_size=50, unique=True))
def test_unique_and_ordered_across_sequences(run_id: str, seqs: list[int]) -> None:
    prefix = run_prefix(run_id)
    ids = [client_order_id(prefix, s) for s in seqs]
    assert len(set(ids)) == len(ids)
    # Sorting the ids sorts the sequences: a journal listing by id lists in submission order.
    assert [parse_sequence(prefix, c) for c in sorted(ids)] == sorted(seqs)


@given(a=st.tuples(run_ids, run_ids), b=st.tuples(run_ids, run_ids), sa=sequences, sb=sequences)
def test_unique_across_runs(a: tuple[str, str], b: tuple[str, str], sa: int, sb: int) -> None:
    assume(a != b)
    pa, pb = run_prefix(*a), run_prefix(*b)
    assert pa != pb  # 10 base-36 digits of a 64-bit hash: a collision here would be a bug
    assert client_order_id(pa, sa) != client_order_id(pb, sb)


def test_run_prefix_shape_and_value() -> None:
    # Computed here from the documented recipe (blake2b-64 of "run\\0strategy", base 36, 10 digits) with
    # numpy's base_repr, so a change of the recipe (which would break restarts) is caught.
    digest = hashlib.blake2b(b"run-42\x00mm", digest_size=8).digest()
    expected = "cs" + np.base_repr(int.from_bytes(digest, "big") % 36**10, 36).lower().rjust(10, "0")
    assert run_prefix("run-42", "mm") == expected
    assert len(expected) == 12
    assert run_prefix("run-42", "mm") != run_prefix("run-42", "")
    # NUL would make ("a\0b", "c") and ("a", "b\0c") hash the same text.
    with pytest.raises(ValueError):
        run_prefix("a\x00b", "c")


def test_sequence_increases_id() -> None:
    prefix = run_prefix("r")
    ids = [client_order_id(prefix, s) for s in range(0, 5000, 7)]
    assert ids == sorted(ids)
    assert client_order_id(prefix, 35) < client_order_id(prefix, 36)  # 'z' vs '10' unpadded would invert


@pytest.mark.parametrize("prefix", ["", "ab-c", "ab_c", "caf\u00e9", "\u0661\u0662", "x" * 32, "a b"])
def test_bad_prefixes(prefix: str) -> None:
    # Unicode letters and digits pass str.isalnum() but no venue accepts them.
    with pytest.raises(ValueError):
        client_order_id(prefix, 1)


def test_bad_sequences() -> None:
    prefix = run_prefix("r")
    with pytest.raises(ValueError):
        client_order_id(prefix, -1)
    with pytest.raises(ValueError):
        client_order_id(prefix, 36**20)  # does not fit in 32 characters
    with pytest.raises(TypeError):
        client_order_id(prefix, True)
    with pytest.raises(TypeError):
        client_order_id(prefix, 1.0)  # type: ignore[arg-type]
    assert client_order_id("MyBot", 1).startswith("MyBot")  # a caller-made prefix may use capitals


def test_parse_sequence_refuses_foreign_ids() -> None:
    prefix = run_prefix("r")
    other = run_prefix("s")
    with pytest.raises(ValueError):
        parse_sequence(prefix, client_order_id(other, 3))
    with pytest.raises(ValueError):
        parse_sequence(prefix, prefix + "1")  # not padded: not made by client_order_id
    with pytest.raises(ValueError):
        parse_sequence(prefix, prefix + "_" * (32 - len(prefix)))
