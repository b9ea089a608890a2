"""Delivery → Records after an erasure: an erased record says so, not a wrong origin."""

from __future__ import annotations

import re
import uuid

import pytest

from intake.delivery import services

from .conftest import enrol, import_data, make_bundle, make_station, seal_documents, web_casedb
from .test_addenda import _erase


def _row(page: str, record_id: str) -> str:
    found = re.search(rf"<tr>\s*<td><code>{record_id}</code>.*?</tr>", page, re.S)
    assert found is not None, record_id
    return found.group(0)


def test_an_erased_delivered_record_reads_as_erased(app, database, settings, tmp_path):
    # Given two records delivered by a station, one of them then erased
    client, casedb = web_casedb(app, database, settings)
    station = make_station(tmp_path, casedb)
    enrol(casedb, station, label="Laptop 1")
    kept, gone = (d["record_id"] for d in seal_documents(station, 2))
    import_data(casedb, make_bundle(station))
    _erase(casedb, uuid.UUID(gone))
    # When the administrator opens Delivery → Records
    with database.session() as session:
        rows, _ = services.records_page(session, casedb.keys, page=1)
    page = client.get("/delivery/records").get_data(as_text=True)
    # Then the erased record is listed as erased, not as entered here
    erased = {str(row.record_id): row for row in rows}[gone]
    assert erased.is_erased and erased.station is None
    assert "erased" in _row(page, gone) and "entered here" not in _row(page, gone)
    # And the other still names its station
    assert "Laptop 1" in _row(page, kept) and "erased" not in _row(page, kept)
    station.database.dispose()


@pytest.mark.parametrize("number", ["99999999999999999999", "9223372036854775807", "0", "-3"])
def test_a_page_number_out_of_range_shows_a_page_not_a_server_error(
    app, database, settings, tmp_path, number
):
    # Given one record delivered by a station
    client, casedb = web_casedb(app, database, settings)
    station = make_station(tmp_path, casedb)
    enrol(casedb, station, label="Laptop 1")
    [document] = seal_documents(station, 1)
    import_data(casedb, make_bundle(station))
    # When Delivery → Records is asked for a page far past the end, or below the first
    page = client.get(f"/delivery/records?page={number}")
    # Then a page is shown: past the end it is empty, below the first it is the first
    assert page.status_code == 200
    listed = document["record_id"] in page.get_data(as_text=True)
    assert listed is (number in ("0", "-3"))
    station.database.dispose()
