"""Certificates: who may have one and why, issuing with running numbers, overrides, lookup.

Eligibility is the one attendance rule of ``services.attendance`` (a share of the workshop's
sessions or of its training hours, excused sessions counted where the workshop says so), on a
confirmed registration, once the workshop's last session has ended. Organizers may grant a
certificate below the rule or revoke one, each with a reason, audited.

Numbers run per (office, fiscal year): ``12/2559``. Issuing happens inside
``write_transaction()`` with the registration row locked (``SELECT ... FOR UPDATE``; SQLite's
``BEGIN IMMEDIATE`` locks the database), takes the next number from the series' counter row with
one ``UPDATE ... RETURNING`` (which holds that row until commit) and inserts the certificate in
the same transaction. Concurrent issuers therefore queue on the counter, a failed issue rolls its
number back, and the unique constraint on (office, fiscal year, number) is the last guard: the
series has no gaps and no duplicates. Issuing twice returns the first certificate; a revoked
certificate keeps its number and code.

The verification code is 80 random bits written as 16 Crockford base32 characters
(``7K2M-QD9X-4TNB-H8RW``): unguessable, easy to read aloud and type; lookups ignore case,
dashes and spaces and read I/L as 1 and O as 0.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask import current_app
from flask_babel import get_locale, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload

from workshop.extensions import db
from workshop.models import (
    Certificate,
    CertificateCounter,
    Registration,
    RegistrationStatus,
    Role,
    User,
    Workshop,
    WorkshopStatus,
)
from workshop.models.types import utcnow
from workshop.services.attendance import (
    ABSENT,
    Attendance,
    Rule,
    attendance_by_registration,
    attendance_of,
    format_hours,
    workshop_rule,
)
from workshop.services.audit import record_event
from workshop.services.errors import (
    NotAllowed,
    NotEligible,
    NotFound,
    NotIssued,
    ValidationFailed,
)
from workshop.services.evaluations import required_evaluation_answered_by
from workshop.services.text import TextRejected, clean_text
from workshop.services.transactions import write_transaction
from workshop.services.workshops import certificate_kind_label
from workshop.thai.dates import format_date, to_bangkok
from workshop.thai.names import person_sort_key

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
_CODE_BITS = 80
_CONFUSABLE = str.maketrans({"I": "1", "L": "1", "O": "0"})
_IGNORED_IN_CODES = str.maketrans("", "", "-– \t")
MAX_CODE_INPUT = 40  # anything longer is not a code; refuse before looking it up


class CertificateState:
    """Where a registration stands; ``Eligibility.state`` is one of these."""

    ISSUED = "issued"  # a valid certificate exists
    REVOKED = "revoked"  # it existed and was revoked (the reason is shown)
    ELIGIBLE = "eligible"  # meets the rule, workshop over: issued by a POST, not yet
    PENDING = "pending"  # meets the rule so far, workshop not over yet
    IN_PROGRESS = "in_progress"  # workshop not over, rule not met yet
    SHORT = "short"  # workshop over, rule not met
    NO_SEAT = "no_seat"  # waitlisted or cancelled
    EVALUATION = "evaluation"  # meets the rule, workshop over, evaluation not answered yet
    CANCELLED = "workshop_cancelled"
    ACCOUNT_DELETED = "account_deleted"  # the person asked to be erased: nothing new is issued


@dataclass(frozen=True)
class Eligibility:
    """Whether a registration has (or may have) a certificate, with the figures and a message."""

    state: str
    attendance: Attendance
    rule: Rule
    message: str
    certificate: Certificate | None = None

    @property
    def downloadable(self) -> bool:
        """A PDF can be had now: issued already, or eligible (issued by a POST, then
        downloaded; a GET never issues)."""
        return self.state in (CertificateState.ISSUED, CertificateState.ELIGIBLE)

    @property
    def meets_rule(self) -> bool:
        return self.rule.met_by(self.attendance)

    @property
    def attended(self) -> int:
        """Sessions checked in to."""
        return self.attendance.present

    @property
    def total(self) -> int:
        return self.rule.total_sessions

    @property
    def threshold(self) -> int:
        return self.rule.threshold

    @property
    def credited(self) -> int | Decimal:
        """What counts toward the rule (sessions or hours)."""
        return self.rule.credited(self.attendance)

    @property
    def required(self) -> int | Decimal:
        return self.rule.required

    @property
    def progress(self) -> str:
        """``24 จาก 30 ชั่วโมง`` or ``4 จาก 5 ช่วง``: what counts, of what the rule is over."""
        return progress_text(self.rule, self.attendance)


def progress_text(rule: Rule, attendance: Attendance) -> str:
    if rule.by_hours:
        return str(
            _l(
                "%(n)s จาก %(total)s ชั่วโมง",
                n=format_hours(rule.credited(attendance)),
                total=format_hours(rule.total_hours),
            )
        )
    return str(_l("%(n)d จาก %(total)d ช่วง", n=rule.credited(attendance), total=rule.total))


def _required_text(rule: Rule) -> str:
    if rule.by_hours:
        return str(_l("%(n)s ชั่วโมง", n=format_hours(rule.required)))
    return ngettext("%(num)d ช่วง", "%(num)d ช่วง", rule.required)


def _attendance_notes(rule: Rule, attendance: Attendance) -> str:
    """What else the figures hide: excused sessions, check-out scans missing."""
    notes = []
    if attendance.excused:
        if rule.excused_count:
            notes.append(
                ngettext(
                    "รวมที่ลาหรือไปราชการ %(num)d ช่วง",
                    "รวมที่ลาหรือไปราชการ %(num)d ช่วง",
                    attendance.excused,
                )
            )
        else:
            notes.append(
                ngettext(
                    "ลาหรือไปราชการ %(num)d ช่วง ซึ่งไม่นับตามเกณฑ์",
                    "ลาหรือไปราชการ %(num)d ช่วง ซึ่งไม่นับตามเกณฑ์",
                    attendance.excused,
                )
            )
    if rule.by_hours and rule.checkout and attendance.without_checkout:
        notes.append(
            ngettext(
                "ไม่ได้สแกนออก %(num)d ช่วง จึงไม่นับชั่วโมงของช่วงนั้น",
                "ไม่ได้สแกนออก %(num)d ช่วง จึงไม่นับชั่วโมงของช่วงนั้น",
                attendance.without_checkout,
            )
        )
    return f" ({'; '.join(notes)})" if notes else ""


# ---------------------------------------------------------------- codes


def new_code() -> str:
    """80 random bits as 16 Crockford base32 characters."""
    value = secrets.randbits(_CODE_BITS)
    chars = []
    for _ in range(Certificate.CODE_LENGTH):
        value, digit = divmod(value, 32)
        chars.append(CODE_ALPHABET[digit])
    return "".join(chars)


def format_code(code: str) -> str:
    """``7K2MQD9X4TNBH8RW`` → ``7K2M-QD9X-4TNB-H8RW`` for printing and reading aloud."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise_code(text: str | None) -> str | None:
    """The stored form of a typed or scanned code, or None if it cannot be one."""
    if not text or len(text) > MAX_CODE_INPUT:
        return None
    code = text.strip().upper().translate(_IGNORED_IN_CODES).translate(_CONFUSABLE)
    if len(code) != Certificate.CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


