"""The organizer's messages to a workshop's registrants (compose, preview with the count,
send) and the workshop's reminder setting."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from workshop.error_responses import error_page
from workshop.extensions import db
from workshop.models import MessageAudience, Role, Workshop, WorkshopMessage
from workshop.services.errors import DomainError, NotFound, ValidationFailed
from workshop.services.mail import preview_text
from workshop.services.messages import (
    AUDIENCE_LABELS,
    audience_label,
    check_draft,
    sample_recipient,
    send_message,
    sent_messages,
    set_reminder_days,
)
from workshop.services.reminders import (
    DEFAULT_REMINDER_DAYS,
    reminder_days,
    reminder_due_at,
    reminder_progress,
)
from workshop.web.access import role_required

bp = Blueprint("messages", __name__, url_prefix="/organizer/workshops/<int:workshop_id>")


@bp.before_request
@role_required(Role.ORGANIZER)
def organizers_only():
    """Every page below needs an organizer."""


@bp.errorhandler(NotFound)
def not_found(error: NotFound):
    return error_page(404, error.message)


def _page(workshop_id: int, *, form=None, errors=None, preview=None, status: int = 200):
    draft_form = form or {"audience": MessageAudience.CONFIRMED, "subject": "", "body": ""}
    workshop = _workshop(workshop_id)
    installation_days = current_app.config.get("REMINDER_DAYS", DEFAULT_REMINDER_DAYS)
    return (
        render_template(
            "organizer/messages.html",
            workshop=workshop,
            form=draft_form,
            errors=errors or {},
            preview=preview,
            audiences=[(key, str(label)) for key, label in AUDIENCE_LABELS.items()],
            audience_label=audience_label,
            sent=sent_messages(workshop_id),
            reminder_days=reminder_days(workshop),
            reminder_due=reminder_due_at(workshop),
            installation_days=installation_days,
            reminders=reminder_progress(workshop_id),
        ),
        status,
    )


def _workshop(workshop_id: int) -> Workshop:
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None:
        raise NotFound(_("ไม่พบการอบรมนี้"))
    return workshop


def _posted() -> dict[str, str]:
    return {key: request.form.get(key, "") for key in ("audience", "subject", "body")}


@bp.get("/messages")
def compose(workshop_id: int):
    return _page(workshop_id)


@bp.post("/messages/preview")
def preview(workshop_id: int):
    """The message as a recipient will read it, and how many will get it."""
    form = _posted()
    try:
        draft = check_draft(workshop_id, form["audience"], form["subject"], form["body"])
    except ValidationFailed as exc:
        return _page(workshop_id, form=form, errors=exc.fields, status=422)
    first = sample_recipient(workshop_id, draft.audience)
    text = subject = ""
    if first is not None:
        sample = WorkshopMessage(subject=draft.subject, body=draft.body)
        subject, text = preview_text(first, sample)
    return _page(
        workshop_id,
        form={"audience": draft.audience, "subject": draft.subject, "body": draft.body},
        preview={"count": draft.recipients, "subject": subject, "text": text},
    )


@bp.post("/messages")
def send(workshop_id: int):
    form = _posted()
    try:
        message = send_message(
            workshop_id, current_user, form["audience"], form["subject"], form["body"]
        )
    except ValidationFailed as exc:
        return _page(workshop_id, form=form, errors=exc.fields, status=422)
    except DomainError as exc:
        flash(exc.message, "error")
        return _page(workshop_id, form=form, status=exc.http_status)
    flash(_("ส่งข้อความถึงผู้รับ %(n)s คนแล้ว (ระบบทยอยส่ง)", n=f"{message.recipients:,}"), "success")
    return redirect(url_for(".compose", workshop_id=workshop_id))


@bp.post("/reminder")
def reminder(workshop_id: int):
    """This workshop's reminder: empty = the installation's setting, 0 = none."""
    raw = request.form.get("reminder_days", "").strip()
    try:
        days = int(raw) if raw else None
    except ValueError:
        days = -1  # refused below with the range message
    try:
        set_reminder_days(workshop_id, days, current_user)
    except ValidationFailed as exc:
        flash(exc.message, "error")
        return _page(workshop_id, status=422)
    flash(_("บันทึกการแจ้งเตือนแล้ว"), "success")
    return redirect(url_for(".compose", workshop_id=workshop_id))
