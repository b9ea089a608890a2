"""Reference tables cite their sources and agree with each other and the codebook."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
REFERENCE_FILES = sorted((SCHEMAS / "reference").glob("*.json"))


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


PLACES = _load(SCHEMAS / "reference" / "places.json")
FACILITIES = _load(SCHEMAS / "reference" / "facilities.json")
MINIMUM_WAGE = _load(SCHEMAS / "reference" / "minimum_wage.json")
CODEBOOK = _load(SCHEMAS / "codebook.json")
PREFECTURE_IDS = [p["id"] for p in PLACES["prefectures"]]
COUNTY_IDS = [c["id"] for p in PLACES["prefectures"] for c in p["counties"]]


def test_the_three_reference_tables_exist() -> None:
    # Given the reference directory / When listed / Then it has the expected tables
    assert {path.stem for path in REFERENCE_FILES} >= {"facilities", "places", "minimum_wage"}


@pytest.mark.parametrize("path", REFERENCE_FILES, ids=lambda path: path.stem)
def test_reference_files_cite_sources_and_dates(path: Path) -> None:
    # Given a reference table
    data = _load(path)
    # When its provenance is read
    # Then it has non-empty sources and says when they were reported and retrieved
    assert data["sources"] and all(source["citation"].strip() for source in data["sources"])
    assert str(data["as_reported"]).strip()
    assert "retrieved" in data
    assert data["notes"]


def test_place_ids_are_unique_and_counties_nest_in_their_prefecture() -> None:
    # Given all place ids / When compared / Then none repeats and counties carry their prefix
    ids = PREFECTURE_IDS + COUNTY_IDS
    assert len(ids) == len(set(ids))
    for prefecture in PLACES["prefectures"]:
        for county in prefecture["counties"]:
            assert county["id"].startswith(prefecture["id"] + ".")
            assert county["en"].strip() and county["zh"].strip()


def test_places_cover_the_xinjiang_prefecture_level_divisions() -> None:
    # Given the places table / When its prefecture ids are read / Then the 14 divisions are there
    expected = {
        "urumqi",
        "karamay",
        "turpan",
        "hami",
        "changji",
        "bortala",
        "bayingolin",
        "aksu",
        "kizilsu",
        "kashgar",
        "hotan",
        "ili",
        "tacheng",
        "altay",
    }
    assert expected <= set(PREFECTURE_IDS)
    assert "ili.yining_county" in COUNTY_IDS


def test_facility_ids_unique_and_places_exist() -> None:
    # Given the facility registry
    entries = FACILITIES["facilities"]
    kinds = {code["code"] for code in CODEBOOK["vocabularies"]["facility_kind"]["codes"]}
    province_ids = {province["id"] for province in PLACES["provinces"]}
    known_sources = _source_ids(FACILITIES)
    # When ids, kinds, places and sources are checked
    ids = [entry["id"] for entry in entries]
    # Then ids are unique, kinds are codebook codes, places are in places.json,
    # and every entry cites sources that the file lists
    assert len(ids) == len(set(ids))
    for entry in entries:
        assert entry["kind"] in kinds
        if entry["prefecture_id"] is None:
            assert entry["province_id"] in province_ids and entry["county_id"] is None
        else:
            assert entry["prefecture_id"] in PREFECTURE_IDS and "province_id" not in entry
        assert entry["county_id"] is None or entry["county_id"] in COUNTY_IDS
        assert entry["county_id"] is None or entry["county_id"].startswith(entry["prefecture_id"])
        assert entry["names"]["en"].strip()
        assert entry["source_ids"] and set(entry["source_ids"]) <= known_sources


def test_every_facility_source_is_cited_by_an_entry() -> None:
    # Given the facility sources / Then none is listed without an entry citing it
    cited = {source_id for entry in FACILITIES["facilities"] for source_id in entry["source_ids"]}
    assert cited == _source_ids(FACILITIES)
    assert FACILITIES["version"] == "2.0.0"


def test_version_1_facility_ids_are_kept() -> None:
    # Given the ids records may already use / Then each is still in the registry
    ids = {entry["id"] for entry in FACILITIES["facilities"]}
    assert {
        "jiafang_industrial_park",
        "baoding_lyszd_glove_factory_ghulja",
        "yili_zhuowan_garment",
        "hetian_taida_apparel",
        "lop_county_hair_product_industrial_park",
        "lop_county_no4_vsetc",
        "hetian_haolin_hair_accessories",
        "dabancheng_vsetc",
    } <= ids


def test_the_worked_example_park_is_registered_in_yining_county() -> None:
    # Given the registry / When Jiafang is looked up
    # Then it is an industrial park in Yining County
    park = next(e for e in FACILITIES["facilities"] if e["id"] == "jiafang_industrial_park")
    assert (park["kind"], park["county_id"]) == ("industrial_park", "ili.yining_county")


def _wage_tables() -> list[dict[str, Any]]:
    return list(MINIMUM_WAGE["tables"])


def _source_ids(data: dict[str, Any]) -> set[str]:
    return {source["id"] for source in data["sources"]}


def test_minimum_wage_is_version_2_in_cny_per_month() -> None:
    # Given the minimum wage table / When its header is read / Then it is v2, CNY a month
    assert MINIMUM_WAGE["version"] == "2.0.0"
    assert (MINIMUM_WAGE["currency"], MINIMUM_WAGE["period"]) == ("CNY", "month")


@pytest.mark.parametrize("path", REFERENCE_FILES, ids=lambda path: path.stem)
def test_sources_have_ids_urls_and_dates_where_a_file_cites_by_id(path: Path) -> None:
    # Given a reference file whose sources carry ids
    data = _load(path)
    sources = [source for source in data["sources"] if "id" in source]
    # When the ids, urls and dates are read
    ids = [source["id"] for source in sources]
    # Then ids are unique, every source has a url, and dates are ISO days or null
    assert len(ids) == len(set(ids))
    for source in sources:
        assert source["url"].startswith(("http://", "https://"))
        for key in ("published", "retrieved"):
            value = source.get(key)
            assert value is None or date.fromisoformat(value).isoformat() == value


def test_every_wage_table_cites_sources_that_exist() -> None:
    # Given the sources of the minimum wage file
    known = _source_ids(MINIMUM_WAGE)
    for table in _wage_tables():
        # When a table's source ids are read / Then each names a listed source
        assert table["source_ids"] and set(table["source_ids"]) <= known
        assert set(table["tier_source_ids"]) <= known
        # And a table that maps areas says which source the mapping rests on
        if table["prefecture_tiers"] or table["county_tiers"]:
            assert table["tier_source_ids"] and table["basis"].strip()


def test_wage_tiers_are_positive_whole_yuan_and_areas_use_known_tiers() -> None:
    for table in _wage_tables():
        # Given a table's tiers / Then every amount is a positive whole number of yuan
        tiers = table["tiers"]
        assert tiers and all(isinstance(v, int) and v > 0 for v in tiers.values())
        # And every area points at a tier of the same table
        mapped = {**table["prefecture_tiers"], **table["county_tiers"]}
        assert set(mapped.values()) <= set(tiers)


def test_wage_tables_are_in_order_and_do_not_overlap() -> None:
    # Given the tables' date windows
    windows = [
        (
            date.fromisoformat(t["applies_from"]),
            date.fromisoformat(t["applies_to"]) if t["applies_to"] else date.max,
        )
        for t in _wage_tables()
    ]
    # When compared / Then each starts before it ends and after the previous one ends
    for start, end in windows:
        assert start <= end
    for (_, previous_end), (next_start, _) in pairwise(windows):
        assert previous_end < next_start
    # And only the last table may be open-ended
    assert all(t["applies_to"] for t in _wage_tables()[:-1])


def test_wage_areas_exist_in_places() -> None:
    for table in _wage_tables():
        # Given the areas a table maps / Then each is a prefecture or county in places.json
        assert set(table["prefecture_tiers"]) <= set(PREFECTURE_IDS)
        assert set(table["county_tiers"]) <= set(COUNTY_IDS)
        assert table["region"] == "xinjiang"


def test_the_2013_and_2018_tiers_are_the_official_figures() -> None:
    # Given the tables by id
    tables = {table["id"]: table for table in _wage_tables()}
    # Then 2013 and 2018 carry the four tiers of the notices as reported
    assert tables["xinjiang_2013"]["tiers"] == {"1": 1520, "2": 1320, "3": 1240, "4": 1160}
    assert tables["xinjiang_2013"]["applies_from"] == "2013-06-01"
    assert tables["xinjiang_2018"]["tiers"] == {"1": 1820, "2": 1620, "3": 1540, "4": 1460}
    # And the 2018 tier 1 is Karamay and Taxkorgan, as Xinhua reported
    table = tables["xinjiang_2018"]
    assert table["prefecture_tiers"]["karamay"] == "1"
    assert table["county_tiers"]["kashgar.tashkurgan"] == "1"


def test_the_garbled_820_figure_is_gone() -> None:
    # Given every amount in the wage file / Then none is the garbled 820 of version 1
    amounts = [v for table in _wage_tables() for v in table["tiers"].values()]
    assert 820 not in amounts


def test_worked_example_ili_in_2019_gives_a_range_not_one_figure() -> None:
    # Given the worked example: 160 CNY a month in Yining County, Ili, early 2019
    on = date(2019, 2, 1)
    table = next(
        t
        for t in _wage_tables()
        if date.fromisoformat(t["applies_from"]) <= on <= date.fromisoformat(t["applies_to"])
    )
    # When the county's tier is looked up / Then none is known
    assert "ili.yining_county" not in table["county_tiers"]
    assert "ili" not in table["prefecture_tiers"]
    # So the honest answer is a ratio range against the lowest and highest tiers
    low, high = min(table["tiers"].values()), max(table["tiers"].values())
    assert (round(Decimal(160) / high, 3), round(Decimal(160) / low, 3)) == (
        Decimal("0.088"),
        Decimal("0.110"),
    )


@pytest.mark.parametrize("path", REFERENCE_FILES, ids=lambda path: path.stem)
def test_no_reference_file_names_a_path_on_a_machine(path: Path) -> None:
    # Given a reference file's text / Then it names no local or drive-letter path
    text = path.read_text(encoding="utf-8")
    for marker in ("/work/", "/home/", "/tmp/", "/Users/", "file://"):
        assert marker not in text
    assert not re.search(r"\b[A-Za-z]:[\\/]", text)


EXCHANGE_RATES = _load(SCHEMAS / "reference" / "exchange_rates.json")
RATE_YEARS = [str(year) for year in range(2014, 2025)]


def test_exchange_rates_are_cny_based_and_cover_usd_and_kzt_2014_to_2024() -> None:
    # Given the exchange-rate table / Then it is in CNY and has every year for USD and KZT
    assert (EXCHANGE_RATES["base"], EXCHANGE_RATES["version"]) == ("CNY", "1.0.0")
    for currency in ("USD", "KZT"):
        assert sorted(EXCHANGE_RATES["rates"][currency]) == RATE_YEARS


def test_exchange_rates_are_positive_decimal_strings_with_enough_digits() -> None:
    for currency, years in EXCHANGE_RATES["rates"].items():
        assert re.fullmatch(r"[A-Z]{3}", currency) and currency != "CNY"
        for year, text in years.items():
            # Given one rate / Then it is a year and a positive decimal written as a string
            assert re.fullmatch(r"20\d\d", year)
            assert isinstance(text, str) and re.fullmatch(r"\d+\.\d+", text)
            rate = Decimal(text)
            assert rate > 0
            # And small rates keep at least six significant digits
            if rate < 1:
                assert len(text.split(".")[1].lstrip("0")) >= 6


def test_every_currency_names_its_sources() -> None:
    # Given the rates and their sources / Then each currency cites sources that exist
    known = _source_ids(EXCHANGE_RATES)
    assert set(EXCHANGE_RATES["rate_sources"]) == set(EXCHANGE_RATES["rates"])
    for ids in EXCHANGE_RATES["rate_sources"].values():
        assert ids and set(ids) <= known


def test_derived_rates_follow_from_their_published_inputs() -> None:
    # Given the published inputs / When CNY per KZT is recomputed through the dollar
    inputs = EXCHANGE_RATES["inputs"]
    for year in RATE_YEARS:
        cross = Decimal(inputs["CNY_per_USD"][year]) / Decimal(inputs["KZT_per_USD"][year])
        stored = Decimal(EXCHANGE_RATES["rates"]["KZT"][year])
        # Then the stored rate is the cross rate to six significant digits
        assert abs(cross - stored) / cross < Decimal("0.000005")
        assert EXCHANGE_RATES["rates"]["USD"][year] == inputs["CNY_per_USD"][year]


def test_95_dollars_a_month_in_2018_is_about_628_yuan() -> None:
    # Given "95 USD a month in 2018" / When converted with the 2018 average
    converted = Decimal(95) * Decimal(EXCHANGE_RATES["rates"]["USD"]["2018"])
    # Then it is about 628 yuan, a figure of the right size for a 2018 wage
    assert converted.quantize(Decimal("0.01")) == Decimal("627.86")
    # And 50,000 tenge in 2019 is under a thousand yuan
    assert Decimal(50000) * Decimal(EXCHANGE_RATES["rates"]["KZT"]["2019"]) < 1000


HURIDOCS = _load(SCHEMAS / "reference" / "huridocs_esf.json")


def test_huridocs_terms_are_12_digit_codes_with_labels() -> None:
    for list_code, entry in HURIDOCS["lists"].items():
        # Given one micro-thesaurus / Then it has a name and 12-digit codes with labels
        assert list_code.isdigit() and entry["name"].strip()
        assert entry["terms"]
        for code, label in entry["terms"].items():
            assert re.fullmatch(r"\d{12}", code) and label.strip()


def test_the_domain_codes_are_in_their_lists_with_their_labels() -> None:
    # Given the codes DOMAIN.md quotes / Then each is in the list it is quoted for
    terms = {key: entry["terms"] for key, entry in HURIDOCS["lists"].items()}
    assert terms["4"]["030101000000"] == "Arrest"
    assert terms["4"]["030103000000"] == "Disappearance"
    assert terms["4"]["300102010000"] == "Involuntary or forced labour"
    assert terms["4"]["300104030600"] == "Compulsory or arbitrary transfer"
    assert terms["19"]["010100000000"] == "Victim him/herself"
    assert terms["19"]["990000000000"] == "Unknown"
    checks = HURIDOCS["domain_code_checks"]
    assert len(checks) == 13 and all(check["matched"] for check in checks)
    for check in checks:
        assert terms[str(check["list_code"])][check["huri_code"]] == check["label_in_file"]


def test_project_terms_exist_in_their_lists_and_the_lists_are_named_as_in_the_file() -> None:
    # Given the terms the project maps to / Then each is a term of that list
    for list_code, codes in HURIDOCS["project_terms"].items():
        assert set(codes) <= set(HURIDOCS["lists"][list_code]["terms"])
    # And the lists carry the names the source file gives them
    names = {key: entry["name"] for key, entry in HURIDOCS["lists"].items()}
    assert names["4"] == "types_of_acts"
    assert names["19"] == "source_connection_to_information"
    assert names["39"] == "sex"


PROVINCES = PLACES["provinces"]


def test_places_is_version_2_and_every_county_has_its_division_code() -> None:
    # Given the places table / Then it is v2 and each county code sits under its prefecture
    assert PLACES["version"] == "2.0.0"
    for prefecture in PLACES["prefectures"]:
        for county in prefecture["counties"]:
            assert re.fullmatch(r"65\d{4}", county["gb2260"])
            assert county["gb2260"][:4] == prefecture["gb2260"][:4]
    codes = [c["gb2260"] for p in PLACES["prefectures"] for c in p["counties"]]
    assert len(codes) == len(set(codes))


def test_provinces_outside_xinjiang_have_codes_and_names() -> None:
    # Given the provinces list / Then it has the 30 other mainland divisions, not Xinjiang
    assert len(PROVINCES) == 30
    ids = [p["id"] for p in PROVINCES]
    assert len(set(ids)) == 30 and not set(ids) & set(PREFECTURE_IDS + COUNTY_IDS)
    for province in PROVINCES:
        assert re.fullmatch(r"\d{2}0000", province["gb2260"]) and province["gb2260"] != "650000"
        assert re.fullmatch(r"CN-[A-Z]{2}", province["iso_3166_2"])
        assert province["en"].strip() and province["zh"].strip()
    assert {"guangdong", "anhui", "jiangsu", "gansu"} <= set(ids)


def test_checked_names_cite_sources_that_exist_and_are_in_their_script() -> None:
    known = _source_ids(PLACES)
    entries = {e["id"]: e for p in PLACES["prefectures"] for e in [p, *p["counties"]]}
    cyrillic = r"[\u0400-\u04FF \-()]+"
    scripts = {"ru": cyrillic, "kk": cyrillic}
    for place_id, languages in PLACES["name_sources"].items():
        # Given a checked name / Then its place exists, its source is listed, its script fits
        assert place_id in entries
        for language, source_id in languages.items():
            assert source_id in known
            name = entries[place_id][language]
            if language in scripts:
                assert re.fullmatch(scripts[language], name)
            else:
                assert language == "ug" and re.fullmatch(r"[\u0600-\u06FF ]+", name)