def verification_url(certificate: Certificate) -> str:
    """The absolute address printed on the certificate and inside its QR code."""
    return verification_url_for(format_code(certificate.code))


def verification_url_for(code: str) -> str:
    base = str(current_app.config["BASE_URL"]).rstrip("/")
    return f"{base}/verify/{code}"


def certificate_by_code(text: str | None) -> Certificate:
    """The certificate with this verification code; ``NotFound`` for anything else.

    Unknown, mistyped and tampered codes all get the same answer, which names nothing.
    """
    code = normalise_code(text)
    certificate = (
        db.session.scalar(
            select(Certificate)
            .where(Certificate.code == code)
            .options(
                joinedload(Certificate.registration).joinedload(Registration.user),
                joinedload(Certificate.registration).joinedload(Registration.workshop),
            )
        )
        if code
        else None
    )
    if certificate is None:
        raise NotFound(str(_l("ไม่พบเกียรติบัตรที่ใช้รหัสนี้ กรุณาตรวจสอบรหัสอีกครั้ง")))
    return certificate


# ---------------------------------------------------------------- eligibility


def workshop_ended(workshop: Workshop, now: datetime | None = None) -> bool:
    """True once the workshop's last session has ended (certificates are issued from then)."""
    ends_at = workshop.ends_at
    return ends_at is not None and ends_at <= (now or utcnow())


