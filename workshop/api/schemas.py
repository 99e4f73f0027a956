"""Request bodies of the API as pydantic models, and JSON shapes of responses.

pydantic parses types only (and documents them in the OpenAPI schema); the rules live in services.
Request models are strict about JSON types: ``"12"`` or ``true`` is not a number, ``5`` is not
text, and a date-time is an ISO 8601 string with its time-zone offset.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from flask import request
from flask_babel import lazy_gettext as _l
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from workshop.models import AttendanceRule, CertificateKind, User, WorkshopStatus
from workshop.models.types import INT32_MAX, INT32_MIN
from workshop.services.certificate_design import (
    FRAMES,
    PLACEHOLDERS,
    WORDING_LINES,
    WORDING_MAX,
    default_wording,
)
from workshop.services.errors import DomainError, ValidationFailed
from workshop.services.personal_data import AccountProfile

Body = TypeVar("Body", bound=BaseModel)

# Whole numbers as JSON numbers only (never booleans, floats or strings), within the range a
# database integer column holds; the meaning of the number (capacity >= 1, ...) is checked by
# the services.
Int = Annotated[StrictInt, Field(ge=INT32_MIN, le=INT32_MAX)]
Id = Annotated[StrictInt, Field(ge=1, le=INT32_MAX)]
Text = StrictStr


def _iso_datetime(value: Any) -> datetime:
    """An ISO 8601 string with a time-zone offset, as an aware UTC datetime."""
    if isinstance(value, datetime):  # already parsed (Python callers)
        parsed = value
    elif not isinstance(value, str):
        raise PydanticCustomError("datetime_type", "Input should be an ISO 8601 string")
    else:
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise PydanticCustomError("datetime_parsing", "Input is not ISO 8601") from exc
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise PydanticCustomError("timezone_aware", "Input should have a time-zone offset")
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise PydanticCustomError("datetime_parsing", "Input is out of range") from exc


Timestamp = Annotated[
    datetime,
    BeforeValidator(_iso_datetime),
    Field(json_schema_extra={"examples": ["2015-10-20T08:30:00+07:00"]}),
]


def _hours(value: Any) -> Decimal:
    """A JSON number (never a string or a boolean) as an exact decimal; the range and the two
    decimal places are the service's rules."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise PydanticCustomError("decimal_type", "Input should be a number")
    return Decimal(str(value))


Hours = Annotated[
    Decimal,
    PlainValidator(_hours),
    WithJsonSchema(
        {
            "type": "number",
            "minimum": 0,
            "maximum": 24,
            "description": "Training hours, up to two decimals (3.5); at most the session's "
            "length. Left out: the session's length less the lunch break.",
            "examples": [3.5],
        }
    ),
]


# ------------------------------------------------------------------ request bodies


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=100_000)


def _drop_defaults(schema: dict[str, Any]) -> None:
    """Partial-update bodies: an omitted field is left as it is, so no field has a default."""
    for prop in schema.get("properties", {}).values():
        prop.pop("default", None)


class Partial(Strict):
    """A PATCH body: every field optional, but ``null`` is not a value (omit the field instead).

    Fields default to ``None`` without allowing ``None`` as input; ``changes()`` gives only the
    fields that were sent.
    """

    model_config = ConfigDict(json_schema_extra=_drop_defaults)

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class TokenRequest(Strict):
    email: Text
    password: Text


class VenueCreate(Strict):
    name: Text
    capacity: Int = Field(description="Room capacity (people), 1–100000.")
    address: Text = ""
    district: Text = ""
    province: Text = ""


class VenuePatch(Partial):
    name: Text = None  # type: ignore[assignment]
    capacity: Int = None  # type: ignore[assignment]
    address: Text = None  # type: ignore[assignment]
    district: Text = None  # type: ignore[assignment]
    province: Text = None  # type: ignore[assignment]


