"""The audit trail as organizers read it: actions and records in words, each event a Thai
(or English) sentence, Bangkok Buddhist-Era times, a page at a time (``web/audit.py``).

Apart from ``services.audit``, which every rule calls to write events: the words here come from
the rules' own labels (statuses, refusals), so this module sits above them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from workshop.extensions import db
from workshop.models import (
    AuditEvent,
    Certificate,
    CheckIn,
    ExcusedAbsence,
    RefusedScan,
    Registration,
    User,
    Venue,
    Workshop,
)
from workshop.services.checkins import refusal_label
from workshop.services.registrations import registration_status_label
from workshop.services.workshops import status_label
from workshop.thai.dates import format_datetime

ACTION_LABELS: dict[str, Any] = {
    "user.signup": _l("สมัครบัญชี"),
    "user.profile": _l("แก้ไขข้อมูลส่วนตัว"),
    "user.password": _l("เปลี่ยนรหัสผ่าน"),
    "user.sign_out_everywhere": _l("ออกจากระบบทุกอุปกรณ์"),
    "user.password_reset_request": _l("ขอลิงก์ตั้งรหัสผ่านใหม่ทางอีเมล"),
    "user.password_reset": _l("ตั้งรหัสผ่านใหม่ด้วยลิงก์ทางอีเมล"),
    "user.walk_in": _l("สร้างบัญชีผู้เข้าอบรมหน้างาน"),
    "user.line_link": _l("เชื่อมต่อบัญชี LINE"),
    "user.line_unlink": _l("ยกเลิกการเชื่อมต่อบัญชี LINE"),
    "user.notice_channel": _l("เปลี่ยนช่องทางรับการแจ้งเตือน"),
    "office.create": _l("เพิ่มหน่วยงาน"),
    "office.update": _l("แก้ไขหน่วยงาน"),
    "user.create": _l("สร้างบัญชีผู้ใช้"),
    "user.import": _l("สร้างบัญชีจากไฟล์รายชื่อ"),
    "workshop.import": _l("นำเข้ารายชื่อจากไฟล์"),
    "user.office": _l("เปลี่ยนหน่วยงานของบัญชี"),
    "venue.create": _l("เพิ่มสถานที่"),
    "venue.update": _l("แก้ไขสถานที่"),
    "workshop.create": _l("สร้างการอบรม"),
    "workshop.update": _l("แก้ไขการอบรม"),
    "workshop.status": _l("เปลี่ยนสถานะการอบรม"),
    "workshop.cancel": _l("ยกเลิกการอบรม"),
    "workshop.message": _l("ส่งข้อความถึงผู้ลงทะเบียน"),
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
    "certificate.issue": _l("ออกเกียรติบัตร"),
    "certificate.grant": _l("ออกเกียรติบัตรนอกเกณฑ์ (ผู้จัดอนุญาต)"),
    "certificate.revoke": _l("เพิกถอนเกียรติบัตร"),
    "certificate.reinstate": _l("คืนสถานะเกียรติบัตร"),
    "certificate_image.save": _l("อัปโหลดรูปบนเกียรติบัตร"),
    "certificate_image.delete": _l("ลบรูปบนเกียรติบัตร"),
    "attendance.excuse": _l("บันทึกการลา"),
    "attendance.unexcuse": _l("ยกเลิกการลา"),
    "user.delete": _l("ลบบัญชีผู้ใช้"),
}
# The same actions as sentences: the actor's name goes before, the record's name in %(object)s.
ACTION_SENTENCES: dict[str, Any] = {
    "user.signup": _l("สมัครบัญชี"),
    "user.profile": _l("แก้ไขข้อมูลส่วนตัว"),
    "user.password": _l("เปลี่ยนรหัสผ่าน"),
    "user.sign_out_everywhere": _l("ออกจากระบบทุกอุปกรณ์"),
    "user.walk_in": _l("สร้างบัญชีหน้างานให้ %(object)s"),
    "user.line_link": _l("เชื่อมต่อบัญชี LINE"),
    "user.line_unlink": _l("ยกเลิกการเชื่อมต่อบัญชี LINE"),
    "user.notice_channel": _l("เปลี่ยนช่องทางรับการแจ้งเตือน"),
    "user.delete": _l("ลบบัญชีของ %(object)s"),
    "venue.create": _l("เพิ่มสถานที่ “%(object)s”"),
    "venue.update": _l("แก้ไขสถานที่ “%(object)s”"),
    "workshop.create": _l("สร้างการอบรม “%(object)s”"),
    "workshop.update": _l("แก้ไขการอบรม “%(object)s”"),
    "workshop.status": _l("เปลี่ยนสถานะการอบรม “%(object)s”"),
    "workshop.cancel": _l("ยกเลิกการอบรม “%(object)s”"),
    "registration.create": _l("ลงทะเบียน %(object)s"),
    "registration.confirm": _l("ให้ที่นั่งแก่ %(object)s จากรายชื่อสำรอง"),
    "registration.promote": _l("เลื่อน %(object)s จากรายชื่อสำรองขึ้นมาได้ที่นั่ง"),
    "registration.waitlist": _l("ย้าย %(object)s ไปรายชื่อสำรอง"),
    "registration.cancel": _l("ยกเลิกการลงทะเบียนของ %(object)s"),
    "registration.rotate_ticket": _l("ออกบัตร QR ใหม่ให้ %(object)s (บัตรเดิมใช้ไม่ได้)"),
    "checkin.override": _l("เช็กอิน %(object)s นอกช่วงเวลา"),
    "checkin.undo": _l("ยกเลิกการเช็กอินของ %(object)s"),
    "refused_scan.dismiss": _l("ไม่รับผลสแกนที่ถูกปฏิเสธเมื่อซิงก์ของ %(object)s"),
    "evaluation.create": _l("สร้างแบบประเมินของการอบรม “%(object)s”"),
    "evaluation.update": _l("แก้ไขแบบประเมินของการอบรม “%(object)s”"),
    "evaluation.open": _l("เปิดแบบประเมินของการอบรม “%(object)s” ให้ตอบ"),
    "evaluation.closed": _l("ปิดรับคำตอบแบบประเมินของการอบรม “%(object)s”"),
    "certificate.issue": _l("ออกเกียรติบัตร %(object)s"),
    "certificate.grant": _l("ออกเกียรติบัตร %(object)s นอกเกณฑ์"),
    "certificate.revoke": _l("เพิกถอนเกียรติบัตร %(object)s"),
    "certificate.reinstate": _l("คืนสถานะเกียรติบัตร %(object)s"),
    "certificate_image.save": _l("อัปโหลดรูปบนเกียรติบัตรของการอบรม “%(object)s”"),
    "certificate_image.delete": _l("ลบรูปบนเกียรติบัตรของการอบรม “%(object)s”"),
    "attendance.excuse": _l("บันทึกการลาของ %(object)s"),
    "attendance.unexcuse": _l("ยกเลิกการลาของ %(object)s"),
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
    "certificates": _l("เกียรติบัตร"),
    "excused_absences": _l("การลา"),
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
    "code": _l("เหตุผลที่ถูกปฏิเสธ"),
    "consent_recorded_by": _l("ผู้บันทึกความยินยอม"),
    "channel": _l("ช่องทางรับการแจ้งเตือน"),
    "kind": _l("ประเภท"),
    "questions": _l("จำนวนคำถาม"),
    "required_for_certificate": _l("ต้องตอบก่อนรับเกียรติบัตร"),
    "bytes": _l("ขนาดไฟล์ (ไบต์)"),
    "number": _l("เลขที่"),
}
# Details an action's sentence already says (event_sentence), not repeated under it.
IN_SENTENCE: dict[str, frozenset[str]] = {
    "registration.create": frozenset({"status", "on_behalf", "walk_in"}),
    "workshop.status": frozenset({"from", "to"}),
    "workshop.create": frozenset({"title"}),
    "workshop.update": frozenset({"title"}),
    "venue.create": frozenset({"name"}),
    "venue.update": frozenset({"name"}),
    "certificate.issue": frozenset({"number"}),
    "certificate.grant": frozenset({"number"}),
}
# Detail values that are a status or another code word: shown in the reader's language.
STATUS_KEYS = frozenset({"status", "was", "from", "to"})
PER_PAGE = 50


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def entity_label(entity_type: str) -> str:
    label = ENTITY_LABELS.get(entity_type)
    return str(label) if label is not None else entity_type


def _status_text(value: str) -> str:
    """A workshop or registration status, a certificate image kind or a notice channel, in
    words (the services that own them name them; imported here lazily: they import audit)."""
    if value in ("confirmed", "waitlisted", "cancelled"):
        return registration_status_label(value)
    if value in ("draft", "published", "closed"):
        return status_label(value)
    return str(CODE_WORDS.get(value, value))


CODE_WORDS: dict[str, Any] = {
    "logo": _l("ตราหน่วยงาน"),
    "signature": _l("ลายมือชื่อผู้ลงนาม"),
    "email": _l("อีเมล"),
    "line": _l("LINE"),
    "both": _l("อีเมลและ LINE"),
    "open": _l("เปิดให้ตอบ"),
}
ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _value_text(key: str, value: Any, locale: str) -> str:
    if isinstance(value, bool):
        return str(_l("ใช่")) if value else str(_l("ไม่ใช่"))
    if key in STATUS_KEYS or key in ("kind", "channel"):
        return _status_text(str(value))
    if key == "code":  # why the door refused a scan
        return refusal_label(str(value))
    if isinstance(value, str) and ISO_MOMENT.match(value):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return format_datetime(moment, "short", locale)  # Bangkok time, Buddhist Era
    return str(value)


def detail_items(
    details: dict[str, Any] | None, locale: str = "th", action: str = ""
) -> list[tuple[str, str]]:
    """(label, value) pairs of an event's details, for people to read: statuses in words,
    times in Bangkok with the Buddhist-Era year; those the action's sentence says are left
    out."""
    items = []
    said = IN_SENTENCE.get(action, frozenset())
    for key, value in (details or {}).items():
        if key in said:
            continue
        if value in (None, "", False) and key not in ("on_behalf", "walk_in"):
            continue
        if key in ("registration_id", "session_id", "consent_recorded_by"):
            continue  # ids: the sentence names the record
        text = _value_text(key, value, locale)
        label = DETAIL_LABELS.get(key)
        items.append((str(label) if label is not None else key, text))
    return items


@dataclass(frozen=True)
class AuditObject:
    """The record an event is about, as a reader names it, and the workshop it belongs to
    (pages link to it)."""

    label: str
    workshop_id: int | None = None


def describe_objects(events: list[AuditEvent]) -> dict[tuple[str, int], AuditObject]:
    """(entity type, id) -> the record's name, for a page of events, a few queries in all."""
    wanted: dict[str, set[int]] = {}
    for event in events:
        if event.entity_id is not None:
            wanted.setdefault(event.entity_type, set()).add(event.entity_id)
    found: dict[tuple[str, int], AuditObject] = {}

    def load(model, ids):
        return db.session.scalars(select(model).where(model.id.in_(ids))).all() if ids else []

    for w in load(Workshop, wanted.get("workshops")):
        found["workshops", w.id] = AuditObject(w.title, w.id)
    for v in load(Venue, wanted.get("venues")):
        found["venues", v.id] = AuditObject(v.name)
    for u in load(User, wanted.get("users")):
        found["users", u.id] = AuditObject(u.full_name)
    registration_ids = set(wanted.get("registrations", set()))
    by_registration: dict[str, dict[int, int]] = {}
    for table, model in (
        ("certificates", Certificate),
        ("checkins", CheckIn),
        ("excused_absences", ExcusedAbsence),
        ("refused_scans", RefusedScan),
    ):
        rows = load(model, wanted.get(table))
        by_registration[table] = {r.id: r.registration_id for r in rows if r.registration_id}
        registration_ids |= set(by_registration[table].values())
        if table == "certificates":
            numbers = {r.id: r.number_text for r in rows}
    registrations = {r.id: r for r in load(Registration, registration_ids)}

    def person(registration_id: int | None) -> AuditObject | None:
        r = registrations.get(registration_id) if registration_id else None
        if r is None:
            return None
        return AuditObject(f"{r.user.full_name} ({r.workshop.title})", r.workshop_id)

    for rid in wanted.get("registrations", ()):
        if (named := person(rid)) is not None:
            found["registrations", rid] = named
    for table, links in by_registration.items():
        for entity_id, rid in links.items():
            named = person(rid)
            if named is None:
                continue
            if table == "certificates":
                label = f"{numbers[entity_id]} · {named.label}"
                named = AuditObject(label, named.workshop_id)
            found[table, entity_id] = named
    return found


def event_sentence(event: AuditEvent, objects: dict[tuple[str, int], AuditObject]) -> str:
    """What happened, as a sentence without its actor: ``ออกเกียรติบัตร 3/2559 · นาย...``."""
    named = objects.get((event.entity_type, event.entity_id)) if event.entity_id else None
    label = named.label if named else f"{entity_label(event.entity_type)} #{event.entity_id}"
    sentence = ACTION_SENTENCES.get(event.action)
    if sentence is None:
        return f"{action_label(event.action)} {label}"
    text = str(sentence) % {"object": label}
    details = event.details or {}
    if event.action == "workshop.status" and details.get("from") and details.get("to"):
        text += str(_l(" จาก “%(old)s” เป็น “%(new)s”")) % {
            "old": _status_text(details["from"]),
            "new": _status_text(details["to"]),
        }
    elif event.action == "registration.create":
        if details.get("status"):
            text += str(_l(" (%(status)s)")) % {"status": _status_text(details["status"])}
        if details.get("walk_in"):
            text += str(_l(" ที่หน้างาน"))
        elif details.get("on_behalf"):
            text += str(_l(" แทนผู้เข้าอบรม"))
    return text


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
