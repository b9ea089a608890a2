"""Sending over HTTP: the endpoint, a live case database, and a send broken half-way."""

from __future__ import annotations

import re
import socket
import threading
import time
import uuid
from collections.abc import Callable

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from crypto import SigningKey
from intake.delivery import services
from intake.errors import IntakeError
from intake.records.models import SealedRecord

from .conftest import (
    Side,
    counts,
    enrol,
    import_data,
    make_bundle,
    make_station,
    payload_of,
    seal_documents,
    seal_raw,
)
from .test_faults import rebundle, resign


def post(app, data: bytes):
    return app.test_client().post(
        services.ENDPOINT, data=data, content_type="application/octet-stream"
    )


def test_a_station_sends_over_the_network_and_its_records_are_delivered(
    casedb_side, station_side, casedb_url
):
    # Given three sealed records / When the station sends its outbox
    documents = seal_documents(station_side, 3)
    with station_side.database.session() as session:
        result = services.send_outbox(session, station_side.keys, casedb_url + "/")
    # Then all three are stored there and delivered here, with no sealed blob left
    assert len(result.delivered) == 3 and result.bundles == 1
    assert counts(casedb_side) == (3, 1)
    with station_side.database.session() as session:
        rows = session.scalars(select(SealedRecord)).all()
    assert {str(r.id) for r in rows} == {d["record_id"] for d in documents}
    assert all(r.sealed is None and r.delivered_on for r in rows)
    # And a second send says there is nothing to deliver
    with pytest.raises(services.OutboxEmptyError), station_side.database.session() as session:
        services.send_outbox(session, station_side.keys, casedb_url)


def test_large_outboxes_go_in_several_bundles(casedb_side, station_side, casedb_url):
    seal_documents(station_side, 3)
    with station_side.database.session() as session:
        result = services.send_outbox(session, station_side.keys, casedb_url, max_bundle_bytes=1)
    assert result.bundles == 3 and len(result.delivered) == 3
    assert counts(casedb_side) == (3, 3)


def test_an_unknown_key_and_a_bad_signature_get_the_same_answer(
    casedb_app, casedb_side, station_side
):
    seal_documents(station_side, 1)
    data = make_bundle(station_side)
    stranger = SigningKey.generate()

    def as_stranger(manifest):
        manifest["station_key"] = stranger.verify_key.to_bytes().hex()

    unknown = rebundle(casedb_side, data, lambda e: resign(e, stranger, as_stranger))
    forged = rebundle(casedb_side, data, lambda e: resign(e, stranger, lambda m: None))
    answers = [post(casedb_app, body) for body in (unknown, forged, b"garbage", data[:-5])]
    assert {(a.status_code, a.get_data()) for a in answers} == {
        (403, b'{"error":"The bundle was not accepted."}\n')
    }
    assert counts(casedb_side) == (0, 0)
    # And the real bundle is accepted, with a receipt; its replay is refused and said so
    accepted = post(casedb_app, data)
    assert accepted.status_code == 200 and accepted.mimetype == "application/octet-stream"
    # sealed for the station: only it reads the receipt inside
    assert b"intake-receipt-file-v1" not in accepted.get_data()
    assert b"intake-receipt-file-v1" in services._opened_receipt(
        station_side.keys, accepted.get_data()
    )
    replay = post(casedb_app, data)
    assert replay.status_code == 409 and "imported before" in replay.get_json()["error"]


def test_a_replayed_or_refused_bundle_s_answer_names_nothing_from_it(
    tmp_path, casedb_app, casedb_side, station_side
):
    # Given a bundle imported once, as anyone who copied it could post it again
    (document,) = seal_documents(station_side, 1)
    data = make_bundle(station_side)
    assert post(casedb_app, data).status_code == 200
    with casedb_side.database.session() as session:
        label = services.station_label(casedb_side.keys, services.list_stations(session)[0])
    # When it is posted again / Then it is refused, without the station's label or number
    replay = post(casedb_app, data)
    answer = replay.get_json()["error"]
    assert replay.status_code == 409 and "imported before" in answer
    assert label not in answer and "number" not in answer
    # Given a second station's bundle whose record has the first one's id, other content
    other = make_station(tmp_path, casedb_side, "second")
    enrol(casedb_side, other, "Laptop of Aigerim")
    changed = {key: value for key, value in document.items() if key != "narrative"}
    seal_raw(
        other,
        uuid.UUID(document["record_id"]),
        payload_of(changed),
        casedb_side.keys.identity.recipient,
    )
    # When it is posted / Then it is refused as a conflict, naming neither record nor station
    conflict = post(casedb_app, make_bundle(other))
    answer = conflict.get_json()["error"]
    assert conflict.status_code == 409 and "Nothing was imported" in answer
    assert document["record_id"] not in answer and "Aigerim" not in answer
    assert counts(casedb_side) == (1, 1)
    # And at the case database itself, the same file is refused with the record's id
    with pytest.raises(services.RecordConflictError, match=document["record_id"]):
        import_data(casedb_side, make_bundle(other))
    other.database.dispose()


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("ru", "повторно присланный пакет отклоняется"),
        ("kk", "қайталанған топтама қабылданбайды"),
        ("ug", "قايتا يوللانغان بوغچا رەت قىلىنىدۇ"),
        ("zh", "重放的数据包一律拒收"),
    ],
)
def test_the_station_shows_the_case_database_s_refusal_in_its_own_language(
    casedb_app, casedb_side, station_side, casedb_url, language, said
):
    # Given a bundle the case database has imported, posted to it again
    seal_documents(station_side, 1)
    data = make_bundle(station_side)
    services.post_bundle(casedb_url, data)
    with pytest.raises(services.RefusedSendError) as refused:
        services.post_bundle(casedb_url, data)
    # Then the refusal came in English, and the station's page shows it translated
    assert "imported before" in refused.value.message
    with casedb_app.test_request_context(), force_locale(language):
        shown = refused.value.translated()
    assert said in shown and "imported before" not in shown


