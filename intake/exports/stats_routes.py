"""The Statistics page and its CSV download (coordinators and administrators)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, render_template
from flask_babel import gettext as _
from flask_login import current_user

from intake.exports import stats
from intake.exports.stats_charts import bar_chart, bar_labels
from intake.exports.stats_map import choropleth, credit
from intake.facilities.services import LiveRegistry, live_registry
from intake.interview import vocab
from intake.web import db_session, login_required, unlocked_keys

bp = Blueprint("stats", __name__, url_prefix="/stats")
ROLES = ("coordinator", "admin")


def labeler(facilities: LiveRegistry) -> Callable[[str, str], str]:
    """Names a table's codes in the reader's language: facilities as the live registry
    names them now, the rest as :func:`label` does."""
    language = vocab.ui_language()

    def named(vocabulary: str, code: str) -> str:
        if vocabulary == "facility":
            return facilities.name(code, language)
        return label(vocabulary, code)

    return named


def label(vocabulary: str, code: str) -> str:
    """A table's code in the reader's language (codebook or reference names)."""
    if vocabulary == "facility":
        return vocab.facility_name(code)
    if vocabulary == "prefecture":
        return vocab.place_name(code)
    if vocabulary == "year":
        if code == stats.BEFORE_FIRST_YEAR:
            return _("before %(year)s", year=stats.FIRST_YEAR)
        return code
    return vocab.label(vocabulary, code)


def words() -> dict[str, str]:
    """The words for suppressed cells, in the reader's language."""
    return {
        "small_text": _("fewer than 5"),
        "withheld_text": _("withheld: it would reveal a count under 5"),
    }


def table_titles() -> dict[str, str]:
    """Each table's title in the reader's language."""
    return {
        "facility": _("Testimonies by facility (registry)"),
        "prefecture": _("Testimonies by prefecture"),
        "year": _("Testimonies by year an episode of detention or assigned work began"),
        "episode_kind": _("Testimonies by episode kind"),
        "system": _("Testimonies by system of forced labour"),
        "pipeline_stage": _("Testimonies by pipeline stage"),
        "indicators": _("ILO indicators: testimonies with the indicator present"),
        "wages": _("Wage statements by ratio of pay to the minimum wage"),
    }


@dataclass(frozen=True)
class Chart:
    """A chart for <img>: its SVG as a data: URI and, as alt text, what it says."""

    src: str
    alt: str


def _chart(title: str, labels: list[str], cells: list[stats.Cell]) -> Chart:
    text = words()
    svg = bar_chart(title, labels, cells, empty_text=_("None yet."), **text)
    return Chart(_data_uri(svg), _alt(title, labels, cells))


def _alt(title: str, labels: list[str], cells: list[stats.Cell]) -> str:
    texts = bar_labels(cells, **words())
    return f"{title}: " + "; ".join(f"{a}: {b}" for a, b in zip(labels, texts, strict=True))


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def charts(result: stats.Statistics, label: Callable[[str, str], str] = label) -> dict[str, Chart]:
    """Every chart and the map (nothing is fetched after the page)."""
    titles = table_titles()
    out = {}
    for name, vocabulary in stats.TABLES:
        rows = result.tables[name]
        labels = [label(vocabulary, row.code) for row in rows]
        out[name] = _chart(titles[name], labels, [row.cell for row in rows])
    out["indicators"] = _chart(
        titles["indicators"],
        [label("ilo_indicator", row.code) for row in result.indicators],
        [row.present for row in result.indicators],
    )
    out["wages"] = _chart(
        titles["wages"],
        [stats.wage_bin_label(int(row.code)) for row in result.wage_bins],
        [row.cell for row in result.wage_bins],
    )
    rows = result.tables["prefecture"]
    cells = {row.code: row.cell for row in rows}
    svg = choropleth(titles["prefecture"], cells, vocab.place_name, **words())
    names = [vocab.place_name(row.code) for row in rows]
    out["map"] = Chart(_data_uri(svg), _alt(titles["prefecture"], names, list(cells.values())))
    return out


def _csv(result: stats.Statistics, named: Callable[[str, str], str]) -> bytes:
    return stats.render_csv(result, named)


@bp.route("/")
@login_required(*ROLES)
def index() -> str:
    """The statistics, charts and map; the view is audited as an export to the page."""
    session, keys = db_session(), unlocked_keys()
    facilities = live_registry(session)
    result = stats.build_statistics(session, keys, facilities=facilities)
    named = labeler(facilities)
    stats.record_stats_export(
        session, keys, actor=current_user.account_id, data=_csv(result, named), output="page"
    )
    session.commit()
    context: dict[str, Any] = {"titles": table_titles(), "label": named, **words()}
    context["wage_label"] = stats.wage_bin_label
    context["map_credit"] = credit()
    return render_template(
        "exports/stats.html",
        result=result,
        charts=charts(result, named),
        tables=stats.TABLES,
        **context,
    )


@bp.route("/statistics.csv")
@login_required(*ROLES)
def download() -> Response:
    """The same suppressed numbers as a CSV file; audited with the file's hash."""
    session, keys = db_session(), unlocked_keys()
    facilities = live_registry(session)
    data = _csv(stats.build_statistics(session, keys, facilities=facilities), labeler(facilities))
    stats.record_stats_export(session, keys, actor=current_user.account_id, data=data, output="csv")
    session.commit()
    return Response(
        data,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="statistics.csv"'},
    )
