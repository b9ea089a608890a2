"""The web app: first-run set-up, unlock, sign-in, lock, headers and CSRF."""

import re

import pytest

from crypto import Identity

from .conftest import ADMIN_PASSWORD, PASSPHRASE, _signed_in_client, csrf_token, init, unlock


def _setup_form(client, **overrides):
    data = {
        "role": "casedb",
        "organisation_name": "Example Rights Group",
        "language": "kk",
        "admin_username": "aigerim",
        "admin_password": "a long admin password",
        "passphrase": PASSPHRASE,
        "passphrase_confirm": PASSPHRASE,
        "recipients": "",
    }
    data.update(overrides)
    data["csrf_token"] = csrf_token(client.get("/setup").get_data(as_text=True))
    return client.post("/setup", data=data)


def test_empty_workspace_leads_to_setup(client):
    response = client.get("/")
    assert response.headers["Location"].endswith("/setup")
    page = client.get("/setup").get_data(as_text=True)
    assert "Set up this workspace" in page and "passphrase" in page


def test_first_run_case_database_creates_admin_identity_and_signs_in(client):
    # When the set-up form is sent for a case database
    response = _setup_form(client)
    # Then the admin is signed in and sees the organisation recipient
    assert response.status_code == 302 and response.headers["Location"].endswith("/keys")
    keys_page = client.get("/keys").get_data(as_text=True)
    assert "age1" in keys_page
    # And the language chosen at set-up is used
    assert 'lang="kk"' in keys_page


def test_first_run_station_needs_a_valid_recipient(client):
    # Given no recipient / Then the form says so beside the field and nothing is set up
    page = _setup_form(client, role="station").get_data(as_text=True)
    assert "needs the case database" in page
    assert client.get("/").headers["Location"].endswith("/setup")
    # Given a malformed recipient / Then a clear message and still nothing set up
    page = _setup_form(client, role="station", recipients="age1bogus").get_data(as_text=True)
    assert "not an age recipient" in page
    assert client.get("/").headers["Location"].endswith("/setup")
    # Given a real one / Then the station is set up
    response = _setup_form(client, role="station", recipients=Identity.generate().recipient)
    assert response.status_code == 302


def test_setup_offers_a_generated_passphrase_and_refuses_a_guessable_one(client):
    # Given the set-up page / Then it offers six random words
    page = client.get("/setup").get_data(as_text=True)
    assert "six random words" in page
    # When a long but guessable passphrase is chosen / Then it is refused, nothing set up
    weak = _setup_form(client, passphrase="aaaaaaaaaaaa", passphrase_confirm="aaaaaaaaaaaa")
    assert "too easy to guess" in weak.get_data(as_text=True)
    assert client.get("/").headers["Location"].endswith("/setup")


def test_setup_refuses_short_passphrase_and_mismatch(client):
    page = _setup_form(client, passphrase="short", passphrase_confirm="short")
    assert page.status_code == 200
    page = _setup_form(client, passphrase_confirm="something else entirely").get_data(as_text=True)
    assert "The passphrases differ" in page


def test_every_page_forbids_other_hosts(client):
    response = client.get("/setup")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "same-origin"
    body = response.get_data(as_text=True)
    assert "http://" not in body and "https://" not in body


def test_unlock_wrong_then_right_then_sign_in(client, database, settings):
    # Given a set-up workspace / When the start page is opened / Then it asks to unlock
    init(database, settings, "casedb")
    assert client.get("/").headers["Location"].endswith("/unlock")
    token = csrf_token(client.get("/unlock").get_data(as_text=True))
    # When a wrong passphrase is sent / Then a clear message and a count, status 403
    wrong = client.post("/unlock", data={"csrf_token": token, "passphrase": "nope nope nope"})
    assert wrong.status_code == 403
    assert "does not unlock" in wrong.get_data(as_text=True)
    assert "nope nope nope" not in wrong.get_data(as_text=True)
    # When the right one is sent / Then the sign-in page is next
    right = client.post("/unlock", data={"csrf_token": token, "passphrase": PASSPHRASE})
    assert right.headers["Location"].endswith("/login")


