"""Typing kept as it happens: a closed page or a failed check loses nothing typed."""

from __future__ import annotations

from html.parser import HTMLParser

from intake.records.models import Draft
from tests.intake.conftest import csrf_token
from tests.intake.interview.journey import post_step, start_draft, worked_example_steps


class _FormReader(HTMLParser):
    """The values a browser would send for the page's step form."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[tuple[str, str]] = []
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.values.append((name, a.get("value", "on")))
            else:
                self.values.append((name, a.get("value") or ""))
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
        elif tag == "option" and self._select is not None:
            value = a.get("value") or ""
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self.values.append((self._select, value))
                self._select_chosen = True
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            if not self._select_chosen:
                self.values.append((self._select, self._select_first or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.values.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data


def browser_post(page: str, **changes: str) -> dict[str, list[str]]:
    """The whole form of ``page`` as a browser sends it, with ``changes`` typed in."""
    reader = _FormReader()
    reader.feed(page)
    data: dict[str, list[str]] = {}
    for name, value in reader.values:
        data.setdefault(name, []).append(value)
    for name, value in changes.items():
        assert name in data, f"the page has no field {name}"
        data[name] = [value]
    return data


def type_on(client, url: str, **changes: str):
    """Send what a page's script sends while the person types."""
    page = client.get(url).get_data(as_text=True)
    return client.post(f"{url}/typed", data=browser_post(page, **changes))


def test_typing_sent_while_typing_comes_back_when_the_page_is_opened_again(station_interviewer):
    # Given a victim step where a name and a note were typed, and the page then closed
    base = start_draft(station_interviewer)
    response = type_on(
        station_interviewer,
        f"{base}/victim",
        **{"names-0-text": "Гүлзира Әуелхан", "occupation": "мұғалім"},
    )
    assert response.status_code == 204
    # When the step is opened again
    page = station_interviewer.get(f"{base}/victim").get_data(as_text=True)
    # Then the typing is there, with a note that it is not yet checked
    assert "Гүлзира Әуелхан" in page and "мұғалім" in page
    assert "has been brought back" in page
    # And review refuses to finalise until the step is saved
    review = station_interviewer.get(f"{base}/review").get_data(as_text=True)
    assert "not yet checked" in review


def test_saving_the_step_takes_the_typing_into_the_record(station_interviewer):
    # Given kept typing on the victim step
    base = start_draft(station_interviewer)
    type_on(station_interviewer, f"{base}/victim", **{"names-0-text": "Synaq Ayelkhan"})
    # When the step is saved with the full example answers
    saved = post_step(station_interviewer, f"{base}/victim", worked_example_steps()["victim"])
    assert saved.status_code == 302
    # Then the page shows the saved answers, no restore note, and review has no warning
    page = station_interviewer.get(f"{base}/victim").get_data(as_text=True)
    assert "has been brought back" not in page and "Synaq Ayelkhan" not in page
    assert "not yet checked" not in station_interviewer.get(f"{base}/review").get_data(as_text=True)


def test_a_step_that_fails_its_checks_keeps_the_typing(station_interviewer):
    # Given a whole victim form with a name but its script left empty
    base = start_draft(station_interviewer)
    page = station_interviewer.get(f"{base}/victim").get_data(as_text=True)
    data = browser_post(page, **{"names-0-text": "Гүлзира", "names-0-script": ""})
    # When it is sent with "Save and continue" and refused
    refused = station_interviewer.post(f"{base}/victim", data={**data, "action": "next"})
    assert refused.status_code == 200 and "This field is required." in refused.get_data(
        as_text=True
    )
    # Then leaving and coming back shows what was typed
    assert "Гүлзира" in station_interviewer.get(f"{base}/victim").get_data(as_text=True)


def test_a_partial_post_is_not_kept_and_hides_nothing_saved(station_interviewer):
    # Given a saved testifier step
    base = start_draft(station_interviewer)
    assert (
        post_step(station_interviewer, f"{base}/testifier", worked_example_steps()["testifier"])
    ).status_code == 302
    token = csrf_token(station_interviewer.get(f"{base}/testifier").get_data(as_text=True))
    # When a forged post with a single field arrives at the typing address
    response = station_interviewer.post(
        f"{base}/testifier/typed", data={"csrf_token": token, "relation": "emperor"}
    )
    # Then it is refused and the saved answers are shown as they were
    assert response.status_code == 400
    page = station_interviewer.get(f"{base}/testifier").get_data(as_text=True)
    assert "interviewer-07" in page and "has been brought back" not in page


