"""The audit trail: who did what to which record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from workshop.extensions import db
from workshop.models import AuditEvent, Office, Registration, User, Workshop, WorkshopSession


def record_event(
    actor: User | None, action: str, entity: Any, details: dict[str, Any] | None = None
) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits with its change)."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        entity_type=entity.__tablename__,
        entity_id=entity.id,
        office_id=_office_of(entity, actor),
        details=details or {},
    )
    db.session.add(event)
    return event


def _office_of(entity: Any, actor: User | None) -> int | None:
    """The office an event belongs to: its workshop's (through the registration or session it
    names), else the office's own id, else the acting organizer's or staff member's office."""
    if isinstance(entity, Workshop):
        return entity.office_id
    if isinstance(entity, Office):
        return entity.id
    if isinstance(entity, User) and entity.role in ("organizer", "staff"):
        return entity.office_id
    query = None
    if getattr(entity, "workshop_id", None) is not None:
        query = select(Workshop.office_id).where(Workshop.id == entity.workshop_id)
    elif getattr(entity, "registration_id", None) is not None:
        query = (
            select(Workshop.office_id)
            .join(Registration, Registration.workshop_id == Workshop.id)
            .where(Registration.id == entity.registration_id)
        )
    elif getattr(entity, "session_id", None) is not None:
        query = (
            select(Workshop.office_id)
            .join(WorkshopSession, WorkshopSession.workshop_id == Workshop.id)
            .where(WorkshopSession.id == entity.session_id)
        )
    if query is not None:
        return db.session.scalar(query)
    if actor is not None and actor.role in ("organizer", "staff"):
        return actor.office_id
    return None


# ------------------------------------------------------------------ reading the trail

ACTION_LABELS: dict[str, Any] = {
    "user.signup": _l("สมัครบัญชี"),
    "user.profile": _l("แก้ไขข้อมูลส่วนตัว"),
    "user.password": _l("เปลี่ยนรหัสผ่าน"),
    "user.sign_out_everywhere": _l("ออกจากระบบทุกอุปกรณ์"),
    "user.walk_in": _l("สร้างบัญชีผู้เข้าอบรมหน้างาน"),
    "user.line_link": _l("เชื่อมต่อบัญชี LINE"),
    "user.line_unlink": _l("ยกเลิกการเชื่อมต่อบัญชี LINE"),
    "user.notice_channel": _l("เปลี่ยนช่องทางรับการแจ้งเตือน"),
    "office.create": _l("เพิ่มหน่วยงาน"),
    "office.update": _l("แก้ไขหน่วยงาน"),
    "user.create": _l("สร้างบัญชีผู้ใช้"),
    "user.office": _l("เปลี่ยนหน่วยงานของบัญชี"),
    "venue.create": _l("เพิ่มสถานที่"),
    "venue.update": _l("แก้ไขสถานที่"),
    "workshop.create": _l("สร้างการอบรม"),
    "workshop.update": _l("แก้ไขการอบรม"),
    "workshop.status": _l("เปลี่ยนสถานะการอบรม"),
    "workshop.cancel": _l("ยกเลิกการอบรม"),
    "registration.create": _l("ลงทะเบียน"),
    "quota.set": _l("กำหนดโควตาที่นั่งของหน่วยงาน"),
    "quota.release": _l("คืนที่นั่งโควตาที่ว่างสู่ที่นั่งทั่วไป"),
    "nomination.link": _l("ส่งลิงก์เสนอชื่อให้หัวหน้าหน่วยงาน"),
    "nomination.submit": _l("หัวหน้าหน่วยงานเสนอชื่อผู้เข้าอบรม"),
    "registration.confirm": _l("ให้ที่นั่งจากรายชื่อสำรอง"),
    "registration.promote": _l("เลื่อนจากรายชื่อสำรองอัตโนมัติ"),
    "registration.waitlist": _l("ย้ายไปรายชื่อสำรอง"),
    "registration.cancel": _l("ยกเลิกการลงทะเบียน"),
    "registration.rotate_ticket": _l("ออกบัตรใหม่ (บัตรเดิมใช้ไม่ได้)"),
    "checkin.override": _l("เช็กอินนอกช่วงเวลา (ผู้จัดอนุญาต)"),
    "checkin.undo": _l("ยกเลิกการเช็กอิน"),
    "refused_scan.dismiss": _l("ไม่รับผลสแกนที่ถูกปฏิเสธเมื่อซิงก์"),
    "evaluation.create": _l("สร้างแบบประเมิน"),
    "evaluation.update": _l("แก้ไขแบบประเมิน"),
    "evaluation.open": _l("เปิดแบบประเมินให้ตอบ"),
    "evaluation.closed": _l("ปิดรับคำตอบแบบประเมิน"),
}
ENTITY_LABELS: dict[str, Any] = {
    "users": _l("ผู้ใช้"),
    "offices": _l("หน่วยงาน"),
    "venues": _l("สถานที่"),
    "workshops": _l("การอบรม"),
    "registrations": _l("การลงทะเบียน"),
    "nomination_links": _l("ลิงก์เสนอชื่อ"),
    "checkins": _l("การเช็กอิน"),
    "refused_scans": _l("ผลสแกนที่ถูกปฏิเสธเมื่อซิงก์"),
}
DETAIL_LABELS: dict[str, Any] = {
    "title": _l("ชื่อ"),
    "name": _l("ชื่อ"),
    "from": _l("จาก"),
    "to": _l("เป็น"),
    "status": _l("สถานะ"),
    "was": _l("สถานะเดิม"),
    "reason": _l("เหตุผล"),
    "confirmed": _l("ผู้ได้ที่นั่ง (คน)"),
    "waitlisted": _l("รายชื่อสำรอง (คน)"),
    "notified": _l("แจ้งทางอีเมล (คน)"),
    "on_behalf": _l("ลงทะเบียนแทน"),
    "walk_in": _l("หน้างาน"),
    "registration_id": _l("การลงทะเบียน"),
    "seats": _l("โควตา (เดิม, ใหม่)"),
    "release_at": _l("วันคืนที่นั่งโควตา"),
    "promoted": _l("เลื่อนจากรายชื่อสำรอง"),
    "office_id": _l("หน่วยงาน"),
    "quota_office": _l("โควตาของหน่วยงาน"),
    "expires_at": _l("หมดอายุ"),
    "registration_ids": _l("การลงทะเบียน"),
    "new_accounts": _l("บัญชีใหม่"),
    "head": _l("ผู้เสนอชื่อ"),
    "by": _l("ผู้เสนอชื่อ"),
    "session_id": _l("ช่วงการอบรม"),
    "scanned_at": _l("เวลาสแกน"),
    "code": _l("รหัสเหตุผล"),
    "consent_recorded_by": _l("ผู้บันทึกความยินยอม"),
    "channel": _l("ช่องทางรับการแจ้งเตือน"),
}
PER_PAGE = 50


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def entity_label(entity_type: str) -> str:
    label = ENTITY_LABELS.get(entity_type)
    return str(label) if label is not None else entity_type


