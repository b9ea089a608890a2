"""The Accounts page: an administrator disables, enables, resets and removes accounts."""

import re

import pytest
from sqlalchemy import select

from intake.accounts.models import Account
from intake.workspace.models import SecurityEvent

from ..conftest import csrf_token
from .helpers import PASSWORD, add_account, is_signed_in, post_action, sign_in, try_sign_in


@pytest.fixture
def admin(app, station_admin, database, settings):
    """The signed-in administrator's browser, with the app's keys at hand."""
    return station_admin


def _keys(app):
    return app.extensions["intake"].vault.keys


def _interviewer(app, database, settings, username="nurlan"):
    account_id = add_account(database, settings, _keys(app), username, "interviewer")
    return account_id, sign_in(app, username)


def test_disabling_signs_the_account_out_at_once(app, admin, database, settings):
    # Given an interviewer signed in, and a copy of their cookie
    account_id, browser = _interviewer(app, database, settings)
    assert is_signed_in(browser)
    # When the administrator disables the account
    response = post_action(admin, f"/accounts/{account_id}/disable")
    assert response.status_code == 302
    # Then the interviewer's next request goes to the sign-in page, and sign-in is refused
    assert browser.get("/interview/").headers["Location"].startswith("/login")
    assert try_sign_in(app, "nurlan", PASSWORD) == 401
    assert "Disabled" in admin.get("/accounts").get_data(as_text=True)


def test_enabling_again_does_not_revive_old_sign_ins(app, admin, database, settings):
    # Given an interviewer signed in, then disabled
    account_id, browser = _interviewer(app, database, settings)
    post_action(admin, f"/accounts/{account_id}/disable")
    # When the account is enabled again
    assert post_action(admin, f"/accounts/{account_id}/enable").status_code == 302
    # Then the old sign-in stays ended, while a new sign-in works
    assert not is_signed_in(browser)
    assert is_signed_in(sign_in(app, "nurlan"))


def test_reset_asks_first(app, admin, database, settings):
    # Given an interviewer signed in
    account_id, browser = _interviewer(app, database, settings)
    # When the administrator clicks New password, or posts without confirming
    for response in (
        admin.get(f"/accounts/{account_id}/reset"),
        post_action(admin, f"/accounts/{account_id}/reset"),
    ):
        page = response.get_data(as_text=True)
        # Then the page asks, naming the account and what follows, and shows no password
        assert response.status_code == 200
        assert "nurlan" in page and "stop working at once" in page
        assert 'name="confirmed" value="yes"' in page and "shown only this once" not in page
    # And the interviewer is still signed in, with the same password
    assert is_signed_in(browser)
    assert is_signed_in(sign_in(app, "nurlan", PASSWORD))


def test_reset_shows_a_new_password_once_and_signs_out(app, admin, database, settings):
    # Given an interviewer signed in
    account_id, browser = _interviewer(app, database, settings)
    # When the administrator asks for a new password and confirms
    response = post_action(admin, f"/accounts/{account_id}/reset", confirmed="yes")
    page = response.get_data(as_text=True)
    password = re.search(r"<code>([a-z0-9-]+)</code>", page).group(1)
    # Then the page shows it, the old sign-in and password are dead and the new one works
    assert response.status_code == 200 and "shown only this once" in page
    assert not is_signed_in(browser)
    assert try_sign_in(app, "nurlan", PASSWORD) == 401
    assert is_signed_in(sign_in(app, "nurlan", password))
    # And it is nowhere in the list page, the cookie or the address
    assert password not in admin.get("/accounts").get_data(as_text=True)
    assert password not in str(response.headers)
    assert f"/accounts/{account_id}/reset" == response.request.path