def test_repeated_wrong_passphrases_slow_down(client, database, settings):
    init(database, settings, "casedb")
    token = csrf_token(client.get("/unlock").get_data(as_text=True))
    for _ in range(4):
        client.post("/unlock", data={"csrf_token": token, "passphrase": "wrong wrong wrong"})
    # Even the right passphrase must now wait
    blocked = client.post("/unlock", data={"csrf_token": token, "passphrase": PASSPHRASE})
    assert blocked.status_code == 403
    assert "Try again in" in blocked.get_data(as_text=True)


def test_lock_now_drops_keys_and_signs_out(station_interviewer):
    page = station_interviewer.get("/keys").get_data(as_text=True)
    assert "age1" in page
    station_interviewer.post("/lock", data={"csrf_token": csrf_token(page)})
    assert station_interviewer.get("/keys").headers["Location"] == "/unlock?next=/keys"


def test_idle_timeout_locks(app, station_interviewer):
    vault = app.extensions["intake"].vault
    vault._idle_timeout = 0.0  # the idle limit, shortened for this test
    assert station_interviewer.get("/keys").headers["Location"] == "/unlock?next=/keys"
    assert not vault.is_unlocked


def _unlock_and_sign_in(client, location, username):
    """Follow ``location`` (an unlock page) through unlock and sign-in; where it lands."""
    page = client.get(location).get_data(as_text=True)
    signin = client.post(location, data={"csrf_token": csrf_token(page), "passphrase": PASSPHRASE})
    assert signin.status_code == 302
    page = client.get(signin.headers["Location"]).get_data(as_text=True)
    done = client.post(
        signin.headers["Location"],
        data={"csrf_token": csrf_token(page), "username": username, "password": ADMIN_PASSWORD},
    )
    assert done.status_code == 302
    return done.headers["Location"]


def test_after_the_idle_lock_unlocking_returns_to_the_page_without_its_query(
    app, station_interviewer
):
    vault = app.extensions["intake"].vault
    vault._idle_timeout = 0.0
    # The query (which can hold what was searched) is not carried through the lock
    location = station_interviewer.get("/interview/?lang=en&q=Ablikim").headers["Location"]
    assert location == "/unlock?next=/interview/"
    vault._idle_timeout = 900.0
    assert _unlock_and_sign_in(station_interviewer, location, "interviewer-1") == "/interview/"


def test_a_form_sent_after_the_idle_lock_is_said_to_be_lost(app, station_admin):
    vault = app.extensions["intake"].vault
    token = csrf_token(station_admin.get("/interview/").get_data(as_text=True))
    vault._idle_timeout = 0.0
    # /interview/start takes POST only: there is no page to return to, only the warning
    response = station_admin.post("/interview/start", data={"csrf_token": token})
    assert response.headers["Location"] == "/unlock?unsaved=1"
    vault._idle_timeout = 900.0
    page = station_admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "what you last sent was not saved" in page
    # A plain visit to the unlock page says nothing of the kind
    assert "was not saved" not in station_admin.get("/unlock").get_data(as_text=True)


def test_a_lost_form_on_a_page_that_opens_again_returns_there(app, station_admin):
    vault = app.extensions["intake"].vault
    token = csrf_token(station_admin.get("/accounts").get_data(as_text=True))
    vault._idle_timeout = 0.0
    response = station_admin.post(
        "/accounts", data={"csrf_token": token, "username": "Ablikim Tursun"}
    )
    assert response.headers["Location"] == "/unlock?next=/accounts&unsaved=1"
    vault._idle_timeout = 900.0
    assert _unlock_and_sign_in(station_admin, response.headers["Location"], "admin-1") == (
        "/accounts"
    )


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil.example"])
def test_an_unlock_link_with_an_off_site_next_stays_on_site(client, database, settings, target):
    from urllib.parse import quote

    init(database, settings, "station")
    page = client.get(f"/unlock?next={quote(target, safe='')}").get_data(as_text=True)
    (action,) = re.findall(r'<form method="post" action="([^"]*)">', page)
    assert action.startswith("/unlock") and "evil.example" not in action
    token = csrf_token(page)
    done = client.post(
        f"/unlock?next={quote(target, safe='')}",
        data={"csrf_token": token, "passphrase": PASSPHRASE},
    )
    assert done.status_code == 302
    assert "evil.example" not in done.headers["Location"]


