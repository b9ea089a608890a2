"""Account services: disable, enable, reset and remove, and the last administrator."""

import uuid

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from crypto import Purpose, decrypt_field
from intake.accounts import services
from intake.accounts.models import Account
from intake.workspace.models import SecurityEvent

from ..conftest import init, unlock
from ..journal_helpers import sqlite_files
from .helpers import PASSWORD, add_account


@pytest.fixture
def keys(database, settings):
    """An unlocked station with one administrator, "admin-1"."""
    init(database, settings, "station")
    keys = unlock(database, settings)
    add_account(database, settings, keys, "admin-1", "admin")
    return keys


def _authenticate(database, settings, keys, username, password):
    with database.session() as session:
        return services.authenticate(
            session, settings, keys, username, password, unknown=services.FailureTracker()
        )


def _events(database):
    with database.session() as session:
        return [event.kind for event in session.scalars(select(SecurityEvent))]


def _act(database, keys, action, account_id):
    with database.session() as session:
        return action(session, keys, account_id)


def _account(database, account_id):
    with database.session() as session:
        return session.get(Account, account_id)


def _files(database) -> dict[str, bytes]:
    """What an attacker with the disk reads: the SQLite file and its journal."""
    path, journal = sqlite_files(database)
    return {"database": path.read_bytes(), "journal": journal.read_bytes()}


def test_a_disabled_account_cannot_sign_in_until_enabled(database, settings, keys):
    # Given an interviewer who can sign in
    nurlan = add_account(database, settings, keys, "Нұрлан", "interviewer")
    assert _authenticate(database, settings, keys, "Нұрлан", PASSWORD).id == nurlan
    # When an administrator disables the account
    _act(database, keys, services.disable_account, nurlan)
    # Then the right password no longer signs in, and the change is sealed, not tampered
    with pytest.raises(services.LoginFailedError):
        _authenticate(database, settings, keys, "Нұрлан", PASSWORD)
    assert services.account_is_intact(keys, _account(database, nurlan))
    # When it is enabled again / Then it signs in again
    _act(database, keys, services.enable_account, nurlan)
    assert _authenticate(database, settings, keys, "Нұрлан", PASSWORD).id == nurlan
    assert _events(database).count("account-disabled") == 1
    assert _events(database).count("account-enabled") == 1


def test_disabling_twice_changes_nothing_more(database, settings, keys):
    nurlan = add_account(database, settings, keys, "nurlan", "interviewer")
    _act(database, keys, services.disable_account, nurlan)
    stamp = services.sign_in_stamp(_account(database, nurlan))
    _act(database, keys, services.disable_account, nurlan)
    assert services.sign_in_stamp(_account(database, nurlan)) == stamp
    assert _events(database).count("account-disabled") == 1


def test_a_reset_gives_a_fresh_strong_password_and_ends_the_old_one(database, settings, keys):
    # Given an interviewer blocked after many wrong passwords
    nurlan = add_account(database, settings, keys, "nurlan", "interviewer")
    with database.session() as session:
        session.execute(update(Account).values(failed_logins=9))
    before = services.sign_in_stamp(_account(database, nurlan))
    # When an administrator resets the password twice
    with database.session() as session:
        first = services.reset_password(session, settings, keys, nurlan)
    with database.session() as session:
        second = services.reset_password(session, settings, keys, nurlan)
    # Then each is new, long and from the readable alphabet; only the last one works
    assert first != second and len(second) == 23
    assert set(second.replace("-", "")) <= set(services.READABLE_ALPHABET)
    with pytest.raises(services.LoginFailedError):
        _authenticate(database, settings, keys, "nurlan", PASSWORD)
    with pytest.raises(services.LoginFailedError):
        _authenticate(database, settings, keys, "nurlan", first)
    assert _authenticate(database, settings, keys, "nurlan", second).id == nurlan
    # And the stamp every sign-in remembers has changed
    assert services.sign_in_stamp(_account(database, nurlan)) != before
    assert _events(database).count("account-password-reset") == 2


def test_the_reset_password_is_stored_only_as_an_encrypted_hash(database, settings, keys):
    nurlan = add_account(database, settings, keys, "nurlan", "interviewer")
    with database.session() as session:
        password = services.reset_password(session, settings, keys, nurlan)
    account = _account(database, nurlan)
    stored = decrypt_field(
        keys.keyring.chain(Purpose.ACCOUNTS),
        account.password_hash,
        context=services._context(nurlan, "password"),
    ).decode()
    assert password.encode() not in account.password_hash
    assert password not in stored and PasswordHasher().verify(stored, password)