def certificate_of(registration_id: int) -> Certificate | None:
    return db.session.scalar(
        select(Certificate).where(Certificate.registration_id == registration_id)
    )


def _locale() -> str:
    return str(get_locale() or "th")


def explain_eligibility(
    registration: Registration,
    *,
    now: datetime | None = None,
    attendance: Attendance | None = None,
    rule: Rule | None = None,
    certificate: Certificate | bool | None = False,
    evaluated: set[int] | bool | None = False,
) -> Eligibility:
    """Where the registration stands for a certificate, and why, in the reader's language.

    ``attendance``, ``rule``, ``certificate`` and ``evaluated`` (services.evaluations.
    required_evaluation_answered_by) may be passed in when the caller loaded them for many
    registrations at once (``certificate=None`` means: known to have none).
    """
    workshop = registration.workshop
    if rule is None:
        rule = workshop_rule(workshop)
    if attendance is None:
        attendance = attendance_of(registration, rule)
    if certificate is False:
        certificate = certificate_of(registration.id)
    state = _standing(registration, certificate, rule.met_by(attendance), now, evaluated)
    figures = {
        "progress": progress_text(rule, attendance),
        "need": _required_text(rule),
        "threshold": rule.threshold,
        "kind": certificate_kind_label(workshop.certificate_kind),
    }
    message = _explanation(state, figures, registration, certificate)
    if state in _WITH_FIGURES:
        message += _attendance_notes(rule, attendance)
    return Eligibility(state, attendance, rule, message, certificate)


# The standings whose explanation gives the attendance figures (and so its notes).
_WITH_FIGURES = frozenset(
    (
        CertificateState.PENDING,
        CertificateState.IN_PROGRESS,
        CertificateState.EVALUATION,
        CertificateState.ELIGIBLE,
        CertificateState.SHORT,
    )
)


def _standing(
    registration: Registration,
    certificate: Certificate | None,
    meets: bool,
    now: datetime | None,
    evaluated: set[int] | bool | None,
) -> str:
    """The certificate rule: the first of these that holds is where the registration stands."""
    workshop = registration.workshop
    if registration.user.deleted:
        return CertificateState.ACCOUNT_DELETED  # the person asked to be erased
    if isinstance(certificate, Certificate):
        return CertificateState.REVOKED if certificate.revoked else CertificateState.ISSUED
    if workshop.status == WorkshopStatus.CANCELLED:
        return CertificateState.CANCELLED
    if registration.status != RegistrationStatus.CONFIRMED:
        return CertificateState.NO_SEAT
    if not workshop_ended(workshop, now):
        return CertificateState.PENDING if meets else CertificateState.IN_PROGRESS
    if not meets:
        return CertificateState.SHORT
    if evaluated is False:
        evaluated = required_evaluation_answered_by(workshop.id)
    if evaluated is not None and registration.user_id not in evaluated:
        return CertificateState.EVALUATION
    return CertificateState.ELIGIBLE