def test_a_refusal_the_station_does_not_know_is_shown_as_it_came(casedb_app):
    # Given a case database that answers with a text that is none of this app's
    # messages (a newer version, or not this app), placeholders and all
    error = services.RefusedSendError(
        "The case database refused the bundle: %(reason)s The records stay in the outbox.",
        reason="Unknown trouble %(url)s 100%.",
    )
    # Then the station shows it as it came, around its own translated words
    with casedb_app.test_request_context(), force_locale("ru"):
        shown = error.translated()
        # And an empty answer stays empty (not the catalogue's header)
        empty = services.RefusedSendError(error.template, reason="").translated()
        # And another of this app's messages is not dressed in the reader's language:
        # only the endpoint's own answers are
        other = services.RefusedSendError(error.template, reason="Unlock").translated()
    assert "Unknown trouble %(url)s 100%." in shown and "The records stay" not in shown
    assert "Project-Id-Version" not in empty and "пакет" in empty
    assert ": Unlock " in other and "Разблокировать" not in other


def test_a_stranger_s_refusal_is_shown_in_the_station_s_language(
    casedb_app, casedb_side, station_side, casedb_url
):
    # Given a station the case database has revoked
    seal_documents(station_side, 1)
    with casedb_side.database.session() as session:
        services.revoke_station(session, casedb_side.keys, services.list_stations(session)[0])
    # When it sends / Then the refusal that says nothing of why is shown in Kazakh
    with pytest.raises(services.RefusedSendError) as refused:
        services.post_bundle(casedb_url, make_bundle(station_side))
    with casedb_app.test_request_context(), force_locale("kk"):
        assert "Топтама қабылданбады." in refused.value.translated()


def test_a_revoked_station_gets_the_same_answer_as_a_stranger(
    casedb_app, casedb_side, station_side
):
    seal_documents(station_side, 1)
    with casedb_side.database.session() as session:
        services.revoke_station(session, casedb_side.keys, services.list_stations(session)[0])
    answer = post(casedb_app, make_bundle(station_side))
    assert answer.status_code == 403
    assert answer.get_json() == {"error": "The bundle was not accepted."}


def test_a_locked_case_database_asks_to_send_later(casedb_app, casedb_side, station_side):
    seal_documents(station_side, 1)
    casedb_app.extensions["intake"].vault.clear()
    assert post(casedb_app, make_bundle(station_side)).status_code == 503
    assert counts(casedb_side) == (0, 0)


def test_a_bundle_larger_than_the_limit_is_refused(casedb_app):
    limit = casedb_app.extensions["intake"].settings.max_request_bytes
    assert post(casedb_app, bytes(limit + 1)).status_code == 413


