"""`intake stations`, `intake outbox` and `intake import`: enrol stations, deliver
sealed records by network or file, import bundles and confirm receipts.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click

from intake.cli import CliContext, passphrase_option, unlocked
from intake.delivery import addenda, services
from intake.delivery.bundles import MAX_BUNDLE_BYTES
from intake.errors import N_, IntakeError
from intake.progress import Progress
from intake.workspace.services import station_fingerprint
from intake.workspace.vault import UnlockedKeys

#: A file named on the command line: checked where it is read (:func:`_read_input`), so a
#: missing file or a folder among many is told of and the others still go.
_FILE = click.Path(path_type=Path)


class DeliveryFileError(IntakeError):
    """A file to read or write for delivery cannot be used."""


@contextmanager
def _progress_bar(label: str) -> Iterator[Progress]:
    """A click progress bar fed by ``progress(done, total)``; made on the first call."""
    state: dict[str, Any] = {}

    def progress(done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = click.progressbar(length=max(total, 1), label=label, file=sys.stderr)
            state["bar"].__enter__()
            state["done"] = 0
        state["bar"].update(done - state["done"])
        state["done"] = done

    try:
        yield progress
    finally:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)


def _today() -> date:
    return datetime.now(UTC).date()


def _read_input(path: Path, limit: int) -> bytes:
    """A regular file's bytes, refused clearly if missing, special or too large."""
    if not path.exists():
        raise DeliveryFileError(N_("%(path)s does not exist."), path=str(path))
    if not path.is_file():
        raise DeliveryFileError(N_("%(path)s is not a regular file."), path=str(path))
    if path.stat().st_size > limit:
        raise DeliveryFileError(N_("%(path)s is too large."), path=str(path))
    return path.read_bytes()


def _refuse_existing(path: Path, failure: type[IntakeError] = DeliveryFileError) -> None:
    """Refuse a file name taken already, before the long work whose result it is for
    (:func:`_write_new` refuses it again when writing, never overwriting)."""
    if path.exists():
        raise failure(N_("%(path)s exists already; choose another name."), path=str(path))