def test_typing_needs_the_csrf_token_and_an_own_draft(station_interviewer):
    base = start_draft(station_interviewer)
    page = station_interviewer.get(f"{base}/victim").get_data(as_text=True)
    data = browser_post(page, **{"names-0-text": "Гүлзира"})
    # Given a post without its token / Then it is refused
    no_token = {k: v for k, v in data.items() if k != "csrf_token"}
    assert station_interviewer.post(f"{base}/victim/typed", data=no_token).status_code == 400
    # Given an unknown step or draft / Then nothing is found
    assert station_interviewer.post(f"{base}/nosuch/typed", data=data).status_code == 404
    other = "/interview/00000000-0000-4000-8000-000000000000/victim/typed"
    assert station_interviewer.post(other, data=data).status_code == 404


def test_kept_typing_is_encrypted_in_the_database(station_interviewer, database):
    # Given typing kept on the narrative step
    base = start_draft(station_interviewer)
    type_on(station_interviewer, f"{base}/narrative", original_text="Қытайдағы лагерь 2018")
    # Then no draft row holds the typed text in any common encoding
    with database.session() as session:
        blobs = [bytes(d.ciphertext) for d in session.query(Draft).all()]
    assert blobs
    for needle in ("Қытайдағы", "лагерь"):
        for encoded in (needle.encode(), needle.encode("utf-16-le")):
            assert all(encoded not in blob for blob in blobs)


def test_every_step_page_as_sent_by_a_browser_is_kept(station_interviewer):
    # Given a draft whose steps hold the worked example (rows, episodes, labour)
    base = start_draft(station_interviewer)
    for name, data in worked_example_steps().items():
        assert post_step(station_interviewer, f"{base}/{name}", data).status_code == 302, name
    # When each step's page is sent back as a browser would send it
    for name in worked_example_steps():
        response = type_on(station_interviewer, f"{base}/{name}")
        # Then it counts as the whole form and is kept
        assert response.status_code == 204, name
    # And so does each page of a draft nothing was saved in yet
    fresh = start_draft(station_interviewer)
    for name in worked_example_steps():
        assert type_on(station_interviewer, f"{fresh}/{name}").status_code == 204, name


def test_labour_typing_is_set_aside_when_its_episode_is_removed(station_interviewer):
    # Given the worked example's trajectory (the factory is the fourth episode) and labour
    base = start_draft(station_interviewer)
    example = worked_example_steps()
    for name in ("testifier", "trajectory", "labour"):
        assert post_step(station_interviewer, f"{base}/{name}", example[name]).status_code == 302
    # And an employer typed for the factory on the labour step, not saved
    kept = type_on(station_interviewer, f"{base}/labour", **{"entries-0-employer": "Typed Ltd"})
    assert kept.status_code == 204
    # When the factory episode is removed on the trajectory step
    # (the move into it and its other links go with it)
    no_factory = {k: v for k, v in example["trajectory"].items() if not k.startswith("episodes-3-")}
    assert post_step(station_interviewer, f"{base}/trajectory", no_factory).status_code == 302
    # Then the labour page does not put the typing back onto other rows, and says so
    page = station_interviewer.get(f"{base}/labour").get_data(as_text=True)
    assert "Typed Ltd" not in page and "was set aside" in page
    # And review no longer waits for the labour step to be saved
    review = station_interviewer.get(f"{base}/review").get_data(as_text=True)
    assert "not yet checked" not in review


def test_typing_on_a_long_trajectory_is_kept(station_interviewer):
    # Given a trajectory page with 60 episode rows (over 1,000 fields in all)
    base = start_draft(station_interviewer)
    page = station_interviewer.get(f"{base}/trajectory").get_data(as_text=True)
    data = browser_post(page)
    row = {k: v for k, v in data.items() if k.startswith("episodes-0-")}
    for i in range(1, 60):
        data.update({k.replace("episodes-0-", f"episodes-{i}-", 1): v for k, v in row.items()})
    data["episodes-59-kind"] = ["reeducation_camp"]
    # When it is sent as the page's script sends it (URL-encoded)
    response = station_interviewer.post(f"{base}/trajectory/typed", data=data)
    # Then it is kept and comes back
    assert response.status_code == 204
    restored = station_interviewer.get(f"{base}/trajectory").get_data(as_text=True)
    assert 'id="episodes-59-kind"' in restored
