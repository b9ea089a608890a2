"""An interview typed in a real browser, step by step, selecting fields by id or name.

Field ids are those of the interview forms (WTForms names them after the field, e.g.
``episodes-2-start-precision``); buttons are found by their ``name``/``value``, so the
helpers work whatever the interface language.
"""

from __future__ import annotations

import uuid

# What the interviewer types. Each string is distinctive enough that finding it in a
# file can only mean the typed text leaked there.
NAME_CYRILLIC = "Гүлзира Тестқызы"
NAME_LATIN = "Gulzira Testqyzy"
CAMP_1 = "Бірінші тәрбиелеу лагері (аты аталмаған)"
CAMP_2 = "Екінші тәрбиелеу лагері (аты аталмаған)"
CAMP_1_SAID = "көктем 2018"
FACTORY = "Қолғап фабрикасы Жяфаң"
WAGE_SAID = "екі айға жуық 320 юань берді"
TRANSFER_SAID = "жүздеген адаммен бірге автобуспен"  # noqa: RUF001 (Kazakh on purpose)
EVIDENCE_MOVEMENT = "Жатақхана мен фабрика арасында күзетпен тасыды, кете алмадық"
EVIDENCE_WAGES = "Екі айлық еңбекке небәрі үш жүз жиырма юань төледі"
EVIDENCE_VIOLENCE = "Лагерьде электр таяқпен ұрды, бәрі көрді"
NARRATIVE_SENTENCE = (
    "Кейін Іле өңіріндегі қолғап фабрикасында екі айдай тегін дерлік жұмыс істедім."
)
NARRATIVE = "Мені 2018 жылдың көктемінде тәрбиелеу лагеріне апарды. " + NARRATIVE_SENTENCE
CAMPAIGN_BY = "Күйеуі, Алматыдағы құқық қорғау тобымен бірге"  # noqa: RUF001

#: Everything typed that must never be readable on the station's disk.
TYPED_SECRETS = (
    NAME_CYRILLIC,
    NAME_LATIN,
    CAMP_1,
    CAMP_2,
    FACTORY,
    WAGE_SAID,
    TRANSFER_SAID,
    EVIDENCE_MOVEMENT,
    EVIDENCE_WAGES,
    EVIDENCE_VIOLENCE,
    NARRATIVE_SENTENCE,
    CAMPAIGN_BY,
)


def click_action(page, value: str) -> None:
    """Press the step form's button whose ``action`` is ``value`` and wait for the page."""
    with page.expect_navigation():
        page.click(f"button[name=action][value='{value}']")


def save_and_continue(page) -> None:
    """The "Save and continue" button of a step."""
    click_action(page, "next")


def fill_date(page, prefix: str, *, precision="", year="", month="", season="", said="") -> None:
    """A date group (``prefix`` such as ``episodes-0-start``)."""
    page.select_option(f"#{prefix}-precision", precision)
    # Boxes the precision does not need are hidden: fill only what is given
    if year != "":
        page.fill(f"#{prefix}-year", str(year))
    if month != "":
        page.fill(f"#{prefix}-month", str(month))
    if season:
        page.select_option(f"#{prefix}-season", season)
    page.fill(f"#{prefix}-as_said", said)


def start_interview(journey) -> uuid.UUID:
    """From the interview list, start a draft; its id (taken from the step's URL)."""
    page = journey.page
    journey.go("/interview/")
    with page.expect_navigation():
        page.click("form[action$='/interview/start'] button[type=submit]")
    assert page.url.endswith("/testifier"), page.url
    return uuid.UUID(page.url.rsplit("/", 2)[1])


def fill_testifier(page) -> None:
    """Step 1: the interview and the main informant, the victim speaking of herself
    (the date is today by default); ticking "is the victim" hides the name rows."""
    page.select_option("#interview_language", "kk")
    page.fill("#interview_place", "Алматы")
    page.fill("#interviewer", "interviewer-07")
    page.check("#informants-0-is_main")
    page.check("#informants-0-is_victim")
    page.select_option("#informants-0-relation", "self")
    page.select_option("#informants-0-how_known-basis", "saw_directly")
    page.select_option("#informants-0-how_contacted", "in_person")
    page.select_option("#informants-0-is_former_detainee", "yes")
    page.select_option("#informants-0-interview_language", "kk")
    page.fill("#informants-0-country", "KZ")


