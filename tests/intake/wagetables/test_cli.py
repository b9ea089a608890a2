"""`intake wages list` and `export`."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import date
from decimal import Decimal
from itertools import pairwise

from click.testing import CliRunner

from intake.cli import main
from intake.facilities.services import Source
from intake.records import wages as arithmetic
from intake.wagetables import services
from intake.wagetables.services import MinimumTable, Rate

SOURCE = Source(citation="Example notice", url="https://example.org/n", retrieved="2026-11-28")


def _change(database, keys) -> None:
    with database.session() as session:
        table = MinimumTable(
            "example_2021", date(2021, 1, 1), None, {"1": Decimal(2000)}, sources=[SOURCE]
        )
        services.save_minimum(session, keys, table, new=True, actor=uuid.uuid4())
        services.withdraw_rate(session, keys, "USD", 2019, actor=uuid.uuid4())


def test_list_says_where_each_table_and_rate_comes_from(cli_obj, casedb, database):
    _change(database, casedb)
    result = CliRunner().invoke(main, ["wages", "list"], obj=cli_obj)
    assert result.exit_code == 0, result.output
    assert "example_2021\t2021-01-01..\t1=2000  (added here)" in result.output
    assert "USD 2019\t6.9081  (WITHDRAWN here)" in result.output
    assert "xinjiang_2018\t2018-03-28..2020-03-31\t1=1820 2=1620 3=1540 4=1460\n" in result.output


def test_export_writes_tables_the_figures_read_as_the_case_database_does(
    cli_obj, casedb, database, tmp_path
):
    _change(database, casedb)
    folder = tmp_path / "release"
    result = CliRunner().invoke(main, ["wages", "export", str(folder)], obj=cli_obj)
    assert result.exit_code == 0, result.output
    minimum = json.loads((folder / "minimum_wage.json").read_text(encoding="utf-8"))
    rates = json.loads((folder / "exchange_rates.json").read_text(encoding="utf-8"))
    # The exported files give the same figure as the case database's tables
    statement = {"status": "paid", "amount": 1000, "currency": "CNY",
                 "period": {"count": 1, "unit": "month"}}  # fmt: skip
    on = (date(2021, 5, 1), date(2021, 5, 31))
    figure = arithmetic.statement_figure(
        statement, prefecture=None, county=None, on=on, minimum_table=minimum, rates=rates
    )
    assert figure.ratio == arithmetic.Span(Decimal("0.5"), Decimal("0.5"))
    assert "2019" not in rates["rates"]["USD"] and "2020" in rates["rates"]["USD"]


def test_export_never_overwrites(cli_obj, casedb, tmp_path):
    (tmp_path / "exchange_rates.json").write_text("kept", encoding="utf-8")
    result = CliRunner().invoke(main, ["wages", "export", str(tmp_path)], obj=cli_obj)
    assert result.exit_code != 0
    assert "exists; choose another folder" in result.output
    assert (tmp_path / "exchange_rates.json").read_text(encoding="utf-8") == "kept"
    assert not (tmp_path / "minimum_wage.json").exists()


def test_a_rate_set_here_is_listed_with_its_value(cli_obj, casedb, database):
    with database.session() as session:
        services.save_rate(
            session, casedb, Rate("RUB", 2019, Decimal("0.1"), [SOURCE]), actor=uuid.uuid4()
        )
    result = CliRunner().invoke(main, ["wages", "list"], obj=cli_obj)
    assert "RUB 2019\t0.1  (added here)" in result.output


def test_export_is_in_the_bundled_files_format(cli_obj, casedb, database, tmp_path):
    # Given a table added with areas, a bundled table corrected, and every rate of the
    # Kyrgyz som withdrawn
    with database.session() as session:
        added = MinimumTable(
            "example_2021", date(2021, 1, 1), None, {"1": Decimal(2000), "2": Decimal(1900)},
            prefecture_tiers={"urumqi": "1"}, basis="The notice names Urumqi.",
            sources=[SOURCE, Source(citation="Second report", url="https://example.org/2")],
        )  # fmt: skip
        services.save_minimum(session, casedb, added, new=True, actor=uuid.uuid4())
        bundled = services.find_minimum(session, "xinjiang_2013")
        services.save_minimum(
            session, casedb, replace(bundled, tiers={"1": Decimal(1521)}), new=False,
            actor=uuid.uuid4(),
        )  # fmt: skip
        for rate in services.rates(session):
            if rate.currency == "KGS":
                services.withdraw_rate(session, casedb, "KGS", rate.year, actor=uuid.uuid4())
        services.save_rate(
            session, casedb, Rate("RUB", 2019, Decimal("0.1"), [SOURCE]), actor=uuid.uuid4()
        )
    folder = tmp_path / "release"
    assert CliRunner().invoke(main, ["wages", "export", str(folder)], obj=cli_obj).exit_code == 0
    minimum = json.loads((folder / "minimum_wage.json").read_text(encoding="utf-8"))
    rates = json.loads((folder / "exchange_rates.json").read_text(encoding="utf-8"))
    # Then, as the bundled files: unique source ids, each with an address
    for data in (minimum, rates):
        ids = [source["id"] for source in data["sources"]]
        assert len(ids) == len(set(ids))
        assert all(source["url"].startswith(("http://", "https://")) for source in data["sources"])
    # Tables in order, not overlapping, whole-yuan tiers, areas resting on cited sources
    known = {source["id"] for source in minimum["sources"]}
    windows = []
    for table in minimum["tables"]:
        assert all(isinstance(v, int) and v > 0 for v in table["tiers"].values())
        assert table["source_ids"] and set(table["source_ids"]) <= known
        assert set(table["tier_source_ids"]) <= known
        if table["prefecture_tiers"] or table["county_tiers"]:
            assert table["tier_source_ids"] and table["basis"].strip()
        end = table["applies_to"]
        windows.append(
            (
                date.fromisoformat(table["applies_from"]),
                date.fromisoformat(end) if end else date.max,
            )
        )
    assert windows == sorted(windows)
    assert all(earlier[1] < later[0] for earlier, later in pairwise(windows))
    assert next(t for t in minimum["tables"] if t["id"] == "xinjiang_2013")["tiers"] == {"1": 1521}
    # Rates as decimal strings, and sources named only for currencies that have rates
    assert set(rates["rate_sources"]) == set(rates["rates"]) and "KGS" not in rates["rates"]
    assert all(
        "." in text and Decimal(text) > 0
        for years in rates["rates"].values()
        for text in years.values()
    )
    assert rates["rates"]["RUB"] == {"2019": "0.1"}
    cited = {source["id"]: source["citation"] for source in rates["sources"]}
    assert [cited[i] for i in rates["year_sources"]["RUB"]["2019"]] == ["Example notice"]


def test_new_source_ids_never_repeat_one_already_listed():
    sources = [{"id": "casedb-t-1", "citation": "Earlier report"}]
    ids = services._cite(sources, [SOURCE, Source(citation="Earlier report")], "casedb-t")
    assert ids == ["casedb-t-2", "casedb-t-1"]
    assert len({source["id"] for source in sources}) == len(sources) == 2