def test_wrong_passwords_are_refused_then_throttled(client, database, settings, app):
    _setup_form(client, language="en")
    client.post(
        "/lock", data={"csrf_token": csrf_token(client.get("/keys").get_data(as_text=True))}
    )
    token = csrf_token(client.get("/unlock").get_data(as_text=True))
    client.post("/unlock", data={"csrf_token": token, "passphrase": PASSPHRASE})
    token = csrf_token(client.get("/login").get_data(as_text=True))
    for _ in range(5):
        wrong = client.post(
            "/login", data={"csrf_token": token, "username": "aigerim", "password": "x" * 12}
        )
        assert wrong.status_code == 401
    blocked = client.post(
        "/login",
        data={"csrf_token": token, "username": "aigerim", "password": "a long admin password"},
    )
    assert "Try again in" in blocked.get_data(as_text=True)


def test_posts_without_csrf_token_are_refused_clearly(client, database, settings):
    init(database, settings, "casedb")
    response = client.post("/unlock", data={"passphrase": PASSPHRASE})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_oversized_request_gets_a_clear_message(client, database, settings, app):
    init(database, settings, "casedb")
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/unlock", data={"passphrase": "x" * 3000})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "does not exist" in response.get_data(as_text=True)


def test_uyghur_pages_are_right_to_left(client):
    body = client.get("/setup?lang=ug").get_data(as_text=True)
    assert 'dir="rtl"' in body and 'lang="ug"' in body
    assert 'dir="ltr"' in client.get("/setup?lang=kk").get_data(as_text=True)


def test_interviewer_cannot_open_admin_pages(station_interviewer):
    assert station_interviewer.get("/accounts").status_code == 403
    assert station_interviewer.get("/wipe").status_code == 403


def test_admin_adds_an_account(station_admin):
    page = station_admin.get("/accounts").get_data(as_text=True)
    response = station_admin.post(
        "/accounts",
        data={
            "csrf_token": csrf_token(page),
            "username": "Нұрлан",
            "password": "twelve chars ok",
            "confirm": "twelve chars ok",
            "role": "interviewer",
            "language": "ru",
        },
    )
    assert response.status_code == 302
    assert "Нұрлан" in station_admin.get("/accounts").get_data(as_text=True)


def test_language_choice_is_remembered_for_the_account(app, station_admin, database):
    from sqlalchemy import text

    # Given a signed-in person / When a GET carries ?lang= / Then nothing is written
    with database.engine.connect() as connection:
        before = connection.execute(text("SELECT language FROM account")).scalars().all()
    assert 'lang="ru"' in station_admin.get("/keys?lang=ru").get_data(as_text=True)
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT language FROM account")).scalars().all() == before
    # When the language switcher is used / Then the choice is remembered for the account
    page = station_admin.get("/keys").get_data(as_text=True)
    response = station_admin.post(
        "/language", data={"csrf_token": csrf_token(page), "lang": "zh", "next": "/keys"}
    )
    assert response.headers["Location"] == "/keys"
    fresh = app.test_client()
    with station_admin.session_transaction() as state:
        user_id = state["_user_id"]
        token = state["sign_in"]
    with fresh.session_transaction() as state:
        state["_user_id"], state["sign_in"], state["_fresh"] = user_id, token, True
    assert 'lang="zh"' in fresh.get("/keys").get_data(as_text=True)


@pytest.mark.parametrize("confirm", ["", "wipe", "WIPE it"])
def test_wipe_needs_the_exact_word(station_admin, confirm):
    page = station_admin.get("/wipe").get_data(as_text=True)
    response = station_admin.post(
        "/wipe", data={"csrf_token": csrf_token(page), "confirm": confirm}
    )
    assert response.status_code == 200
    assert "capital letters" in response.get_data(as_text=True)


def test_panic_wipe_destroys_keys_and_database(station_admin, settings, database):
    # Given a station with keys
    page = station_admin.get("/wipe").get_data(as_text=True)
    # When an admin confirms the wipe
    response = station_admin.post("/wipe", data={"csrf_token": csrf_token(page), "confirm": "WIPE"})
    # Then the app starts over at set-up and no key material is left
    assert response.headers["Location"].endswith("/setup")
    from sqlalchemy import inspect, text

    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM key_material")).scalar() == 0
        assert connection.execute(text("SELECT count(*) FROM workspace")).scalar() == 0
    assert "account" in inspect(database.engine).get_table_names()
    assert not (settings.workspace_dir / "flask-secret-key").exists()
    assert not settings.key_file.exists()