def test_removing_asks_first_then_deletes_and_signs_out(app, admin, database, settings):
    account_id, browser = _interviewer(app, database, settings)
    # When the administrator opens the removal page / Then nothing is removed yet
    page = admin.get(f"/accounts/{account_id}/remove").get_data(as_text=True)
    assert "nurlan" in page and "disable the account instead" in page
    assert is_signed_in(browser)
    # And the role is said in words, in the reader's language
    assert "nurlan</bdi> · Interviewer" in page
    in_chinese = admin.get(f"/accounts/{account_id}/remove?lang=zh").get_data(as_text=True)
    assert "· interviewer" not in in_chinese and "· 访谈员" in in_chinese
    # When they confirm / Then the account is gone and signed out
    response = admin.post(f"/accounts/{account_id}/remove", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    assert not is_signed_in(browser)
    with database.session() as session:
        assert session.get(Account, account_id) is None
    assert "nurlan" not in admin.get("/accounts").get_data(as_text=True)


def test_every_change_is_a_security_event_naming_nobody(app, admin, database, settings):
    account_id, _browser = _interviewer(app, database, settings, username="zhanar-unique")
    for action in ("disable", "enable", "reset", "remove"):
        post_action(admin, f"/accounts/{account_id}/{action}", confirmed="yes")
    with database.session() as session:
        events = session.scalars(select(SecurityEvent)).all()
    kinds = [event.kind for event in events]
    for kind in ("disabled", "enabled", "password-reset", "removed"):
        assert f"account-{kind}" in kinds
    assert not any("zhanar" in repr(vars(event)) for event in events)


@pytest.mark.parametrize(
    ("action", "reason"),
    [
        ("disable", "cannot disable your own account"),
        ("remove", "last active administrator"),
    ],
)
def test_the_last_administrator_cannot_remove_or_disable_themselves(app, admin, action, reason):
    # Given the only administrator
    with app.app_context():
        own_id = app.extensions["intake"].database.sessions().scalars(select(Account.id)).one()
    # When they try to disable or remove their own account
    response = post_action(admin, f"/accounts/{own_id}/{action}")
    # Then it is refused with the reason, and they stay signed in
    assert response.status_code == 409
    assert reason in response.get_data(as_text=True)
    assert admin.get("/accounts").status_code == 200


def test_an_administrator_cannot_disable_their_own_account(app, admin, database, settings):
    # Given a second administrator, signed in
    account_id = add_account(database, settings, _keys(app), "second-admin", "admin")
    second = sign_in(app, "second-admin")
    # When they try to disable their own account (which would sign them out at once)
    response = post_action(second, f"/accounts/{account_id}/disable")
    # Then it is refused with the reason; the account stays active and signed in
    assert response.status_code == 409
    assert "another administrator can" in response.get_data(as_text=True)
    assert is_signed_in(second)
    # And the page's language switcher comes back to the Accounts page, not to the post
    assert 'name="next" value="/accounts"' in response.get_data(as_text=True)
    with database.session() as session:
        assert session.get(Account, account_id).is_active


def test_an_unknown_account_is_a_404(admin):
    for action in ("disable", "enable", "reset", "remove"):
        response = post_action(admin, f"/accounts/00000000-0000-4000-8000-000000000000/{action}")
        assert response.status_code == 404
    assert admin.get("/accounts/not-a-uuid/remove").status_code == 404


def test_changes_without_a_csrf_token_are_refused(app, admin, database, settings):
    account_id, browser = _interviewer(app, database, settings)
    for action in ("disable", "reset", "remove"):
        assert admin.post(f"/accounts/{account_id}/{action}").status_code == 400
    assert is_signed_in(browser) and try_sign_in(app, "nurlan", PASSWORD) == 302


@pytest.mark.parametrize("who", ["station_interviewer", "casedb_coordinator"])
def test_only_administrators_may_manage_accounts(request, app, database, who):
    # Given an interviewer (station) or a coordinator (case database) signed in
    browser = request.getfixturevalue(who)
    with database.session() as session:
        own_id = session.scalars(select(Account.id)).one()
    token = csrf_token(browser.get("/interview/").get_data(as_text=True))
    # Then every account page and action is forbidden, and nothing changes
    assert browser.get("/accounts").status_code == 403
    assert browser.get(f"/accounts/{own_id}/remove").status_code == 403
    for action in ("disable", "enable", "reset", "remove"):
        response = browser.post(f"/accounts/{own_id}/{action}", data={"csrf_token": token})
        assert response.status_code == 403
    with database.session() as session:
        account = session.get(Account, own_id)
        assert account is not None and account.is_active
    assert is_signed_in(browser)


def test_the_list_names_roles_and_languages_in_the_reader_s_language(
    app, admin, database, settings
):
    _interviewer(app, database, settings)
    page = admin.get("/accounts?lang=ru").get_data(as_text=True)
    rows = page[page.index("<tbody>") : page.index("</tbody>")]
    # The role in Russian and the language by its own name, not their codes
    assert "Администратор" in rows and "English" in rows
    assert "<td>admin</td>" not in rows and "<td>interviewer</td>" not in rows
    assert "<td>en</td>" not in rows


def test_removing_an_account_wipes_the_drafts_it_started_and_no_others(
    app, admin, database, settings
):
    from intake.interview.services import own_drafts, start_interview
    from intake.records.models import Draft

    # Given an interviewer with two unfinished interviews, and another with one
    account_id, _browser = _interviewer(app, database, settings)
    other_id, _other = _interviewer(app, database, settings, username="aigerim")
    with database.session() as session:
        for owner in (account_id, account_id, other_id):
            start_interview(session, _keys(app), owner)
        session.commit()
    # When the administrator opens the removal page / Then it says how many go with it
    page = admin.get(f"/accounts/{account_id}/remove").get_data(as_text=True)
    assert "Unfinished interviews it started: 2." in page
    # When they confirm / Then those two are gone from the database, the other's stays
    admin.post(f"/accounts/{account_id}/remove", data={"csrf_token": csrf_token(page)})
    with database.session() as session:
        assert len(session.scalars(select(Draft)).all()) == 1
        assert len(own_drafts(session, _keys(app), other_id)) == 1


def test_sign_in_page_says_how_to_make_the_first_account(app, database, settings):
    # Given a station set up on the command line: unlocked, but with no account yet
    from ..conftest import PASSPHRASE, init

    init(database, settings, "station")
    browser = app.test_client()
    token = csrf_token(browser.get("/unlock").get_data(as_text=True))
    browser.post("/unlock", data={"csrf_token": token, "passphrase": PASSPHRASE})
    # When the sign-in page is opened / Then it says how to make the first administrator
    page = browser.get("/login").get_data(as_text=True)
    assert "No account exists here yet" in page
    assert f"intake --workspace {settings.workspace_dir} accounts add NAME --role admin" in page
    # And only to someone at this computer: a visitor from elsewhere is told nothing
    remote = browser.get("/login", environ_base={"REMOTE_ADDR": "203.0.113.5"})
    assert "No account exists here yet" not in remote.get_data(as_text=True)
    # And once an account exists, it says nothing of the kind
    add_account(database, settings, _keys(app), "aigerim", "admin")
    assert "No account exists here yet" not in browser.get("/login").get_data(as_text=True)


def test_a_reset_sent_twice_keeps_the_first_password(app, admin, database, settings):
    # Given the confirmation page of a new password, answered yes once
    account_id, _browser = _interviewer(app, database, settings)
    url = f"/accounts/{account_id}/reset"
    asked = admin.get(url).get_data(as_text=True)
    stamp = re.search(r'name="stamp" value="([0-9a-f]+)"', asked).group(1)
    yes = {"csrf_token": csrf_token(asked), "confirmed": "yes", "stamp": stamp}
    first = admin.post(url, data=yes).get_data(as_text=True)
    password = re.search(r"<code>([a-z0-9-]+)</code>", first).group(1)
    # When the same form is sent again (a reload of the result, a second click)
    again = admin.post(url, data=yes)
    # Then no new password is made: the one shown first still signs in, and the page
    # says why nothing happened
    page = again.get_data(as_text=True)
    assert again.status_code == 409 and "No new password was made" in page
    assert not re.search(r"<code>[a-z0-9]{5}-[a-z0-9]{5}", page)
    assert is_signed_in(sign_in(app, "nurlan", password))
    # And a yes without the stamp is refused the same way
    assert admin.post(url, data={**yes, "stamp": ""}).status_code == 409
    assert is_signed_in(sign_in(app, "nurlan", password))
