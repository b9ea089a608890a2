"""Research data: refused below k = 5 or l = 2 with the steps that would reach them;
measured k and l in the manifest; pseudonyms that differ per recipient."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest

from intake.exports.anonymity import AnonymityTooLowError
from intake.exports.research import Generalisation
from intake.exports.services import ExportRequest, preview_export, write_export
from tests.intake.exports.conftest import public_examples, store


def _write(database, keys, **options):  # type: ignore[no-untyped-def]
    with database.session() as session:
        return write_export(
            session,
            keys,
            ExportRequest(kind="research", recipient=options.pop("recipient", "Team A"), **options),
            actor=None,
            recipients=[],
            allow_plain=True,
        )


def _member(data: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name).decode("utf-8")


def test_the_public_examples_alone_are_refused_with_what_would_reach_k(database, casedb):
    # Given only the three public worked examples (k = 5 cannot hold)
    store(database, casedb, public_examples())
    # When a research export is asked for
    with pytest.raises(AnonymityTooLowError) as refused:
        _write(database, casedb)
    # Then it is refused, with the measured k and what to do
    assert refused.value.measure.k < 5
    assert refused.value.suggestions
    assert "k = 1" in str(refused.value) or "k = 2" in str(refused.value)


def test_the_preview_shows_the_refusal_and_left_out_records(database, casedb):
    store(database, casedb, public_examples())
    with database.session() as session:
        preview = preview_export(
            session, casedb, ExportRequest(kind="research", recipient="Team A"), actor=None
        )
    assert preview.refused
    # camp_factory_witness and worked_example consent to research; factory_transfer too
    assert preview.records == 3


def test_a_passing_export_carries_k_and_l_in_its_manifest(database, stored_corpus, corpus):
    exported = _write(database, stored_corpus)
    package = json.loads(_member(exported.data, "datapackage.json"))
    assert package["anonymity"]["k"] == len(corpus)
    assert package["anonymity"]["l"] == 2
    assert package["anonymity"]["checker"].startswith("pycanon")
    fields = package["resources"][0]["schema"]["fields"]
    gender = next(f for f in fields if f["name"] == "gender")
    assert {"value": "female", "label": "Female"} in gender["categories"]
    assert all(f["description"] for r in package["resources"] for f in r["schema"]["fields"])


def test_suppression_removes_people_in_small_groups_and_says_how_many(database, casedb, corpus):
    # Given the uniform corpus plus three distinct public examples
    store(database, casedb, corpus + public_examples())
    exported = _write(database, casedb, suppress=True)
    package = json.loads(_member(exported.data, "datapackage.json"))
    assert package["anonymity"]["suppressed_people"] == 3
    assert package["anonymity"]["k"] >= 5


def test_a_suggested_generalisation_is_one_that_passes(database, casedb, corpus):
    # Given two age bands among the corpus: three people in a band of their own
    for record in corpus[:3]:
        record["victim"]["approximate_age"]["years"] = 20
    store(database, casedb, corpus)
    with pytest.raises(AnonymityTooLowError) as refused:
        _write(database, casedb)
    texts = [item.text for item in refused.value.suggestions]
    assert any("--age-band 0" in text for text in texts)
    # When the suggested step is taken, the export passes
    exported = _write(database, casedb, generalisation=Generalisation(age_band_years=0))
    assert json.loads(_member(exported.data, "datapackage.json"))["anonymity"]["k"] == 12


def test_two_recipients_files_cannot_be_joined_on_the_pseudonym(database, stored_corpus):
    first = _write(database, stored_corpus, recipient="Team A")
    second = _write(database, stored_corpus, recipient="Team B")
    people_a = {
        r["person"] for r in csv.DictReader(io.StringIO(_member(first.data, "persons.csv")))
    }
    people_b = {
        r["person"] for r in csv.DictReader(io.StringIO(_member(second.data, "persons.csv")))
    }
    assert len(people_a) == 12 and not people_a & people_b
    again = _write(database, stored_corpus, recipient="Team A")
    assert {
        r["person"] for r in csv.DictReader(io.StringIO(_member(again.data, "persons.csv")))
    } == people_a


def test_episode_rows_keep_coding_and_wage_ratio_ranges(database, casedb, corpus):
    # Given the worked example's wage in every record: 320 CNY for almost two months
    for record in corpus:
        record["labour"][0]["wages"][0]["amount"] = 320
    store(database, casedb, corpus)
    exported = _write(database, casedb)
    rows = list(csv.DictReader(io.StringIO(_member(exported.data, "episodes.csv"))))
    work = [row for row in rows if row["kind"] == "assigned_factory_work"]
    assert work and work[0]["ilo_restriction_of_movement"] == "present"
    assert work[0]["survey_unfree_recruitment_involuntariness"] == "present"
    assert work[0]["pipeline_stage"] == "employment_base"
    # 320 CNY for 1.5-2 months at 1,460-1,820 minimum: about 0.088-0.146
    assert (work[0]["wage_ratio_low"], work[0]["wage_ratio_high"]) == ("0.05", "0.15")
    assert work[0]["prefecture"] == "ili"


def test_one_person_singled_out_by_an_episode_is_refused_then_suppressed(database, casedb, corpus):
    # Given twelve alike people, one of whom alone worked in a Kashgar factory
    corpus[0]["episodes"][3]["place"] = {"prefecture_id": "kashgar"}
    store(database, casedb, corpus)
    # When exported / Then the person table alone would pass, but the episode does not
    with pytest.raises(AnonymityTooLowError) as refused:
        _write(database, casedb)
    assert refused.value.measure.k == 1
    assert any("--suppress" in item.text for item in refused.value.suggestions)
    # When suppressed / Then that episode is left out and no row says Kashgar
    exported = _write(database, casedb, suppress=True)
    manifest = json.loads(_member(exported.data, "datapackage.json"))["anonymity"]
    assert manifest["k"] >= 5 and manifest["persons"]["k"] == 12
    assert manifest["suppressed_episodes"] == {"dates_and_place_hidden": 1, "left_out": 1}
    assert "kashgar" not in _member(exported.data, "episodes.csv")
