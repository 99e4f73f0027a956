"""Registration: seats, the waitlist, cancellation and promotion.

Every change to a workshop's seats happens inside ``write_transaction()`` with the workshop row
locked (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` locks the
database), and seats are taken with a conditional ``UPDATE`` that only succeeds while
``confirmed_count < capacity``. A CHECK constraint on the counter is the last line of defence.
So no interleaving of requests, workers or connections can confirm more people than there are
seats.

The waitlist is fair: while anyone is waiting, a newcomer joins the end of the line even if a seat
has just come free, and freed seats go to the first in line.

Office quotas (``services.quotas``) hold seats out of the general pool: the same conditional
``UPDATE`` takes a public seat only while ``confirmed_count + reserved_unfilled < capacity``, and
a seat named through a nomination link moves one from ``reserved_unfilled`` to
``confirmed_count`` (``register_into_quota_locked``). Unfilled quota seats return to the pool
once, at the first seat change on or after the workshop's release date (``lock_workshop``), or
at the sender's next pass (``services.quotas.release_due_quotas``), whichever comes first.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from workshop.extensions import db
from workshop.models import (
    Certificate,
    CheckIn,
    Registration,
    RegistrationStatusChange,
    RetiredTicketSecret,
    Role,
    User,
    Workshop,
    WorkshopQuota,
    WorkshopStatus,
)
from workshop.models import RegistrationStatus as Status
from workshop.models.types import utcnow
from workshop.services.audit import record_event
from workshop.services.checkins import count_seat_change
from workshop.services.errors import (
    AlreadyRegistered,
    DuplicateEmail,
    NotAllowed,
    NotFound,
    RegistrationClosed,
    ValidationFailed,
    WorkshopCancelled,
    WorkshopFull,
)
from workshop.services.notifications import TICKET_REISSUED, dispatch_notices, queue_notice
from workshop.services.officers import OfficerProfile, walk_in_account
from workshop.services.offices import sees_office
from workshop.services.text import TextRejected, clean_text
from workshop.services.tickets import new_ticket_secret, ticket_token
from workshop.services.transactions import write_transaction
from workshop.services.waitlist import waitlist_ranks


@dataclass
class SeatChanges:
    """What a change did, so callers can tell the people concerned."""

    registration: Registration
    promoted: list[Registration] = field(default_factory=list)


def lock_workshop(workshop_id: int, now: datetime | None = None) -> Workshop:
    """Load the workshop with its row locked until commit: every seat change goes through here.

    A workshop whose quota release date has passed gets its unfilled quota seats back into the
    general pool here, before the change that locked it is decided (``release_quotas_locked``).
    """
    workshop = lock_workshop_row(workshop_id)
    if quota_release_due(workshop, now):
        release_quotas_locked(workshop, now)
    return workshop


def lock_workshop_row(workshop_id: int) -> Workshop:
    """``lock_workshop`` without the release (for the release pass itself)."""
    workshop = db.session.scalar(
        select(Workshop)
        .where(Workshop.id == workshop_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if workshop is None:
        raise NotFound(str(_l("ไม่พบการอบรมนี้")))
    return workshop


def quota_release_due(workshop: Workshop, now: datetime | None = None) -> bool:
    return (
        workshop.quota_release_at is not None
        and workshop.quotas_released_at is None
        and workshop.quota_release_at <= (now or utcnow())
    )


def release_quotas_locked(
    workshop: Workshop, now: datetime | None = None
) -> list[Registration] | None:
    """Return the unfilled quota seats to the general pool and move the waitlist up into them.

    Exactly once: the caller holds the workshop row lock, and the UPDATE only runs while
    ``quotas_released_at`` is unset (a second caller, after the first commits, re-reads the
    row and finds it set). Core UPDATEs: the release is not an edit of the workshop (its edit
    version does not move, so an open edit form still saves). Returns the registrations
    promoted, or None when the quotas had been released already.
    """
    now = now or utcnow()
    released = workshop.reserved_unfilled
    done = db.session.execute(
        update(Workshop)
        .where(Workshop.id == workshop.id, Workshop.quotas_released_at.is_(None))
        .values(quotas_released_at=now, reserved_unfilled=0)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        return None
    set_committed_value(workshop, "quotas_released_at", now)
    set_committed_value(workshop, "reserved_unfilled", 0)
    promoted = fill_seats_locked(workshop.id)
    record_event(
        None,
        "quota.release",
        workshop,
        {"seats": released, "promoted": [r.id for r in promoted]},
    )
    return promoted


def hold_account(user_id: int) -> User | None:
    """Lock the officer's account row (shared) until commit, and reload it.

    Deleting an account locks its row for update before it cancels the account's
    registrations, so a registration and a deletion running at once are ordered: either the
    registration waits and then sees the account gone, or the deletion waits and then finds the
    new registration to cancel. Taken before the workshop row, the order deletion uses too.
    """
    return db.session.scalar(
        select(User)
        .where(User.id == user_id)
        .with_for_update(read=True)
        .execution_options(populate_existing=True)
    )


def _take_seat(workshop_id: int, *, jump_queue: bool = False) -> bool:
    """Atomically take a seat of the general pool if one is free (and, unless jumping the
    queue, nobody waits); seats held for office quotas are not free."""
    condition = [
        Workshop.id == workshop_id,
        Workshop.confirmed_count + Workshop.reserved_unfilled < Workshop.capacity,
    ]
    if not jump_queue:
        condition.append(Workshop.waitlist_count == 0)
    result = db.session.execute(
        update(Workshop)
        .where(*condition)
        .values(confirmed_count=Workshop.confirmed_count + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _join_waitlist(workshop_id: int) -> int:
    """Add one to the waitlist and return the new ticket number in the line."""
    return db.session.execute(
        update(Workshop)
        .where(Workshop.id == workshop_id)
        .values(
            waitlist_count=Workshop.waitlist_count + 1,
            waitlist_issued=Workshop.waitlist_issued + 1,
        )
        .returning(Workshop.waitlist_issued)
        .execution_options(synchronize_session=False)
    ).scalar_one()


def _change_counts(
    workshop_id: int, confirmed: int = 0, waiting: int = 0, reserved: int = 0
) -> None:
    db.session.execute(
        update(Workshop)
        .where(Workshop.id == workshop_id)
        .values(
            confirmed_count=Workshop.confirmed_count + confirmed,
            waitlist_count=Workshop.waitlist_count + waiting,
            reserved_unfilled=Workshop.reserved_unfilled + reserved,
        )
        .execution_options(synchronize_session=False)
    )


def _take_quota_seat(workshop_id: int, quota_id: int) -> bool:
    """Atomically fill one of the quota's seats if one is unfilled: the quota's counter by a
    conditional UPDATE, then the seat moves from ``reserved_unfilled`` to ``confirmed_count``
    (their sum, and so the general pool, stays the same)."""
    taken = db.session.execute(
        update(WorkshopQuota)
        .where(
            WorkshopQuota.id == quota_id,
            WorkshopQuota.workshop_id == workshop_id,
            WorkshopQuota.filled < WorkshopQuota.seats,
        )
        .values(filled=WorkshopQuota.filled + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        return False
    _change_counts(workshop_id, confirmed=+1, reserved=-1)
    return True


def _give_back_quota_seat(registration: Registration) -> None:
    """The registration leaves its quota seat before the release: the seat goes back to the
    office's quota (unfilled again), not to the general pool."""
    db.session.execute(
        update(WorkshopQuota)
        .where(WorkshopQuota.id == registration.quota_id)
        .values(filled=WorkshopQuota.filled - 1)
        .execution_options(synchronize_session=False)
    )
    _change_counts(registration.workshop_id, confirmed=-1, reserved=+1)


