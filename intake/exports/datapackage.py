"""The research export as a Frictionless Data Package: datapackage.json plus CSV files,
in one ZIP archive with fixed timestamps (the same rows give the same bytes)."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any

from intake.exports import research
from intake.exports.formats import codes_to_csv
from intake.exports.labels import codes_of, label

#: Column -> (codebook vocabulary or None, description).
_PERSON_FIELDS: dict[str, tuple[str | None, str]] = {
    "person": (None, "Keyed pseudonym of the person, different for every recipient."),
    "testimonies": (None, "Number of testimonies about this person in the export."),
    "gender": ("gender", "Gender as reported."),
    "age_band": (None, "Age band in years (from the reported age, or age in 2017)."),
    "ethnicity_group": ("ethnicity", "Ethnicity; groups held by few people merged into 'other'."),
    "home_prefecture": (None, "Home prefecture id (schemas/reference/places.json), or coarser."),
    "first_detained": (None, "Year or half-year the first detention began."),
    "victim_status": ("victim_status", "The victim's situation as last reported."),
    "status_known_by": ("knowledge_basis", "How the status is known."),
    "verification_level": ("verification_level", "Verification level of the testimony."),
}

_EPISODE_FIELDS: dict[str, tuple[str | None, str]] = {
    "person": (None, "Pseudonym of the person (persons.csv)."),
    "testimony": (None, "Keyed pseudonym of the testimony the episode comes from."),
    "episode": (None, "Position of the episode in the testimony's trajectory."),
    "kind": ("episode_kind", "Kind of episode."),
    "system": ("system", "System of forced labour."),
    "pipeline_stage": ("pipeline_stage", "Stage of the camp-to-factory pipeline."),
    "start": (None, "Year or half-year the episode began ('suppressed': hidden to reach k, l)."),
    "end": (None, "Year or half-year the episode ended ('suppressed': hidden to reach k, l)."),
    "prefecture": (None, "Prefecture or province id, or coarser ('suppressed': hidden)."),
    "facility_kind": ("facility_kind", "Kind of facility."),
    "how_known": ("knowledge_basis", "How the testifier knows this episode."),
    "sector": ("sector", "Sector of the work."),
    "wage_ratio_low": (None, "Lowest wage-to-minimum-wage ratio, rounded down to 0.05."),
    "wage_ratio_high": (None, "Highest wage-to-minimum-wage ratio, rounded up to 0.05."),
    **{
        column: (
            "indicator_status",
            f"ILO forced-labour indicator: {column[4:].replace('_', ' ')}.",
        )
        for column in research.ILO_COLUMNS
    },
    **{
        column: (
            "indicator_status",
            f"ILO 2012 survey guidelines cell: {column[7:].replace('_', ' ')}.",
        )
        for column in research.SURVEY_COLUMNS
    },
    "survey_indicators": (
        "survey_indicator",
        "Survey-guideline indicators coded (space-separated).",
    ),
}

_INTEGERS = {"testimonies", "episode"}


def _field(name: str, vocabulary: str | None, description: str) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": name,
        "type": "integer" if name in _INTEGERS else "string",
        "description": description,
    }
    if vocabulary is not None:
        values = [*codes_of(vocabulary), research.UNKNOWN, "other"]
        spec["categories"] = [
            {"value": value, "label": label(vocabulary, value) or value}
            for value in dict.fromkeys(values)
        ]
    return spec


def descriptor(anonymity: Mapping[str, Any], *, recipient: str, created: str) -> dict[str, Any]:
    """datapackage.json: the two resources, every field described with codebook labels,
    and the measured anonymity (k, l, thresholds, quasi-identifiers, checker)."""
    return {
        "name": "intake-research-export",
        "title": "Anonymised research data: persons and work or detention episodes",
        "created": created,
        "recipient": recipient,
        "licenses": [],
        "anonymity": dict(anonymity),
        "resources": [
            {
                "name": "persons",
                "path": "persons.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [_field(n, *_PERSON_FIELDS[n]) for n in research.PERSON_COLUMNS],
                    "primaryKey": ["person"],
                },
            },
            {
                "name": "episodes",
                "path": "episodes.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [_field(n, *_EPISODE_FIELDS[n]) for n in research.EPISODE_COLUMNS],
                    "foreignKeys": [
                        {
                            "fields": ["person"],
                            "reference": {"resource": "persons", "fields": ["person"]},
                        }
                    ],
                },
            },
        ],
    }


def package(
    persons: Sequence[Mapping[str, Any]],
    episodes: Sequence[Mapping[str, Any]],
    package_descriptor: Mapping[str, Any],
) -> bytes:
    """The ZIP archive: datapackage.json, persons.csv, episodes.csv."""
    buffer = io.BytesIO()
    members = {
        "datapackage.json": json.dumps(package_descriptor, ensure_ascii=False, indent=2).encode(),
        "persons.csv": codes_to_csv(persons, research.PERSON_COLUMNS),
        "episodes.csv": codes_to_csv(episodes, research.EPISODE_COLUMNS),
    }
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            archive.writestr(info, data)
    return buffer.getvalue()
