"""What the interview views share: opening the draft, running and rendering steps."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import abort, g, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response
from wtforms import BooleanField, FieldList, FormField, RadioField, SelectMultipleField
from wtforms.csrf.core import CSRFTokenField
from wtforms.form import BaseForm

from intake.delivery import services as delivery
from intake.errors import IntakeError
from intake.interview import review as review_page
from intake.interview import services, vocab
from intake.interview.fields import date_structure, day_value, release_form
from intake.interview.forms import AttachmentForm, PublicationForm
from intake.interview.lists import Action
from intake.interview.steps import STEPS, Step, form_step, neighbour
from intake.interview.steps.common import prune, reference_date
from intake.interview.uploads import checked_attachment, read_limited, source_entry
from intake.records.models import SealedRecord, Testimony
from intake.web import app_state, db_session, unlocked_keys

#: Helpers every interview template may use.
TEMPLATE_HELPERS = {
    "label": vocab.label,
    "place_name": vocab.place_name,
    "facility_name": vocab.facility_name,
}


def own_draft(draft_id: uuid.UUID) -> dict[str, Any]:
    """The signed-in person's draft (404 for a missing or someone else's draft).

    Typing kept on a page whose rows have changed since (labour typed for an episode
    that was then removed or replaced) is set aside here, before anything shows it.
    A draft of an older schema version is upgraded and saved on opening.
    """
    document = services.open_draft(db_session(), unlocked_keys(), draft_id, current_user.account_id)
    db_session().commit()  # a draft of an older version was upgraded and saved once
    stale = [
        name
        for name, basis in services.typed_steps(document).items()
        if (step := form_step(name)) is None or basis != typing_basis(step, document)
    ]
    if stale:
        services.set_aside_typing(db_session(), unlocked_keys(), draft_id, document, stale)
        db_session().commit()
        g.typing_set_aside = set(stale)
    return document


def typing_basis(step: Step, document: dict[str, Any]) -> str:
    """A fingerprint of what ``step``'s page is built from in ``document``."""
    loaded = step.load(document)  # type: ignore[misc]
    text = json.dumps(loaded, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _page(template: str, draft_id: uuid.UUID, current: str, **context: Any) -> str:
    return render_template(
        template,
        draft_id=draft_id,
        steps=STEPS,
        current=current,
        step_url=step_url,
        **TEMPLATE_HELPERS,
        **context,
    )


def render_step(
    step: Step,
    draft_id: uuid.UUID,
    document: dict[str, Any],
    form: Any,
    restored: bool = False,
    set_aside: bool = False,
) -> str:
    """A step's page. Forms the step adds to the page (a second form beside the step's
    own) are released once it is made (:func:`release_form`); the caller releases
    ``form``."""
    context = step.context(document, form)
    try:
        return _page(
            step.template,
            draft_id,
            step.name,
            step=step,
            form=form,
            restored=restored,
            set_aside=set_aside,
            **context,
        )
    finally:
        for value in context.values():
            if isinstance(value, BaseForm):
                release_form(value)


def show_step(step: Step, draft_id: uuid.UUID, document: dict[str, Any]) -> str:
    """A step's page from the draft, or from what was typed there and not yet checked."""
    typed = services.typed_on(document, step.name)
    if typed is not None:
        form = step.form_class(formdata=MultiDict(typed))  # type: ignore[misc]
        restored, set_aside = True, False
    else:
        form = step.form_class(formdata=None, data=step.load(document))  # type: ignore[misc]
        restored, set_aside = False, step.name in g.get("typing_set_aside", ())
    try:
        return render_step(step, draft_id, document, form, restored, set_aside)
    finally:
        release_form(form)


#: Fields a browser leaves out of a post when nothing is ticked or chosen in them.
_OPTIONAL_IN_POSTS = (BooleanField, RadioField, SelectMultipleField, CSRFTokenField)


def _posted_names(form: Any, sent: set[str]) -> Iterator[str]:
    """The names a browser always sends for ``form`` as shown, given the names ``sent``."""
    for field in form:
        if isinstance(field, _OPTIONAL_IN_POSTS):
            continue
        if isinstance(field, FormField):
            yield from _posted_names(field.form, sent)
        elif isinstance(field, FieldList):
            row = field.entries[0] if field.entries else field.append_entry()
            template = set(_posted_names(row.form, set()))
            row_key = re.compile(re.escape(field.name) + r"-(\d+)-")
            rows = {int(m.group(1)) for key in sent if (m := row_key.match(key))}
            if not rows and field.min_entries:
                rows = {0}
            for index in rows:
                yield from (
                    name.replace(f"{field.name}-0-", f"{field.name}-{index}-", 1)
                    for name in template
                )
        else:
            yield field.name


def typed_pairs(step: Step) -> list[tuple[str, str]] | None:
    """The posted values of ``step``'s form, or ``None`` unless the post holds the
    whole form as a browser sends it (a partial or forged post is no one's typing,
    and keeping it would hide the saved answers behind blanks)."""
    form = step.form_class(formdata=None)  # type: ignore[misc]
    try:
        names = set(form._fields) - {"csrf_token"}
        pairs = [
            (key, value)
            for key, value in request.form.items(multi=True)
            if key.split("-", 1)[0] in names
        ]
        if len(pairs) > services.MAX_TYPED_PAIRS:
            return None
        sent = {key for key, _value in pairs}
        return pairs if set(_posted_names(form, sent)) <= sent else None
    finally:
        release_form(form)


def keep_typing(step: Step, draft_id: uuid.UUID, document: dict[str, Any]) -> bool:
    """Keep the step's posted values, unchecked, in the encrypted draft; whether kept."""
    pairs = typed_pairs(step)
    if pairs is None:
        return False
    basis = typing_basis(step, document)
    services.keep_typed(db_session(), unlocked_keys(), draft_id, document, step.name, pairs, basis)
    db_session().commit()
    return True


def submit_step(step: Step, draft_id: uuid.UUID, document: dict[str, Any]) -> str | Response:
    """Check the posted step; save it; go on, go back or stay (after a row change).

    When the checks fail the typing is still kept in the draft, so closing the
    page then loses nothing.
    """
    form = step.form_class()  # type: ignore[misc]
    try:
        return _submitted(step, draft_id, document, form)
    finally:
        release_form(form)


def _submitted(
    step: Step, draft_id: uuid.UUID, document: dict[str, Any], form: Any
) -> str | Response:
    action = Action.parse(request.form.get("action"))
    if action.is_list_change:
        action.apply(form)
    if not form.validate():
        keep_typing(step, draft_id, document)
        return render_step(step, draft_id, document, form)
    step.store(document, form)  # type: ignore[misc]
    services.save_step(db_session(), unlocked_keys(), draft_id, document, step.name)
    db_session().commit()
    if action.verb in ("next", "back"):
        return redirect(
            step_url(neighbour(step.name, 1 if action.verb == "next" else -1), draft_id)
        )
    if action.is_list_change:
        return render_step(step, draft_id, document, form)
    return redirect(step_url(step.name, draft_id))


def step_url(name: str, draft_id: uuid.UUID) -> str:
    """The page of step ``name`` (attachments and review have their own routes)."""
    if name in ("attachments", "review"):
        return url_for(f"interview.{name}", draft_id=draft_id)
    return url_for("interview.step", draft_id=draft_id, name=name)


def submit_attachment(
    form: AttachmentForm, draft_id: uuid.UUID, document: dict[str, Any]
) -> Response | None:
    """Attach the posted file or remove one; ``None`` means show the page again."""
    session, keys = db_session(), unlocked_keys()
    remove = request.form.get("remove")
    if remove:
        services.detach(session, keys, draft_id, document, remove)
    remove_publication = request.form.get("remove_publication")
    if remove_publication:
        services.remove_publication(session, keys, draft_id, document, remove_publication)
    storage = form.file.data
    if storage is not None and storage.filename:
        try:
            content = read_limited(storage.stream, app_state().settings.max_attachment_bytes)
            item = checked_attachment(content, storage.filename)
            source = source_entry(item, form.kind.data, form.description.data)
            services.attach(session, keys, draft_id, document, item, source)
        except IntakeError as error:
            session.rollback()
            form.file.errors = [error.translated()]
            return None
    session.commit()
    verb = Action.parse(request.form.get("action")).verb
    if verb in ("next", "back"):
        return redirect(step_url(neighbour("attachments", 1 if verb == "next" else -1), draft_id))
    return redirect(step_url("attachments", draft_id))


def publication_source(form: PublicationForm, document: dict[str, Any]) -> dict[str, Any]:
    """The record's ``sources`` entry for a published source with no file."""
    publication = {
        "title": form.title.data,
        "publisher": form.publisher.data,
        "published_on": date_structure(form.published_on.data, reference_date(document)),
        "url": form.url.data,
        "archived_url": form.archived_url.data,
        "retrieved_on": day_value(form.retrieved_on.data),
    }
    source = {
        "kind": form.kind.data,
        "publication": prune(publication),
        "description": form.description.data,
    }
    return dict(prune(source))


def submit_publication(
    form: PublicationForm, draft_id: uuid.UUID, document: dict[str, Any]
) -> Response:
    """List a published source, then show the attachments page again."""
    source = publication_source(form, document)
    services.add_publication(db_session(), unlocked_keys(), draft_id, document, source)
    db_session().commit()
    return redirect(step_url("attachments", draft_id))


def render_attachments(
    draft_id: uuid.UUID,
    document: dict[str, Any],
    form: AttachmentForm,
    publication: PublicationForm | None = None,
) -> str:
    """The attachments page with the files already attached and the publications listed."""
    files = services.attachments_of(db_session(), unlocked_keys(), draft_id)
    sources = {s.get("sha256"): s for s in document.get("sources") or []}
    status_files = [(item, sources.get(item.sha256, {})) for item in files]
    publications = [
        s for s in document.get("sources") or [] if "publication" in s and "sha256" not in s
    ]
    return _page(
        "interview/attachments.html",
        draft_id,
        "attachments",
        form=form,
        publication=publication or PublicationForm(prefix="publication", formdata=None),
        publications=publications,
        files=status_files,
        limit_mb=app_state().settings.max_attachment_bytes / 1e6,
    )


def render_confirm(draft_id: uuid.UUID, verb: str, form: Any) -> str:
    """The page that asks to confirm finalising or discarding the draft."""
    return _page("interview/confirm.html", draft_id, "review", form=form, verb=verb)


def render_review(
    draft_id: uuid.UUID, document: dict[str, Any], form: Any, error: str | None = None
) -> str:
    """The review page."""
    record = services.record_of(document)
    problems = review_page.shown_problems(services.problems_of(document))
    return _page(
        "interview/review.html",
        draft_id,
        "review",
        form=form,
        error=error,
        problems=problems,
        sections=review_page.readable(record),
    )


@dataclass(frozen=True)
class Receipt:
    """What the person may keep as proof: no content of the testimony."""

    record_id: uuid.UUID
    on: date
    sealed_sha256: str | None
    #: The day the case database's receipt for it was confirmed (station), if it was.
    delivered_on: date | None = None


def sealed_here(record_id: uuid.UUID) -> bool:
    """Whether ``record_id`` was sealed at this station (delivered or not). Its id, day
    and sealed hash are on the Delivery page for everyone who may send."""
    return delivery.sealed_here(db_session(), record_id)


def receipt_of(record_id: uuid.UUID) -> Receipt:
    """The receipt of a sealed (station) or stored (case database) record, or 404."""
    sealed = db_session().get(SealedRecord, record_id)
    if sealed is not None:
        return Receipt(record_id, sealed.sealed_on, sealed.sha256, sealed.delivered_on)
    stored = db_session().get(Testimony, record_id)
    if stored is None:
        abort(404)
    return Receipt(record_id, stored.received_on, None)
