"""The search box on every coordinator page, and its results page (POST only: the
name never appears in a URL, a log line or the browser's history).
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from intake.cases.forms_search import SearchForm
from intake.cases.search import looks_like_id_number, search_people
from intake.names.normalise import analyse
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
    one_word = hits == [] and _one_name_part(form.q.data)
    return render_template("cases/search.html", form=form, hits=hits, one_word=one_word)


def _one_name_part(query: str) -> bool:
    """Whether the name ``query`` is one part alone, as the name matcher reads it (in
    any script): the matcher finds a person where two parts of the name agree (a
    namesake shares one), unless both names are one part alone, so such a search that
    found nothing says why. An ID number is not a name."""
    return not looks_like_id_number(query) and len(analyse(query).tokens) == 1
