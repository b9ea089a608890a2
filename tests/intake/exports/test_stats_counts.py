"""Counting testimonies and suppressing small counts (pure functions, no database)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from intake.exports import stats
from intake.exports.stats import SHOWN, SMALL, WITHHELD, Cell, count_documents, suppress

from .stats_helpers import PUBLIC_EXAMPLES, example, with_prefecture


def test_the_public_worked_examples_are_counted_as_they_are_coded() -> None:
    # Given the three public worked examples
    documents = [example(name) for name in PUBLIC_EXAMPLES]
    # When counted
    counts = count_documents(documents)
    # Then each table counts testimonies, once per row they match
    assert counts.tables["prefecture"] == {"ili": 2}
    assert counts.tables["facility"] == {
        "jiafang_industrial_park": 1,
        "baoding_lyszd_glove_factory_ghulja": 1,
    }
    assert counts.tables["year"] == {"before_2014": 1, "2017": 1, "2018": 2, "2019": 1}
    assert counts.tables["episode_kind"]["reeducation_camp"] == 2
    assert counts.tables["episode_kind"]["labour_transfer"] == 1
    assert counts.tables["system"] == {"camp_linked": 2, "labour_transfer": 1}
    assert counts.tables["pipeline_stage"]["reeducation_classes"] == 2
    assert counts.indicator_present["withholding_of_wages"] == 2
    assert counts.indicator_present["excessive_overtime"] == 1
    assert counts.indicator_coded["deception"] == 0  # coded "unknown" only
    # 320 yuan for 1.5-2 months against Ili's minimum wage is well under a quarter
    assert counts.wage_bins[0] == 3 and sum(counts.wage_bins.values()) == 4


def test_generated_records_are_counted_per_prefecture() -> None:
    # Given 7 testimonies about Aksu and 3 about Hotan
    documents = [with_prefecture("labour_transfer", "aksu") for _ in range(7)]
    documents += [with_prefecture("labour_transfer", "hotan") for _ in range(3)]
    # When counted and suppressed
    result = suppress(count_documents(documents), stats.reference_codes())
    cells = {row.code: row.cell for row in result.tables["prefecture"]}
    # Then Aksu shows 7, Hotan and every prefecture nobody named "fewer than 5"
    assert cells["aksu"] == Cell(SHOWN, 7)
    assert cells["hotan"] == Cell(SMALL)
    assert cells["kashgar"] == Cell(SMALL)
    assert cells["hotan"].value is None


@given(st.integers(min_value=0, max_value=40))
def test_no_count_under_five_keeps_its_number(count: int) -> None:
    cell = Cell.of(count)
    assert cell.is_shown == (count >= 5)
    assert (cell.value is None) == (count < 5)


def test_a_small_complement_withholds_the_indicator_count() -> None:
    # Given 8 testimonies coding an indicator, 6 of them "present" (2 not present)
    counts = stats.Counts()
    counts.indicator_coded.update({"deception": 8, "isolation": 12})
    counts.indicator_present.update({"deception": 6, "isolation": 6})
    # When suppressed
    rows = {row.code: row for row in suppress(counts).indicators}
    # Then "present" is withheld (8 - 6 would give 2), the share with it
    assert rows["deception"].present.state == WITHHELD
    assert rows["deception"].share is None
    # and where both parts are 5 or more everything is shown
    assert rows["isolation"].present == Cell(SHOWN, 6)
    assert rows["isolation"].share == Decimal("50.0")


def test_a_wage_ratio_range_is_binned_by_its_middle() -> None:
    assert stats.wage_bin(Decimal("0.1"), Decimal("0.3")) == 0  # middle 0.2
    assert stats.wage_bin(Decimal("0.2"), Decimal("0.4")) == 1  # middle 0.3
    assert stats.wage_bin(Decimal("0.9"), Decimal("1.1")) == 4  # middle 1.0: lower end kept
    assert stats.wage_bin(Decimal("2"), Decimal("9")) == 5
    assert stats.wage_bin_label(0) == "0\u20130.25"
    assert stats.wage_bin_label(5) == "\u2265 1.5"


def test_every_year_has_a_row_so_that_the_rows_tell_nothing() -> None:
    # Given counts for 2016 and 2019 only
    counts = stats.Counts()
    counts.tables["year"].update({"2016": 6, "2019": 9})
    # When suppressed with the fixed range of year rows
    rows = suppress(counts, {"year": stats.year_codes(2020)}).tables["year"]
    # Then every year from 2014 to 2020 has its row, and earlier years one together
    assert [row.code for row in rows] == ["before_2014", *map(str, range(2014, 2021))]
    assert [row.cell.state for row in rows].count(SHOWN) == 2
