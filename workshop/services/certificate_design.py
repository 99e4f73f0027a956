"""What a workshop's certificates say and look like: the wording, the signatories, Thai
numerals and the frame.

The wording is the text under the officer's name, with placeholders that each certificate
fills in: ``{name}`` ``{title}`` ``{dates}`` ``{venue}`` ``{hours}`` ``{cohort}``. Left empty,
the certificate type's own wording applies: a วุฒิบัตร certifies completed training, a
เกียรติบัตร attendance. A line break in the wording starts a line on the certificate.

Thai numerals (an option per workshop) change the digits of everything printed but the person's
name, which is printed exactly as written; the verification code and address stay Latin, since
they are typed into a browser.
"""

from __future__ import annotations

import string
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from workshop.extensions import db
from workshop.models import CertificateKind, Registration, RegistrationStatus, User, Workshop
from workshop.services.attendance import format_hours
from workshop.services.audit import record_event
from workshop.services.errors import ValidationFailed, check_version
from workshop.services.registrations import lock_workshop
from workshop.services.text import TextRejected, clean_text
from workshop.services.transactions import write_transaction
from workshop.thai.addresses import venue_place
from workshop.thai.dates import format_date_range, to_bangkok
from workshop.thai.names import full_name, person_sort_key
from workshop.thai.numerals import digits

PLACEHOLDERS = ("name", "title", "dates", "venue", "hours", "cohort")
DEFAULT_WORDING = {
    CertificateKind.ACHIEVEMENT.value: (
        "ได้ผ่านการฝึกอบรมหลักสูตร{title}\n{dates} รวม {hours} ชั่วโมง\nณ {venue}"
    ),
    CertificateKind.HONOUR.value: "ได้เข้าร่วม{title}\n{dates}\nณ {venue}",
}
WORDING_MAX = 1000
WORDING_LINES = 6
FRAMES = ("classic", "ornate", "modern")  # drawn by pdf.certificate
MAX_SIGNATORIES = 2
PREVIEW_NAME = "นางสาวตัวอย่าง ใจดี"


def default_wording(kind: str) -> str:
    return DEFAULT_WORDING.get(kind, DEFAULT_WORDING[CertificateKind.HONOUR.value])


def wording_of(workshop: Workshop) -> str:
    """The workshop's own wording, or its type's."""
    return workshop.certificate_wording or default_wording(workshop.certificate_kind)


def _allowed() -> str:
    return " ".join(f"{{{p}}}" for p in PLACEHOLDERS)


def check_wording(text: str | None) -> str:
    """The wording with its lines tidied, or ``ValidationFailed`` naming the problem (an
    unknown placeholder, a brace without its pair, too long). Empty means the default."""
    lines = [line.strip() for line in (text or "").replace("\r\n", "\n").split("\n")]
    wording = "\n".join(line for line in lines if line)
    if len(wording) > WORDING_MAX:
        raise ValidationFailed(
            {"wording": str(_l("ข้อความยาวเกินไป (ไม่เกิน %(n)d ตัวอักษร)", n=WORDING_MAX))}
        )
    if wording.count("\n") >= WORDING_LINES:
        raise ValidationFailed({"wording": str(_l("ข้อความมีได้ไม่เกิน %(n)d บรรทัด", n=WORDING_LINES))})
    try:
        parts = list(string.Formatter().parse(wording))
    except ValueError:
        raise ValidationFailed(
            {
                "wording": str(
                    _l(
                        "วงเล็บปีกกาไม่ครบคู่ ช่องแทนค่าเขียนเป็น {title} เป็นต้น ใช้ได้เฉพาะ %(allowed)s",
                        allowed=_allowed(),
                    )
                )
            }
        ) from None
    for _literal, field, spec, conversion in parts:
        if field is None:
            continue
        if field not in PLACEHOLDERS or spec or conversion:
            shown = (
                "{"
                + field
                + (f"!{conversion}" if conversion else "")
                + (f":{spec}" if spec else "")
                + "}"
            )
            raise ValidationFailed(
                {
                    "wording": str(
                        _l(
                            "ไม่รู้จักช่องแทนค่า %(field)s ใช้ได้เฉพาะ %(allowed)s",
                            field=shown,
                            allowed=_allowed(),
                        )
                    )
                }
            )
    return wording


