"""Office quotas and nominations: seats a workshop holds for offices, filled by their heads.

The organizer reserves seats per office (``set_quotas``: the quotas sum to at most the
capacity, and never take seats the general pool has already given out). Each office's head gets
a nomination link (``create_nomination_link``): a random token, of which only the SHA-256 digest
is stored, that expires and works without an account. Through it the head names up to the
office's unfilled seats (``submit_nominations``): an existing account (by e-mail) is reused, a
new one made, and each person is confirmed into a quota seat and told through the notice outbox,
all in one transaction.

The seat arithmetic lives in ``services.registrations`` (``_take_seat``,
``register_into_quota_locked``, ``release_quotas_locked``), under the workshop row lock like
every other seat change. The release rule: unfilled quota seats return to the general pool once,
at the first seat change of the workshop on or after its release date, or at the sender's next
pass (``release_due_quotas``: the background sender thread, ``flask send-mail``), whichever
comes first; the waitlist then moves up in order.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from workshop.extensions import db
from workshop.models import (
    NominationLink,
    Office,
    Registration,
    Role,
    User,
    Workshop,
    WorkshopQuota,
    WorkshopStatus,
)
from workshop.models.types import utcnow
from workshop.services.accounts import normalise_email
from workshop.services.audit import record_event
from workshop.services.errors import LinkExpired, NotAllowed, NotFound, ValidationFailed
from workshop.services.notifications import dispatch_notices
from workshop.services.officers import _name_problem, normalise_phone
from workshop.services.password_resets import invite_locked
from workshop.services.passwords import hash_password
from workshop.services.registrations import (
    _registration_transaction,
    active_registration,
    fill_seats_locked,
    lock_workshop,
    lock_workshop_row,
    quota_release_due,
    register_into_quota_locked,
    release_quotas_locked,
)
from workshop.services.text import TextRejected, clean_text
from workshop.services.transactions import end_transaction, write_transaction
from workshop.thai.dates import bangkok_to_utc

LINK_DAYS_DEFAULT = 14
LINK_DAYS_MAX = 90
# At most this many people in one submission (a quota larger than this is named in parts).
NOMINEES_MAX = 100


# ---------------------------------------------------------------- quotas


@dataclass
class QuotaRow:
    """One office's line on the organizer's quota page."""

    office: Office
    quota: WorkshopQuota | None
    link: NominationLink | None  # the current link, if any (expired ones included)

    @property
    def seats(self) -> int:
        return self.quota.seats if self.quota else 0

    @property
    def filled(self) -> int:
        return self.quota.filled if self.quota else 0


def quota_rows(workshop: Workshop) -> list[QuotaRow]:
    """Every office with the workshop's quota for it and its current nomination link: two
    statements whatever the number of offices."""
    from workshop.services.offices import list_offices

    quotas = {
        q.office_id: q
        for q in db.session.scalars(
            select(WorkshopQuota).where(WorkshopQuota.workshop_id == workshop.id)
        )
    }
    links: dict[int, NominationLink] = {}
    if quotas:
        for link in db.session.scalars(
            select(NominationLink)
            .where(
                NominationLink.quota_id.in_([q.id for q in quotas.values()]),
                NominationLink.revoked_at.is_(None),
            )
            .order_by(NominationLink.id)
        ):
            links[link.quota_id] = link
    return [
        QuotaRow(
            office,
            quotas.get(office.id),
            links.get(quotas[office.id].id) if office.id in quotas else None,
        )
        for office in list_offices()
    ]


def parse_release_at(day: str, clock: str) -> datetime | None:
    """The release date typed as a Bangkok date (``YYYY-MM-DD``) and time (``HH:MM``, midnight
    if empty), in UTC; None for no date. ``ValueError`` for a date or time that is not one."""
    day, clock = (day or "").strip(), (clock or "").strip() or "00:00"
    if not day:
        return None
    instant = bangkok_to_utc(date.fromisoformat(day), time.fromisoformat(clock))
    return instant


def set_quotas(
    workshop_id: int,
    seats: dict[int, str | int | None],
    release_at: datetime | tuple[str, str] | None,
    actor: User,
) -> list[WorkshopQuota]:
    """Reserve ``seats[office_id]`` seats for each office (blank or 0: no quota) and set the
    release date, checking every rule in one pass: ``ValidationFailed`` with a Thai message per
    field (``seats_<office id>``, ``total``, ``release_at``) and nothing written.

    A waitlist moves up into seats a smaller quota gives back to the pool. ``release_at`` may
    be given as typed (Bangkok date and time strings, ``parse_release_at``).
    """
    release_error = None
    if isinstance(release_at, tuple):
        try:
            release_at = parse_release_at(*release_at)
        except ValueError:
            release_at, release_error = None, str(_l("วันเวลาไม่ถูกต้อง"))
    with write_transaction():
        workshop = lock_workshop(workshop_id)
        _refuse_unless_quotas_editable(workshop)
        existing = {
            q.office_id: q
            for q in db.session.scalars(
                select(WorkshopQuota).where(WorkshopQuota.workshop_id == workshop.id)
            )
        }
        errors: dict[str, str] = {"release_at": release_error} if release_error else {}
        wanted, seat_errors = _wanted_seats(seats, existing)
        errors.update(seat_errors)
        if not errors:
            errors.update(_total_problems(workshop, wanted, existing))
        if (
            release_at is not None
            and workshop.ends_at is not None
            and release_at >= workshop.ends_at
        ):
            errors["release_at"] = str(_l("วันคืนที่นั่งโควตาต้องอยู่ก่อนการอบรมจบ"))
        if errors:
            raise ValidationFailed(errors)

        kept, changes = _store_quotas(workshop, wanted, existing)
        new_unfilled = sum(q.seats - q.filled for q in kept)
        gave_back = workshop.reserved_unfilled - new_unfilled
        release_changed = release_at != workshop.quota_release_at
        db.session.execute(
            update(Workshop)
            .where(Workshop.id == workshop.id)
            .values(reserved_unfilled=new_unfilled, quota_release_at=release_at)
            .execution_options(synchronize_session=False)
        )
        set_committed_value(workshop, "reserved_unfilled", new_unfilled)
        set_committed_value(workshop, "quota_release_at", release_at)
        db.session.flush()
        if changes or release_changed:
            record_event(
                actor,
                "quota.set",
                workshop,
                {
                    "seats": changes,
                    "release_at": release_at.isoformat() if release_at else None,
                },
            )
        if gave_back > 0:
            fill_seats_locked(workshop.id)
    dispatch_notices()
    return kept


def _refuse_unless_quotas_editable(workshop: Workshop) -> None:
    if workshop.status == WorkshopStatus.CANCELLED:
        raise NotAllowed(str(_l("การอบรมนี้ถูกยกเลิกแล้ว")))
    if workshop.quotas_released_at is not None:
        raise NotAllowed(
            str(_l("ที่นั่งโควตาของการอบรมนี้คืนสู่ที่นั่งทั่วไปแล้ว แก้ไขโควตาไม่ได้")),
            code="quota_released",
        )


def _wanted_seats(
    seats: dict[int, str | int | None], existing: dict[int, WorkshopQuota]
) -> tuple[dict[int, int], dict[str, str]]:
    """Each office's quota as typed (blank: 0), never below the seats it has filled; offices
    not in the form keep theirs. Returns the quotas wanted and the problems per field."""
    known = set(db.session.scalars(select(Office.id)))
    errors: dict[str, str] = {}
    wanted: dict[int, int] = {}
    for office_id, raw in seats.items():
        key = f"seats_{office_id}"
        if office_id not in known:
            errors[key] = str(_l("ไม่พบหน่วยงานนี้"))
            continue
        text = str(raw).strip() if raw is not None else ""
        if text == "":
            value = 0
        elif not text.isdigit() or not text.isascii():
            errors[key] = str(_l("โควตาต้องเป็นจำนวนเต็มตั้งแต่ 0 ขึ้นไป"))
            continue
        else:
            value = int(text)
        filled = existing[office_id].filled if office_id in existing else 0
        if value < filled:
            errors[key] = str(_l("หน่วยงานนี้เสนอชื่อแล้ว %(n)d คน โควตาต้องไม่น้อยกว่านั้น", n=filled))
            continue
        wanted[office_id] = value
    for office_id, quota in existing.items():
        if office_id not in seats:
            wanted[office_id] = quota.seats
    return wanted, errors


def _total_problems(
    workshop: Workshop, wanted: dict[int, int], existing: dict[int, WorkshopQuota]
) -> dict[str, str]:
    """The quotas together fit the capacity, and their unfilled seats fit the free seats."""
    total = sum(wanted.values())
    unfilled = sum(
        value - (existing[o].filled if o in existing else 0) for o, value in wanted.items()
    )
    free = workshop.capacity - workshop.confirmed_count
    if total > workshop.capacity:
        return {
            "total": str(
                _l("โควตารวม %(n)d ที่ เกินจำนวนที่รับ %(cap)d ที่", n=total, cap=workshop.capacity)
            )
        }
    if unfilled > free:
        return {
            "total": str(
                _l(
                    "ที่นั่งว่างเหลือ %(free)d ที่ แต่โควตาที่ยังไม่ได้เสนอชื่อรวม %(n)d ที่ "
                    "ลดโควตาลง หรือเพิ่มจำนวนที่รับ",
                    free=free,
                    n=unfilled,
                )
            )
        }
    return {}


def _store_quotas(
    workshop: Workshop, wanted: dict[int, int], existing: dict[int, WorkshopQuota]
) -> tuple[list[WorkshopQuota], dict[str, list[int]]]:
    """Write the quotas wanted (a quota set to 0 with nobody named goes); returns the quotas
    that stand and the changes as ``{office id: [before, after]}`` for the audit log."""
    changes: dict[str, list[int]] = {}
    kept: list[WorkshopQuota] = []
    for office_id, value in wanted.items():
        quota = existing.get(office_id)
        before = quota.seats if quota else 0
        if before != value:
            changes[str(office_id)] = [before, value]
        if quota is None and value > 0:
            quota = WorkshopQuota(
                workshop_id=workshop.id, office_id=office_id, seats=value, filled=0
            )
            db.session.add(quota)
        elif quota is not None and value == 0 and quota.filled == 0:
            # Explicitly, not by the foreign keys' ON DELETE alone: its links stop working,
            # and cancelled registrations that once held its seats forget it.
            db.session.execute(delete(NominationLink).where(NominationLink.quota_id == quota.id))
            db.session.execute(
                update(Registration)
                .where(Registration.quota_id == quota.id)
                .values(quota_id=None)
                .execution_options(synchronize_session=False)
            )
            db.session.delete(quota)
            continue
        elif quota is not None:
            quota.seats = value
        if quota is not None:
            kept.append(quota)
    return kept, changes


def release_due_quotas(now: datetime | None = None) -> int:
    """Release the quotas of every workshop whose release date has passed (the sender's pass
    and ``flask send-mail`` call this); how many workshops were released by this call.

    Each workshop in its own short transaction, under its row lock, released only while not
    yet released: exactly once, however many senders run.
    """
    now = now or utcnow()
    due = list(
        db.session.scalars(
            select(Workshop.id).where(
                Workshop.quota_release_at <= now,
                Workshop.quotas_released_at.is_(None),
                Workshop.status != WorkshopStatus.CANCELLED,
            )
        )
    )
    end_transaction()
    released = 0
    for workshop_id in due:
        with write_transaction():
            workshop = lock_workshop_row(workshop_id)
            if (
                quota_release_due(workshop, now)
                and release_quotas_locked(workshop, now) is not None
            ):
                released += 1
    if due:
        dispatch_notices()
    return released


# ---------------------------------------------------------------- nomination links


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_nomination_link(
    workshop_id: int,
    office_id: int,
    *,
    head_name: str,
    head_email: str,
    days: int | str | None,
    actor: User,
    token: str | None = None,
) -> tuple[NominationLink, str]:
    """A new nomination link for the office's quota (an earlier one stops working); returns
    the link and its token, which is shown to the organizer this once. ``token``: only the
    demo data gives one (a link people trying the demo can open)."""
    errors: dict[str, str] = {}
    try:
        head_name = clean_text(head_name, max_length=NominationLink.NAME_MAX)
    except TextRejected as exc:
        errors["head_name"] = str(exc)
    head_email = (head_email or "").strip()
    if head_email:
        try:
            head_email = normalise_email(head_email)
        except ValueError as exc:
            errors["head_email"] = str(exc)
    text = str(days).strip() if days not in (None, "") else str(LINK_DAYS_DEFAULT)
    if not text.isdigit() or not text.isascii() or not 1 <= int(text) <= LINK_DAYS_MAX:
        errors["days"] = str(_l("อายุลิงก์ต้องเป็น 1–%(n)d วัน", n=LINK_DAYS_MAX))
    if errors:
        raise ValidationFailed(errors)
    token = token or secrets.token_urlsafe(32)
    with write_transaction():
        workshop = lock_workshop(workshop_id)
        if workshop.status == WorkshopStatus.CANCELLED or workshop.quotas_released_at is not None:
            raise NotAllowed(str(_l("การอบรมนี้ไม่มีที่นั่งโควตาให้เสนอชื่อแล้ว")))
        quota = db.session.scalar(
            select(WorkshopQuota).where(
                WorkshopQuota.workshop_id == workshop.id, WorkshopQuota.office_id == office_id
            )
        )
        if quota is None:
            raise ValidationFailed({"office_id": str(_l("หน่วยงานนี้ยังไม่มีโควตาในการอบรมนี้"))})
        now = utcnow()
        db.session.execute(
            update(NominationLink)
            .where(NominationLink.quota_id == quota.id, NominationLink.revoked_at.is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )
        link = NominationLink(
            quota=quota,
            token_digest=_digest(token),
            head_name=head_name,
            head_email=head_email,
            expires_at=now + timedelta(days=int(text)),
            created_by_id=actor.id,
        )
        db.session.add(link)
        db.session.flush()
        record_event(
            actor,
            "nomination.link",
            link,
            {"office_id": office_id, "expires_at": link.expires_at.isoformat()},
        )
    return link, token


@dataclass
class Nomination:
    """What the nomination page shows: the link, its quota and who is named already."""

    link: NominationLink
    quota: WorkshopQuota
    workshop: Workshop
    named: list[Registration]

    @property
    def remaining(self) -> int:
        return self.quota.unfilled


def _usable_link(token: str, now: datetime) -> NominationLink:
    link = db.session.scalar(
        select(NominationLink)
        .where(NominationLink.token_digest == _digest(token or ""))
        .options(joinedload(NominationLink.quota).joinedload(WorkshopQuota.workshop))
    )
    if link is None:
        raise NotFound(str(_l("ไม่พบลิงก์เสนอชื่อนี้")))
    workshop = link.quota.workshop
    if (
        link.revoked_at is not None
        or link.expires_at <= now
        or workshop.status not in (WorkshopStatus.PUBLISHED, WorkshopStatus.CLOSED)
    ):
        raise LinkExpired()
    if workshop.quotas_released_at is not None or (
        workshop.quota_release_at is not None and workshop.quota_release_at <= now
    ):
        raise LinkExpired(str(_l("ที่นั่งโควตาของการอบรมนี้คืนสู่ที่นั่งทั่วไปแล้ว")))
    return link


def nomination_for_token(token: str, now: datetime | None = None) -> Nomination:
    """The nomination a link opens; ``NotFound`` for an unknown token, ``LinkExpired`` for an
    expired or revoked one, or once the quotas are released."""
    link = _usable_link(token, now or utcnow())
    named = list(
        db.session.scalars(
            select(Registration)
            .where(
                Registration.quota_id == link.quota_id,
                Registration.status != "cancelled",
            )
            .options(joinedload(Registration.user))
            .order_by(Registration.id)
        )
    )
    return Nomination(link, link.quota, link.quota.workshop, named)


@dataclass
class NomineeInput:
    title_prefix: str = ""
    first_name: str = ""
    last_name: str = ""
    position: str = ""
    email: str = ""
    phone: str = ""

    def blank(self) -> bool:
        return not any((getattr(self, f.name) or "").strip() for f in fields(self))


def _clean_nominees(rows: list[NomineeInput]) -> list[tuple[int, dict[str, str]]]:
    """Every row checked in one pass: (row number, cleaned values), or ``ValidationFailed``
    with ``rows.<n>.<field>`` keys (n from 0, as the form numbers them)."""
    errors: dict[str, str] = {}
    cleaned: list[tuple[int, dict[str, str]]] = []
    seen: dict[str, int] = {}
    limits = {
        "title_prefix": 50,
        "first_name": User.NAME_MAX,
        "last_name": User.NAME_MAX,
        "position": User.TEXT_MAX,
    }
    for n, row in enumerate(rows):
        if row.blank():
            continue
        values: dict[str, str] = {}
        for name, limit in limits.items():
            try:
                values[name] = clean_text(getattr(row, name), max_length=limit, required=True)
            except TextRejected as exc:
                errors[f"rows.{n}.{name}"] = str(exc)
                continue
            if name != "position":
                problem = _name_problem(values[name])
                if problem:
                    errors[f"rows.{n}.{name}"] = problem
        try:
            values["email"] = normalise_email(row.email or "")
        except ValueError as exc:
            errors[f"rows.{n}.email"] = str(exc)
        else:
            if values["email"] in seen:
                errors[f"rows.{n}.email"] = str(
                    _l("อีเมลซ้ำกับแถวที่ %(n)d", n=seen[values["email"]] + 1)
                )
            seen.setdefault(values["email"], n)
        values["phone"] = ""
        if (row.phone or "").strip():
            try:
                values["phone"] = normalise_phone(row.phone)
            except ValueError as exc:
                errors[f"rows.{n}.phone"] = str(exc)
        cleaned.append((n, values))
    if not cleaned and not errors:
        errors["rows"] = str(_l("กรุณากรอกรายชื่ออย่างน้อย 1 คน"))
    if len(cleaned) > NOMINEES_MAX:
        errors["rows"] = str(_l("เสนอชื่อได้ครั้งละไม่เกิน %(n)d คน", n=NOMINEES_MAX))
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _nominees_accounts(
    workshop: Workshop, cleaned: list[tuple[int, dict[str, str]]]
) -> dict[str, User]:
    """The existing accounts of the nominees' e-mails, each an active officer's not yet
    registered for ``workshop`` (else ``ValidationFailed`` on ``rows.<n>.email``)."""
    emails = [values["email"] for _, values in cleaned]
    accounts = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))}
    errors: dict[str, str] = {}
    for n, values in cleaned:
        user = accounts.get(values["email"])
        if user is None:
            continue
        if user.role != Role.OFFICER or not user.active or user.deleted_at is not None:
            errors[f"rows.{n}.email"] = str(_l("อีเมลนี้เป็นบัญชีที่ลงทะเบียนเข้าอบรมไม่ได้ กรุณาใช้อีเมลอื่น"))
        elif active_registration(workshop.id, user.id) is not None:
            errors[f"rows.{n}.email"] = str(_l("ผู้นี้ลงทะเบียนการอบรมนี้อยู่แล้ว"))
    if errors:
        raise ValidationFailed(errors)
    return accounts


def _new_officer(values: dict[str, str], password_hash: str, office: Office) -> User:
    """A new officer account of the quota's office, invited to set its password (as imported
    accounts are)."""
    user = User(
        email=values["email"],
        password_hash=password_hash,
        role=Role.OFFICER.value,
        title_prefix=values["title_prefix"],
        first_name=values["first_name"],
        last_name=values["last_name"],
        position=values["position"],
        phone=values["phone"],
        agency=office.name,
        office_id=office.id,
        district=office.district,
        province=office.province,
    )
    db.session.add(user)
    db.session.flush()
    invite_locked(user)
    return user


def submit_nominations(
    token: str, rows: list[NomineeInput], now: datetime | None = None
) -> list[Registration]:
    """Register the people the office head names, all or none, and mail each their ticket.

    One transaction under the workshop lock: the link is checked again, every row must fit in
    the quota's unfilled seats (else ``ValidationFailed`` on ``rows``, nothing written), an
    account with the e-mail is reused (it must be an officer's, not already registered), else a
    new officer account of the quota's office is made and mailed an invitation to set its
    password (``password_resets.invite_locked``).
    """
    cleaned = _clean_nominees(rows)
    now = now or utcnow()
    password_hashes = [hash_password(secrets.token_urlsafe(32)) for _ in cleaned]
    with _registration_transaction():
        link = _usable_link(token, now)
        workshop = lock_workshop(link.quota.workshop_id, now)
        quota = db.session.get(WorkshopQuota, link.quota_id, populate_existing=True)
        if workshop.quotas_released_at is not None:
            raise LinkExpired(str(_l("ที่นั่งโควตาของการอบรมนี้คืนสู่ที่นั่งทั่วไปแล้ว")))
        if len(cleaned) > quota.unfilled:
            raise ValidationFailed(
                {
                    "rows": str(
                        _l(
                            "โควตาเหลือ %(left)d ที่ แต่เสนอชื่อมา %(n)d คน",
                            left=quota.unfilled,
                            n=len(cleaned),
                        )
                    )
                }
            )
        office = quota.office
        accounts = _nominees_accounts(workshop, cleaned)
        registrations: list[Registration] = []
        new_accounts: list[int] = []
        for (_, values), password_hash in zip(cleaned, password_hashes, strict=True):
            user = accounts.get(values["email"])
            if user is None:
                user = _new_officer(values, password_hash, office)
                new_accounts.append(user.id)
            registrations.append(
                register_into_quota_locked(
                    workshop, quota, user, nominated_by=link.head_name or f"link {link.id}"
                )
            )
        link.last_used_at = now
        record_event(
            None,
            "nomination.submit",
            link,
            {
                "office_id": office.id,
                "registration_ids": [r.id for r in registrations],
                "new_accounts": new_accounts,
                "head": link.head_name,
            },
        )
    dispatch_notices()
    return registrations
