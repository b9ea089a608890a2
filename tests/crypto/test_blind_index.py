"""Blind indexes: the planner's sizes and rule, determinism and key separation."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crypto import BlindIndexKey, KeyFormatError, blind_index, plan_bits


@pytest.mark.parametrize(("rows", "bits"), [(1_000, 8), (100_000, 15), (1_000_000, 18)])
def test_planner_sizes_for_typical_case_databases(rows, bits):
    # 1,000 rows / 2**8 = 3.9 per value; 100,000 / 2**15 = 3.05; 1,000,000 / 2**18 = 3.8
    assert plan_bits(rows) == bits


@given(st.integers(min_value=8, max_value=2**33))
def test_planner_keeps_collisions_between_two_and_sqrt_rows(rows):
    shared = rows / 2 ** plan_bits(rows)
    assert 2 <= shared < math.sqrt(rows)


@pytest.mark.parametrize("rows", [1, 2, 3, 7])
def test_tiny_tables_get_one_bit(rows):
    assert plan_bits(rows) == 1


def test_huge_tables_are_capped_at_32_bits():
    assert plan_bits(2**40) == 32


@pytest.mark.parametrize("rows", [0, -5, 2.5])
def test_planner_refuses_nonsense(rows):
    with pytest.raises(KeyFormatError):
        plan_bits(rows)


def test_index_is_deterministic_in_range_and_keyed():
    key = BlindIndexKey(material=b"k" * 32, bits=8)
    other = BlindIndexKey(material=b"o" * 32, bits=8)
    values = [f"name-{i}" for i in range(200)]
    indexes = [blind_index(key, v) for v in values]
    assert indexes == [blind_index(key, v) for v in values]
    assert all(0 <= i < 256 for i in indexes)
    # A different key gives a different mapping (200 values agreeing by chance: 2**-1600)
    assert indexes != [blind_index(other, v) for v in values]


@pytest.mark.parametrize(("material", "bits"), [(b"short", 8), (b"k" * 32, 0), (b"k" * 32, 33)])
def test_index_key_checks(material, bits):
    with pytest.raises(KeyFormatError):
        BlindIndexKey(material=material, bits=bits)


def test_index_key_repr_hides_material():
    assert "kkkk" not in repr(BlindIndexKey(material=b"k" * 32, bits=8))