@pytest.mark.parametrize("backend", ["sqlite"])  # it reads the SQLite files
def test_a_reset_leaves_the_old_hash_in_neither_the_database_nor_its_journal(
    database, settings, keys
):
    # Given an interviewer whose password hash is stored encrypted (the keyring opens it,
    # and the hash can then be guessed at offline)
    nurlan = add_account(database, settings, keys, "nurlan", "interviewer")
    old_hash = _account(database, nurlan).password_hash
    assert old_hash in _files(database)["database"]
    # When an administrator resets the password
    with database.session() as session:
        services.reset_password(session, settings, keys, nurlan)
    # Then the old hash as it was stored is in neither the database file nor its journal
    # (which keeps changed pages as they were before)
    for file, content in _files(database).items():
        assert old_hash not in content, file


def test_removing_deletes_the_row_and_records_no_name(database, settings, keys):
    nurlan = add_account(database, settings, keys, "nurlan-unique-name", "coordinator")
    _act(database, keys, services.remove_account, nurlan)
    assert _account(database, nurlan) is None
    kinds = _events(database)
    assert "account-removed" in kinds and "account-created" in kinds
    assert not any("nurlan" in kind for kind in kinds)
    with pytest.raises(services.AccountNotFoundError):
        _act(database, keys, services.remove_account, nurlan)


@pytest.mark.parametrize("backend", ["sqlite"])  # it reads the SQLite files
def test_a_removed_account_is_in_neither_the_database_nor_its_journal(database, settings, keys):
    # Given an account with its username, password hash and look-up value stored
    nurlan = add_account(database, settings, keys, "nurlan", "coordinator")
    account = _account(database, nurlan)
    stored = [account.username, account.password_hash, account.login_index.encode()]
    assert all(value in _files(database)["database"] for value in stored)
    # When an administrator removes it
    _act(database, keys, services.remove_account, nurlan)
    # Then none of what its row held is in the database file or its journal
    for file, content in _files(database).items():
        for value in stored:
            assert value not in content, file


@pytest.mark.parametrize("action", [services.disable_account, services.remove_account])
def test_the_last_administrator_stays(database, settings, keys, action):
    # Given one administrator and a disabled second one
    admin = services_find(database, keys, "admin-1")
    other = add_account(database, settings, keys, "admin-2", "admin")
    _act(database, keys, services.disable_account, other)
    # When the first is disabled or removed / Then it is refused and nothing changes
    with pytest.raises(services.LastAdministratorError):
        _act(database, keys, action, admin)
    assert _account(database, admin).is_active
    # When the second is enabled / Then the first may go
    _act(database, keys, services.enable_account, other)
    _act(database, keys, action, admin)
    # And the remaining one is again the last
    with pytest.raises(services.LastAdministratorError):
        _act(database, keys, action, other)


def test_an_administrator_made_in_the_database_does_not_count(database, settings, keys):
    # Given an interviewer raised to admin by editing the database
    admin = services_find(database, keys, "admin-1")
    raised = add_account(database, settings, keys, "raised", "interviewer")
    with database.session() as session:
        session.execute(update(Account).where(Account.id == raised).values(role="admin"))
    # Then the real administrator is still the last one
    with pytest.raises(services.LastAdministratorError):
        _act(database, keys, services.disable_account, admin)


@pytest.mark.parametrize(
    "action", [services.disable_account, services.enable_account, services.reset_password]
)
def test_a_tampered_account_can_only_be_removed(database, settings, keys, action):
    # Given an account disabled by the app, then re-enabled by editing the database
    nurlan = add_account(database, settings, keys, "nurlan", "interviewer")
    _act(database, keys, services.disable_account, nurlan)
    with database.session() as session:
        session.execute(update(Account).where(Account.id == nurlan).values(is_active=True))
    # When an administrator tries to change it / Then the app refuses to bless the edit
    with pytest.raises(services.AccountTamperedError), database.session() as session:
        if action is services.reset_password:
            action(session, settings, keys, nurlan)
        else:
            action(session, keys, nurlan)
    # And it shows as tampered, can be removed, and never signs in meanwhile
    rows = {row.username: row.status for row in _list(database, keys)}
    assert rows["nurlan"] == "tampered"
    with pytest.raises(services.LoginFailedError):
        _authenticate(database, settings, keys, "nurlan", PASSWORD)
    _act(database, keys, services.remove_account, nurlan)
    assert _account(database, nurlan) is None