def _write_new(path: Path, data: bytes, failure: type[IntakeError] = DeliveryFileError) -> None:
    """Write ``data`` to a new file readable only by its owner; never overwrite. A file
    that cannot be written raises ``failure``.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise failure(N_("%(path)s exists already; choose another name."), path=str(path)) from None
    except OSError as error:
        raise failure(
            N_("%(path)s cannot be written: %(reason)s"), path=str(path), reason=error.strerror
        ) from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


# --- case database: stations --------------------------------------------------------------


@click.group()
def stations() -> None:
    """Enrol, list and revoke the stations whose bundles this case database accepts."""


@stations.command("add")
@click.argument("enrolment", type=_FILE)
@click.option("--label", required=True, help='What to call the station, e.g. "Almaty laptop 2".')
@passphrase_option
@click.pass_obj
def stations_add(
    obj: CliContext, enrolment: Path, label: str, passphrase_file: Path | None
) -> None:
    """Enrol the station whose ENROLMENT file (from `intake outbox enrolment`) is given.

    Compare the fingerprint printed here with the one on the station's Delivery
    page (or printed by `intake outbox enrolment` there).
    """
    if enrolment.is_file() and enrolment.stat().st_size > 10_000:
        raise DeliveryFileError(
            N_(
                "%(path)s is not a station enrolment file: those are a few hundred bytes, "
                "written by intake outbox enrolment at the station."
            ),
            path=str(enrolment),
        )
    text = _read_input(enrolment, 10_000).decode("utf-8", errors="replace")
    keys = unlocked(obj, passphrase_file)
    with obj.database.session() as session:
        station = services.enrol_station(session, keys, text, label=label)
        fingerprint = services.fingerprint_of(station)
        receiving = services.receiving_key_text(session, keys)
    click.echo(f"Enrolled {label!r}, fingerprint {fingerprint}.")
    click.echo(f"Give the station this case database key: {receiving}")
    shown = services.key_fingerprint(receiving)
    click.echo(f"Its fingerprint, which the station shows once it trusts it: {shown}")


@stations.command("list")
@passphrase_option
@click.pass_obj
def stations_list(obj: CliContext, passphrase_file: Path | None) -> None:
    """List enrolled stations, and this case database's key for stations to trust.
    The labels are kept encrypted: the passphrase is asked for."""
    keys = unlocked(obj, passphrase_file)
    with obj.database.session() as session:
        receiving = services.stored_receiving_key(session)
        click.echo(f"case database key: {receiving or '(made when the first station is enrolled)'}")
        if receiving:
            click.echo(f"its fingerprint: {services.key_fingerprint(receiving)}")
        for station in services.list_stations(session):
            state = f"revoked {station.revoked_at:%Y-%m-%d}" if station.revoked_at else "active"
            label = services.station_label(keys, station)
            click.echo(f"{services.fingerprint_of(station)}  {state:18}  {label}")


@stations.command("revoke")
@click.argument("station")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@passphrase_option
@click.pass_obj
def stations_revoke(obj: CliContext, station: str, yes: bool, passphrase_file: Path | None) -> None:
    """Refuse every later bundle from STATION (its label, or fingerprint start), with
    the records still in its outbox. This cannot be undone: its key cannot be enrolled
    again. What it delivered before is kept."""
    keys = unlocked(obj, passphrase_file)
    with obj.database.session() as session:
        found = services.find_station(session, keys, station)
        label = services.station_label(keys, found)
        if not yes:
            click.confirm(
                f"Revoke the station {label!r} ({services.fingerprint_of(found)}) for "
                "good? Its later bundles are refused, with the records still in its outbox.",
                abort=True,
            )
        services.revoke_station(session, keys, found)
        click.echo(f"Revoked {label!r}; what it delivered before is kept.")


# --- case database: import -------------------------------------------------------------------


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=_FILE)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=os.cpu_count() or 1,
    show_default=True,
    help="Processes that open and check records of large bundles.",
)
@passphrase_option
@click.pass_obj
def import_(
    obj: CliContext, files: tuple[Path, ...], workers: int, passphrase_file: Path | None
) -> None:
    """Import each bundle FILE whole or not at all, and write its receipt to FILE.receipt.

    Carry the receipt back to the station: `intake outbox confirm FILE.receipt`.
    A FILE may also be a station's correction (an addendum): it is checked
    and kept beside its record; it has no receipt. A correction whose record is
    not stored yet is tried again after every other FILE, so it may come before
    the bundle that holds its record.
    Exit status 1 if any file was refused.
    """
    keys = unlocked(obj, passphrase_file)
    refused = 0
    # A correction whose record is not stored yet waits until every other file was
    # tried: its bundle may be among them, in whatever order the names came.
    waiting: list[Path] = []
    for path in files:
        refused += not _import_one(obj, keys, path, workers, waiting)
    for path in waiting:
        refused += not _import_one(obj, keys, path, workers, None)
    sys.exit(1 if refused else 0)


def _import_one(
    obj: CliContext, keys: UnlockedKeys, path: Path, workers: int, waiting: list[Path] | None
) -> bool:
    """Import one bundle or correction FILE and say what happened; False if refused.
    A correction for a record not stored yet is put in ``waiting`` when one is given."""
    try:
        data = _read_input(path, MAX_BUNDLE_BYTES)
        label = f"{path}: checking records"
        with _progress_bar(label) as progress, obj.database.session() as session:
            result = addenda.import_file(session, keys, data, progress=progress, workers=workers)
            if isinstance(result, addenda.AddendumResult):
                click.echo(_addendum_outcome(path, result))
                return True
            click.echo(f"{path}: verified; storing {len(result.stored)} records")
        receipt_path = path.with_name(path.name + ".receipt")
        if receipt_path.exists():
            receipt_path = path.with_name(f"{path.name}.{uuid.uuid4().hex[:8]}.receipt")
        _write_new(receipt_path, result.receipt)
    except addenda.RecordNotHereError as error:
        if waiting is None:
            return _refused(path, error)
        click.echo(f"{path}: a correction for a record not stored yet; tried again last")
        waiting.append(path)
        return True
    except IntakeError as error:
        return _refused(path, error)
    click.echo(
        f"{path}: {len(result.stored)} stored, {len(result.already)} already received, "
        f"from {result.station_label!r}; receipt: {receipt_path}"
    )
    if result.addenda:
        click.echo(
            f"{path}: corrections: {result.corrections_kept} kept, "
            f"{result.corrections_waiting} for records this station did not deliver here "
            "(not arrived yet, or erased; the station sends them again), "
            f"{result.corrections_refused} refused"
        )
    return True


def _refused(path: Path, error: IntakeError) -> bool:
    click.echo(f"{path}: refused: {error}")
    for problem in getattr(error, "problems", []):
        click.echo(f"{path}:   {problem}")
    return False


def _addendum_outcome(path: Path, result: addenda.AddendumResult) -> str:
    if result.already:
        return f"{path}: correction {result.addendum_id} was already received; nothing new stored"
    return (
        f"{path}: correction {result.addendum_id} to record {result.record_id} stored, "
        f"from {result.station_label!r}; read it on the record's page"
    )


# --- station: the outbox ---------------------------------------------------------------------


@click.group()
def outbox() -> None:
    """Deliver this station's sealed records to the case database."""


