"""Officer accounts: self sign-up with PDPA consent, profile details, phone numbers."""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace

import phonenumbers
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from workshop.extensions import db
from workshop.models import Role, User
from workshop.models.types import utcnow
from workshop.models.user import WALK_IN_EMAIL_DOMAIN
from workshop.services.accounts import normalise_email
from workshop.services.audit import record_event
from workshop.services.errors import DuplicateEmail, ValidationFailed
from workshop.services.offices import OTHER_OFFICE, resolve_officer_office
from workshop.services.passwords import hash_password, password_problem
from workshop.services.text import TextRejected, clean_text
from workshop.services.transactions import write_transaction

# What the officer agrees to; shown on the sign-up page and stored as the consent time.
PDPA_PURPOSE = _l(
    "ข้าพเจ้ายินยอมให้สำนักงานผู้จัดเก็บและใช้ชื่อ ตำแหน่ง หน่วยงาน อำเภอ จังหวัด "
    "หมายเลขโทรศัพท์ และอีเมลของข้าพเจ้า เพื่อการลงทะเบียน การเช็กอินหน้างาน "
    "การออกเกียรติบัตร และการรายงานผลการอบรมเท่านั้น ตามพระราชบัญญัติคุ้มครองข้อมูลส่วนบุคคล "
    "พ.ศ. 2562 และขอถอนความยินยอมหรือลบบัญชีได้ทุกเมื่อ"
)
_NAME_PUNCTUATION = set(" -'.")


@dataclass
class OfficerProfile:
    title_prefix: str
    first_name: str
    last_name: str
    position: str
    agency: str
    district: str
    province: str
    phone: str
    # From the office pick list: an office's id, "other" (อื่น ๆ: ``agency`` is typed), or
    # empty (``agency`` typed; it names an office when it is one). See services.offices.
    office_choice: str = ""


def _name_problem(text: str) -> str | None:
    """Names hold letters and their marks (Thai or Latin), spaces, hyphens, dots, apostrophes."""
    for char in text:
        if char in _NAME_PUNCTUATION:
            continue
        if unicodedata.category(char)[0] not in "LM":
            return str(_l("ชื่อใช้ได้เฉพาะตัวอักษรไทยหรืออังกฤษ"))
    return None


def normalise_phone(raw: str) -> str:
    """A Thai phone number in E.164 (``+66812345678``); raises ValueError with a message."""
    digits = (raw or "").strip()
    if not digits:
        raise ValueError(str(_l("กรุณากรอกหมายเลขโทรศัพท์มือถือ")))
    try:
        number = phonenumbers.parse(digits, "TH")
    except phonenumbers.NumberParseException as exc:
        raise ValueError(str(_l("หมายเลขโทรศัพท์ไม่ถูกต้อง เช่น 081-234-5678"))) from exc
    mobile_types = (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
    if (
        number.country_code != 66
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) not in mobile_types
    ):
        raise ValueError(str(_l("ต้องเป็นหมายเลขโทรศัพท์มือถือของไทย 10 หลัก เช่น 081-234-5678")))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """``+66812345678`` → ``081-234-5678`` for display."""
    if not e164.startswith("+66") or len(e164) != 12:
        return e164
    local = "0" + e164[3:]
    return f"{local[:3]}-{local[3:6]}-{local[6:]}"


def clean_profile(profile: OfficerProfile) -> tuple[dict[str, str], dict[str, str]]:
    """Cleaned profile values and the errors found, field by field."""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    limits = {
        "title_prefix": 50,
        "first_name": User.NAME_MAX,
        "last_name": User.NAME_MAX,
        "position": User.TEXT_MAX,
        "agency": User.TEXT_MAX,
        "district": 100,
        "province": 100,
    }
    person_names = {"title_prefix", "first_name", "last_name"}
    try:
        office_id, agency = resolve_officer_office(profile.office_choice, profile.agency)
    except ValidationFailed as exc:
        errors.update(exc.fields)
        office_id, agency = None, profile.agency
    values_office = {"office_id": office_id}
    profile = replace(profile, agency=agency)
    for item in fields(OfficerProfile):
        name = item.name
        if name in ("phone", "office_choice"):
            continue
        try:
            values[name] = clean_text(
                getattr(profile, name), max_length=limits[name], required=True
            )
        except TextRejected as exc:
            errors[name] = str(exc)
            continue
        if name in person_names:
            problem = _name_problem(values[name])
            if problem:
                errors[name] = problem
    try:
        values["phone"] = normalise_phone(profile.phone)
    except ValueError as exc:
        errors["phone"] = str(exc)
    return {**values, **values_office}, errors


def _email_taken(email: str, except_user: int | None = None) -> bool:
    query = select(func.count()).select_from(User).where(User.email == email)
    if except_user is not None:
        query = query.where(User.id != except_user)
    return bool(db.session.scalar(query))


