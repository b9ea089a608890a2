"""`intake stations`, `intake outbox` and `intake import` as people run them, including
an import killed with SIGKILL half-way and run again.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import create_engine, select, text

from intake.cli import CliContext, main
from intake.records.models import SealedRecord

from .conftest import counts, enrol, make_station, seal_documents

ROOT = Path(__file__).resolve().parents[3]


def run(side, *args, passphrase_file=None):
    obj = CliContext(settings=side.settings, database=side.database)
    extra = ["--passphrase-file", passphrase_file] if passphrase_file else []
    return CliRunner().invoke(main, [*args, *extra], obj=obj)


def test_enrol_export_import_and_confirm_by_file(tmp_path, casedb_side, passphrase_file):
    # Given a station that is not enrolled yet, with two sealed records
    station = make_station(tmp_path, casedb_side, "usb")
    documents = seal_documents(station, 2)
    enrolment = tmp_path / "station.enrolment"
    # When the station writes its enrolment file and the case database enrols it
    assert run(station, "outbox", "enrolment", str(enrolment)).exit_code == 0
    added = run(
        casedb_side,
        "stations",
        "add",
        str(enrolment),
        "--label",
        "USB laptop",
        passphrase_file=passphrase_file,
    )
    assert added.exit_code == 0, added.output
    key = re.search(r"case database key: ([0-9a-f]{64})", added.output).group(1)
    listed = run(casedb_side, "stations", "list", passphrase_file=passphrase_file)
    assert key in listed.output and "USB laptop" in listed.output
    trusted = run(station, "outbox", "trust", key, passphrase_file=passphrase_file)
    assert trusted.exit_code == 0, trusted.output
    # And the fingerprint the station shows for the key it trusts is the one the case
    # database shows beside its key, so an administrator can compare the two sides
    shown = re.search(r"fingerprint ([0-9a-f]{32})", trusted.output).group(1)
    assert f"its fingerprint: {shown}" in listed.output
    assert f"which the station shows once it trusts it: {shown}" in added.output
    # And the station exports its outbox to a file, which the case database imports
    bundle = tmp_path / "outbox.bundle"
    exported = run(station, "outbox", "export", str(bundle), passphrase_file=passphrase_file)
    assert exported.exit_code == 0, exported.output
    assert oct(bundle.stat().st_mode & 0o777) == "0o600"
    imported = run(casedb_side, "import", str(bundle), passphrase_file=passphrase_file)
    assert imported.exit_code == 0, imported.output
    assert "2 stored, 0 already received" in imported.output
    # Then the receipt file confirms delivery at the station
    receipt = tmp_path / "outbox.bundle.receipt"
    confirmed = run(station, "outbox", "confirm", str(receipt), passphrase_file=passphrase_file)
    assert confirmed.exit_code == 0, confirmed.output
    assert "2 record(s) and 0 correction(s) marked delivered" in confirmed.output
    with station.database.session() as session:
        assert all(row.sealed is None for row in session.scalars(select(SealedRecord)))
    assert "0 record(s) waiting" in run(station, "outbox", "list").output
    # And the same receipt again is said to be confirmed already, and changes nothing
    twice = run(station, "outbox", "confirm", str(receipt), passphrase_file=passphrase_file)
    assert twice.exit_code == 0, twice.output
    assert "was confirmed on" in twice.output and "marked delivered" not in twice.output
    # And the case database lists both records
    listing = run(casedb_side, "records", "list").output
    assert all(d["record_id"] in listing for d in documents)
    # And importing the same file again is refused as a replay, with status 1
    again = run(casedb_side, "import", str(bundle), passphrase_file=passphrase_file)
    assert again.exit_code == 1 and "imported before" in again.output
    station.database.dispose()


def test_bad_files_give_clear_errors_and_no_traceback(
    tmp_path, casedb_side, station_side, passphrase_file
):
    junk = tmp_path / "junk.bundle"
    junk.write_bytes(b"not a bundle at all")
    missing = str(tmp_path / "missing.bundle")
    result = run(casedb_side, "import", str(junk), missing, passphrase_file=passphrase_file)
    assert result.exit_code == 1
    assert "junk.bundle: refused:" in result.output
    assert "missing.bundle does not exist." in result.output
    assert "Traceback" not in result.output
    # A folder among the files is refused on its own; the other files still go
    folder = tmp_path / "folder"
    folder.mkdir()
    mixed = run(casedb_side, "import", str(folder), str(junk), passphrase_file=passphrase_file)
    assert mixed.exit_code == 1 and "folder is not a regular file." in mixed.output
    assert "junk.bundle: refused:" in mixed.output
    empty = run(
        station_side, "outbox", "export", str(tmp_path / "x"), passphrase_file=passphrase_file
    )
    assert empty.exit_code == 1 and "outbox is empty" in empty.output
    bad_key = run(station_side, "outbox", "trust", "abc", passphrase_file=passphrase_file)
    assert bad_key.exit_code == 1 and "64 hexadecimal digits" in bad_key.output
    assert counts(casedb_side) == (0, 0)


_RUNNER = """
import sys
from pathlib import Path
from intake.cli import CliContext, main
from intake.db import Database
from tests.intake.conftest import make_settings
settings = make_settings(Path(sys.argv[1]), sys.argv[2])
database = Database(settings.database_url, key_file=settings.key_file)
obj = CliContext(settings=settings, database=database)
main(sys.argv[3:], obj=obj)
"""


def _import_process(casedb, bundle: Path, passphrase_file: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            _RUNNER,
            str(casedb.settings.workspace_dir),
            casedb.settings.database_url,
            "import",
            "--workers",
            "1",
            str(bundle),
            "--passphrase-file",
            passphrase_file,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _kill_before_commit(casedb, process) -> list[str]:
    """Kill the import with SIGKILL while its transaction is open, deterministically.

    SQLite: once the import has unlocked and is checking the bundle, the test opens a
    read transaction, so the import writes every row but waits for it to end before it
    can commit; the kill comes once it says it is storing.
    PostgreSQL: the test holds the records table, so the import waits inside its
    transaction; the kill comes once the server shows it waiting for that lock.
    """
    engine = create_engine(casedb.settings.database_url)
    connection = engine.raw_connection()
    seen: list[str] = []
    try:
        cursor = connection.cursor()
        if engine.dialect.name == "sqlite":
            connection.isolation_level = None
            for line in process.stdout:
                seen.append(line)
                if "checking records" in line and len(seen) == 1:
                    # Unlocked and reading the bundle: from now on it may write, not commit.
                    cursor.execute("BEGIN")
                    cursor.execute("SELECT count(*) FROM testimony").fetchall()
                if "verified; storing" in line:
                    break
        else:
            cursor.execute("LOCK TABLE testimony IN SHARE MODE")
            # Autocommit: pg_stat_activity is a snapshot per transaction.
            watcher = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                waiting = watcher.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                    )
                ).scalar()
                if waiting:
                    break
                time.sleep(0.05)
            watcher.close()
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    finally:
        connection.rollback()
        connection.close()
        engine.dispose()
    return seen


def test_an_import_killed_mid_way_leaves_nothing_and_runs_again(
    tmp_path, casedb_side, station_side, passphrase_file
):
    # Given a bundle of many records
    seal_documents(station_side, 150)
    bundle = tmp_path / "big.bundle"
    assert (
        run(
            station_side, "outbox", "export", str(bundle), passphrase_file=passphrase_file
        ).exit_code
        == 0
    )
    casedb_side.database.dispose()
    # When the import is killed with SIGKILL inside its transaction, before its commit
    process = _import_process(casedb_side, bundle, passphrase_file)
    seen = _kill_before_commit(casedb_side, process)
    assert process.returncode == -signal.SIGKILL, "".join(seen)
    # Then nothing of it was imported
    assert counts(casedb_side) == (0, 0)
    # When it is run again / Then the whole bundle is imported
    process = _import_process(casedb_side, bundle, passphrase_file)
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output
    assert "150 stored" in output
    assert counts(casedb_side) == (150, 1)


def test_revoking_on_the_command_line_asks_first(tmp_path, casedb_side, passphrase_file):
    from intake.delivery import services

    def enrol(name: str, label: str) -> None:
        enrolment = tmp_path / f"{name}.enrolment"
        run(make_station(tmp_path, casedb_side, name), "outbox", "enrolment", str(enrolment))
        args = ["stations", "add", str(enrolment), "--label", label]
        run(casedb_side, *args, passphrase_file=passphrase_file)

    def revoked() -> list[bool]:
        with casedb_side.database.session() as session:
            return [station.revoked_at is not None for station in services.list_stations(session)]

    enrol("usb", "Laptop")
    # When the question is answered no, nothing happens
    obj = CliContext(settings=casedb_side.settings, database=casedb_side.database)
    args = ["stations", "revoke", "Laptop", "--passphrase-file", passphrase_file]
    declined = CliRunner().invoke(main, args, obj=obj, input="n\n")
    assert declined.exit_code != 0 and "for good?" in declined.output and revoked() == [False]
    # When it is answered yes, the station is revoked
    agreed = CliRunner().invoke(main, args, obj=obj, input="y\n")
    assert agreed.exit_code == 0 and "Revoked 'Laptop'" in agreed.output and revoked() == [True]
    # And --yes revokes without the question (a second station)
    enrol("second", "Other")
    quiet = CliRunner().invoke(
        main,
        ["stations", "revoke", "Other", "--yes", "--passphrase-file", passphrase_file],
        obj=obj,
    )
    assert quiet.exit_code == 0 and "for good?" not in quiet.output
    assert revoked() == [True, True]


def test_a_correction_goes_with_the_next_bundle_file(tmp_path, casedb_side, passphrase_file):
    # Given a record delivered by file, and a correction to it written on the command line
    station = make_station(tmp_path, casedb_side, "usb")
    enrol(casedb_side, station, "USB laptop")
    (document,) = seal_documents(station, 1)
    first = tmp_path / "first.bundle"
    assert (
        run(station, "outbox", "export", str(first), passphrase_file=passphrase_file).exit_code == 0
    )
    assert run(casedb_side, "import", str(first), passphrase_file=passphrase_file).exit_code == 0
    receipt = f"{first}.receipt"
    assert (
        run(station, "outbox", "confirm", receipt, passphrase_file=passphrase_file).exit_code == 0
    )
    words = tmp_path / "words.txt"
    words.write_text("Born in 1979, not 1980.\n", encoding="utf-8")
    made = run(
        station, "outbox", "correct", document["record_id"], str(tmp_path / "c.age"),
        "--author", "interviewer-07", "--text-file", str(words),
        passphrase_file=passphrase_file,
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    # Then the outbox says it waits
    listed = run(station, "outbox", "list").output
    assert "0 record(s) waiting" in listed and "1 correction(s) waiting" in listed
    # When the next bundle file is written, imported and its receipt confirmed
    second = tmp_path / "second.bundle"
    exported = run(station, "outbox", "export", str(second), passphrase_file=passphrase_file)
    assert "0 record(s), 1 correction(s)" in exported.output, exported.output
    imported = run(casedb_side, "import", str(second), passphrase_file=passphrase_file)
    assert imported.exit_code == 0, imported.output
    assert "corrections: 1 kept, 0 for records this station did not deliver" in imported.output
    receipt = f"{second}.receipt"
    confirmed = run(station, "outbox", "confirm", receipt, passphrase_file=passphrase_file)
    # Then the station's copy is gone, and nothing waits
    assert "0 record(s) and 1 correction(s) marked delivered" in confirmed.output
    assert "correction(s) waiting" not in run(station, "outbox", "list").output
    station.database.dispose()


def test_a_receipt_enrolment_or_record_given_to_import_says_where_it_goes(
    tmp_path, casedb_side, station_side, passphrase_file
):
    # Given the files a hurried coordinator may pick by mistake: a plain receipt, a
    # station's enrolment file and a record's JSON
    enrolment = tmp_path / "station.enrolment"
    assert run(station_side, "outbox", "enrolment", str(enrolment)).exit_code == 0
    receipt = tmp_path / "old.receipt"
    receipt.write_text('{"format": "intake-receipt-file-v1", "payload": "", "signature": ""}')
    record = tmp_path / "record.json"
    record.write_text((ROOT / "tests/fixtures/records/valid/worked_example.json").read_text())
    for path in (enrolment, receipt, record):
        # When it is imported / Then it is refused with where such a file goes
        result = run(casedb_side, "import", str(path), passphrase_file=passphrase_file)
        assert result.exit_code == 1, result.output
        assert "not a bundle or a correction from a station" in result.output
        assert "Stations page" in result.output and "back to the station" in result.output
    # And a large file given as an enrolment is not called just "too large"
    added = run(
        casedb_side, "stations", "add", str(record), "--label", "x",
        passphrase_file=passphrase_file,
    )  # fmt: skip
    assert added.exit_code == 1 and "is not a station enrolment file" in added.output
    assert counts(casedb_side) == (0, 0)


def test_trust_asks_before_replacing_a_kept_key(station_side, passphrase_file):
    from crypto import SigningKey
    from intake.delivery import services

    def kept() -> str:
        with station_side.database.session() as session:
            return services.trusted_casedb_key(session, station_side.keys).to_bytes().hex()

    # Given a station that keeps its case database's key
    first, second = kept(), SigningKey.generate().verify_key.to_bytes().hex()
    # When the same key is given again / Then it is kept without a question
    assert (
        run(station_side, "outbox", "trust", first, passphrase_file=passphrase_file).exit_code == 0
    )
    # When another key is given and the question is answered no / Then the first stays
    obj = CliContext(settings=station_side.settings, database=station_side.database)
    args = ["outbox", "trust", second, "--passphrase-file", passphrase_file]
    refused = CliRunner().invoke(main, args, obj=obj, input="n\n")
    assert refused.exit_code != 0 and "keeps another case database key" in refused.output
    assert kept() == first
    # When it is answered yes, or --yes is given / Then the new key is kept
    assert CliRunner().invoke(main, args, obj=obj, input="y\n").exit_code == 0
    assert kept() == second
    assert CliRunner().invoke(main, [*args[:2], first, "--yes", *args[3:]], obj=obj).exit_code == 0
    assert kept() == first