def fill_informant(page, row: int, relation: str, name: str, script: str) -> None:
    """Informant ``row`` (added beforehand): a relative with one name as written."""
    page.fill(f"#informants-{row}-names-0-text", name)
    page.select_option(f"#informants-{row}-names-0-script", script)
    page.select_option(f"#informants-{row}-names-0-kind", "full")
    page.select_option(f"#informants-{row}-relation", relation)


def fill_name(page, row: int, text: str, script: str) -> None:
    """Name variant ``row`` of the victim step: a full name as written, in ``script``."""
    page.fill(f"#names-{row}-text", text)
    page.select_option(f"#names-{row}-script", script)
    page.select_option(f"#names-{row}-kind", "full")


def fill_victim(page) -> None:
    """Step 2: two ways of writing the victim's name, in two scripts."""
    fill_name(page, 0, NAME_CYRILLIC, "Cyrl")
    page.select_option("#names-0-language", "kk")
    click_action(page, "add:names")
    fill_name(page, 1, NAME_LATIN, "Latn")
    page.select_option("#gender", "female")
    page.select_option("#ethnicity", "kazakh")
    page.fill("#age_years", "39")
    page.fill("#citizenships", "CN")
    page.select_option("#kz_status", "permanent_resident")


def fill_episode_date(page, prefix: str, *, precision="", year="", month="", said="") -> None:
    """A date on the trajectory or labour step: the precision first, then only the
    boxes it shows (the page's script hides the others)."""
    page.select_option(f"#{prefix}-precision", precision)
    if year:
        page.fill(f"#{prefix}-year", str(year))
    if month:
        page.fill(f"#{prefix}-month", str(month))
    if said:
        page.fill(f"#{prefix}-as_said", said)


def fill_trajectory(page) -> None:
    """Step 3: two camps and assigned factory work, dates of different precision, how
    each is known, and the move from the second camp to the factory."""
    # A season read from the words as said, then a year
    page.select_option("#episodes-0-kind", "reeducation_camp")
    page.fill("#episodes-0-facility-free_text", CAMP_1)
    page.select_option("#episodes-0-facility-kind", "camp")
    fill_episode_date(page, "episodes-0-start", said=CAMP_1_SAID)
    fill_episode_date(page, "episodes-0-end", precision="year", year=2018)
    page.select_option("#episodes-0-known-basis", "saw_directly")
    click_action(page, "add:episodes")
    # A year, then a month
    page.select_option("#episodes-1-kind", "reeducation_camp")
    page.fill("#episodes-1-facility-free_text", CAMP_2)
    page.select_option("#episodes-1-facility-kind", "camp")
    fill_episode_date(page, "episodes-1-start", precision="year", year=2018)
    fill_episode_date(page, "episodes-1-end", precision="month", year=2019, month=1)
    page.select_option("#episodes-1-known-basis", "saw_directly")
    click_action(page, "add:episodes")
    # The factory typed against the page's lists (registry id and county id), month to month
    page.select_option("#episodes-2-kind", "assigned_factory_work")
    page.fill("#episodes-2-facility-registry", "jiafang_industrial_park")
    page.fill("#episodes-2-place-area", "ili.yining_county")
    fill_episode_date(page, "episodes-2-start", precision="month", year=2019, month=1)
    fill_episode_date(page, "episodes-2-end", precision="month", year=2019, month=3)
    page.select_option("#episodes-2-system", "camp_linked")
    page.select_option("#episodes-2-pipeline_stage", "employment_base")
    page.select_option("#episodes-2-known-basis", "saw_directly")
    # And the move from the second camp to the factory, with hundreds of others
    click_action(page, "add:transfers")
    page.select_option("#transfers-0-episode", "e3")
    page.select_option("#transfers-0-source", "e2")
    page.select_option("#transfers-0-mode", "supervised_collective_transfer")
    page.fill("#transfers-0-group_as_said", TRANSFER_SAID)