def sign_up_problems(
    *, email: str, password: str, profile: OfficerProfile, consent: bool
) -> tuple[dict[str, str], dict[str, str], str]:
    """Everything wrong with a sign-up, all at once (the address already taken included):
    (cleaned profile values, errors by field, normalised e-mail)."""
    values, errors = clean_profile(profile)
    try:
        email = normalise_email(email)
    except ValueError as exc:
        errors["email"] = str(exc)
    else:
        if _email_taken(email):
            errors["email"] = DuplicateEmail().message
    problem = password_problem(
        password, email=email, names=(values.get("first_name", ""), values.get("last_name", ""))
    )
    if problem:
        errors["password"] = problem
    if consent is not True:
        errors["consent"] = str(_l("ต้องให้ความยินยอมก่อนจึงจะสมัครได้"))
    return values, errors, email


def sign_up_officer(*, email: str, password: str, profile: OfficerProfile, consent: bool) -> User:
    """Create an officer account; every problem is reported at once, nothing is half-saved.

    An address already taken is ``DuplicateEmail`` (409) when it is the only problem, else one
    of the fields of ``ValidationFailed``."""
    values, errors, email = sign_up_problems(
        email=email, password=password, profile=profile, consent=consent
    )
    if errors == {"email": DuplicateEmail().message}:
        raise DuplicateEmail()
    if errors:
        raise ValidationFailed(errors)
    password_hash = hash_password(password)
    with _email_unique():
        if _email_taken(email):
            raise DuplicateEmail()
        user = User(
            email=email,
            password_hash=password_hash,
            role=Role.OFFICER.value,
            pdpa_consent_at=utcnow(),
            **values,
        )
        db.session.add(user)
        db.session.flush()
        record_event(user, "user.signup", user)
    return user


def profile_problems(
    user: User, *, email: str, profile: OfficerProfile
) -> tuple[dict[str, str], dict[str, str], str]:
    """Everything wrong with a profile change, all at once (an address taken by another account
    included): (cleaned values, errors by field, normalised e-mail)."""
    values, errors = clean_profile(profile)
    try:
        email = normalise_email(email)
    except ValueError as exc:
        errors["email"] = str(exc)
    else:
        if _email_taken(email, except_user=user.id):
            errors["email"] = DuplicateEmail().message
    return values, errors, email


def update_profile(user: User, *, email: str, profile: OfficerProfile) -> User:
    """Change an officer's own details (the email stays unique)."""
    values, errors, email = profile_problems(user, email=email, profile=profile)
    if errors == {"email": DuplicateEmail().message}:
        raise DuplicateEmail()
    if errors:
        raise ValidationFailed(errors)
    with _email_unique():
        if _email_taken(email, except_user=user.id):
            raise DuplicateEmail()
        user.email = email
        for key, value in values.items():
            setattr(user, key, value)
        record_event(user, "user.profile", user)
    return user


@contextmanager
def _email_unique() -> Iterator[None]:
    """``write_transaction``, where the unique index on e-mail that caught the same address
    saved by a parallel request becomes ``DuplicateEmail``."""
    try:
        with write_transaction():
            yield
    except IntegrityError as exc:
        raise DuplicateEmail() from exc


def profile_of(user: User) -> OfficerProfile:
    names = {f.name for f in fields(OfficerProfile)} - {"office_choice"}
    return OfficerProfile(
        **{name: getattr(user, name) for name in names},
        office_choice=str(user.office_id) if user.office_id else OTHER_OFFICE,
    )


def walk_in_account(*, email: str, profile: OfficerProfile, consent: bool, actor: User) -> User:
    """The officer a walk-in registration is for: the existing account with this e-mail, or a
    new account, added to the caller's transaction (``registrations.register_walk_in``), that
    cannot sign in until it is given a password (none is set here).

    The organizer confirms that the officer gave PDPA consent at the door; that is recorded.
    """
    email = (email or "").strip()
    if email:
        try:
            existing = db.session.scalar(select(User).where(User.email == normalise_email(email)))
        except ValueError:
            existing = None
        if existing is not None:
            return existing
    values, errors = clean_profile(profile)
    if email:
        try:
            email = normalise_email(email)
        except ValueError as exc:
            errors["email"] = str(exc)
    else:
        email = f"walk-in-{secrets.token_hex(8)}@{WALK_IN_EMAIL_DOMAIN}"
    if consent is not True:
        errors["consent"] = str(_l("ต้องยืนยันว่าผู้เข้าอบรมให้ความยินยอมแล้ว"))
    if errors:
        raise ValidationFailed(errors)
    user = User(
        email=email,
        # A random hash nobody knows: the account exists for the record, not for signing in.
        password_hash=hash_password(secrets.token_urlsafe(32)),
        role=Role.OFFICER.value,
        pdpa_consent_at=utcnow(),
        **values,
    )
    db.session.add(user)
    db.session.flush()
    record_event(actor, "user.walk_in", user, {"consent_recorded_by": actor.id})
    return user