_STATUS_ENUM = {"enum": [s.value for s in WorkshopStatus]}
_KIND_ENUM = {"enum": [k.value for k in CertificateKind]}
_RULE_ENUM = {"enum": [r.value for r in AttendanceRule]}
_RULE_DESCRIPTION = (
    "What `attendance_threshold` is a share of: `hours` (the sessions' training hours) or "
    "`sessions` (their number)."
)


_FRAME_ENUM = {"enum": list(FRAMES)}
_WORDING_DESCRIPTION = (
    "The certificate's text under the officer's name, as on the organizer's certificate page: "
    f"up to {WORDING_LINES} lines and {WORDING_MAX} characters, with the placeholders "
    + ", ".join(f"`{{{name}}}`" for name in PLACEHOLDERS)
    + ". Empty: the wording of the certificate kind."
)
_SIGNATORY2_POSITION = "The second signatory's position; a line break starts a new line."
_THAI_NUMERALS = "Certificates and the report print Thai numerals (๑๒/๒๕๕๙); names stay as written."


def _drop_none_defaults(schema: dict[str, Any]) -> None:
    """Optional fields that may only be left out (``null`` is not a value): no default."""
    for prop in schema.get("properties", {}).values():
        if "default" in prop and prop["default"] is None:
            del prop["default"]


class SessionCreate(Strict):
    model_config = ConfigDict(json_schema_extra=_drop_none_defaults)

    title: Text = ""
    starts_at: Timestamp
    ends_at: Timestamp
    hours: Hours = None  # type: ignore[assignment]


class SessionPatch(Partial):
    """With ``id``: that existing session, fields left out stay as they are. Without: a new one."""

    id: Id = None  # type: ignore[assignment]
    title: Text = None  # type: ignore[assignment]
    starts_at: Timestamp = None  # type: ignore[assignment]
    ends_at: Timestamp = None  # type: ignore[assignment]
    hours: Hours = Field(  # type: ignore[assignment]
        None,
        description="Left out of a kept session: as stored, unless its times change (then "
        "the default from the new times).",
    )


class WorkshopCreate(Strict):
    title: Text
    office_id: Id = Field(
        None,  # type: ignore[arg-type]
        description="The office that runs it (one the caller manages); default: the caller's.",
        json_schema_extra=lambda schema: schema.pop("default", None),  # null is no value
    )
    organizing_agency: Text = Field(
        "", description="The name printed as organizer; default: the office's name."
    )
    venue_id: Id
    capacity: Int
    registration_opens_at: Timestamp
    registration_closes_at: Timestamp
    sessions: list[SessionCreate]
    objectives: Text = ""
    topics: Text = Field("", description="One topic per line.")
    attendance_threshold: Int = Field(
        80, description="Percent of the hours or sessions needed for a certificate, 1–100."
    )
    attendance_rule: Text = Field(
        AttendanceRule.HOURS.value, json_schema_extra=_RULE_ENUM, description=_RULE_DESCRIPTION
    )
    checkout_enabled: StrictBool = Field(
        False,
        description="Door staff also scan people out; hours present then come from the scan "
        "times (capped at each session's hours).",
    )
    excused_count: StrictBool = Field(
        False, description="Sessions an organizer excused count toward the rule."
    )
    certificate_kind: Text = Field(CertificateKind.HONOUR.value, json_schema_extra=_KIND_ENUM)
    presiding_official: Text = ""
    signatory_name: Text = ""
    signatory_position: Text = ""
    certificate_wording: Text = Field("", description=_WORDING_DESCRIPTION)
    signatory2_name: Text = ""
    signatory2_position: Text = Field("", description=_SIGNATORY2_POSITION)
    thai_numerals: StrictBool = Field(False, description=_THAI_NUMERALS)
    certificate_frame: Text = Field(FRAMES[0], json_schema_extra=_FRAME_ENUM)


