"""The Audit page: administrators read the trail and verify it."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from intake.accounts.services import usernames
from intake.audit import services
from intake.exports.forms import KIND_LABELS
from intake.formbase import ActionForm
from intake.web import db_session, login_required, number_arg, unlocked_keys
from intake.workspace.services import require_role

bp = Blueprint("audit", __name__, url_prefix="/audit")
PAGE_SIZE = 50
#: An export's kind and where statistics went, in words.
EXPORTS = {**KIND_LABELS, "stats": _l("Statistics")}
STATS_OUTPUTS = {
    "page": _l("shown on the page"),
    "csv": _l("CSV file"),
    "terminal": _l("shown on the command line"),
}


@bp.route("/", methods=["GET", "POST"])
@login_required("admin")
def index() -> str:
    """The newest entries, older pages by ?before=N, and "Verify now"."""
    session, keys = db_session(), unlocked_keys()
    require_role(session, "casedb")
    form, report = ActionForm(), None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        report = services.verify_audit(session, keys)
        services.record_event(session, keys, actor=current_user.account_id, action="audit.verify")
        session.commit()
    before = number_arg("before")
    about = request.args.get("record", type=_record_id)
    if about is not None:  # everything about one record (a whole-trail read: one page)
        events, older = services.events_about(session, keys, str(about)), None
    else:
        events = services.list_events(session, keys, before=before, limit=PAGE_SIZE)
        older = events[-1].seq if len(events) == PAGE_SIZE else None
    return render_template(
        "audit/index.html",
        events=events,
        actions=services.ACTIONS,
        report=report,
        form=form,
        about=about,
        not_an_id=about is None and bool(request.args.get("record", "").strip()),
        total=services.entry_count(session),
        older=older,
        names=usernames(session, keys),
        exports=EXPORTS,
        outputs=STATS_OUTPUTS,
    )


def _record_id(text: str) -> uuid.UUID:
    """A record id typed in the filter (ValueError, so the filter is ignored, if not)."""
    return uuid.UUID(text.strip())
