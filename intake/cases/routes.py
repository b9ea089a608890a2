"""Records pages of the case database: the filtered list and one record."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from intake.cases import labels, services
from intake.cases.forms import FilterForm
from intake.cases.live import LiveIndex, catch_up
from intake.cases.timeline import timeline_svg
from intake.delivery.addenda import addenda_of
from intake.delivery.services import station_labels
from intake.facilities.services import live_registry
from intake.interview import vocab
from intake.interview.review import place_of
from intake.interview.wages import shown_tables
from intake.web import app_state, db_session, login_required, number_arg, unlocked_keys
from intake.workspace.services import find_workspace

bp = Blueprint("cases", __name__, url_prefix="/records")
#: Who may list and read records; interviewers at a case database only interview.
READERS = ("admin", "coordinator")


@bp.before_request
def _casedb_only() -> None:
    """A station has no Records pages at all."""
    workspace = find_workspace(db_session())
    if workspace is None or workspace.role != "casedb":
        abort(404)


def _live_index() -> LiveIndex | None:
    """The case index held beside the keys, brought up to date with other writers."""
    state = app_state()
    live = state.vault.derived
    if isinstance(live, LiveIndex):
        catch_up(state.database, unlocked_keys(), live)
        return live
    return None


@bp.get("/")
@login_required(*READERS)
def records() -> str:
    """Stored records, filtered through the case index, a page at a time."""
    db = db_session()
    stations = station_labels(db, unlocked_keys())
    facilities = live_registry(db)
    args = request.args.copy()
    if args.get("facility"):
        # A link made before a merge names the merged entry: it means the kept one.
        args["facility"] = facilities.resolve(args["facility"])
    form = FilterForm(args)
    name = labels.facility_namer(facilities)
    form.fill_choices(stations, [(fid, name(fid)) for fid in facilities.entries])
    form.validate()
    page = services.list_records(
        db,
        unlocked_keys(),
        _live_index(),
        services.with_merged_facilities(form.filters(), facilities),
        page=number_arg("page") or 1,
        actor=current_user.account_id,
    )
    db.commit()
    return render_template(
        "cases/records.html",
        form=form,
        result=page,
        stations=stations,
        labels=labels,
        vocab=vocab,
        query={k: v for k, v in request.args.items() if k != "page" and v},
    )


@bp.get("/<uuid:record_id>")
@login_required(*READERS)
def record(record_id: uuid.UUID) -> str:
    """One record, every section labelled, with its trajectory as a timeline."""
    db = db_session()
    actor = current_user.account_id
    view = services.read_record(db, unlocked_keys(), record_id, actor=actor)
    addenda = addenda_of(db, unlocked_keys(), record_id, actor=actor) if view.document else []
    db.commit()
    document = view.document or {}
    name = labels.facility_namer(live_registry(db))
    return render_template(
        "cases/record.html",
        view=view,
        sections=labels.sections(document, name) if view.document else [],
        wages=labels.wages(document, shown_tables()),
        provenance=labels.provenance_items(view.provenance, view.station_label),
        timeline=timeline_svg(document.get("episodes") or []),
        labels=labels,
        addenda=addenda,
        path_words=place_of,
    )