def _explanation(
    state: str,
    figures: dict[str, int | str],
    registration: Registration,
    certificate: Certificate | None,
) -> str:
    """What ``state`` means for this registration, with its figures."""
    kind = figures["kind"]
    if state == CertificateState.ACCOUNT_DELETED and not (certificate and certificate.revoked):
        return str(_l("บัญชีของผู้เข้าอบรมถูกลบแล้ว ไม่มีการออก%(kind)s", kind=kind))
    if state in (CertificateState.REVOKED, CertificateState.ACCOUNT_DELETED) and certificate:
        reason = revoke_reason_text(certificate.revoke_reason)
        return str(_l("%(kind)sถูกเพิกถอนแล้ว: %(reason)s", kind=kind, reason=reason))
    if state == CertificateState.ISSUED and certificate is not None:
        if certificate.grant_reason:
            return str(
                _l(
                    "ได้รับ%(kind)s เลขที่ %(number)s (ผู้จัดมอบให้เป็นกรณีพิเศษ: %(reason)s)",
                    kind=kind,
                    number=certificate.number_text,
                    reason=certificate.grant_reason,
                )
            )
        return str(
            _l(
                "ได้รับ%(kind)s เลขที่ %(number)s: เข้าร่วม %(progress)s",
                number=certificate.number_text,
                **figures,
            )
        )
    if state == CertificateState.CANCELLED:
        return str(_l("การอบรมนี้ถูกยกเลิก ไม่มีการออก%(kind)s", kind=kind))
    if state == CertificateState.NO_SEAT:
        return str(_l("ไม่มีสิทธิ์ได้รับ%(kind)s เพราะไม่ได้เป็นผู้เข้าอบรมที่ได้ที่นั่ง", kind=kind))
    if state == CertificateState.PENDING:
        ends_at = registration.workshop.ends_at
        return str(
            _l(
                "เข้าร่วมครบตามเกณฑ์แล้ว (%(progress)s) ดาวน์โหลด%(kind)sได้เมื่อการอบรมจบในวันที่ %(end)s",
                end=format_date(ends_at, "long", _locale()) if ends_at else "",
                **figures,
            )
        )
    if state == CertificateState.IN_PROGRESS:
        return str(
            _l(
                "การอบรมยังไม่จบ: เข้าร่วมแล้ว %(progress)s "
                "ต้องเข้าร่วมอย่างน้อย %(need)s (%(threshold)d%%) จึงจะได้รับ%(kind)s",
                **figures,
            )
        )
    if state == CertificateState.EVALUATION:
        return str(
            _l(
                "เข้าร่วมครบตามเกณฑ์แล้ว (%(progress)s) "
                "กรุณาตอบแบบประเมินการอบรมก่อน แล้วจึงดาวน์โหลด%(kind)sได้",
                **figures,
            )
        )
    if state == CertificateState.ELIGIBLE:
        return str(
            _l(
                "มีสิทธิ์ได้รับ%(kind)s: เข้าร่วม %(progress)s (เกณฑ์ %(threshold)d%% คืออย่างน้อย %(need)s)",
                **figures,
            )
        )
    return str(
        _l(
            "ไม่ได้รับ%(kind)s: เข้าร่วม %(progress)s "
            "ต่ำกว่าเกณฑ์ %(threshold)d%% (ต้องเข้าร่วมอย่างน้อย %(need)s)",
            **figures,
        )
    )


@dataclass(frozen=True)
class CertificateRow:
    """One confirmed registration on the organizer's certificate list."""

    registration: Registration
    eligibility: Eligibility


def certificate_rows(workshop_id: int, now: datetime | None = None) -> list[CertificateRow]:
    """Every registration that holds a seat or a certificate, by name, with its standing."""
    registrations = list(
        db.session.scalars(
            select(Registration)
            .where(Registration.workshop_id == workshop_id)
            .options(joinedload(Registration.user), joinedload(Registration.workshop))
        )
    )
    certificates = {
        c.registration_id: c
        for c in db.session.scalars(
            select(Certificate)
            .join(Registration, Registration.id == Certificate.registration_id)
            .where(Registration.workshop_id == workshop_id)
        )
    }
    if not registrations:
        return []
    rule = workshop_rule(registrations[0].workshop)
    attendance = attendance_by_registration(registrations[0].workshop, rule)
    evaluated = required_evaluation_answered_by(workshop_id)
    rows = [
        CertificateRow(
            r,
            explain_eligibility(
                r,
                now=now,
                attendance=attendance.get(r.id, ABSENT),
                rule=rule,
                certificate=certificates.get(r.id),
                evaluated=evaluated,
            ),
        )
        for r in registrations
        if r.status == RegistrationStatus.CONFIRMED or r.id in certificates
    ]
    rows.sort(
        key=lambda row: (
            *person_sort_key(row.registration.user.first_name, row.registration.user.last_name),
            row.registration.id,
        )
    )
    return rows


# ---------------------------------------------------------------- issuing


