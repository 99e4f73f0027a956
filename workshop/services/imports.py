"""Participants from a spreadsheet: an office's list of people, registered in one go.

The organizer uploads XLSX or CSV (UTF-8 with or without BOM, or TIS-620/cp874 as older Thai
Excel saves it) with the columns of ``COLUMNS``. ``read_upload`` refuses the whole file for a
wrong type, a missing column, a formula, an encoding it cannot read, or the limits
(``MAX_ROWS``, ``MAX_BYTES``). ``preview`` says what each row would do, writing nothing; the
rows travel to the confirmation signed (``seal``/``unseal``), so the organizer confirms what
they saw. ``confirm_import`` does it all in one transaction with the workshop locked: accounts
made for new people, then seats up to capacity and the waitlist after, in file order. A row
whose person is registered already adds nothing, so importing the same file twice adds nothing.

Accounts made here cannot sign in until their owner sets a password: each gets an invitation
mail with a set-password link (``password_resets.invite_locked``: the password-reset token,
valid for two weeks), besides the registration notice.
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import asdict, dataclass
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from workshop.extensions import db
from workshop.models import Office, Registration, RegistrationStatus, Role, User, Workshop
from workshop.services.accounts import normalise_email
from workshop.services.audit import record_event
from workshop.services.errors import DomainError, ValidationFailed
from workshop.services.officers import OfficerProfile, clean_profile
from workshop.services.offices import TYPED_AS_IS, office_by_name
from workshop.services.password_resets import invite_locked
from workshop.services.passwords import hash_password

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
# (key, the header the template writes, other headers accepted for it)
COLUMNS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("title_prefix", "คำนำหน้า", ("คำนำหน้าชื่อ", "prefix")),
    ("first_name", "ชื่อ", ("first name", "first_name")),
    ("last_name", "นามสกุล", ("last name", "last_name")),
    ("position", "ตำแหน่ง", ("position",)),
    ("agency", "หน่วยงาน", ("สังกัด", "office", "agency")),
    ("district", "อำเภอ", ("district",)),
    ("email", "อีเมล", ("e-mail", "email")),
    ("phone", "โทรศัพท์", ("โทรศัพท์มือถือ", "phone")),
)
NEW, EXISTING, REGISTERED, ERROR = "new", "existing", "registered", "error"
STATUS_LABELS = {
    NEW: _l("บัญชีใหม่"),
    EXISTING: _l("มีบัญชีอยู่แล้ว"),
    REGISTERED: _l("ลงทะเบียนไว้แล้ว"),
    ERROR: _l("ผิดพลาด"),
}


class ImportRefused(ValidationFailed):
    """The file as a whole cannot be read: nothing from it is used."""

    def __init__(self, message: str) -> None:
        super().__init__({"file": message}, message)


@dataclass
class ImportRow:
    number: int  # the row in the file (the header is row 1)
    values: dict[str, str]
    status: str = NEW
    reason: str = ""

    @property
    def label(self) -> str:
        if self.status == ERROR:
            return f"{STATUS_LABELS[ERROR]}: {self.reason}"
        return str(STATUS_LABELS[self.status])


@dataclass(frozen=True)
class ImportResult:
    accounts: int
    confirmed: int
    waitlisted: int
    skipped: int


# ---------------------------------------------------------------- reading the file


def read_upload(filename: str, data: bytes) -> list[ImportRow]:
    """The file's rows (values as text, trimmed), or ``ImportRefused`` saying why not."""
    if len(data) > MAX_BYTES:
        raise ImportRefused(str(_l("ไฟล์ใหญ่เกิน 5 MB")))
    name = (filename or "").lower()
    if data.startswith(b"PK\x03\x04") and name.endswith(".xlsx"):
        table = _xlsx_rows(data)
    elif name.endswith(".csv") and not data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        table = list(csv.reader(io.StringIO(_decode(data))))
    else:
        raise ImportRefused(str(_l("รับเฉพาะไฟล์ .xlsx หรือ .csv (ใช้แบบฟอร์มที่ดาวน์โหลดได้)")))
    while table and not any(cell.strip() for cell in table[-1]):
        table.pop()
    if not table:
        raise ImportRefused(str(_l("ไฟล์ว่างเปล่า")))
    keys = _header(table[0])
    rows: list[ImportRow] = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        for cell in cells:
            if cell.strip().startswith("="):
                raise ImportRefused(
                    str(_l("แถวที่ %(n)d มีสูตรคำนวณ ให้วางเป็นค่าแทนสูตรแล้วอัปโหลดใหม่", n=number))
                )
        values = {key: (cells[i].strip() if i < len(cells) else "") for key, i in keys.items()}
        rows.append(ImportRow(number, values))
        if len(rows) > MAX_ROWS:
            raise ImportRefused(str(_l("มีได้ไม่เกิน %(n)s แถวต่อไฟล์", n=f"{MAX_ROWS:,}")))
    if not rows:
        raise ImportRefused(str(_l("ไม่มีรายชื่อในไฟล์")))
    return rows


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else TIS-620/cp874 (older Thai Excel's CSV)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "cp874"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise ImportRefused(str(_l("อ่านตัวอักษรในไฟล์ไม่ได้ ให้บันทึกเป็น CSV UTF-8 แล้วลองใหม่")))


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ImportRefused(str(_l("เปิดไฟล์ XLSX นี้ไม่ได้ ไฟล์อาจเสียหาย"))) from exc
    sheet = book.worksheets[0]
    rows: list[list[str]] = []
    for values in sheet.iter_rows(values_only=True):
        rows.append(["" if v is None else _cell_text(v) for v in values])
        if len(rows) > MAX_ROWS + 2:
            break
    book.close()
    return rows


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _header(cells: list[str]) -> dict[str, int]:
    """Column key → index; ``ImportRefused`` naming the columns that are missing."""
    names = [cell.strip().lower() for cell in cells]
    found: dict[str, int] = {}
    for key, header, others in COLUMNS:
        for index, name in enumerate(names):
            if name in (header.lower(), *others):
                found[key] = index
                break
    missing = [header for key, header, _ in COLUMNS if key not in found]
    if missing:
        raise ImportRefused(str(_l("ไม่มีคอลัมน์: %(names)s", names=", ".join(missing))))
    return found


def template_xlsx() -> bytes:
    """An empty list with the columns, and one example row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "รายชื่อ"
    sheet.append([header for _, header, _ in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.append(
        [
            "นางสาว",
            "กิ่งแก้ว",
            "ปิ่นทอง",
            "นักวิชาการพัฒนาชุมชนปฏิบัติการ",
            "สำนักงานพัฒนาชุมชนอำเภอวังทอง",
            "วังทอง",
            "kingkaew@example.go.th",
            "0812345678",
        ]
    )
    for column, width in zip("ABCDEFGH", (10, 16, 16, 32, 34, 14, 28, 14), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- what each row would do


def _profile(
    values: dict[str, str], province: str, offices: dict[str, Office | None]
) -> OfficerProfile:
    office = offices.get(values["agency"])
    return OfficerProfile(
        title_prefix=values["title_prefix"],
        first_name=values["first_name"],
        last_name=values["last_name"],
        position=values["position"],
        agency=values["agency"],
        district=values["district"],
        province=province,
        phone=values["phone"],
        # Each agency text was looked up once for the whole file (``_offices``).
        office_choice=str(office.id) if office is not None else TYPED_AS_IS,
    )


def _offices(rows: list[ImportRow]) -> dict[str, Office | None]:
    return {agency: office_by_name(agency) for agency in {r.values["agency"] for r in rows}}


def _province(workshop: Workshop) -> str:
    return workshop.office.province or workshop.venue.province


def preview(workshop: Workshop, rows: list[ImportRow]) -> list[ImportRow]:
    """Each row's status: new account, existing account, already registered, or an error
    with its reason (in Thai). Reads in a few statements whatever the number of rows."""
    return _check(workshop, rows)[0]


def _check(
    workshop: Workshop, rows: list[ImportRow]
) -> tuple[list[ImportRow], dict[int, dict[str, Any]], dict[str, User]]:
    """``preview``, plus the cleaned values of each new person (by row number) and the
    accounts found (by e-mail), for the confirmation."""
    province = _province(workshop)
    offices = _offices(rows)
    cleaned: dict[int, dict[str, Any]] = {}
    emails: dict[str, int] = {}
    for row in rows:
        row.status, row.reason = NEW, ""
        try:
            row.values["email"] = normalise_email(row.values["email"])
        except ValueError as exc:
            row.status, row.reason = ERROR, str(exc)
            continue
        if row.values["email"] in emails:
            row.status = ERROR
            row.reason = str(_l("อีเมลซ้ำกับแถวที่ %(n)d", n=emails[row.values["email"]]))
            continue
        emails[row.values["email"]] = row.number
    known = _accounts([r.values["email"] for r in rows if r.status != ERROR])
    registered = _registered(workshop.id, [u.id for u in known.values()])
    for row in rows:
        if row.status == ERROR:
            continue
        user = known.get(row.values["email"])
        if user is not None:
            if user.role != Role.OFFICER or not user.active or user.deleted:
                row.status, row.reason = ERROR, str(_l("บัญชีนี้ลงทะเบียนเป็นผู้เข้าอบรมไม่ได้"))
            else:
                row.status = REGISTERED if user.id in registered else EXISTING
            continue
        values, errors = clean_profile(_profile(row.values, province, offices))
        if errors:
            row.status = ERROR
            row.reason = "; ".join(f"{_FIELD_LABELS.get(k, k)}: {v}" for k, v in errors.items())
        else:
            cleaned[row.number] = values
    return rows, cleaned, known


_FIELD_LABELS = {key: header for key, header, _ in COLUMNS} | {"province": "จังหวัด"}


def _accounts(emails: list[str]) -> dict[str, User]:
    found: dict[str, User] = {}
    for start in range(0, len(emails), 500):
        chunk = emails[start : start + 500]
        for user in db.session.scalars(select(User).where(User.email.in_(chunk))):
            found[user.email] = user
    return found


def _registered(workshop_id: int, user_ids: list[int]) -> set[int]:
    if not user_ids:
        return set()
    return set(
        db.session.scalars(
            select(Registration.user_id).where(
                Registration.workshop_id == workshop_id,
                Registration.status != RegistrationStatus.CANCELLED,
            )
        )
    ) & set(user_ids)


# ---------------------------------------------------------------- confirming


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="participant-import")


def seal(workshop_id: int, rows: list[ImportRow]) -> str:
    """The previewed rows, signed (and compressed) for the confirmation form."""
    return _serializer().dumps({"w": workshop_id, "rows": [asdict(r) for r in rows]})


def unseal(workshop_id: int, token: str) -> list[ImportRow]:
    try:
        payload = _serializer().loads(token or "")
    except BadSignature as exc:
        raise ImportRefused(str(_l("ข้อมูลที่ยืนยันไม่ตรงกับที่ตรวจไว้ กรุณาอัปโหลดไฟล์ใหม่"))) from exc
    if payload.get("w") != workshop_id:
        raise ImportRefused(str(_l("ข้อมูลที่ยืนยันไม่ตรงกับที่ตรวจไว้ กรุณาอัปโหลดไฟล์ใหม่")))
    return [ImportRow(**row) for row in payload["rows"]]


def confirm_import(workshop_id: int, rows: list[ImportRow], actor: User) -> ImportResult:
    """Register every row that is not an error, in file order, in one transaction: the rows
    are checked again (accounts may have changed since the preview); a row registered
    meanwhile is skipped. New accounts share one random password nobody knows."""
    from workshop.services.notifications import dispatch_notices
    from workshop.services.registrations import (
        _registration_transaction,
        add_registrations_locked,
        lock_workshop,
    )

    unusable = hash_password(secrets.token_urlsafe(32))
    accounts = confirmed = waitlisted = skipped = 0
    with _registration_transaction():
        workshop = lock_workshop(workshop_id)
        rows, cleaned, known = _check(workshop, rows)
        # The new accounts first, written together; then the seats, in file order.
        new = {
            row.number: User(
                email=row.values["email"],
                password_hash=unusable,
                role=Role.OFFICER.value,
                **cleaned[row.number],
            )
            for row in rows
            if row.status == NEW
        }
        db.session.add_all(new.values())
        db.session.flush()
        for user in new.values():
            record_event(actor, "user.import", user, {"workshop_id": workshop_id})
            invite_locked(user)  # a link to set their password, mailed with the commit
        accounts = len(new)
        officers = []
        for row in rows:
            if row.status in (ERROR, REGISTERED):
                skipped += 1
                continue
            officers.append(new.get(row.number) or known[row.values["email"]])
        try:
            registrations = add_registrations_locked(workshop, officers, actor=actor)
        except DomainError as exc:
            # The workshop refuses everyone alike (not published, cancelled): all or none.
            raise ImportRefused(exc.message) from exc
        confirmed = sum(r.status == RegistrationStatus.CONFIRMED for r in registrations)
        waitlisted = len(registrations) - confirmed
        if accounts or confirmed or waitlisted:  # the same file again leaves no trace
            record_event(
                actor,
                "workshop.import",
                workshop,
                {
                    "accounts": accounts,
                    "confirmed": confirmed,
                    "waitlisted": waitlisted,
                    "skipped": skipped,
                },
            )
    dispatch_notices()
    return ImportResult(accounts, confirmed, waitlisted, skipped)