def test_an_unreadable_username_is_listed_without_breaking_the_list(database, settings, keys):
    # Given two accounts whose username ciphertexts were swapped in the database
    a = add_account(database, settings, keys, "first", "interviewer")
    b = add_account(database, settings, keys, "second", "interviewer")
    first, second = _account(database, a).username, _account(database, b).username
    with database.session() as session:
        session.execute(update(Account).where(Account.id == a).values(username=second))
        session.execute(update(Account).where(Account.id == b).values(username=first))
    # Then both are listed as tampered, without a name
    rows = [row for row in _list(database, keys) if row.account.id in (a, b)]
    assert [(row.username, row.status) for row in rows] == [(None, "tampered")] * 2


def test_unknown_ids_and_usernames_are_refused_clearly(database, settings, keys):
    for action in (services.disable_account, services.enable_account, services.remove_account):
        with pytest.raises(services.AccountNotFoundError):
            _act(database, keys, action, uuid.uuid4())
    with pytest.raises(services.AccountNotFoundError), database.session() as session:
        services.find_account(session, keys, "nobody")


def services_find(database, keys, username):
    with database.session() as session:
        return services.find_account(session, keys, username).id


def _list(database, keys):
    with database.session() as session:
        return services.list_accounts(session, keys)


def test_an_account_keeps_only_the_day_it_was_made(database, settings, keys):
    # Given an account made now / When its stored creation time is read
    with database.session() as session:
        account = session.scalars(select(Account)).first()
        made = account.created_at
    # Then it is a day at midnight, not a time a seized station could correlate
    assert (made.hour, made.minute, made.second, made.microsecond) == (0, 0, 0, 0)


def test_two_resets_of_one_confirmation_make_one_password_even_when_they_overlap(
    database, settings, keys
):
    # Given the stamp a confirmation page carries
    nurlan = add_account(database, settings, keys, "nurlan", "interviewer")
    with database.session() as session:
        stamp = services.password_stamp(session, nurlan)
    # And a second send of the same form that read the account before the first wrote
    late = database.sessions()
    try:
        late.get(Account, nurlan)  # the old password, held in this session
        # When the first send makes its password and commits
        with database.session() as session:
            first = services.reset_password(session, settings, keys, nurlan, stamp=stamp)
        # Then the second, although its read still matches the stamp, makes none
        with pytest.raises(services.PasswordChangedError):
            services.reset_password(late, settings, keys, nurlan, stamp=stamp)
    finally:
        late.close()
    # And the password shown by the first is the one that works
    assert _authenticate(database, settings, keys, "nurlan", first).id == nurlan
    assert _events(database).count("account-password-reset") == 1
    # And a stamp that does not match at all is refused before any work
    with database.session() as session:
        with pytest.raises(services.PasswordChangedError):
            services.reset_password(session, settings, keys, nurlan, stamp="0" * 32)
    assert _authenticate(database, settings, keys, "nurlan", first).id == nurlan


@pytest.mark.parametrize(
    "password", ["password12345", "qwertyuiop123", "nurlan-nurlan-1", "aaaaaaaaaaaaaaaa"]
)
def test_a_password_easy_to_guess_is_refused(database, settings, keys, password):
    # (The username is among the first guesses: "nurlan-nurlan-1" is weak for nurlan.)
    with database.session() as session:
        with pytest.raises(services.AccountError, match="too easy to guess"):
            services.create_account(
                session, settings, keys, username="nurlan", password=password, role="interviewer"
            )
    assert "nurlan" not in [row.username for row in _list(database, keys)]


def test_a_password_of_unrelated_words_is_taken(database, settings, keys):
    with database.session() as session:
        services.create_account(
            session, settings, keys, username="nurlan", password="plum orchard kettle",
            role="interviewer",
        )  # fmt: skip
    assert _authenticate(database, settings, keys, "nurlan", "plum orchard kettle")