def _holds_quota_seat(registration: Registration, workshop: Workshop) -> bool:
    return (
        registration.quota_id is not None
        and registration.status == Status.CONFIRMED
        and workshop.quotas_released_at is None
    )


def registration_status_label(status: str) -> str:
    labels = {
        "confirmed": _l("ได้ที่นั่ง"),
        "waitlisted": _l("รายชื่อสำรอง"),
        "cancelled": _l("ยกเลิกแล้ว"),
    }
    return str(labels.get(status, status))


def registration_open(workshop: Workshop, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return (
        workshop.status == WorkshopStatus.PUBLISHED
        and workshop.registration_opens_at <= now < workshop.registration_closes_at
    )


def register_officer(
    workshop_id: int,
    officer: User,
    *,
    actor: User | None = None,
    now: datetime | None = None,
    walk_in: bool = False,
) -> Registration:
    """Register ``officer``: confirmed while seats remain, else on the waitlist.

    ``actor`` is the organizer registering someone on their behalf (allowed outside the
    registration window, while the workshop is published or closed); otherwise the officer
    registers themself inside the window. A ``walk_in`` at the door gets a free seat (ahead of
    the waitlist: they are there) or nothing: ``WorkshopFull``.
    """
    on_behalf = actor is not None and actor.id != officer.id
    if on_behalf and not actor.has_role(Role.ORGANIZER):
        raise NotAllowed(str(_l("เฉพาะผู้จัดเท่านั้นที่ลงทะเบียนแทนผู้อื่นได้")))
    if walk_in and not on_behalf:
        raise NotAllowed(str(_l("ผู้จัดเป็นผู้ลงทะเบียนผู้เข้าอบรมหน้างาน")))
    with _registration_transaction():
        hold_account(officer.id)  # refreshes ``officer``: it may have been deleted meanwhile
        workshop = lock_workshop(workshop_id)
        registration = _add_registration(
            workshop, officer, actor=actor if on_behalf else None, now=now, walk_in=walk_in
        )
    dispatch_notices()
    return registration


def register_walk_in(
    workshop_id: int, *, email: str, profile: OfficerProfile, consent: bool, actor: User
) -> Registration:
    """Seat an officer who came to the door without registering (organizers only).

    The account (the existing one with this e-mail, or one made from ``profile``) and the
    confirmed registration are written in one transaction: a full, draft or cancelled workshop,
    or a bad profile, leaves neither behind. ``WorkshopFull`` when no seat is free.
    """
    if not actor.has_role(Role.ORGANIZER):
        raise NotAllowed(str(_l("ผู้จัดเป็นผู้ลงทะเบียนผู้เข้าอบรมหน้างาน")))
    with _registration_transaction():
        officer = walk_in_account(email=email, profile=profile, consent=consent, actor=actor)
        hold_account(officer.id)
        workshop = lock_workshop(workshop_id)
        if officer.id == actor.id:
            raise NotAllowed(str(_l("ลงทะเบียนได้เฉพาะบัญชีเจ้าหน้าที่ผู้เข้าอบรม")))
        registration = _add_registration(workshop, officer, actor=actor, walk_in=True)
    dispatch_notices()
    return registration


@contextmanager
def _registration_transaction() -> Iterator[None]:
    """``write_transaction``, where a unique index that caught a race becomes the domain error
    it stands for."""
    try:
        with write_transaction():
            yield
    except IntegrityError as exc:
        detail = str(exc.orig)
        if (
            "uq_registrations_active" in detail
            or "UNIQUE constraint failed: registrations" in detail
        ):
            # The partial unique index caught a second request from the same officer in a race.
            raise AlreadyRegistered() from exc
        if "uq_users_email" in detail or "UNIQUE constraint failed: users.email" in detail:
            raise DuplicateEmail() from exc  # a walk-in account made twice at once
        raise


def _refuse_unless_open_to_organizers(workshop: Workshop) -> None:
    """Organizers (on behalf, by import, by nomination) register people for a published or
    closed workshop, whatever its registration window."""
    if workshop.status not in (WorkshopStatus.PUBLISHED, WorkshopStatus.CLOSED):
        raise RegistrationClosed(str(_l("การอบรมนี้ยังไม่เผยแพร่หรือถูกยกเลิกแล้ว")))


def _refuse_unless_officer(officer: User) -> None:
    """Only active officers' accounts take a seat."""
    if officer.role != Role.OFFICER or not officer.active:
        raise NotAllowed(str(_l("ลงทะเบียนได้เฉพาะบัญชีเจ้าหน้าที่ผู้เข้าอบรม")))


def _add_registration(
    workshop: Workshop,
    officer: User,
    *,
    actor: User | None,
    now: datetime | None = None,
    walk_in: bool = False,
    unregistered: bool = False,
) -> Registration:
    """Add the officer's registration to the transaction (the workshop row locked); ``actor``
    is the organizer acting on their behalf, if any. ``unregistered``: the caller read, under
    this same lock, that the officer holds no registration (an import's thousands of rows),
    so it is not read again; the partial unique index still stands guard."""
    on_behalf = actor is not None
    if on_behalf:
        _refuse_unless_open_to_organizers(workshop)
    elif workshop.status == WorkshopStatus.DRAFT:
        raise NotFound(str(_l("ไม่พบการอบรมนี้")))
    elif not registration_open(workshop, now):
        raise RegistrationClosed()
    _refuse_unless_officer(officer)
    if not unregistered and active_registration(workshop.id, officer.id) is not None:
        raise AlreadyRegistered()

    registration = Registration(
        workshop_id=workshop.id,
        user_id=officer.id,
        ticket_secret=new_ticket_secret(),
        registered_by_id=actor.id if actor is not None else None,
    )
    if _take_seat(workshop.id, jump_queue=walk_in):
        set_status(registration, Status.CONFIRMED)
        registration.confirmed_at = utcnow()
    elif walk_in:
        raise WorkshopFull(str(_l("ที่นั่งเต็มแล้ว รับผู้เข้าอบรมหน้างานเพิ่มไม่ได้")))
    else:
        registration.waitlist_seq = _join_waitlist(workshop.id)
        set_status(registration, Status.WAITLISTED)
    db.session.add(registration)
    db.session.flush()
    record_event(
        actor or officer,
        "registration.create",
        registration,
        {"status": registration.status, "on_behalf": on_behalf, "walk_in": walk_in},
    )
    queue_notice(registration, registration.status)
    return registration


def add_registrations_locked(
    workshop: Workshop, officers: list[User], *, actor: User
) -> list[Registration]:
    """Register ``officers`` for an organizer, in order (a participants import): the caller
    holds the workshop lock, read under it that none of them holds a registration, and commits.

    The same seats as :func:`_add_registration` one by one would give (free seats of the general
    pool while nobody waits, then the waitlist in order), counted once under the lock and
    written in batches: thousands of rows cost a few statements, not a few each.
    """
    _refuse_unless_open_to_organizers(workshop)
    for officer in officers:
        _refuse_unless_officer(officer)
    counts = db.session.execute(
        select(
            Workshop.capacity,
            Workshop.confirmed_count,
            Workshop.reserved_unfilled,
            Workshop.waitlist_count,
            Workshop.waitlist_issued,
        ).where(Workshop.id == workshop.id)
    ).one()
    free = 0
    if counts.waitlist_count == 0:  # nobody waits: free seats go in order, as _take_seat does
        free = max(0, counts.capacity - counts.confirmed_count - counts.reserved_unfilled)
    seated = min(free, len(officers))
    issued = counts.waitlist_issued
    now = utcnow()
    registrations: list[Registration] = []
    for n, officer in enumerate(officers):
        registration = Registration(
            workshop_id=workshop.id,
            user=officer,  # loaded already: the notice reads it without a query
            ticket_secret=new_ticket_secret(),
            registered_by_id=actor.id,
        )
        if n < seated:
            set_status(registration, Status.CONFIRMED)
            registration.confirmed_at = now
        else:
            issued += 1
            registration.waitlist_seq = issued
            set_status(registration, Status.WAITLISTED)
        registrations.append(registration)
    db.session.add_all(registrations)
    db.session.flush()
    db.session.execute(
        update(Workshop)
        .where(Workshop.id == workshop.id)
        .values(
            confirmed_count=Workshop.confirmed_count + seated,
            waitlist_count=Workshop.waitlist_count + (len(officers) - seated),
            waitlist_issued=issued,
        )
        .execution_options(synchronize_session=False)
    )
    for registration in registrations:
        record_event(
            actor,
            "registration.create",
            registration,
            {"status": registration.status, "on_behalf": True, "walk_in": False},
        )
        queue_notice(registration, registration.status)
    return registrations


def register_into_quota_locked(
    workshop: Workshop, quota: WorkshopQuota, officer: User, *, nominated_by: str = ""
) -> Registration:
    """Confirm ``officer`` into one of ``quota``'s seats (the caller holds the workshop lock and
    commits): the "register these people" helper of nominations (``services.quotas``).

    ``NotAllowed`` when the quota has no unfilled seat left, the quotas were released, the
    account is not an officer's, or the workshop takes no registrations; ``AlreadyRegistered``
    when the officer already holds a seat or a place on the waitlist.
    """
    _refuse_unless_open_to_organizers(workshop)
    if workshop.quotas_released_at is not None:
        raise NotAllowed(str(_l("ที่นั่งโควตาของการอบรมนี้คืนสู่ที่นั่งทั่วไปแล้ว")), code="quota_released")
    _refuse_unless_officer(officer)
    if active_registration(workshop.id, officer.id) is not None:
        raise AlreadyRegistered()
    if not _take_quota_seat(workshop.id, quota.id):
        raise NotAllowed(str(_l("โควตาของหน่วยงานนี้เต็มแล้ว")), code="quota_full")
    registration = Registration(
        workshop_id=workshop.id,
        user_id=officer.id,
        ticket_secret=new_ticket_secret(),
        quota_id=quota.id,
    )
    set_status(registration, Status.CONFIRMED)
    registration.confirmed_at = utcnow()
    db.session.add(registration)
    db.session.flush()
    record_event(
        None,
        "registration.create",
        registration,
        {"status": registration.status, "quota_office": quota.office_id, "by": nominated_by},
    )
    queue_notice(registration, registration.status)
    return registration


def set_status(registration: Registration, status: Status) -> None:
    """Every change of a registration's status goes through here: it is kept in the status
    history (a late offline scan is judged by the status at its scan time), and the door's
    counters follow when the registration gains or loses its seat (``services.checkins``
    counts the check-ins of confirmed registrations only)."""
    was = registration.status
    registration.status = status
    db.session.add(
        RegistrationStatusChange(registration=registration, status=status, changed_at=utcnow())
    )
    if registration.id is not None and (was == Status.CONFIRMED) != (status == Status.CONFIRMED):
        # The new status is written first: a scan at a door reads it under a share lock, so
        # either that scan counted before this change and this change sees its check-in, or
        # the scan waits and then sees the new status.
        db.session.flush()
        count_seat_change(registration.id, +1 if status == Status.CONFIRMED else -1)


def active_registration(workshop_id: int, user_id: int) -> Registration | None:
    """The officer's confirmed or waitlisted registration for the workshop, if any."""
    return db.session.scalar(
        select(Registration).where(
            Registration.workshop_id == workshop_id,
            Registration.user_id == user_id,
            Registration.status != Status.CANCELLED,
        )
    )


def fill_seats_locked(workshop_id: int) -> list[Registration]:
    """Promote the first in line into every free seat (caller holds the workshop lock).

    Nobody is promoted in a cancelled workshop: a seat there is worth nothing, and the notice
    would contradict the cancellation notice.
    """
    promoted: list[Registration] = []
    workshop = db.session.get(Workshop, workshop_id)  # locked by the caller: no query
    if workshop is None or workshop.status == WorkshopStatus.CANCELLED:
        return promoted
    while True:
        first = db.session.scalar(
            select(Registration)
            .where(
                Registration.workshop_id == workshop_id,
                Registration.status == Status.WAITLISTED,
            )
            .order_by(Registration.waitlist_seq)
            .limit(1)
        )
        if first is None or not _take_seat(workshop_id, jump_queue=True):
            return promoted
        _seat_from_waitlist(first, None, "registration.promote")
        promoted.append(first)


def _seat_from_waitlist(registration: Registration, actor: User | None, action: str) -> None:
    """Move a waitlisted registration into the seat just taken for it, and tell the officer."""
    _change_counts(registration.workshop_id, waiting=-1)
    registration.waitlist_seq = None
    set_status(registration, Status.CONFIRMED)
    registration.confirmed_at = utcnow()
    record_event(actor, action, registration)
    queue_notice(registration, "promoted")


def _reload(registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id, populate_existing=True)
    if registration is None:
        raise NotFound(str(_l("ไม่พบการลงทะเบียนนี้")))
    return registration


def cancel_registration(
    registration_id: int, actor: User, reason: str = "", now: datetime | None = None
) -> SeatChanges:
    """Cancel a registration; a freed seat goes to the first officer on the waitlist.

    Officers cancel their own registration, organizers anyone's, until the workshop ends (see
    ``refuse_if_attendance_record``).
    """
    try:
        reason = clean_text(reason, max_length=Registration.REASON_MAX)
    except TextRejected as exc:
        raise ValidationFailed({"reason": str(exc)}) from exc
    with write_transaction():
        workshop_id = db.session.scalar(
            select(Registration.workshop_id).where(Registration.id == registration_id)
        )
        if workshop_id is None:
            raise NotFound(str(_l("ไม่พบการลงทะเบียนนี้")))
        workshop = lock_workshop(workshop_id)
        registration = _reload(registration_id)
        is_organizer = actor.has_role(Role.ORGANIZER)
        if not is_organizer and registration.user_id != actor.id:
            raise NotFound(str(_l("ไม่พบการลงทะเบียนนี้")))
        _refuse_if_cancelled(workshop)
        if registration.status == Status.CANCELLED:
            raise NotAllowed(str(_l("การลงทะเบียนนี้ถูกยกเลิกไปแล้ว")))
        refuse_if_attendance_record(registration, workshop, now)
        if not is_organizer and checked_in_registrations([registration.id]):
            # Being there is a record too: an officer who came cannot take it back; an
            # organizer still can (a scan of the wrong person), with a reason.
            raise NotAllowed(
                str(_l("คุณเช็กอินเข้าร่วมแล้ว จึงยกเลิกการลงทะเบียนเองไม่ได้ หากมีเหตุจำเป็นโปรดติดต่อผู้จัด")),
                code="checked_in",
            )
        promoted = cancel_locked(registration, workshop, actor, reason)
    dispatch_notices()
    return SeatChanges(registration, promoted)


def checked_in_registrations(registration_ids: list[int]) -> set[int]:
    """Those of the registrations with a check-in to any session."""
    if not registration_ids:
        return set()
    return set(
        db.session.scalars(
            select(CheckIn.registration_id)
            .where(CheckIn.registration_id.in_(registration_ids))
            .distinct()
        )
    )


def seats_can_change(workshop: Workshop, now: datetime | None = None) -> bool:
    """True until the workshop's last session ends. After that its registrations are the
    attendance record that certificates and reports stand on: nobody cancels them or moves
    them to the waitlist (a freed seat would also promote someone into a workshop that is
    over); a certificate is withdrawn by revoking it, with a reason."""
    ends_at = workshop.ends_at
    return ends_at is None or ends_at > (now or utcnow())


def refuse_if_attendance_record(
    registration: Registration, workshop: Workshop, now: datetime | None = None
) -> None:
    """``NotAllowed`` for taking the seat away from a registration of a workshop that is over
    (``workshop_ended``) or that holds a valid certificate (``holds_certificate``: possible
    before the end only if the sessions were moved later after it was issued)."""
    if not seats_can_change(workshop, now):
        raise NotAllowed(
            str(
                _l(
                    "การอบรมจบแล้ว การลงทะเบียนเป็นหลักฐานการเข้าอบรมจึงยกเลิกหรือย้ายไม่ได้ "
                    "หากต้องการถอนเกียรติบัตร ให้เพิกถอนพร้อมระบุเหตุผล"
                )
            ),
            code="workshop_ended",
        )
    certified = db.session.scalar(
        select(Certificate.id).where(
            Certificate.registration_id == registration.id, Certificate.revoked_at.is_(None)
        )
    )
    if certified is not None:
        raise NotAllowed(
            str(_l("ผู้เข้าอบรมคนนี้ได้รับเกียรติบัตรแล้ว ให้เพิกถอนเกียรติบัตรพร้อมเหตุผลก่อน")),
            code="holds_certificate",
        )


def cancel_locked(
    registration: Registration, workshop: Workshop, actor: User | None, reason: str = ""
) -> list[Registration]:
    """Cancel an active registration and hand a freed seat to the waitlist; who was promoted.

    The caller has locked the workshop row (``lock_workshop``), re-read the registration after
    that, checked who may cancel, and commits. ``actor`` None: the system (retention purge).
    """
    was = registration.status
    in_quota = _holds_quota_seat(registration, workshop)
    registration.waitlist_seq = None
    set_status(registration, Status.CANCELLED)
    registration.cancelled_at = utcnow()
    registration.cancelled_by_id = actor.id if actor is not None else None
    registration.cancel_reason = reason
    promoted: list[Registration] = []
    if in_quota:
        # Before the release the seat stays the office's: nobody from the pool is promoted.
        _give_back_quota_seat(registration)  # quota_id stays, for the record
    elif was == Status.CONFIRMED:
        _change_counts(workshop.id, confirmed=-1)
        db.session.flush()
        promoted = fill_seats_locked(workshop.id)
    else:
        _change_counts(workshop.id, waiting=-1)
    record_event(actor, "registration.cancel", registration, {"was": was, "reason": reason})
    queue_notice(registration, "cancelled")
    return promoted


def _refuse_if_cancelled(workshop: Workshop) -> None:
    if workshop.status == WorkshopStatus.CANCELLED:
        raise WorkshopCancelled(str(_l("การอบรมนี้ถูกยกเลิกแล้ว เปลี่ยนแปลงการลงทะเบียนไม่ได้")))


def _locked(registration_id: int) -> tuple[Registration, Workshop]:
    """The registration re-read after its workshop row is locked (it may have just changed);
    a cancelled workshop's seats no longer change."""
    registration = _reload(registration_id)
    workshop = lock_workshop(registration.workshop_id)
    _refuse_if_cancelled(workshop)
    return _reload(registration_id), workshop


def confirm_waitlisted(registration_id: int, actor: User) -> SeatChanges:
    """Organizer: give a specific waitlisted officer a seat, if one is free."""
    with write_transaction():
        registration, workshop = _locked(registration_id)
        if registration.status != Status.WAITLISTED:
            raise NotAllowed(str(_l("ย้ายได้เฉพาะผู้ที่อยู่ในรายชื่อสำรอง")))
        if not _take_seat(workshop.id, jump_queue=True):
            raise WorkshopFull(
                str(_l("ที่นั่งเต็ม (%(n)d ที่) ย้ายผู้ได้ที่นั่งออกก่อนหรือเพิ่มจำนวนที่รับ", n=workshop.capacity))
            )
        _seat_from_waitlist(registration, actor, "registration.confirm")
    dispatch_notices()
    return SeatChanges(registration)


def move_to_waitlist(registration_id: int, actor: User) -> SeatChanges:
    """Organizer: move a confirmed officer to the end of the waitlist.

    The seat stays free for the organizer to give to someone on the list; it is not handed out
    automatically, since the move is usually made to seat a particular person.
    """
    with write_transaction():
        registration, workshop = _locked(registration_id)
        if registration.status != Status.CONFIRMED:
            raise NotAllowed(str(_l("ย้ายได้เฉพาะผู้ที่ได้ที่นั่งแล้ว")))
        refuse_if_attendance_record(registration, workshop)
        if _holds_quota_seat(registration, workshop):
            _give_back_quota_seat(registration)
            registration.quota_id = None  # the waitlist is the general pool's
        else:
            _change_counts(workshop.id, confirmed=-1)
        seq = _join_waitlist(workshop.id)
        registration.confirmed_at = None
        registration.waitlist_seq = seq
        set_status(registration, Status.WAITLISTED)
        record_event(actor, "registration.waitlist", registration)
        queue_notice(registration, "waitlisted")
    dispatch_notices()
    return SeatChanges(registration)


class Placed(NamedTuple):
    """A registration with its place on the waitlist (None unless waiting), both read by one
    statement: a promotion committed while a list loads cannot make two rows show one place."""

    registration: Registration
    waitlist_position: int | None


def _placed(query: Select[tuple[Registration]], workshops: ColumnElement[bool]) -> list[Placed]:
    """Run ``query`` with each row's waitlist place added in the same statement. The rows are
    re-read into objects already loaded (``populate_existing``), so a status and its place
    always come from the same moment."""
    ranks = waitlist_ranks(workshops)
    rows = db.session.execute(
        query.add_columns(ranks.c.position)
        .outerjoin(ranks, ranks.c.registration_id == Registration.id)
        .execution_options(populate_existing=True)
    )
    return [Placed(registration, position) for registration, position in rows]


def placed_registration(registration_id: int) -> Placed | None:
    """One registration with its waitlist place, read together."""
    workshop = select(Registration.workshop_id).where(Registration.id == registration_id)
    found = _placed(
        select(Registration).where(Registration.id == registration_id),
        Registration.workshop_id == workshop.scalar_subquery(),
    )
    return found[0] if found else None


def my_place(workshop_id: int, user_id: int) -> Placed | None:
    """The officer's active registration for the workshop with its waitlist place, if any."""
    found = _placed(
        select(Registration).where(
            Registration.workshop_id == workshop_id,
            Registration.user_id == user_id,
            Registration.status != Status.CANCELLED,
        ),
        Registration.workshop_id == workshop_id,
    )
    return found[0] if found else None


def get_registration(registration_id: int, viewer: User) -> Registration:
    """A registration its owner or an organizer of its workshop's office may see; anyone
    else gets NotFound."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or not (
        registration.user_id == viewer.id
        or (
            viewer.has_role(Role.ORGANIZER) and sees_office(viewer, registration.workshop.office_id)
        )
    ):
        raise NotFound(str(_l("ไม่พบการลงทะเบียนนี้")))
    return registration


def registrations_of(user: User) -> list[Placed]:
    """The officer's registrations with their waitlist places, newest workshop first."""
    return _placed(
        select(Registration)
        .where(Registration.user_id == user.id)
        .options(joinedload(Registration.workshop))
        .order_by(Registration.created_at.desc(), Registration.id.desc()),
        Registration.workshop_id.in_(
            select(Registration.workshop_id).where(Registration.user_id == user.id)
        ),
    )


def _filtered(
    workshop_id: int, status: str | None, agency: str | None, district: str | None
) -> Select:
    """The workshop's registrations (joined to their people) with the list's filters."""
    query = (
        select(Registration)
        .join(User, Registration.user_id == User.id)
        .where(Registration.workshop_id == workshop_id)
    )
    if status:
        query = query.where(Registration.status == status)
    if agency:
        query = query.where(User.agency == agency)
    if district:
        query = query.where(User.district == district)
    return query


def registrations_for_workshop(
    workshop_id: int,
    *,
    status: str | None = None,
    agency: str | None = None,
    district: str | None = None,
) -> list[Placed]:
    """The workshop's registrations: confirmed first, then the waitlist in order. Waitlist
    places count everyone waiting, whatever the filters leave out."""
    if any("\x00" in value for value in (status, agency, district) if value):
        return []  # nothing stored holds NUL (and PostgreSQL refuses it in a query)
    query = _filtered(workshop_id, status, agency, district).options(joinedload(Registration.user))
    order = {Status.CONFIRMED.value: 0, Status.WAITLISTED.value: 1, Status.CANCELLED.value: 2}
    rows = _placed(query, Registration.workshop_id == workshop_id)
    rows.sort(
        key=lambda row: (
            order.get(row.registration.status, 3),
            row.waitlist_position or 0,
            row.registration.user.first_name,
            row.registration.id,
        )
    )
    return rows


REGISTRATIONS_PER_PAGE = 50


@dataclass(frozen=True)
class RegistrationPage:
    """One page of a workshop's registrations for the organizer's list."""

    rows: list[Placed]
    total: int  # matching the filters, on every page
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first_number(self) -> int:
        """The list number (ลำดับ) of the page's first row."""
        return (self.page - 1) * self.per_page + 1


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def registration_page(
    workshop_id: int,
    *,
    status: str | None = None,
    agency: str | None = None,
    district: str | None = None,
    search: str | None = None,
    page: int = 1,
    per_page: int = REGISTRATIONS_PER_PAGE,
) -> RegistrationPage:
    """A page of the workshop's registrations in the list's order (confirmed, then the waitlist
    in line, then cancelled; by first name within each), filtered and searched by name or
    e-mail in the database, LIMIT/OFFSET over the (workshop_id, status) index: one statement
    per page, about 0.1 s at 5,000 registrations (bench/registration_list_bench.py). Waitlist
    places count everyone waiting, whatever the filters leave out."""
    values = (status, agency, district, search)
    if any("\x00" in value for value in values if value):
        return RegistrationPage([], 0, 1, per_page)
    query = _filtered(workshop_id, status, agency, district)
    words = (search or "").split()
    for word in words[:5]:  # every word must match a name part or the e-mail
        pattern = _like_pattern(word.lower())
        query = query.where(
            or_(
                func.lower(User.first_name).like(pattern, escape="\\"),
                func.lower(User.last_name).like(pattern, escape="\\"),
                func.lower(User.email).like(pattern, escape="\\"),
            )
        )
    order = case(
        (Registration.status == Status.CONFIRMED, 0),
        (Registration.status == Status.WAITLISTED, 1),
        else_=2,
    )
    ranks = waitlist_ranks(Registration.workshop_id == workshop_id)
    # One statement: the rows, their waitlist places and the number of matches (a window
    # count over the filtered rows, taken before LIMIT), so a status and its place are of
    # the same moment.
    statement = (
        query.add_columns(ranks.c.position, func.count().over().label("total"))
        .outerjoin(ranks, ranks.c.registration_id == Registration.id)
        .options(joinedload(Registration.user))
        .order_by(order, ranks.c.position, User.first_name, Registration.id)
        .limit(per_page)
        .execution_options(populate_existing=True)
    )
    page = max(page, 1)
    result = db.session.execute(statement.offset((page - 1) * per_page)).all()
    if not result and page > 1:  # past the end: the last page
        total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        page = max(1, -(-total // per_page))
        result = db.session.execute(statement.offset((page - 1) * per_page)).all()
    total = result[0].total if result else 0
    rows = [Placed(registration, position) for registration, position, _total in result]
    return RegistrationPage(rows, total, page, per_page)


def registration_filters(workshop_id: int) -> tuple[list[str], list[str]]:
    """The agencies and districts among a workshop's registrants, for filter lists."""
    rows = db.session.execute(
        select(User.agency, User.district)
        .join(Registration, Registration.user_id == User.id)
        .where(Registration.workshop_id == workshop_id)
        .distinct()
    ).all()
    agencies = sorted({a for a, _ in rows if a})
    districts = sorted({d for _, d in rows if d})
    return agencies, districts


def rotate_ticket(registration: Registration, actor: User | None) -> str:
    """Give the registration a new secret: every earlier QR code for it stops working, and
    the officer is mailed the new ticket (queued in the same transaction).

    The old secret is kept with the time it was retired: a door that was offline and scanned
    the old ticket before then still gets that scan accepted when it syncs.
    """
    registration_id = registration.id
    with write_transaction():
        # Row-locked (PostgreSQL) so two reissues at once retire one secret each, in turn.
        current = db.session.get(
            Registration, registration_id, with_for_update=True, populate_existing=True
        )
        if current is None:
            raise NotFound(str(_l("ไม่พบการลงทะเบียนนี้")))
        if current.status == Status.CANCELLED:
            raise NotAllowed(str(_l("การลงทะเบียนนี้ถูกยกเลิกแล้ว ออกบัตรใหม่ไม่ได้")))
        db.session.add(
            RetiredTicketSecret(
                registration_id=current.id, secret=current.ticket_secret, retired_at=utcnow()
            )
        )
        current.ticket_secret = new_ticket_secret()
        record_event(actor, "registration.rotate_ticket", current)
        queue_notice(current, TICKET_REISSUED)
        token = ticket_token(current)
    dispatch_notices()
    return token