def detail_items(details: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(label, value) pairs of an event's details, for people to read."""
    items = []
    for key, value in (details or {}).items():
        if value in (None, "", False) and key not in ("on_behalf", "walk_in"):
            continue
        if isinstance(value, bool):
            text = str(_l("ใช่")) if value else str(_l("ไม่ใช่"))
        else:
            text = str(value)
        label = DETAIL_LABELS.get(key)
        items.append((str(label) if label is not None else key, text))
    return items


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    total: int
    page: int
    pages: int


def list_events(
    *,
    scope: Any = None,
    page: int = 1,
    action: str | None = None,
    entity_type: str | None = None,
    entity_id: int | None = None,
    per_page: int | None = None,
) -> AuditPage:
    """Audit events, newest first, one page at a time, filtered by action and record;
    ``scope``: a SQL condition on ``AuditEvent.office_id`` (``services.offices.office_filter``)."""
    per_page = per_page or PER_PAGE
    conditions = [] if scope is None else [scope]
    if action:
        conditions.append(AuditEvent.action == action)
    if entity_type:
        conditions.append(AuditEvent.entity_type == entity_type)
    if entity_id is not None:
        conditions.append(AuditEvent.entity_id == entity_id)
    total = db.session.scalar(select(func.count(AuditEvent.id)).where(*conditions)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    events = db.session.scalars(
        select(AuditEvent)
        .where(*conditions)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return AuditPage(events=list(events), total=total, page=page, pages=pages)


def known_actions() -> list[str]:
    """Every action with a label, and any other recorded one, for the filter."""
    recorded = db.session.scalars(select(AuditEvent.action).distinct()).all()
    return sorted(set(ACTION_LABELS) | set(recorded))