def _lock_registration(registration_id: int) -> Registration:
    registration = db.session.scalar(
        select(Registration)
        .where(Registration.id == registration_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if registration is None:
        raise NotFound(str(_l("ไม่พบการลงทะเบียนนี้")))
    return registration


def _next_number(office_id: int, fiscal_year: int) -> int:
    """Take the next number of the series; the counter row stays locked until commit."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(CertificateCounter)
        .values(office_id=office_id, fiscal_year=fiscal_year, last_number=0)
        .on_conflict_do_nothing(index_elements=["office_id", "fiscal_year"])
    )
    return db.session.execute(
        update(CertificateCounter)
        .where(
            CertificateCounter.office_id == office_id,
            CertificateCounter.fiscal_year == fiscal_year,
        )
        .values(last_number=CertificateCounter.last_number + 1)
        .returning(CertificateCounter.last_number)
        .execution_options(synchronize_session=False)
    ).scalar_one()


def _create(registration: Registration, actor: User | None, grant_reason: str = "") -> Certificate:
    """Number and store a certificate (caller holds the registration lock and commits)."""
    workshop = registration.workshop
    last_day = to_bangkok(workshop.ends_at).date() if workshop.ends_at else date.today()
    certificate = Certificate(
        registration_id=registration.id,
        office_id=workshop.office_id,
        organizing_agency=workshop.organizing_agency,
        fiscal_year=workshop.fiscal_year,
        number=_next_number(workshop.office_id, workshop.fiscal_year),
        code=new_code(),
        issued_on=last_day,
        issued_by_id=actor.id if actor is not None else None,
        grant_reason=grant_reason,
    )
    db.session.add(certificate)
    db.session.flush()
    record_event(
        actor,
        "certificate.grant" if grant_reason else "certificate.issue",
        certificate,
        {
            "registration_id": registration.id,
            "number": certificate.number_text,
            **({"reason": grant_reason} if grant_reason else {}),
        },
    )
    return certificate


def issue_certificate(
    registration_id: int, actor: User | None = None, now: datetime | None = None
) -> Certificate:
    """The registration's certificate, issued now if it is eligible and has none yet.

    Idempotent: a second call returns the same certificate (same number and code). Raises
    ``NotEligible`` with the reason (revoked, below the rule, workshop not over, ...).
    """
    return issue_certificate_once(registration_id, actor, now)[0]


def issue_certificate_once(
    registration_id: int, actor: User | None = None, now: datetime | None = None
) -> tuple[Certificate, bool]:
    """:func:`issue_certificate`, and whether this call issued it (False: it existed already,
    also when a concurrent call issued it first)."""
    existing = certificate_of(registration_id)
    if existing is not None and not existing.revoked:
        return existing, False  # the common case of a repeated request: no write transaction
    with write_transaction():
        registration = _lock_registration(registration_id)
        eligibility = explain_eligibility(registration, now=now)
        if eligibility.state == CertificateState.ISSUED:
            certificate, created = eligibility.certificate, False
        elif eligibility.state == CertificateState.ELIGIBLE:
            certificate, created = _create(registration, actor), True
        else:
            raise NotEligible(eligibility.message)
    assert certificate is not None
    return certificate, created


def issue_eligible(workshop_id: int, actor: User | None, now: datetime | None = None) -> int:
    """Issue a certificate to every eligible registration that has none; how many were issued.

    One transaction; numbers follow the names in Thai dictionary order, as the lists do.
    """
    with write_transaction():
        workshop = db.session.get(Workshop, workshop_id)
        if workshop is None:
            raise NotFound(str(_l("ไม่พบการอบรมนี้")))
        if not workshop_ended(workshop, now):
            raise NotAllowed(str(_l("ออกเกียรติบัตรได้เมื่อการอบรมจบแล้ว")))
        registrations = list(
            db.session.scalars(
                select(Registration)
                .where(
                    Registration.workshop_id == workshop_id,
                    Registration.status == RegistrationStatus.CONFIRMED,
                )
                .order_by(Registration.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        )
        have = set(
            db.session.scalars(
                select(Certificate.registration_id).where(
                    Certificate.registration_id.in_([r.id for r in registrations])
                )
            )
        )
        rule = workshop_rule(workshop)
        attendance = attendance_by_registration(workshop, rule)
        evaluated = required_evaluation_answered_by(workshop_id)
        registrations.sort(
            key=lambda r: (*person_sort_key(r.user.first_name, r.user.last_name), r.id)
        )
        issued = 0
        for registration in registrations:
            if registration.id in have:
                continue
            eligibility = explain_eligibility(
                registration,
                now=now,
                attendance=attendance.get(registration.id, ABSENT),
                rule=rule,
                certificate=None,
                evaluated=evaluated,
            )
            if eligibility.state == CertificateState.ELIGIBLE:
                _create(registration, actor)
                issued += 1
    return issued


def issued_certificate(registration_id: int) -> Certificate:
    """The registration's valid certificate for download, never issuing one (a GET changes
    nothing); ``NotIssued`` when it is eligible but not issued yet, else ``NotEligible`` with
    the reason."""
    certificate = certificate_of(registration_id)
    if certificate is not None and not certificate.revoked:
        return certificate
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        raise NotFound(str(_l("ไม่พบการลงทะเบียนนี้")))
    eligibility = explain_eligibility(registration, certificate=certificate)
    if eligibility.state == CertificateState.ELIGIBLE:
        raise NotIssued(
            str(
                _l(
                    "ยังไม่ได้ออก%(kind)sฉบับนี้ กดออกก่อนแล้วจึงดาวน์โหลด",
                    kind=certificate_kind_label(registration.workshop.certificate_kind),
                )
            )
        )
    raise NotEligible(eligibility.message)


def valid_certificates(workshop_id: int) -> list[Certificate]:
    """The workshop's certificates that are not revoked, by name as on every list (which is
    number order too when they were issued together, see :func:`issue_eligible`)."""
    certificates = list(
        db.session.scalars(
            select(Certificate)
            .join(Registration, Registration.id == Certificate.registration_id)
            .where(Registration.workshop_id == workshop_id, Certificate.revoked_at.is_(None))
            .options(joinedload(Certificate.registration).joinedload(Registration.user))
        )
    )
    certificates.sort(
        key=lambda c: (
            *person_sort_key(c.registration.user.first_name, c.registration.user.last_name),
            c.fiscal_year,
            c.number,
        )
    )
    return certificates


def issued_count(workshop_id: int) -> int:
    """How many of the workshop's certificates are issued and not revoked."""
    return (
        db.session.scalar(
            select(func.count(Certificate.id))
            .join(Registration, Registration.id == Certificate.registration_id)
            .where(Registration.workshop_id == workshop_id, Certificate.revoked_at.is_(None))
        )
        or 0
    )


