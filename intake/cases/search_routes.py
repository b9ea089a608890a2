"""The search box on every coordinator page, and its results page (POST only: the
name never appears in a URL, a log line or the browser's history).
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from intake.cases.forms_search import SearchForm
from intake.cases.search import search_people
from intake.web import db_session, login_required, unlocked_keys
from intake.workspace.services import require_role

bp = Blueprint("search", __name__, url_prefix="/search")
#: Who may search: coordinators and administrators (never interviewers).
SEARCHERS = ("admin", "coordinator")


@bp.route("/", methods=["GET", "POST"])
@login_required(*SEARCHERS)
def results() -> str:
    """Search a name in any script or an ID number; ranked results."""
    session = db_session()
    require_role(session, "casedb")
    form, hits = SearchForm(), None
    if form.validate_on_submit():
        hits = search_people(session, unlocked_keys(), form.q.data, actor=current_user.account_id)
        session.commit()
    return render_template("cases/search.html", form=form, hits=hits)