def fill_labour(page) -> None:
    """Step 4: the factory's work, one wage statement (320 CNY paid for 2 months) and
    three ILO indicators coded present on this work, with the evidence for each."""
    page.fill("#entries-0-factory", FACTORY)
    page.fill("#entries-0-products", "қолғап")
    page.select_option("#entries-0-sector", "garments_textiles")
    page.select_option("#entries-0-wages-0-status", "paid")
    page.fill("#entries-0-wages-0-as_said", WAGE_SAID)
    page.fill("#entries-0-wages-0-amount", "320")
    page.fill("#entries-0-wages-0-count", "2")
    page.check("#entries-0-wages-0-approximate")
    page.select_option("#entries-0-housing", "offsite_dormitory")
    page.select_option("#entries-0-escorted", "yes")
    page.select_option("#entries-0-could_leave", "no")
    page.click("#entries-0 details.coding > summary")
    for name, evidence in (
        ("restriction_of_movement", EVIDENCE_MOVEMENT),
        ("withholding_of_wages", EVIDENCE_WAGES),
        ("physical_and_sexual_violence", EVIDENCE_VIOLENCE),
    ):
        page.select_option(f"#entries-0-coding-{name}-status", "present")
        page.fill(f"#entries-0-coding-{name}-evidence", evidence)
    page.select_option("#entries-0-coding-unfree_recruitment-involuntariness-status", "present")
    page.check("#entries-0-coding-unfree_recruitment-involuntariness-indicators-3")
    # Currency and period last: choosing them asks the app for the live figure
    page.select_option("#entries-0-wages-0-currency", "CNY")
    page.select_option("#entries-0-wages-0-unit", "month")


def fill_coding(page) -> None:
    """Step 5: the record as a whole: verification, other abuse, system and stage."""
    page.select_option("#verification_level", "reported")
    page.check("input[name=other_abuse][value=electric_batons]")
    page.click("details.part > summary")
    page.select_option("#system", "camp_linked")
    page.select_option("#pipeline_stage", "employment_base")


def fill_links(page) -> None:
    """Links and actions taken: the husband's public campaign."""
    page.select_option("#interventions-0-kind", "family_public_campaign")
    page.fill("#interventions-0-by", CAMPAIGN_BY)
    page.select_option("#interventions-0-known-basis", "saw_directly")


def fill_consent(page) -> None:
    """Consent: each decision asked separately, the date in the same boxes as others."""
    page.check("input[name=to_record][value=yes]")
    page.check("input[name=share_with_partner_databases][value=no]")
    page.check("input[name=publish_victim_name][value=no]")
    page.check("input[name=publish_testifier_name][value=no]")
    page.check("input[name=research_use][value=yes]")
    page.select_option("#identity_level", "anonymous")
    page.select_option("#location_level", "prefecture")
    page.select_option("#photo_use", "none")
    page.fill("#given_on-year", "2019")
    page.fill("#given_on-month", "12")
    page.fill("#given_on-day", "20")


def finalise(page) -> None:
    """From the review page: Finalise, then confirm on the page that asks."""
    with page.expect_navigation():
        page.click("div.finalise a.button")
    with page.expect_navigation():
        page.click("form.confirm button[type=submit]")


def fill_narrative(page) -> None:
    """Step 7: the testimony in Kazakh, as said."""
    page.fill("#original_text", NARRATIVE)
    page.select_option("#original_language", "kk")


def open_all_details(page) -> None:
    """Open every folded part of the page (coding tables, summaries), so that each
    field can be typed into."""
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")


def enter(page, fields: dict) -> None:
    """Type ``fields`` in order: a key is a field id (or a CSS selector starting with
    ``input[``); ``True`` ticks a box, other values go into a select or a text box.
    A date's precision comes before its year and month, which it shows."""
    for target, value in fields.items():
        selector = target if target.startswith(("input[", "#")) else f"#{target}"
        element = page.locator(selector)
        if value is True:
            element.check()
        elif element.evaluate("e => e.tagName") == "SELECT":
            element.select_option(str(value))
        else:
            element.fill(str(value))


def add_publication(page, fields: dict) -> None:
    """On the attachments step: one published source (fields without the
    ``publication-`` prefix), added with its own button."""
    enter(page, {f"publication-{key}": value for key, value in fields.items()})
    click_action(page, "add_publication")