# ---------------------------------------------------------------- overrides


def _reason(reason: str) -> str:
    try:
        text = clean_text(reason, max_length=Certificate.REASON_MAX)
    except TextRejected as exc:
        raise ValidationFailed({"reason": str(exc)}) from exc
    if not text:
        raise ValidationFailed({"reason": str(_l("กรุณาระบุเหตุผล"))})
    return text


def _organizer(actor: User) -> None:
    if not actor.has_role(Role.ORGANIZER):
        raise NotAllowed(str(_l("เฉพาะผู้จัดเท่านั้นที่มอบหรือเพิกถอนเกียรติบัตรได้")))


def grant_certificate(
    registration_id: int, actor: User, reason: str, now: datetime | None = None
) -> Certificate:
    """Organizer: give a certificate regardless of attendance, or reinstate a revoked one.

    The reason is required and audited. A reinstated certificate keeps its number and code.
    Nothing is granted or reinstated for an account deleted on request or at the end of the
    retention period (``account_deleted``): that would put the erased person's certificate
    back into circulation.
    """
    _organizer(actor)
    reason = _reason(reason)
    with write_transaction():
        registration = _lock_registration(registration_id)
        certificate = certificate_of(registration.id)
        if registration.user.deleted or (
            certificate is not None and certificate.revoke_reason in _SYSTEM_REASONS
        ):
            raise NotAllowed(
                str(_l("บัญชีของผู้เข้าอบรมคนนี้ถูกลบแล้ว จึงมอบหรือคืนสิทธิ์เกียรติบัตรไม่ได้")),
                code="account_deleted",
            )
        if certificate is not None and not certificate.revoked:
            raise NotAllowed(str(_l("ผู้เข้าอบรมคนนี้ได้รับเกียรติบัตรอยู่แล้ว")))
        if certificate is not None:
            certificate.revoked_at = None
            certificate.revoked_by_id = None
            certificate.revoke_reason = ""
            certificate.grant_reason = reason
            record_event(actor, "certificate.reinstate", certificate, {"reason": reason})
        else:
            if registration.status != RegistrationStatus.CONFIRMED:
                raise NotAllowed(str(_l("มอบเกียรติบัตรได้เฉพาะผู้เข้าอบรมที่ได้ที่นั่ง")))
            if registration.workshop.status == WorkshopStatus.CANCELLED:
                raise NotAllowed(str(_l("การอบรมนี้ถูกยกเลิก ไม่มีการออกเกียรติบัตร")))
            if not workshop_ended(registration.workshop, now):
                raise NotAllowed(str(_l("ออกเกียรติบัตรได้เมื่อการอบรมจบแล้ว")))
            certificate = _create(registration, actor, grant_reason=reason)
    return certificate