def fill_wording(wording: str, values: dict[str, str], thai_numerals: bool = False) -> str:
    """``wording`` with its placeholders filled in; Thai numerals everywhere but the name."""
    out: list[str] = []
    for literal, field, _spec, _conversion in string.Formatter().parse(wording):
        out.append(digits(literal, thai_numerals))
        if field is not None:
            value = values.get(field, "")
            out.append(value if field == "name" else digits(value, thai_numerals))
    return "".join(out)


def cohort_of(workshop: Workshop) -> str:
    """The workshop's cohort number (รุ่นที่) when it is one of a series run again
    (``services.workshops``: คัดลอกเป็นรุ่นถัดไป); empty for a workshop run once."""
    return str(workshop.cohort) if workshop.series_id is not None else ""


def _dates(workshop: Workshop) -> str:
    first, last = workshop.starts_at, workshop.ends_at
    if first is None and last is None:
        return ""
    one_day = first is None or last is None or to_bangkok(first).date() == to_bangkok(last).date()
    span = format_date_range(first or last, last or first, era=True)  # type: ignore[arg-type]
    return ("เมื่อวันที่ " if one_day else "ระหว่างวันที่ ") + span


def wording_values(workshop: Workshop, name: str) -> dict[str, str]:
    venue = workshop.venue
    return {
        "name": name,
        "title": workshop.full_title,  # with รุ่นที่ N in a series, as everywhere
        "dates": _dates(workshop),
        "venue": venue_place(venue.name, venue.district, venue.province),
        "hours": format_hours(workshop.total_hours),
        "cohort": cohort_of(workshop),
    }


@dataclass(frozen=True)
class SignatoryText:
    name: str
    position: str


def signatories_of(workshop: Workshop) -> list[SignatoryText]:
    """The signatories that are filled in, first then second (at most two)."""
    pairs = [
        (workshop.signatory_name, workshop.signatory_position),
        (workshop.signatory2_name, workshop.signatory2_position),
    ]
    return [SignatoryText(n or "", p or "") for n, p in pairs if (n or p)][:MAX_SIGNATORIES]


@dataclass(frozen=True)
class CertificatePage:
    """The strings of one certificate page (the PDF adds the number, the code and the QR)."""

    agency: str
    kind: str
    name: str
    body: str
    given: str
    signatories: tuple[SignatoryText, ...]
    thai_numerals: bool


def certificate_page(workshop: Workshop, name: str, issued_on: date) -> CertificatePage:
    thai = bool(workshop.thai_numerals)
    given = "ให้ไว้ ณ วันที่ " + format_date_range(issued_on, issued_on, era=True)
    return CertificatePage(
        agency=digits(workshop.organizing_agency, thai),
        kind=workshop.certificate_kind,
        name=name,
        body=fill_wording(wording_of(workshop), wording_values(workshop, name), thai),
        given=digits(given, thai),
        signatories=tuple(
            SignatoryText(s.name, digits(s.position, thai)) for s in signatories_of(workshop)
        ),
        thai_numerals=thai,
    )


def _preview_name(workshop: Workshop) -> str:
    """The first seated officer in name order (the organizer sees a real name fit), or a
    sample name before anyone registered."""
    rows = db.session.execute(
        select(User.first_name, User.last_name, User.title_prefix)
        .join(Registration, Registration.user_id == User.id)
        .where(
            Registration.workshop_id == workshop.id,
            Registration.status == RegistrationStatus.CONFIRMED.value,
        )
    ).all()
    if not rows:
        return PREVIEW_NAME
    first, last, prefix = min(rows, key=lambda r: person_sort_key(r[0], r[1]))
    return full_name(prefix or "", first, last)


def preview_page(workshop: Workshop) -> CertificatePage:
    """A page as it would be issued now (dated the workshop's last day, or today)."""
    last = workshop.ends_at
    issued_on = to_bangkok(last).date() if last is not None else date.today()
    return certificate_page(workshop, _preview_name(workshop), issued_on)