@outbox.command("list")
@click.pass_obj
def outbox_list(obj: CliContext) -> None:
    """Records waiting for delivery, oldest first: ids, days and sealed hashes only;
    then how many corrections wait to go with them."""
    with obj.database.session() as session:
        rows = services.undelivered(session)
        for row in rows:
            click.echo(f"{row.id}  sealed {row.sealed_on}  sha256 {row.sha256}")
        click.echo(f"{len(rows)} record(s) waiting for delivery.")
        corrections = services.waiting_addenda_count(session)
        if corrections:
            click.echo(f"{corrections} correction(s) waiting to go with the next bundle.")


@outbox.command("correct")
@click.argument("record_id", type=click.UUID)
@click.argument("file", type=_FILE)
@click.option("--author", required=True, help="Your interviewer pseudonym, sent with it.")
@click.option(
    "--text-file",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="UTF-8 file with the correction in words: what was wrong and what is right.",
)
@click.option(
    "--field",
    "fields",
    multiple=True,
    help="A field it corrects, e.g. '$.victim.birth_date'; repeatable.",
)
@passphrase_option
@click.pass_obj
def outbox_correct(
    obj: CliContext,
    record_id: uuid.UUID,
    file: Path,
    author: str,
    text_file: Path,
    fields: tuple[str, ...],
    passphrase_file: Path | None,
) -> None:
    """Write a correction (addendum) to RECORD_ID, sealed at this station, into FILE.

    The same as the correction page: signed with this station's key and sealed to
    the organisation. It also waits in the outbox and goes with the next bundle (intake
    outbox send or export); FILE is a copy to deliver by hand (intake import takes it).
    """
    from intake.interview.addenda import MAX_TEXT, record_addendum

    _refuse_existing(file)
    try:
        text = _read_input(text_file, 4 * MAX_TEXT).decode("utf-8")
    except UnicodeDecodeError:
        raise DeliveryFileError(N_("%(path)s is not UTF-8 text."), path=str(text_file)) from None
    keys = unlocked(obj, passphrase_file)
    with obj.database.session() as session:
        services.sealed_record_id(session, record_id)
        sealed = record_addendum(
            session, keys, record_id, text, list(fields), _today(), author=author.strip()
        )
        # Written before the correction is kept: a file that cannot be written leaves
        # nothing waiting that its author does not know of.
        _write_new(file, sealed.sealed)
    click.echo(
        f"Wrote {file}: correction {sealed.addendum_id} to record {record_id}, for "
        "carrying by hand (the case database imports it with intake import). It also waits "
        "in the outbox and goes with the next bundle (intake outbox send or export)."
    )