def test_large_bodies_never_touch_the_disk_through_waitress(app, settings, monkeypatch):
    # Given the real server, and temporary files made impossible anywhere
    import tempfile
    import threading
    import urllib.error
    import urllib.request

    import werkzeug.formparser

    from intake.serving import make_server

    made = []

    def refuse(*args, **kwargs):
        made.append(args)
        raise OSError("a temporary file was requested")

    for module in (tempfile, werkzeug.formparser):
        for name in ("SpooledTemporaryFile", "TemporaryFile", "NamedTemporaryFile"):
            monkeypatch.setattr(module, name, refuse, raising=False)

    @app.post("/_upload_probe")
    def _upload_probe():
        from flask import request

        return str(len(request.files["file"].read())) + " " + ("x" * 2_000_000)

    app.config["WTF_CSRF_ENABLED"] = False
    server = make_server(app, settings, host="127.0.0.1", port=0)
    threading.Thread(target=server.run, daemon=True).start()
    port = server.socket.getsockname()[1]
    boundary = "probe"
    body = (
        (
            f"--{boundary}\r\nContent-Disposition: form-data; name=file; filename=p.png\r\n"
            f"Content-Type: image/png\r\n\r\n"
        ).encode()
        + b"\x89PNG"
        + b"y" * 3_000_000
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/_upload_probe",
        data=body,
        method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    # When a 3 MB upload is posted and a 2 MB page comes back
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
    finally:
        server.close()
    # Then both stayed in memory
    assert text.startswith("3000004 ")
    assert made == []


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\t/evil.example",
        "/%09/evil.example",
        "https://evil.example",
        "\\\\evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "/\n/evil.example",
    ],
)
def test_sign_in_never_redirects_off_site(client, database, settings, target):
    from urllib.parse import unquote, urlsplit

    from intake.web import safe_next

    with client.application.test_request_context():
        resolved = safe_next(target)
    # However a browser decodes and cleans it, the target stays on this site
    cleaned = "".join(c for c in unquote(resolved) if ord(c) >= 0x20).replace("\\", "/")
    assert resolved.startswith("/") and not urlsplit(cleaned).netloc
    assert not cleaned.startswith("//")


def _copied_client(app, client):
    """A second browser holding a copy of ``client``'s session cookie."""
    thief = app.test_client()
    with client.session_transaction() as original, thief.session_transaction() as copy:
        copy.update(dict(original))
    return thief


def test_signing_out_ends_copies_of_the_session_cookie(app, station_interviewer):
    # Given a copy of a signed-in person's cookie
    thief = _copied_client(app, station_interviewer)
    assert thief.get("/keys").status_code == 200
    # When the person signs out
    page = station_interviewer.get("/keys").get_data(as_text=True)
    station_interviewer.post("/logout", data={"csrf_token": csrf_token(page)})
    # Then the copy no longer opens anything
    assert thief.get("/keys").headers["Location"].startswith("/login")


