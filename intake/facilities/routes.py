"""The facility registry page: list and filter, add, edit, merge (case database)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from intake.errors import IntakeError
from intake.facilities import services
from intake.facilities.forms import FacilityForm, MergeForm, facility_data
from intake.interview import vocab
from intake.web import confirmation, confirmed, db_session, login_required, unlocked_keys
from intake.workspace.services import require_role

bp = Blueprint("facilities", __name__, url_prefix="/facilities")
EDITORS = ("admin", "coordinator")


@bp.get("/")
@login_required(*EDITORS)
def index() -> str:
    """Every live entry, filtered by words, kind and place (public data: GET is fine)."""
    session = db_session()
    require_role(session, "casedb")
    args = {k: request.args.get(k, "")[:100] for k in ("text", "kind", "place")}
    return render_template(
        "facilities/index.html",
        facilities=services.filtered(session, **args),
        args=args,
        kinds=[(k, vocab.label("facility_kind", k)) for k in services.facility_kinds()],
        places=vocab.prefecture_choices()[1:] + vocab.province_choices()[1:],
        place_name=vocab.place_name,
        language=vocab.ui_language(),
    )


def _form_page(form: FacilityForm, *, new: bool, error: str | None = None) -> Any:
    status = 200 if error is None else 400
    return render_template("facilities/edit.html", form=form, new=new, error=error), status


def _save(form: FacilityForm, *, new: bool) -> Any:
    session = db_session()
    try:
        services.save_facility(
            session, unlocked_keys(), form.facility(), new=new, actor=current_user.account_id
        )
    except IntakeError as error:
        session.rollback()
        return _form_page(form, new=new, error=error.translated())
    session.commit()
    flash(gettext("The facility was saved."), "done")
    return redirect(url_for(".index"))


@bp.route("/new", methods=["GET", "POST"])
@login_required(*EDITORS)
def add() -> Any:
    """Add a facility."""
    require_role(db_session(), "casedb")
    form = FacilityForm()
    form.fill_choices(services.facility_kinds())
    if not form.validate_on_submit():
        return _form_page(form, new=True)
    return _save(form, new=True)


@bp.route("/<facility_id>/edit", methods=["GET", "POST"])
@login_required(*EDITORS)
def edit(facility_id: str) -> Any:
    """Edit a facility (a bundled one is replaced by the edited entry here)."""
    require_role(db_session(), "casedb")
    facility = services.find_facility(db_session(), facility_id)
    if facility.id != facility_id:
        return redirect(url_for(".edit", facility_id=facility.id))
    form = FacilityForm(data=facility_data(facility))
    form.fill_choices(services.facility_kinds())
    if request.method == "POST":
        form.id.data = facility.id  # the id of an entry never changes
    if not form.validate_on_submit():
        return _form_page(form, new=False)
    return _save(form, new=False)


@bp.route("/merge", methods=["GET", "POST"])
@login_required(*EDITORS)
def merge() -> Any:
    """Merge two entries that are one place."""
    session = db_session()
    require_role(session, "casedb")
    form, language = MergeForm(), vocab.ui_language()
    choices = [(f.id, f"{f.name(language)} ({f.id})") for f in services.filtered(session)]
    form.merged.choices = form.kept.choices = choices
    named = dict(choices)
    valid = form.validate_on_submit()
    if valid and form.merged.data == form.kept.data:
        error = gettext("Choose two different entries to merge.")
        return render_template("facilities/merge.html", form=form, error=error)
    if valid:
        if not confirmed():
            return confirmation(
                subject=named[form.merged.data],
                question=gettext(
                    "Merge %(merged)s into %(kept)s? This cannot be undone: pages, "
                    "filters, statistics and exports will know only %(kept)s.",
                    merged=named[form.merged.data],
                    kept=named[form.kept.data],
                ),
                button=gettext("Merge"),
                action_url=url_for(".merge"),
                back_url=url_for(".merge"),
                carried={"merged": form.merged.data, "kept": form.kept.data},
            )
        try:
            services.merge_facilities(
                session, unlocked_keys(), form.merged.data, form.kept.data,
                actor=current_user.account_id,
            )  # fmt: skip
        except IntakeError as error:
            session.rollback()
            return render_template("facilities/merge.html", form=form, error=error.translated())
        session.commit()
        flash(
            gettext(
                "Merged: the first entry is now part of the second on the Facilities "
                "pages, record pages, the Records filter, the statistics and research "
                "exports. Stations' facility pickers follow with the next release "
                "(facilities export)."
            ),
            "done",
        )
        return redirect(url_for(".index"))
    error = None
    merged = form.merged.data or ""
    if request.method == "POST" and merged not in named:
        kept = services.resolve(session, merged)
        if kept != merged:  # a merge already done: the form was sent again, or is stale
            error = gettext(
                "%(merged)s is already merged into %(kept)s.",
                merged=merged,
                kept=services.live_registry(session).name(kept, language),
            )
    return render_template("facilities/merge.html", form=form, error=error)