class WorkshopPatch(Partial):
    title: Text = None  # type: ignore[assignment]
    office_id: Id = None  # type: ignore[assignment]
    organizing_agency: Text = None  # type: ignore[assignment]
    venue_id: Id = None  # type: ignore[assignment]
    capacity: Int = None  # type: ignore[assignment]
    registration_opens_at: Timestamp = None  # type: ignore[assignment]
    registration_closes_at: Timestamp = None  # type: ignore[assignment]
    sessions: list[SessionPatch] = Field(
        None,  # type: ignore[arg-type]
        description="The full list of sessions: items with `id` keep (and update) that "
        "session, items without `id` are added, sessions left out are removed.",
    )
    objectives: Text = None  # type: ignore[assignment]
    topics: Text = None  # type: ignore[assignment]
    attendance_threshold: Int = None  # type: ignore[assignment]
    attendance_rule: Text = Field(  # type: ignore[assignment]
        None, json_schema_extra=_RULE_ENUM, description=_RULE_DESCRIPTION
    )
    checkout_enabled: StrictBool = None  # type: ignore[assignment]
    excused_count: StrictBool = None  # type: ignore[assignment]
    certificate_kind: Text = Field(None, json_schema_extra=_KIND_ENUM)  # type: ignore[arg-type]
    presiding_official: Text = None  # type: ignore[assignment]
    signatory_name: Text = None  # type: ignore[assignment]
    signatory_position: Text = None  # type: ignore[assignment]
    certificate_wording: Text = Field(None, description=_WORDING_DESCRIPTION)  # type: ignore[arg-type]
    signatory2_name: Text = None  # type: ignore[assignment]
    signatory2_position: Text = Field(None, description=_SIGNATORY2_POSITION)  # type: ignore[arg-type]
    thai_numerals: StrictBool = Field(None, description=_THAI_NUMERALS)  # type: ignore[arg-type]
    certificate_frame: Text = Field(None, json_schema_extra=_FRAME_ENUM)  # type: ignore[arg-type]
    status: Text = Field(
        None,  # type: ignore[arg-type]
        json_schema_extra=_STATUS_ENUM,
        description="draft → published → closed (→ published again); any but cancelled → "
        "cancelled (final; needs `reason`).",
    )
    reason: Text = Field(
        None,  # type: ignore[arg-type]
        description="Why the workshop is cancelled: required with `status: cancelled` and "
        "refused with anything else; up to 500 characters, mailed to every registrant.",
    )


class OfficerCreate(Strict):
    email: Text
    password: Text
    title_prefix: Text = Field(description="นาย, นาง, นางสาว or another title such as ดร.")
    first_name: Text
    last_name: Text
    position: Text
    agency: Text
    district: Text
    province: Text
    phone: Text = Field(description="Thai mobile number, e.g. 081-234-5678; stored as E.164.")
    consent: StrictBool = Field(
        description="PDPA consent to the purpose stated on the sign-up page; must be true."
    )


class RegistrationCreate(Partial):
    """Empty for an officer registering themself; an organizer names the officer."""

    user_id: Id = Field(None, description="Organizers only: register this officer.")  # type: ignore[arg-type]


# ------------------------------------------------------------------ parsing