def _half_way_server() -> tuple[str, threading.Thread]:
    """A server that reads part of the request and then drops the connection."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        connection, _ = listener.accept()
        connection.recv(2048)
        connection.close()
        listener.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}", thread


def _failed_send(station: Side, url: str, server: threading.Thread) -> tuple[str, int]:
    """Send the outbox to ``url``, which must fail: what the station says, and how many
    records are still in its outbox."""
    with pytest.raises(services.SendError) as caught, station.database.session() as session:
        services.send_outbox(session, station.keys, url)
    server.join(timeout=15)
    with station.database.session() as session:
        return str(caught.value), len(services.undelivered(session))


def test_a_send_broken_half_way_keeps_the_records_and_sends_again(
    casedb_side, station_side, casedb_url
):
    # Given two sealed records and a connection that breaks half-way
    seal_documents(station_side, 2)
    # When the station sends / Then it says so and keeps both records in the outbox
    said, kept = _failed_send(station_side, *_half_way_server())
    assert "stay in the outbox" in said and kept == 2
    # When it sends again to the real case database / Then both are delivered
    with station_side.database.session() as session:
        result = services.send_outbox(session, station_side.keys, casedb_url)
    assert len(result.delivered) == 2
    assert counts(casedb_side) == (2, 1)


def test_a_lost_receipt_then_a_resend_delivers_as_already_received(
    casedb_side, station_side, casedb_url
):
    # Given a bundle that reached the case database, whose receipt was lost on the way
    seal_documents(station_side, 2)
    with station_side.database.session() as session:
        bundle = services.build_bundle(session, station_side.keys)
    services.post_bundle(casedb_url, bundle.data)
    # When the station sends again / Then the records are confirmed as already received
    with station_side.database.session() as session:
        result = services.send_outbox(session, station_side.keys, casedb_url)
    assert len(result.delivered) == 2
    assert counts(casedb_side) == (2, 2)


def _silent_server() -> tuple[socket.socket, threading.Thread]:
    """A listener that accepts a connection and reads it without ever answering, as a
    plain-HTTP server does with a TLS greeting (it waits for the end of a line)."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.settimeout(30)
            try:
                while connection.recv(4096):
                    pass
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener, thread


def test_an_address_that_never_answers_the_handshake_fails_soon_with_a_hint():
    # Given a server that takes the connection and never answers (https:// given for a
    # server that speaks plain HTTP)
    listener, thread = _silent_server()
    port = listener.getsockname()[1]
    try:
        # When a bundle is sent there with a short connection limit (and a long
        # timeout for the rest) / Then it fails at the limit, saying to check the scheme
        started = time.monotonic()
        with pytest.raises(services.SendError, match=r"including http:// or https://"):
            services.post_bundle(
                f"https://127.0.0.1:{port}/", b"bundle", timeout=600, connect_timeout=0.5
            )
        # (the server holds the connection for 30 s: only the connection limit ends it)
        assert time.monotonic() - started < 10
    finally:
        listener.close()
        thread.join(timeout=35)


def test_a_wrong_path_says_no_case_database_answers_there(casedb_url):
    # When a bundle is sent to a path of the case database's host that is not its own
    # Then the station is told that no case database answers at that address
    with pytest.raises(services.SendError, match=r"No case database answers at .* \(HTTP 404\)"):
        services.post_bundle(casedb_url.rstrip("/") + "/elsewhere/", b"bundle")


def _read_request(connection: socket.socket) -> None:
    """Read a whole HTTP request (headers, then the body its Content-Length gives)."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += (more := connection.recv(65536))
        if not more:
            return  # the station closed the connection
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
    while len(body) < length:
        body += (more := connection.recv(65536))
        if not more:
            return


def _answering_server(answer: Callable[[socket.socket], None]) -> tuple[str, threading.Thread]:
    """A server that reads one whole request and then calls ``answer`` on the
    connection (a write that fails means the station closed it)."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        connection, _ = listener.accept()
        connection.settimeout(10)
        try:
            _read_request(connection)
            answer(connection)
        except OSError:
            pass  # the station stopped reading and closed the connection
        finally:
            connection.close()
            listener.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}", thread


def _endless(connection: socket.socket) -> None:
    """200, and a body that does not end."""
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n")
    while True:
        connection.sendall(b"\0" * 65536)


def _cut_short(connection: socket.socket) -> None:
    """An answer said to hold 5,000 bytes, of which 100 are sent before closing."""
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + b"\0" * 100)


def test_an_answer_larger_than_a_receipt_is_not_read_and_the_records_stay(
    monkeypatch, station_side
):
    # Given a sealed record, and an address that answers without end
    monkeypatch.setattr(services, "MAX_RECEIPT_BYTES", 1_000_000)
    seal_documents(station_side, 1)
    # When the station sends / Then it stops reading, says so, and keeps the record
    said, kept = _failed_send(station_side, *_answering_server(_endless))
    assert "larger than a receipt can be" in said and kept == 1


def test_a_bundle_sent_to_a_station_s_address_is_told_it_is_no_case_database(station_side):
    from intake.delivery.routes import _network_answer

    # Given a bundle posted to a station (its own address typed by mistake)
    seal_documents(station_side, 1)
    data = make_bundle(station_side)
    with pytest.raises(IntakeError) as caught, station_side.database.session() as session:
        services.import_bundle(session, station_side.keys, data)
    # Then the answer says the address is not a case database, not that a record failed
    answer = _network_answer(caught.value)
    assert "not a case database" in answer and "record" not in answer


def test_a_receipt_cut_short_is_a_broken_connection_and_the_records_stay(station_side):
    seal_documents(station_side, 1)
    said, kept = _failed_send(station_side, *_answering_server(_cut_short))
    assert "the connection broke" in said and kept == 1