def test_unknown_and_real_usernames_are_throttled_alike(client, database, settings):
    _setup_form(client, language="en")
    token = csrf_token(client.get("/keys").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": token})
    token = csrf_token(client.get("/login").get_data(as_text=True))
    answers = {}
    for username in ("aigerim", "nobody-here"):
        for _ in range(6):
            response = client.post(
                "/login", data={"csrf_token": token, "username": username, "password": "x" * 12}
            )
        answers[username] = (
            response.status_code,
            "Try again in" in response.get_data(as_text=True),
        )
    assert answers["aigerim"] == answers["nobody-here"] == (401, True)


def test_unlock_page_is_closed_while_unlocked(app, station_interviewer):
    response = station_interviewer.get("/unlock")
    assert response.headers["Location"].startswith("/login")


def test_a_role_raised_in_the_database_is_refused(app, station_interviewer, database):
    # Given an interviewer who edits the database to become admin
    from sqlalchemy import update

    from intake.accounts.models import Account

    with database.session() as session:
        session.execute(update(Account).values(role="admin"))
    # Then the session no longer counts as signed in at all
    assert station_interviewer.get("/accounts").headers["Location"].startswith("/login")


def test_signed_in_pages_forbid_other_hosts_too(station_admin):
    for path in ("/keys", "/accounts", "/wipe", "/interview/", "/no-such-page"):
        response = station_admin.get(path)
        assert "default-src 'self'" in response.headers["Content-Security-Policy"], path
        body = response.get_data(as_text=True)
        assert "http://" not in body and "https://" not in body, path
        assert "<script>" not in body and " style=" not in body, path


def test_only_a_signed_in_person_can_lock(client, database, settings, app):
    # Given an unlocked workspace and a stranger with a token from the sign-in page
    _setup_form(client, language="en")
    stranger = app.test_client()
    token = csrf_token(stranger.get("/login").get_data(as_text=True))
    # When the stranger posts to /lock / Then nothing is locked
    response = stranger.post("/lock", data={"csrf_token": token})
    assert response.headers["Location"].startswith("/login")
    assert app.extensions["intake"].vault.is_unlocked
    assert client.get("/keys").status_code == 200


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Host": "evil.example"}, 400),
        ({"Host": "localhost.evil.example:5000"}, 400),
        ({"Host": "127.0.0.1:5000", "Origin": "http://evil.example"}, 403),
        ({"Host": "127.0.0.1:5000", "Origin": "null"}, 403),
        ({"Host": "127.0.0.1:5000", "Origin": "http://127.0.0.1:5000"}, 302),
        # another program's page on this laptop, on another port
        ({"Host": "127.0.0.1:5000", "Origin": "http://127.0.0.1:9999"}, 403),
        ({"Host": "127.0.0.1:5000", "Origin": "http://127.0.0.1"}, 403),
        ({"Host": "localhost", "Origin": "http://localhost:8080"}, 403),
        ({"Host": "LOCALHOST:5000", "Origin": "http://localhost:5000"}, 302),
        # a proxy that sends its own Host: the page's host name is on the list
        ({"Host": "127.0.0.1:5000", "Origin": "http://localhost"}, 302),
        ({"Host": "localhost"}, 302),
    ],
)
def test_only_configured_host_names_are_answered(client, headers, status):
    assert client.get("/", headers=headers).status_code == status


def test_an_allowed_host_can_be_added(tmp_path):
    import dataclasses

    from intake import create_app
    from intake.db import Database
    from intake.migrate import upgrade_database

    from .conftest import make_settings

    settings = dataclasses.replace(
        make_settings(tmp_path / "ws"), allowed_hosts=("intake.lan", "[::1]")
    )
    database = Database(settings.database_url)
    upgrade_database(database.engine)
    client = create_app(settings, database=database).test_client()
    assert client.get("/", headers={"Host": "intake.lan:8080"}).status_code == 302
    assert client.get("/", headers={"Host": "[::1]:8080"}).status_code == 302
    assert client.get("/", headers={"Host": "localhost"}).status_code == 400


def test_a_receipt_shows_a_colleague_only_what_the_delivery_page_lists(
    app, station_interviewer, database, settings
):
    # Given a record finalised by one interviewer
    import uuid

    from intake.accounts.services import create_account

    from .interview.journey import interview_worked_example
    from .records.helpers import WORKED_EXAMPLE, load

    base = interview_worked_example(station_interviewer)
    page = station_interviewer.get(f"{base}/review").get_data(as_text=True)
    response = station_interviewer.post(
        f"{base}/finalise", data={"csrf_token": csrf_token(page), "confirmed": "yes"}
    )
    receipt = response.headers["Location"]
    assert station_interviewer.get(receipt).status_code == 200
    # When a colleague signs in on the same station and opens that receipt
    keys = app.extensions["intake"].vault.keys
    with database.session() as session:
        create_account(
            session, settings, keys, username="colleague", password=ADMIN_PASSWORD,
            role="interviewer", language="en",
        )  # fmt: skip
    colleague = app.test_client()
    token = csrf_token(colleague.get("/login").get_data(as_text=True))
    colleague.post(
        "/login",
        data={"csrf_token": token, "username": "colleague", "password": ADMIN_PASSWORD},
    )
    shown = colleague.get(receipt)
    # Then it shows what the station's Delivery page lists for everyone who may send
    # (the record id, day and sealed hash, so a correction can be recorded), and
    # nothing of the testimony
    assert shown.status_code == 200
    record_id = receipt.rsplit("/", 1)[-1]
    assert record_id in colleague.get("/delivery/outbox").get_data(as_text=True)
    text = shown.get_data(as_text=True)
    names = [name["text"] for name in load(WORKED_EXAMPLE)["victim"]["names"]]
    assert names and not any(name in text for name in names)
    # And an id that was not sealed here has no receipt
    assert colleague.get(f"/interview/receipt/{uuid.uuid4()}").status_code == 404