@outbox.command("enrolment")
@click.argument("file", type=_FILE)
@click.pass_obj
def outbox_enrolment(obj: CliContext, file: Path) -> None:
    """Write this station's enrolment FILE (its public key) for the case database."""
    with obj.database.session() as session:
        text = services.enrolment_text(session)
        fingerprint = station_fingerprint(session)
    _write_new(file, text.encode())
    click.echo(f"Wrote {file}. At the case database: intake stations add {file.name} --label ...")
    click.echo(f"This station's fingerprint, to compare with the one printed there: {fingerprint}")


@outbox.command("trust")
@click.argument("key")
@click.option("--yes", is_flag=True, help="Replace a kept key without asking.")
@passphrase_option
@click.pass_obj
def outbox_trust(obj: CliContext, key: str, yes: bool, passphrase_file: Path | None) -> None:
    """Keep the case database's KEY (64 hex digits, from `intake stations list`). If
    another key is kept, asks before replacing it: receipts signed with that one are
    refused from then on."""
    keys = unlocked(obj, passphrase_file)
    with obj.database.session() as session:
        replaced = services.replaced_casedb_key(session, keys, key)
        if replaced is not None and not yes:
            click.echo(f"This station keeps another case database key ({replaced[0]}).")
            click.confirm(f"Keep {replaced[1]} instead?", abort=True, err=True)
        fingerprint = services.trust_casedb_key(session, keys, key)
    click.echo(
        f"Receipts signed by the case database key with fingerprint {fingerprint} are now "
        "accepted. Compare it with the fingerprint on the case database's Stations page "
        "(intake stations list)."
    )


@outbox.command("send")
@click.argument("url")
@passphrase_option
@click.pass_obj
def outbox_send(obj: CliContext, url: str, passphrase_file: Path | None) -> None:
    """Send every undelivered record, and the corrections waiting, to the case
    database at URL (https://...).

    Delivered records and corrections are marked and their sealed files deleted once
    the signed receipt is checked; whatever fails stays in the outbox for the next send.
    """
    keys = unlocked(obj, passphrase_file)
    with _progress_bar("sending") as progress, obj.database.session() as session:
        result = services.send_outbox(session, keys, url, progress=progress)
    click.echo(
        f"Delivered {len(result.delivered)} record(s) and {len(result.corrections)} "
        f"correction(s) in {result.bundles} bundle(s)."
    )
    _say_refused(result.refused)


@outbox.command("export")
@click.argument("file", type=_FILE)
@passphrase_option
@click.pass_obj
def outbox_export(obj: CliContext, file: Path, passphrase_file: Path | None) -> None:
    """Write every undelivered record, and the corrections waiting, into one bundle
    FILE (for a USB stick).

    They stay in the outbox until the receipt is confirmed.
    """
    keys = unlocked(obj, passphrase_file)
    _refuse_existing(file)
    with _progress_bar("packing") as progress, obj.database.session() as session:
        bundle = services.build_bundle(session, keys, progress=progress)
        _write_new(file, bundle.data)
    click.echo(
        f"Wrote {file}: {len(bundle.record_ids)} record(s), "
        f"{len(bundle.addendum_ids)} correction(s), bundle number {bundle.sequence}. "
        f"Import it at the case database, then: intake outbox confirm {file.name}.receipt"
    )


@outbox.command("confirm")
@click.argument("receipt", type=_FILE)
@passphrase_option
@click.pass_obj
def outbox_confirm(obj: CliContext, receipt: Path, passphrase_file: Path | None) -> None:
    """Check a RECEIPT file from the case database and mark its records delivered."""
    data = _read_input(receipt, services.MAX_RECEIPT_BYTES)
    keys = unlocked(obj, passphrase_file)
    try:
        with obj.database.session() as session:
            confirmed = services.confirm_receipt(session, keys, data)
    except services.ReceiptConfirmedError as done:
        click.echo(str(done))
        return
    click.echo(
        f"{len(confirmed.records)} record(s) and {len(confirmed.corrections)} correction(s) "
        "marked delivered; their sealed files are deleted."
    )
    _say_refused(confirmed.refused)


def _say_refused(refused: list[uuid.UUID]) -> None:
    for addendum_id in refused:
        click.echo(
            f"Correction {addendum_id} was refused by the case database for good (another "
            "correction there has the same id); it was deleted here. Record it again if it "
            "is still needed."
        )
