"""The wage tables page: minimum-wage tables and exchange rates, each added,
corrected, withdrawn or restored to the bundled figure (case database)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from intake.errors import IntakeError
from intake.facilities.services import Source
from intake.formbase import ActionForm
from intake.interview import vocab
from intake.interview.wages import WageTables
from intake.wagetables import services
from intake.wagetables.forms import (
    MinimumTableForm,
    RateForm,
    minimum_data,
    rate_data,
)
from intake.web import confirmation, confirmed, db_session, login_required, unlocked_keys
from intake.workspace.services import require_role

bp = Blueprint("wagetables", __name__, url_prefix="/wage-tables")
EDITORS = ("admin", "coordinator")


def request_tables() -> WageTables:
    """The wage tables of this workspace, read once a request: every figure a page
    shows (the interview's labour step and live figure too) uses the same tables. At
    a station nothing is layered, so these are the bundled ones."""
    if "wage_tables" not in g:
        g.wage_tables = services.wage_tables(db_session())
    tables: WageTables = g.wage_tables
    return tables


@bp.get("/")
@login_required(*EDITORS)
def index() -> str:
    """Every minimum-wage table and exchange rate, with where each comes from."""
    session = db_session()
    require_role(session, "casedb")
    rates = services.rates(session)
    # Each currency's sources once, those of the bundled rates and of rates set here.
    cited: dict[str, list[Source]] = {}
    for rate in rates:
        listed = cited.setdefault(rate.currency, [])
        listed += [source for source in rate.sources if source not in listed]
    return render_template(
        "wagetables/index.html",
        tables=services.minimum_tables(session),
        currencies=sorted({rate.currency for rate in rates}),
        years=sorted({rate.year for rate in rates}, reverse=True),
        grid={(rate.currency, rate.year): rate for rate in rates},
        cited=cited,
        place_name=vocab.place_name,
        action=ActionForm(),
    )


def _saved(message: str) -> Any:
    db_session().commit()
    flash(message, "done")
    return redirect(url_for(".index"))


def _minimum_page(form: MinimumTableForm, *, new: bool, error: str | None = None) -> Any:
    status = 200 if error is None else 400
    return render_template("wagetables/minimum.html", form=form, new=new, error=error), status


def _save_minimum(form: MinimumTableForm, *, new: bool) -> Any:
    session = db_session()
    try:
        services.save_minimum(
            session, unlocked_keys(), form.table(), new=new, actor=current_user.account_id
        )
    except IntakeError as error:
        session.rollback()
        return _minimum_page(form, new=new, error=error.translated())
    return _saved(gettext("The minimum wage table was saved; figures now use it."))


@bp.route("/minimum/new", methods=["GET", "POST"])
@login_required(*EDITORS)
def add_minimum() -> Any:
    """Add a minimum-wage table."""
    require_role(db_session(), "casedb")
    form = MinimumTableForm()
    form.fill_choices()
    if not form.validate_on_submit():
        return _minimum_page(form, new=True)
    return _save_minimum(form, new=True)


@bp.route("/minimum/<table_id>/edit", methods=["GET", "POST"])
@login_required(*EDITORS)
def edit_minimum(table_id: str) -> Any:
    """Correct a table (a bundled one is replaced by the corrected table here)."""
    require_role(db_session(), "casedb")
    table = services.find_minimum(db_session(), table_id)
    form = MinimumTableForm(data=minimum_data(table))
    form.fill_choices()
    if request.method == "POST":
        form.id.data = table.id  # the id of a table never changes
    if not form.validate_on_submit():
        return _minimum_page(form, new=False)
    return _save_minimum(form, new=False)


@bp.post("/minimum/<table_id>/<change>")
@login_required(*EDITORS)
def change_minimum(table_id: str, change: str) -> Any:
    """Withdraw a table, or undo what was done here to a bundled one."""
    if change not in ("withdraw", "restore") or not ActionForm().validate_on_submit():
        abort(400)
    if not confirmed():
        return _ask(
            change,
            table_id,
            withdraw=gettext(
                "Withdraw the table %(id)s? No figure will use it. A table added here is "
                "deleted with its sources; a bundled one comes back with “Undo: as shipped”.",
                id=table_id,
            ),
            restore=gettext(
                "Use the table %(id)s as shipped again? What was corrected or withdrawn "
                "here is deleted with its sources.",
                id=table_id,
            ),
        )
    session = db_session()
    do = services.withdraw_minimum if change == "withdraw" else services.restore_minimum
    do(session, unlocked_keys(), table_id, actor=current_user.account_id)
    if change == "withdraw":
        return _saved(gettext("The table %(id)s no longer applies to any figure.", id=table_id))
    return _saved(gettext("The table %(id)s applies as shipped again.", id=table_id))


def _ask(change: str, subject: str, *, withdraw: str, restore: str) -> str:
    """The question before a withdrawal or an undo: both delete what was entered here."""
    return confirmation(
        subject=subject,
        question=withdraw if change == "withdraw" else restore,
        button=gettext("Withdraw") if change == "withdraw" else gettext("Undo: as shipped"),
        action_url=request.path,
        back_url=url_for(".index"),
    )


def _rate_page(form: RateForm, listed: services.Rate | None, *, error: str | None = None) -> Any:
    status = 200 if error is None else 400
    page = render_template(
        "wagetables/rate.html", form=form, listed=listed, action=ActionForm(), error=error
    )
    return page, status


@bp.route("/rates/new", methods=["GET", "POST"])
@bp.route("/rates/<currency>/<int:year>/edit", methods=["GET", "POST"])
@login_required(*EDITORS)
def set_rate(currency: str | None = None, year: int | None = None) -> Any:
    """Add a yearly rate, or correct one (saving a currency and year already listed
    replaces that rate)."""
    session = db_session()
    require_role(session, "casedb")
    listed = None
    if currency is not None and year is not None:
        listed = services.find_rate(session, currency, year)
        form = RateForm(data=rate_data(listed))
    else:
        form = RateForm()
    if not form.validate_on_submit():
        return _rate_page(form, listed)
    try:
        entry = form.rate_entry()
        services.save_rate(session, unlocked_keys(), entry, actor=current_user.account_id)
    except IntakeError as error:
        session.rollback()
        return _rate_page(form, listed, error=error.translated())
    return _saved(
        gettext(
            "The rate for %(currency)s in %(year)s was saved; figures now use it.",
            currency=entry.currency,
            year=entry.year,
        )
    )


@bp.post("/rates/<currency>/<int:year>/<change>")
@login_required(*EDITORS)
def change_rate(currency: str, year: int, change: str) -> Any:
    """Withdraw a rate, or undo what was done here to a bundled one."""
    if change not in ("withdraw", "restore") or not ActionForm().validate_on_submit():
        abort(400)
    if not confirmed():
        named = {"currency": currency, "year": year}
        return _ask(
            change,
            f"{currency} {year}",
            withdraw=gettext(
                "Withdraw the rate for %(currency)s in %(year)s? No figure will use it. A "
                "rate added here is deleted with its sources; a bundled one comes back with "
                "“Undo: as shipped”.",
                **named,
            ),
            restore=gettext(
                "Use the rate for %(currency)s in %(year)s as shipped again? What was "
                "corrected or withdrawn here is deleted with its sources.",
                **named,
            ),
        )
    session = db_session()
    do = services.withdraw_rate if change == "withdraw" else services.restore_rate
    do(session, unlocked_keys(), currency, year, actor=current_user.account_id)
    if change == "withdraw":
        message = gettext(
            "The rate for %(currency)s in %(year)s no longer applies to any figure.",
            currency=currency,
            year=year,
        )
    else:
        message = gettext(
            "The rate for %(currency)s in %(year)s applies as shipped again.",
            currency=currency,
            year=year,
        )
    return _saved(message)