def test_security_events_keep_only_the_day(client, database, settings):
    from sqlalchemy import text

    # Given a wrong and a right passphrase at the unlock page
    init(database, settings, "casedb")
    token = csrf_token(client.get("/unlock").get_data(as_text=True))
    client.post("/unlock", data={"csrf_token": token, "passphrase": "wrong wrong wrong"})
    client.post("/unlock", data={"csrf_token": token, "passphrase": PASSPHRASE})
    # Then the stored times say the day, not the moment
    with database.engine.connect() as connection:
        stored = connection.execute(
            text(
                "SELECT occurred_at FROM security_event UNION ALL SELECT created_at FROM workspace"
            )
        ).scalars()
        times = [str(value) for value in stored]
    assert len(times) == 3
    assert all(t.split(" ")[1].startswith("00:00:00") for t in times), times


def test_the_language_switcher_returns_only_to_this_site(client):
    page = client.get("/setup").get_data(as_text=True)
    for target in (
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        # a tab is dropped by URL parsers and browsers, leaving "//evil.example"
        "/\t/evil.example",
        "/%09/evil.example",
        "/\n/evil.example",
    ):
        response = client.post(
            "/language", data={"csrf_token": csrf_token(page), "lang": "kk", "next": target}
        )
        assert response.headers["Location"] == "/"
    # And a path on this site is kept
    response = client.post(
        "/language", data={"csrf_token": csrf_token(page), "lang": "kk", "next": "/setup"}
    )
    assert response.headers["Location"] == "/setup"


def test_the_keys_page_shows_the_identity_recipient_whatever_the_database_says(client, database):
    # Given a case database set up through the web, and an intruder who writes their
    # own recipient with SQL where older versions kept the organisation recipient
    from sqlalchemy import text

    _setup_form(client, language="en")
    intruder = Identity.generate().recipient
    with database.engine.begin() as connection:
        connection.execute(text("DELETE FROM key_material WHERE name = 'organisation-recipient'"))
        connection.execute(
            text(
                "INSERT INTO key_material (name, value, created_at) "
                "VALUES ('organisation-recipient', :value, CURRENT_TIMESTAMP)"
            ),
            {"value": intruder.encode()},
        )
    # When the Keys page is shown / Then the intruder's recipient is not on it
    page = client.get("/keys").get_data(as_text=True)
    assert "age1" in page and intruder not in page


def test_a_language_asked_of_a_page_that_redirects_is_kept(station_admin):
    # Given the home page, which only redirects (to the interviews here)
    home = station_admin.get("/?lang=kk")
    assert home.status_code == 302
    # When the redirect is followed / Then the page is in the language asked for
    page = station_admin.get(home.headers["Location"]).get_data(as_text=True)
    assert '<html lang="kk"' in page


@pytest.mark.parametrize(
    ("role", "account", "start"),
    [
        ("casedb", "coordinator", "/records/"),
        ("casedb", "admin", "/records/"),
        ("casedb", "interviewer", "/interview/"),
        ("station", "admin", "/interview/"),
    ],
)
def test_the_home_page_opens_where_each_person_works(app, database, settings, role, account, start):
    client = _signed_in_client(app, database, settings, role, account)
    assert client.get("/").headers["Location"] == start