@dataclass(frozen=True)
class DesignInput:
    wording: str = ""
    signatory2_name: str = ""
    signatory2_position: str = ""
    thai_numerals: bool = False
    frame: str = FRAMES[0]


# The workshop's columns each design field is stored in (the API names them so too).
DESIGN_COLUMNS = {
    "wording": "certificate_wording",
    "signatory2_name": "signatory2_name",
    "signatory2_position": "signatory2_position",
    "thai_numerals": "thai_numerals",
    "frame": "certificate_frame",
}


def design_input(workshop: Workshop, changes: dict[str, Any]) -> DesignInput:
    """A partial change (by column name, as the API sends it) over the stored design: fields
    left out stay as they are; a stored empty wording stays the type's."""
    values = {field: getattr(workshop, column) for field, column in DESIGN_COLUMNS.items()}
    values.update({f: changes[c] for f, c in DESIGN_COLUMNS.items() if c in changes})
    return DesignInput(**values)


def clean_certificate_design(data: DesignInput) -> DesignInput:
    """``data`` tidied, or ``ValidationFailed`` with a message per field (every bad field at
    once). Reads nothing: callers check before they start writing."""
    errors: dict[str, str] = {}
    wording = name = position = ""
    try:
        wording = check_wording(clean_text(data.wording, max_length=WORDING_MAX, multiline=True))
    except TextRejected as exc:
        errors["wording"] = str(exc)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    try:
        name = clean_text(data.signatory2_name, max_length=Workshop.PERSON_MAX)
    except TextRejected as exc:
        errors["signatory2_name"] = str(exc)
    try:
        position = clean_text(
            data.signatory2_position, max_length=Workshop.PERSON_MAX, multiline=True
        )
    except TextRejected as exc:
        errors["signatory2_position"] = str(exc)
    if data.frame not in FRAMES:
        errors["frame"] = str(_l("ไม่มีกรอบแบบนี้"))
    if errors:
        raise ValidationFailed(errors)
    return DesignInput(wording, name, position, bool(data.thai_numerals), data.frame)


def apply_certificate_design(locked: Workshop, design: DesignInput, actor: User | None) -> None:
    """Store a cleaned design on a workshop locked by the caller's write transaction. Run
    after any change of certificate kind in the same transaction: the kind's own wording is
    stored empty, so that it follows the type if that changes later."""
    wording = "" if design.wording == default_wording(locked.certificate_kind) else design.wording
    locked.certificate_wording = wording
    locked.signatory2_name = design.signatory2_name
    locked.signatory2_position = design.signatory2_position
    locked.thai_numerals = design.thai_numerals
    locked.certificate_frame = design.frame
    record_event(
        actor,
        "certificate_design.save",
        locked,
        {"frame": design.frame, "thai_numerals": design.thai_numerals},
    )


def stored_design(workshop: Workshop) -> DesignInput:
    """The design as the form shows it (an empty stored wording is the type's)."""
    return DesignInput(
        wording=wording_of(workshop),
        signatory2_name=workshop.signatory2_name,
        signatory2_position=workshop.signatory2_position,
        thai_numerals=workshop.thai_numerals,
        frame=workshop.certificate_frame,
    )


def save_certificate_design(
    workshop: Workshop, data: DesignInput, actor: User, *, expected_version: int | None = None
) -> Workshop:
    """Store the workshop's wording, second signatory, numerals and frame, all or nothing.

    ``expected_version``: the workshop's edit version the design form was loaded at. The
    design lives on the workshop row, which the API's PATCH also edits: a form loaded before
    another save is refused (``EditConflict``, with the design fields that differ) instead of
    putting its older values back.
    """
    design = clean_certificate_design(data)
    with write_transaction():
        locked = lock_workshop(workshop.id)
        check_version(
            locked.version, expected_version, asdict(design), asdict(stored_design(locked))
        )
        apply_certificate_design(locked, design, actor)
    return locked
