"""Workspace services: initialise, unlock, count failures, keys and recipients."""

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from crypto import Identity
from intake.records.services import seal_testimony
from intake.workspace import services
from intake.workspace.keyfile import KeyFile
from intake.workspace.models import KeyMaterial, Recipient, SecurityEvent

from ..conftest import PASSPHRASE, init, unlock
from ..journal_helpers import sqlite_files
from ..records.helpers import WORKED_EXAMPLE, load


def test_init_stores_only_a_wrapped_keyring_in_the_key_file(database, settings):
    # Given a new case database / When initialised
    init(database, settings, "casedb")
    # Then the keyring is stored wrapped in the key file, with the passphrase nowhere in it
    stored = KeyFile(settings.key_file).get(services.KEYRING).decode()
    assert json.loads(stored)["kdf"]["algorithm"] == "argon2id"
    assert PASSPHRASE not in stored
    # And the database holds no key material at all
    with database.session() as session:
        assert session.scalars(select(KeyMaterial)).all() == []


def test_init_twice_is_refused(database, settings):
    init(database, settings, "station")
    with pytest.raises(services.WorkspaceExistsError):
        init(database, settings, "casedb")


@pytest.mark.parametrize(
    ("role", "name", "passphrase", "error"),
    [
        ("station", "Org", "short", services.WeakPassphraseError),
        ("laptop", "Org", PASSPHRASE, services.WrongRoleError),
        ("station", "  ", PASSPHRASE, services.IntakeError),
    ],
)
def test_init_refuses_bad_input(database, settings, role, name, passphrase, error):
    with pytest.raises(error), database.session() as session:
        services.init_workspace(
            session, settings, role=role, organisation_name=name, passphrase=passphrase
        )


def test_wrong_passphrase_is_counted_and_reset_by_a_right_one(database, settings):
    init(database, settings, "casedb")
    for attempt in (1, 2):
        with pytest.raises(services.WrongPassphraseError, match=f"attempts.*: {attempt}"):
            with database.session() as session:
                services.unlock_workspace(session, settings, "not the passphrase")
    with database.session() as session:
        failures = session.scalars(
            select(SecurityEvent).where(SecurityEvent.kind == "unlock-failed")
        ).all()
        assert len(failures) == 2
    unlock(database, settings)
    with database.session() as session:
        assert services.get_workspace(session).failed_unlocks == 0


def test_uninitialised_workspace_says_how_to_continue(database, settings):
    with pytest.raises(services.WorkspaceNotInitialisedError, match="intake init"):
        with database.session() as session:
            services.unlock_workspace(session, settings, PASSPHRASE)


def test_organisation_identity_is_stored_encrypted_and_reopens(database, settings, casedb):
    recipient = services.organisation_recipient(casedb)
    stored = KeyFile(settings.key_file).get(services.IDENTITY)
    assert casedb.identity.recipient == recipient
    assert casedb.identity.secret_string().encode() not in stored
    with pytest.raises(services.IdentityError), database.session() as session:
        services.create_organisation_identity(session, casedb)


def test_exported_identity_opens_with_the_backup_passphrase(casedb):
    blob = services.export_identity(casedb, "a different backup passphrase")
    again = Identity.unprotect(blob, "a different backup passphrase")
    assert again.recipient == casedb.identity.recipient


def test_passphrase_change_and_rotation_keep_keys_working(database, settings, casedb):
    # When the passphrase changes / Then the old one fails and the new one opens the identity
    with database.session() as session:
        services.change_passphrase(
            session, settings, old_passphrase=PASSPHRASE, new_passphrase="another long passphrase"
        )
    with pytest.raises(services.WrongPassphraseError), database.session() as session:
        services.unlock_workspace(session, settings, PASSPHRASE)
    with database.session() as session:
        key_id = services.rotate_keyring(session, settings, "another long passphrase")
    with database.session() as session:
        keys = services.unlock_workspace(session, settings, "another long passphrase")
    assert keys.keyring.current_key_id == key_id
    assert keys.identity.recipient == casedb.identity.recipient


def test_station_has_a_signing_key_and_checks_recipients(database, settings, station):
    keys, _identity = station
    with database.session() as session:
        assert len(services.station_fingerprint(session)) == 32
        with pytest.raises(services.RecipientError, match="not an age recipient"):
            services.register_recipient(session, keys, "age1nonsense", label="x")
        with pytest.raises(services.RecipientError, match="already"):
            services.register_recipient(
                session, keys, services.list_recipients(session)[0].recipient, label="again"
            )