@pytest.mark.parametrize("url", ["/delivery/outbox/send", "/lock", "/logout", "/language"])
def test_opening_a_form_s_address_gets_the_app_s_page_in_the_reader_s_language(station_admin, url):
    response = station_admin.get(f"{url}?lang=ru")
    page = response.get_data(as_text=True)
    assert response.status_code == 405
    assert 'lang="ru"' in page and "Этот адрес — не страница" in page
    assert "Method Not Allowed" not in page


def test_a_request_that_cannot_be_read_gets_the_app_s_page(station_admin):
    # A host name the app does not answer to (a DNS-rebinding page) is refused as 400
    response = station_admin.get("/keys?lang=zh", headers={"Host": "rebound.example"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'lang="zh"' in page and "无法读取该请求" in page
    assert "Bad Request" not in page


def test_a_station_without_a_recipient_says_so_on_its_keys_page(station_admin, database):
    from sqlalchemy import text

    # Given a station with its recipient (as set up), the page lists it and warns of nothing
    page = station_admin.get("/keys").get_data(as_text=True)
    assert "age1" in page and "nothing can be sealed" not in page
    # When the station has none (set up with `intake init` and no add-recipient)
    with database.engine.begin() as connection:
        connection.execute(text("DELETE FROM recipient"))
    page = station_admin.get("/keys?lang=kk").get_data(as_text=True)
    # Then the page says nothing can be sealed and how to add one, in the reader's language
    assert "intake keys add-recipient" in page and "<ul></ul>" not in page
    assert "No organisation recipient is registered" not in page  # it is in Kazakh


def test_a_station_has_no_facility_edit_page(station_admin):
    assert station_admin.get("/facilities/jiafang_industrial_park/edit").status_code == 409


def test_a_recipient_s_default_label_is_shown_in_the_reader_s_language(
    station_admin, database, settings
):
    from sqlalchemy import text

    from intake.workspace import services

    # Given a station whose recipient has the label given by `intake keys add-recipient`
    # when none is typed, and a second recipient whose label was typed
    with database.engine.begin() as connection:
        assert connection.execute(text("SELECT label FROM recipient")).scalar_one() == (
            "case database"
        )
    keys = unlock(database, settings)
    with database.session() as session:
        services.register_recipient(
            session, keys, Identity.generate().recipient, label="case database abroad"
        )
    # When the Keys page is read in Russian
    page = station_admin.get("/keys?lang=ru").get_data(as_text=True)
    # Then the default label is in Russian and the typed one as typed
    assert "(<bdi>база дел</bdi>)" in page
    assert "(<bdi>case database</bdi>)" not in page
    assert "(<bdi>case database abroad</bdi>)" in page


def test_a_form_token_learnt_before_sign_in_or_before_sign_out_does_not_work(
    app, database, settings
):
    # Given a form token read from the sign-in page by whoever planted this browser's
    # session cookie, before the coordinator signs in with it
    client = _signed_in_client(app, database, settings, "casedb", "admin")
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/keys").get_data(True))})
    planted = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"csrf_token": planted, "username": "admin-1", "password": ADMIN_PASSWORD}
    )
    assert response.status_code == 302
    # When the old token is sent with an action / Then it is refused and nothing is done
    response = client.post("/lock", data={"csrf_token": planted})
    assert response.status_code == 400
    assert app.extensions["intake"].vault.is_unlocked
    # And the signed-in session's own token works, until sign-out
    signed_in = csrf_token(client.get("/keys").get_data(as_text=True))
    assert signed_in != planted
    assert client.post("/logout", data={"csrf_token": signed_in}).status_code == 302
    refused = client.post(
        "/login",
        data={"csrf_token": signed_in, "username": "admin-1", "password": ADMIN_PASSWORD},
    )
    assert refused.status_code == 400
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login",
        data={"csrf_token": csrf_token(page), "username": "admin-1", "password": ADMIN_PASSWORD},
    )
    assert response.status_code == 302
    assert client.post("/lock", data={"csrf_token": signed_in}).status_code == 400
    assert app.extensions["intake"].vault.is_unlocked


def test_pages_name_no_icon_file_the_app_does_not_have(client):
    # Browsers ask for /favicon.ico unless a page names its icon; there is none
    page = client.get("/setup").get_data(as_text=True)
    assert '<link rel="icon" href="data:,">' in page
    assert client.get("/favicon.ico").status_code == 404