def revoke_certificate(registration_id: int, actor: User | None, reason: str) -> Certificate:
    """Revoke the registration's certificate with a reason (audited; the number stays taken).

    ``actor`` is None when the system revokes, e.g. when an account is deleted (PDPA): the
    verification page then shows "revoked" and the reason given here.
    """
    if actor is not None:
        _organizer(actor)
    reason = _reason(reason)
    with write_transaction():
        registration = _lock_registration(registration_id)
        certificate = certificate_of(registration.id)
        if certificate is None:
            raise NotAllowed(str(_l("ยังไม่ได้ออกเกียรติบัตรให้ผู้เข้าอบรมคนนี้")))
        if certificate.revoked:
            raise NotAllowed(str(_l("เกียรติบัตรนี้ถูกเพิกถอนไปแล้ว")))
        _revoke(certificate, actor, reason)
    return certificate


def _revoke(certificate: Certificate, actor: User | None, reason: str) -> None:
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = actor.id if actor is not None else None
    certificate.revoke_reason = reason
    record_event(
        actor,
        "certificate.revoke",
        certificate,
        {
            "registration_id": certificate.registration_id,
            "number": certificate.number_text,
            "reason": reason,
        },
    )


# Reasons the system itself gives when it revokes (stored as these stable English words and
# shown translated by ``revoke_reason_text``); organizers' reasons are stored as typed.
REVOKED_ACCOUNT_DELETED = "account deleted"
REVOKED_RETENTION = "retention period ended"
_SYSTEM_REASONS = {
    REVOKED_ACCOUNT_DELETED: _l("บัญชีของผู้รับถูกลบตามคำขอ (account deleted)"),
    REVOKED_RETENTION: _l("ข้อมูลของผู้รับถูกลบเมื่อพ้นระยะเวลาเก็บรักษา"),
}


def recipient_name(certificate: Certificate) -> str:
    """The name the public verification shows: none once the recipient's account is deleted."""
    user = certificate.registration.user
    if user.deleted:
        return str(_l("ไม่แสดงชื่อ: ข้อมูลของผู้รับถูกลบแล้ว"))
    return user.full_name


def revoke_reason_text(reason: str) -> str:
    """The reason a certificate was revoked, as shown to readers."""
    label = _SYSTEM_REASONS.get(reason)
    return str(label) if label is not None else reason


def revoke_certificates_locked(user_id: int, reason: str, actor: User | None = None) -> int:
    """Revoke every valid certificate of one person inside the caller's write transaction.

    The certificate rows are locked (``FOR UPDATE``); the caller commits. Returns how many.
    """
    reason = _reason(reason)
    certificates = list(
        db.session.scalars(
            select(Certificate)
            .join(Registration, Registration.id == Certificate.registration_id)
            .where(Registration.user_id == user_id, Certificate.revoked_at.is_(None))
            .order_by(Certificate.id)
            .with_for_update(of=Certificate)
            .execution_options(populate_existing=True)
        )
    )
    for certificate in certificates:
        _revoke(certificate, actor, reason)
    return len(certificates)


def revoke_certificates_of(user_id: int, reason: str, actor: User | None = None) -> int:
    """Revoke every valid certificate of one person (e.g. reason "account deleted"); how many.

    One transaction: either all of them are revoked or none.
    """
    if actor is not None:
        _organizer(actor)
    with write_transaction():
        count = revoke_certificates_locked(user_id, reason, actor)
    return count