def parse_body(model: type[Body]) -> Body:
    """The JSON body parsed into ``model``; 400 for non-JSON, 422 with field messages otherwise."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # absurdly deep nesting
        data = None
    if data is None:
        raise DomainError(str(_l("เนื้อหาคำขอต้องเป็น JSON")), code="invalid_json")
    if not isinstance(data, dict):
        raise DomainError(str(_l("เนื้อหาคำขอต้องเป็นออบเจกต์ JSON")), code="invalid_json")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(pydantic_fields(exc)) from exc


def pydantic_fields(exc: ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "body"
        fields.setdefault(key, _message_for(error))
    return fields


def _message_for(error: Any) -> str:
    kind = error["type"]
    if kind == "missing":
        return str(_l("ต้องระบุช่องนี้"))
    if kind == "extra_forbidden":
        return str(_l("ไม่รู้จักช่องนี้"))
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return str(_l("ตัวเลขอยู่นอกช่วงที่รับได้"))
    if kind.startswith("decimal"):
        return str(_l("ต้องเป็นตัวเลข"))
    if kind.startswith("int") or kind.startswith("float"):
        return str(_l("ต้องเป็นจำนวนเต็ม"))
    if kind == "timezone_aware":
        return str(_l("ต้องระบุเขตเวลาด้วย เช่น 2015-10-20T08:30:00+07:00"))
    if kind.startswith("datetime") or kind.startswith("date"):
        return str(_l("วันเวลาต้องอยู่ในรูปแบบ ISO 8601 พร้อมเขตเวลา เช่น 2015-10-20T08:30:00+07:00"))
    if kind == "string_unicode":
        return str(_l("มีอักขระที่อ่านไม่ได้ปนอยู่"))
    if kind == "string_too_long":
        return str(_l("ข้อความยาวเกินไป"))
    if kind.startswith("string"):
        return str(_l("ต้องเป็นข้อความ"))
    if kind.startswith("bool"):
        return str(_l("ต้องเป็น true หรือ false"))
    if kind == "list_type":
        return str(_l("ต้องเป็นรายการ (JSON array)"))
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return str(_l("ต้องเป็นออบเจกต์ JSON"))
    return str(_l("ค่าไม่ถูกต้อง"))


# ------------------------------------------------------------------ responses


# Date-times go out in UTC (ISO 8601 with ``Z``), whatever offset they were given in.
UtcTimestamp = Annotated[datetime, AfterValidator(lambda value: value.astimezone(UTC))]


class Out(BaseModel):
    """A response shape, read from model attributes."""

    model_config = ConfigDict(from_attributes=True)


class ErrorDetail(Out):
    model_config = ConfigDict(json_schema_extra=_drop_defaults)

    code: str = Field(description="Stable snake_case name of the error.")
    message: str = Field(description="Human-readable text (Thai, or English by Accept-Language).")
    fields: dict[str, str] = Field(
        None,  # type: ignore[arg-type]
        description="Only on 422: a message per field; nested keys like `sessions.0.ends_at`.",
    )
    kept_for_organizer: bool = Field(
        None,  # type: ignore[arg-type]
        description="Only on a door's synced scan (one with `scanned_at`) that was refused: "
        "`true` when the refusal is kept for the organizer, who sees it among the workshop's "
        "scans refused at sync.",
    )


class ErrorOut(Out):
    error: ErrorDetail


class TokenOut(Out):
    token: str
    role: str


class UserOut(Out, AccountProfile):
    """An account's profile (the shape its owner's data export starts with too)."""


_VERSION_TEXT = (
    "Edit version, also sent as the `ETag` header; send it back in `If-Match` with a PATCH "
    "so that a change made meanwhile by someone else is not overwritten (412)."
)


class VenueOut(Out):
    id: int
    name: str
    address: str
    district: str
    province: str
    capacity: int
    version: int = Field(description=_VERSION_TEXT)


class VenueSummary(Out):
    id: int
    name: str
    district: str
    province: str
    capacity: int


class SessionOut(Out):
    id: int
    title: str
    starts_at: UtcTimestamp
    ends_at: UtcTimestamp
    hours: float = Field(description="Training hours credited for the whole session.")


class WorkshopOut(Out):
    id: int
    title: str
    objectives: str
    topics: str = Field(description="One topic per line.")
    topic_list: list[str]
    office_id: int
    organizing_agency: str
    venue: VenueSummary
    capacity: int
    registration_opens_at: UtcTimestamp
    registration_closes_at: UtcTimestamp
    status: str = Field(json_schema_extra=_STATUS_ENUM)
    attendance_threshold: int
    attendance_rule: str = Field(json_schema_extra=_RULE_ENUM, description=_RULE_DESCRIPTION)
    checkout_enabled: bool
    excused_count: bool
    total_hours: float = Field(description="The sessions' training hours together.")
    certificate_kind: str
    presiding_official: str
    signatory_name: str
    signatory_position: str
    certificate_wording: str = Field(
        description="The wording certificates print under the name: the workshop's own, or "
        "its kind's when it has none."
    )
    signatory2_name: str = Field(description="Empty: one signatory.")
    signatory2_position: str
    thai_numerals: bool = Field(description=_THAI_NUMERALS)
    certificate_frame: str = Field(json_schema_extra=_FRAME_ENUM)
    fiscal_year: int = Field(description="Thai fiscal year in Buddhist Era, e.g. 2559.")
    sessions: list[SessionOut]
    cancelled_at: UtcTimestamp | None = Field(description="When it was cancelled; else null.")
    cancel_reason: str = Field(description="Why it was cancelled; empty unless cancelled.")
    version: int = Field(description=_VERSION_TEXT)

    @model_validator(mode="after")
    def _wording_as_printed(self) -> WorkshopOut:
        # Stored empty: the kind's wording, which follows the kind if it changes.
        if not self.certificate_wording:
            self.certificate_wording = default_wording(self.certificate_kind)
        return self


def to_json(shape: type[Out], row: Any) -> dict[str, Any]:
    """``row`` (a model instance) in the JSON shape ``shape``."""
    return shape.model_validate(row).model_dump(mode="json")


def user_json(user: User) -> dict[str, Any]:
    return to_json(UserOut, user)


class RegistrationOut(Out):
    id: int
    workshop_id: int
    user: UserOut
    status: str = Field(json_schema_extra={"enum": ["confirmed", "waitlisted", "cancelled"]})
    waitlist_position: int | None = Field(description="1 = next in line; null unless waitlisted.")
    ticket: str | None = Field(description="The QR ticket token; null once cancelled.")
    created_at: UtcTimestamp
    confirmed_at: UtcTimestamp | None
    cancelled_at: UtcTimestamp | None


class CancellationOut(Out):
    registration: RegistrationOut
    promoted: list[int] = Field(description="Ids of waitlisted registrations given the seat.")


class CheckInRequest(Partial):
    """``ticket`` (what the QR code holds, or the code typed in) or ``registration_id`` (found
    by name search); ``scanned_at`` is the door device's time for scans queued offline (see the
    operation for when it is believed)."""

    session_id: Id
    ticket: Annotated[StrictStr, Field(max_length=200)] = None  # type: ignore[assignment]
    registration_id: Id = None  # type: ignore[assignment]
    scanned_at: Timestamp = None  # type: ignore[assignment]
    method: Text = Field(  # type: ignore[assignment]
        None, json_schema_extra={"enum": ["qr", "manual", "search", "offline"]}
    )
    override_reason: Text = Field(  # type: ignore[assignment]
        None, description="Organizers only: check in outside the session's window, with why."
    )


class CheckOutRequest(Partial):
    """As a check-in: ``ticket`` or ``registration_id``; ``scanned_at`` for offline scans."""

    session_id: Id
    ticket: Annotated[StrictStr, Field(max_length=200)] = None  # type: ignore[assignment]
    registration_id: Id = None  # type: ignore[assignment]
    scanned_at: Timestamp = None  # type: ignore[assignment]
    method: Text = Field(  # type: ignore[assignment]
        None, json_schema_extra={"enum": ["qr", "manual", "search", "offline"]}
    )


class PersonOut(Out):
    registration_id: int
    name: str
    position: str
    agency: str
    status: str


class AttendeeOut(PersonOut):
    checked_in_at: UtcTimestamp | None = Field(
        None, description="When the person checked in to ``session_id``; null if not (yet)."
    )


class CountsOut(Out):
    checked_in: int
    confirmed: int


class CheckInOut(Out):
    result: str = Field(json_schema_extra={"enum": ["checked_in", "already_checked_in"]})
    checkin_id: int
    session_id: int
    checked_in_at: UtcTimestamp = Field(description="When the (first) scan was made.")
    method: str
    person: PersonOut
    counts: CountsOut


class CheckOutOut(Out):
    result: str = Field(json_schema_extra={"enum": ["checked_out", "already_checked_out"]})
    checkin_id: int
    session_id: int
    checked_in_at: UtcTimestamp
    checked_out_at: UtcTimestamp = Field(description="The last check-out (the one that counts).")
    hours: float = Field(description="Hours present in the session from the two scans.")
    person: PersonOut


class RosterEntryOut(Out):
    registration_id: int
    fingerprint: str = Field(
        description="First 32 hex digits of SHA-256 of the ticket token (upper case)."
    )
    name: str
    position: str
    agency: str
    status: str
    checked_in_at: UtcTimestamp | None


class RosterSessionOut(Out):
    id: int
    title: str
    starts_at: UtcTimestamp
    ends_at: UtcTimestamp
    checkin_opens_at: UtcTimestamp
    checkin_closes_at: UtcTimestamp


class RosterOut(Out):
    workshop_id: int
    session: RosterSessionOut
    generated_at: UtcTimestamp
    counts: CountsOut
    entries: list[RosterEntryOut]


class DecodedOut(Out):
    text: str


class CertificateOut(Out):
    """What the public verification of a certificate tells: nothing else personal."""

    valid: bool = Field(description="True unless the certificate was revoked.")
    status: str = Field(json_schema_extra={"enum": ["valid", "revoked"]})
    revoked_reason: str | None = Field(description="Why it was revoked; null while valid.")
    kind: str = Field(description="เกียรติบัตร or วุฒิบัตร.")
    number: str = Field(description="Running number over the fiscal year (BE), e.g. `12/2559`.")
    code: str = Field(description="The verification code, grouped by four.")
    name: str
    workshop: str = Field(description="The workshop's title.")
    starts_on: date | None = Field(description="First day of the workshop (Bangkok).")
    ends_on: date | None = Field(description="Last day of the workshop (Bangkok).")
    issued_on: date = Field(description="The date printed after ให้ไว้ ณ วันที่.")


class ExcuseRequest(Strict):
    kind: Text = Field(
        json_schema_extra={"enum": ["leave", "official_duty", "other"]},
        description="`leave` (ลา), `official_duty` (ไปราชการ) or `other` (reason required).",
    )
    reason: Text = Field("", description="The reason; a note for leave and official duty.")


class ExcuseOut(Out):
    registration_id: int
    session_id: int
    kind: str = Field(json_schema_extra={"enum": ["leave", "official_duty", "other"]})
    reason: str
    text: str = Field(description="As printed in reports, e.g. `ไปราชการ (คำสั่งที่ 12/2558)`.")
    recorded_at: UtcTimestamp


class AttendanceOut(Out):
    """One registration's attendance against its workshop's certificate rule."""

    registration_id: int
    rule: str = Field(json_schema_extra=_RULE_ENUM, description=_RULE_DESCRIPTION)
    threshold: int = Field(description="Per cent of the hours or sessions needed.")
    rule_text: str = Field(description="The rule in words (Thai, or English).")
    sessions_total: int
    sessions_present: int
    sessions_excused: int = Field(description="Excused and not checked in.")
    hours_total: float
    hours_present: float
    hours_excused: float
    credited: float = Field(description="What counts toward the rule, in its unit.")
    required: float = Field(description="The least that meets the rule, in its unit.")
    excused_count: bool = Field(description="Whether excused sessions count toward the rule.")
    meets_rule: bool
    certificate_state: str = Field(
        json_schema_extra={
            "enum": [
                "issued",
                "revoked",
                "eligible",
                "pending",
                "in_progress",
                "short",
                "no_seat",
                "workshop_cancelled",
            ]
        }
    )
    message: str = Field(description="Why, as the officer's page says it.")


class CertificatesIssuedOut(Out):
    issued: int = Field(description="Certificates issued by this request.")
    valid: int = Field(description="The workshop's valid certificates now, these included.")


# ------------------------------------------------------------------ personal data (PDPA)


class AccountDelete(Strict):
    password: Text = Field(description="The account's password, typed again to confirm.")


class AccountDeletedOut(Out):
    deleted: bool
    registrations_cancelled: int = Field(description="Registrations for workshops not yet over.")
    promoted: int = Field(description="Waitlisted officers who got the freed seats.")
    certificates_revoked: int
