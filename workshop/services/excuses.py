"""Excused absences: organizers record that someone missed a session with leave (ลา), on
official duty (ไปราชการ) or for another reason they type; every change is audited.

Whether an excused session counts toward the certificate rule is the workshop's setting
(``Workshop.excused_count``), applied in ``services.attendance``. A session someone was checked
in to cannot be excused (they were there); a check-in made after an excuse outranks it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from workshop.extensions import db
from workshop.models import (
    CheckIn,
    ExcusedAbsence,
    ExcuseKind,
    Registration,
    RegistrationStatus,
    Role,
    User,
    WorkshopSession,
    WorkshopStatus,
)
from workshop.services.audit import record_event
from workshop.services.errors import NotAllowed, NotFound, ValidationFailed
from workshop.services.text import TextRejected, clean_text
from workshop.services.transactions import write_transaction
from workshop.thai.names import person_sort_key

_KIND_LABELS = {
    ExcuseKind.LEAVE: _l("ลา"),
    ExcuseKind.OFFICIAL_DUTY: _l("ไปราชการ"),
    ExcuseKind.OTHER: _l("เหตุอื่น"),
}


def excuse_kind_label(kind: str) -> str:
    return str(_KIND_LABELS.get(kind, kind))  # type: ignore[call-overload]


def excuse_text(kind: str, reason: str) -> str:
    """``ลา``, ``ไปราชการ (คำสั่งที่ 12/2558)`` or the typed reason of another kind."""
    if kind == ExcuseKind.OTHER:
        return reason or excuse_kind_label(kind)
    label = excuse_kind_label(kind)
    return f"{label} ({reason})" if reason else label


def _organizer(actor: User) -> None:
    if not actor.has_role(Role.ORGANIZER):
        raise NotAllowed(str(_l("เฉพาะผู้จัดเท่านั้นที่บันทึกการลาได้")))


def _locked(registration_id: int, session_id: int) -> tuple[Registration, WorkshopSession]:
    """The registration (row locked, so two organizers' changes queue) and the session, which
    must be one of its workshop's."""
    registration = db.session.scalar(
        select(Registration)
        .where(Registration.id == registration_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if registration is None:
        raise NotFound(str(_l("ไม่พบการลงทะเบียนนี้")))
    session = db.session.get(WorkshopSession, session_id)
    if session is None or session.workshop_id != registration.workshop_id:
        raise NotFound(str(_l("ไม่พบช่วงการอบรมนี้ในการอบรมนี้")))
    return registration, session


def _excuse_of(registration_id: int, session_id: int) -> ExcusedAbsence | None:
    return db.session.scalar(
        select(ExcusedAbsence).where(
            ExcusedAbsence.registration_id == registration_id,
            ExcusedAbsence.session_id == session_id,
        )
    )


def clean_excuse(kind: str, reason: str | None) -> tuple[str, str]:
    """The kind and the reason as stored, or ``ValidationFailed`` on ``kind``/``reason``."""
    if kind not in {k.value for k in ExcuseKind}:
        raise ValidationFailed({"kind": str(_l("กรุณาเลือกว่าลา ไปราชการ หรือเหตุอื่น"))})
    try:
        text = clean_text(reason, max_length=ExcusedAbsence.REASON_MAX)
    except TextRejected as exc:
        raise ValidationFailed({"reason": str(exc)}) from exc
    if kind == ExcuseKind.OTHER and not text:
        raise ValidationFailed({"reason": str(_l("กรุณาระบุเหตุที่ไม่ได้เข้าร่วม"))})
    return kind, text


def excuse_absence(
    registration_id: int, session_id: int, kind: str, reason: str | None, actor: User
) -> ExcusedAbsence:
    """Record (or change) the reason a confirmed registrant missed a session; audited."""
    _organizer(actor)
    kind, reason = clean_excuse(kind, reason)
    with write_transaction():
        registration, session = _locked(registration_id, session_id)
        if registration.workshop.status == WorkshopStatus.CANCELLED:
            raise NotAllowed(str(_l("การอบรมนี้ถูกยกเลิกแล้ว")))
        if registration.status != RegistrationStatus.CONFIRMED:
            raise NotAllowed(str(_l("บันทึกการลาได้เฉพาะผู้ได้ที่นั่ง")))
        checked_in = db.session.scalar(
            select(CheckIn.id).where(
                CheckIn.registration_id == registration.id, CheckIn.session_id == session.id
            )
        )
        if checked_in is not None:
            raise NotAllowed(str(_l("ผู้นี้เช็กอินช่วงนี้แล้ว จึงบันทึกการลาไม่ได้")))
        excuse = _excuse_of(registration.id, session.id)
        before = None
        if excuse is None:
            excuse = ExcusedAbsence(registration_id=registration.id, session_id=session.id)
            db.session.add(excuse)
        else:
            before = {"kind": excuse.kind, "reason": excuse.reason}
        excuse.kind, excuse.reason = kind, reason
        excuse.recorded_by_id = actor.id
        db.session.flush()
        details = {
            "registration_id": registration.id,
            "session_id": session.id,
            "kind": kind,
            "reason": reason,
        }
        if before is not None:
            details["before"] = before
        record_event(actor, "attendance.excuse", excuse, details)
    return excuse


def withdraw_excuse(registration_id: int, session_id: int, actor: User) -> None:
    """Remove an excuse recorded by mistake (the person counts as absent again); audited."""
    _organizer(actor)
    with write_transaction():
        registration, session = _locked(registration_id, session_id)
        excuse = _excuse_of(registration.id, session.id)
        if excuse is None:
            raise NotFound(str(_l("ไม่ได้บันทึกการลาของผู้นี้ในช่วงนี้")))
        record_event(
            actor,
            "attendance.unexcuse",
            excuse,
            {
                "registration_id": registration.id,
                "session_id": session.id,
                "kind": excuse.kind,
                "reason": excuse.reason,
            },
        )
        db.session.delete(excuse)


# ---------------------------------------------------------------- a session's attendance


@dataclass(frozen=True)
class SessionAttendee:
    """A confirmed registration and where it stands in one session."""

    registration: Registration
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    excuse: ExcusedAbsence | None

    @property
    def state(self) -> str:
        """``present``, ``excused`` or ``absent``."""
        if self.checked_in_at is not None:
            return "present"
        return "excused" if self.excuse is not None else "absent"


def session_attendees(session: WorkshopSession) -> list[SessionAttendee]:
    """Every confirmed registration of the session's workshop with its check-in and excuse,
    in Thai name order."""
    registrations = db.session.scalars(
        select(Registration)
        .where(
            Registration.workshop_id == session.workshop_id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .options(joinedload(Registration.user))
    )
    scans = {
        registration_id: (scanned_at, checked_out_at)
        for registration_id, scanned_at, checked_out_at in db.session.execute(
            select(CheckIn.registration_id, CheckIn.scanned_at, CheckIn.checked_out_at).where(
                CheckIn.session_id == session.id
            )
        )
    }
    excuses = {
        e.registration_id: e
        for e in db.session.scalars(
            select(ExcusedAbsence).where(ExcusedAbsence.session_id == session.id)
        )
    }
    rows = [
        SessionAttendee(
            registration=r,
            checked_in_at=scans.get(r.id, (None, None))[0],
            checked_out_at=scans.get(r.id, (None, None))[1],
            excuse=excuses.get(r.id),
        )
        for r in registrations
    ]
    rows.sort(
        key=lambda row: (
            *person_sort_key(row.registration.user.first_name, row.registration.user.last_name),
            row.registration.id,
        )
    )
    return rows