def test_a_recipient_swapped_in_the_database_stops_sealing(database, settings, station):
    # Given a station, and an intruder who rewrites the recipient row without the keys
    keys, _identity = station
    intruder = Identity.generate()
    with database.session() as session:
        session.execute(update(Recipient).values(recipient=intruder.recipient))
    # When a testimony is finalised / Then nothing is sealed to the intruder
    with pytest.raises(services.RecipientTamperedError), database.session() as session:
        seal_testimony(session, keys, load(WORKED_EXAMPLE, fresh_id=True))


def test_sign_in_survives_a_key_rotation(database, settings, casedb):
    # Given an account / When the keyring is rotated / Then the same credentials still work
    from intake.accounts.services import FailureTracker, authenticate, create_account

    with database.session() as session:
        create_account(
            session,
            settings,
            casedb,
            username="Айгерім",
            password="plum orchard kettle",
            role="coordinator",
        )
    with database.session() as session:
        services.rotate_keyring(session, settings, PASSPHRASE)
    keys = unlock(database, settings)
    with database.session() as session:
        account = authenticate(
            session, settings, keys, "айгерім ", "plum orchard kettle", unknown=FailureTracker()
        )
        assert account.role == "coordinator"


def test_key_material_of_an_older_version_moves_out_of_the_database(database, settings, casedb):
    # Given a workspace of an older version: key material in the database, no key file
    entries = KeyFile(settings.key_file).read()
    settings.key_file.unlink()
    with database.session() as session:
        for name, value in entries.items():
            session.add(KeyMaterial(name=name, value=value, created_at=datetime.now(UTC)))
        session.add(
            KeyMaterial(name="organisation-recipient", value=b"age1x", created_at=datetime.now(UTC))
        )
    # When it is unlocked after the upgrade
    keys = unlock(database, settings)
    # Then the keys open as before, from the key file, and no row is left in the database
    assert keys.identity.recipient == casedb.identity.recipient
    assert KeyFile(settings.key_file).read() == entries
    with database.session() as session:
        assert session.scalars(select(KeyMaterial)).all() == []
    # And on SQLite no copy of the wrapped keys is left in the database file or its journal
    if database.engine.dialect.name == "sqlite":
        for file in sqlite_files(database):
            content = file.read_bytes()
            assert not any(value in content for value in entries.values() if len(value) > 16)


def test_the_recipient_shown_cannot_be_replaced_in_storage(database, settings, casedb):
    # Given an intruder who writes their own recipient where older versions kept it
    intruder = Identity.generate().recipient
    with database.session() as session:
        session.add(
            KeyMaterial(
                name="organisation-recipient", value=intruder.encode(), created_at=datetime.now(UTC)
            )
        )
    # When the keys are unlocked and the recipient is shown
    keys = unlock(database, settings)
    # Then it is still the one derived from the organisation identity
    assert services.organisation_recipient(keys) == casedb.identity.recipient != intruder


@pytest.mark.parametrize(
    "weak", ["aaaaaaaaaaaa", "password1234", "qwertyuiop12", "Example Rights Group"]
)
def test_easily_guessed_passphrases_are_refused(database, settings, weak):
    # Given passphrases long enough but quickly guessed (repeats, common, keyboard, org name)
    with pytest.raises(services.WeakPassphraseError), database.session() as session:
        services.init_workspace(
            session, settings, role="casedb", organisation_name="Example Rights Group",
            passphrase=weak,
        )  # fmt: skip
    # And nothing was stored
    assert not settings.key_file.exists()


def test_generated_passphrases_are_accepted_and_differ():
    from intake.workspace.passphrases import generate_passphrase, is_strong

    first, second = generate_passphrase(), generate_passphrase()
    assert len(first.split()) == 6 and first != second
    assert is_strong(first) and is_strong(second)


def test_the_station_signing_key_opens_only_with_the_keyring(database, settings, station):
    # Given a station / When its signing key is loaded with the keyring
    keys, _identity = station
    with database.session() as session:
        signing = services.load_signing_key(session, keys.keyring)
        # Then it matches the public fingerprint shown for registration
        assert signing.verify_key.fingerprint == services.station_fingerprint(session)
    # And a case database has none
    other = KeyFile(settings.key_file)
    entries = other.read()
    del entries[services.SIGNING_KEY]
    other.write(entries)
    with pytest.raises(services.WrongRoleError), database.session() as session:
        services.load_signing_key(session, keys.keyring)
