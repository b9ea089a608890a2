"""First run, unlock and sign-in in a real browser; right-to-left Uyghur; no other hosts."""

import pytest

from crypto import Identity

from ..intake.conftest import PASSPHRASE

pytestmark = pytest.mark.browser
ADMIN_PASSWORD = "a long admin password"


def fill_setup(journey, *, role: str, recipient: str = "", language: str = "en") -> None:
    page = journey.page
    journey.go("/")
    page.check(f"input[name=role][value={role}]")
    page.fill("#organisation_name", "Example Rights Group")
    page.select_option("#language", language)
    page.fill("#admin_username", "aigerim")
    page.fill("#admin_password", ADMIN_PASSWORD)
    page.fill("#passphrase", PASSPHRASE)
    page.fill("#passphrase_confirm", PASSPHRASE)
    if recipient:
        page.fill("#recipients", recipient)
    journey.shot("setup-filled")
    page.click("button[type=submit]")


def test_first_run_as_case_database_then_unlock_and_sign_in(journey):
    # Given an empty workspace / When the set-up form is filled in the browser
    fill_setup(journey, role="casedb")
    # Then the keys page shows the organisation recipient
    page = journey.page
    assert page.locator("pre.key").inner_text().startswith("age1")
    journey.shot("keys")
    # When locked / Then unlock and sign-in bring the person back
    page.click("button.lock")
    assert "/unlock" in page.url
    page.fill("#passphrase", "a wrong passphrase!")
    page.click("button[type=submit]")
    assert "does not unlock" in page.inner_text("main")
    journey.shot("wrong-passphrase")
    page.fill("#passphrase", PASSPHRASE)
    page.click("button[type=submit]")
    assert "/login" in page.url
    page.fill("#username", "aigerim")
    page.fill("#password", ADMIN_PASSWORD)
    page.click("main button[type=submit]")
    journey.shot("signed-in")
    assert page.locator("button.lock").count() == 1
    # And the browser asked nothing of any other host
    assert journey.foreign_requests() == []


def test_first_run_as_station_registers_the_recipient(journey):
    recipient = Identity.generate().recipient
    fill_setup(journey, role="station", recipient=recipient, language="kk")
    page = journey.page
    assert recipient in page.inner_text("main")
    assert page.get_attribute("html", "lang") == "kk"
    journey.shot("station-keys-kk")
    assert journey.foreign_requests() == []


def test_uyghur_interface_renders_right_to_left(journey):
    journey.go("/setup?lang=ug")
    page = journey.page
    assert page.get_attribute("html", "dir") == "rtl"
    direction = page.evaluate("getComputedStyle(document.querySelector('main')).direction")
    assert direction == "rtl"
    journey.shot("setup-ug")
    # The bundled Arabic-script font is what renders the page (no font from elsewhere)
    fonts = page.evaluate(
        "document.fonts.ready.then(() => [...document.fonts].filter(f => f.status == 'loaded')"
        ".map(f => f.family))"
    )
    assert any("Intake" in family for family in fonts)
    assert journey.foreign_requests() == []


def test_chinese_interface_renders_with_the_bundled_font(journey):
    journey.go("/setup?lang=zh")
    page = journey.page
    assert page.get_attribute("html", "lang") == "zh"
    loaded = page.evaluate(
        "document.fonts.ready.then(() => [...document.fonts].filter(f => f.status == 'loaded')"
        ".map(f => f.family))"
    )
    journey.shot("setup-zh")
    # The Chinese font served by the app is loaded for the page's Chinese text
    assert any("Intake Chinese" in family for family in loaded), loaded
    # And it covers the characters of the page's heading (no blank boxes)
    heading = page.inner_text("h1")
    assert any("\u4e00" <= c <= "\u9fff" for c in heading)
    assert page.evaluate("t => document.fonts.check('16px \"Intake Chinese\"', t)", heading)
    assert journey.foreign_requests() == []
