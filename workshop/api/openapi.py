"""The OpenAPI 3.1 document of the API, served at ``GET /api/v1/openapi.json``.

Every endpoint is listed once in ``OPERATIONS``; request and response bodies are the pydantic
models of ``workshop.api.schemas``, so the document cannot drift from what the handlers parse
and return. A test checks that every ``/api/v1`` route of the app is described here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from workshop.api import api_bp
from workshop.api.schemas import (
    INT32_MAX,
    AccountDelete,
    AccountDeletedOut,
    AttendanceOut,
    AttendeeOut,
    CancellationOut,
    CertificateOut,
    CertificatesIssuedOut,
    CheckInOut,
    CheckInRequest,
    CheckOutOut,
    CheckOutRequest,
    DecodedOut,
    ErrorOut,
    ExcuseOut,
    ExcuseRequest,
    OfficerCreate,
    RegistrationCreate,
    RegistrationOut,
    RosterOut,
    TokenOut,
    TokenRequest,
    UserOut,
    VenueCreate,
    VenueOut,
    VenuePatch,
    WorkshopCreate,
    WorkshopOut,
    WorkshopPatch,
)
from workshop.models import WorkshopStatus
from workshop.services.personal_data import PersonalData

PREFIX = "/api/v1"
ORGANIZER = "organizer"

# Who may call an operation.
PUBLIC = "public"  # no token
OPTIONAL = "optional"  # anyone; a valid token may show more, a bad token is refused (401)
ANY_USER = "any user"  # a valid token of any role


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # OpenAPI path template below PREFIX, e.g. "/venues/{venue_id}"
    summary: str
    who: str | tuple[str, ...]  # PUBLIC, OPTIONAL, ANY_USER, a role name or several
    status: int = 200
    response: type[BaseModel] | None = None
    many: bool = False  # the response is a JSON array of ``response``
    request: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    query: tuple[dict[str, Any], ...] = field(default=())
    description: str = ""
    media: str = "application/json"  # image types for QR codes
    etag: bool = False  # the response carries the record's edit version as ``ETag``
    # Another success status with the same body: a repeat that finds the work done already.
    repeat_status: int | None = None


IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "examples": ['"3"']},
    "description": "The `ETag` of the version the change was made on. If the record has "
    "changed since, the PATCH is refused with 412 `version_mismatch` (and the current "
    "`ETag`) and nothing is saved. Without it (or with `*`) the change applies to whatever "
    "is current.",
}
_EDIT_VERSION_TEXT = (
    " Send the `ETag` of the copy being edited as `If-Match`, so that a change made meanwhile "
    "by someone else is refused (412 `version_mismatch`) instead of overwritten."
)


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "get",
        "/openapi.json",
        "This OpenAPI document",
        PUBLIC,
    ),
    Operation(
        "post",
        "/auth/token",
        "Exchange email and password for a bearer token",
        PUBLIC,
        status=201,
        request=TokenRequest,
        response=TokenOut,
        errors=(400, 401, 422, 429),
        description="The token is shown once; send it as `Authorization: Bearer <token>`. "
        "Rate limited per client; after several failed attempts for one account the endpoint "
        "answers 429 `too_many_attempts` for a while, even for the right password.",
    ),
    Operation("get", "/me", "The caller's profile", ANY_USER, response=UserOut),
    Operation(
        "get",
        "/me/data",
        "Download everything held about the caller (PDPA)",
        ANY_USER,
        response=PersonalData,
        description="Profile, consent time and purpose, registrations with their workshops, "
        "check-ins, certificates and the audit events about the caller's own records, as a "
        "JSON attachment. Nothing about other people; no password hash, token or ticket "
        "secret. Events in which the caller acted on other people's records give only the "
        "action, the kind of record and the time.",
    ),
    Operation(
        "delete",
        "/me",
        "Delete the caller's account (PDPA); the password must be sent again",
        ANY_USER,
        request=AccountDelete,
        response=AccountDeletedOut,
        errors=(400, 409, 422),
        description="One transaction: registrations for workshops not yet over are cancelled "
        "(freed seats go to the waitlist), certificates are revoked with the reason `account "
        "deleted` (numbers stay taken; public verification shows no name), API tokens stop "
        "working, and the account is anonymised: name, position, phone and e-mail are removed; "
        "agency, district and province stay for the statistics. A wrong password is 422 "
        "(`fields.password`); the last organizer is 409 `last_organizer`. Nothing changes on "
        "an error.",
    ),
    Operation(
        "post",
        "/venues",
        "Create a venue",
        ORGANIZER,
        status=201,
        request=VenueCreate,
        response=VenueOut,
        errors=(400, 422),
        etag=True,
    ),
    Operation("get", "/venues", "List venues", ORGANIZER, response=VenueOut, many=True),
    Operation(
        "get",
        "/venues/{venue_id}",
        "One venue",
        ORGANIZER,
        response=VenueOut,
        errors=(404,),
        etag=True,
    ),
    Operation(
        "patch",
        "/venues/{venue_id}",
        "Change a venue (only the fields sent)",
        ORGANIZER,
        request=VenuePatch,
        response=VenueOut,
        errors=(400, 404, 412, 422),
        query=(IF_MATCH,),
        etag=True,
        description=_EDIT_VERSION_TEXT.strip(),
    ),
    Operation(
        "post",
        "/workshops",
        "Create a draft workshop with its sessions",
        ORGANIZER,
        status=201,
        request=WorkshopCreate,
        response=WorkshopOut,
        errors=(400, 422),
        etag=True,
        description="Date-times are ISO 8601 with a time-zone offset; they come back in UTC. "
        "`fiscal_year` (Buddhist Era) is derived from the first session.",
    ),
    Operation(
        "get",
        "/workshops",
        "List workshops, latest first",
        OPTIONAL,
        response=WorkshopOut,
        many=True,
        errors=(422,),
        query=(
            {
                "name": "status",
                "in": "query",
                "required": False,
                "schema": {"type": "string", "enum": [s.value for s in WorkshopStatus]},
                "description": "Only workshops with this status.",
            },
        ),
        description="Without a token: published and closed workshops. "
        "With an organizer's token: every status, drafts included.",
    ),
    Operation(
        "get",
        "/workshops/{workshop_id}",
        "One workshop (drafts only for organizers)",
        OPTIONAL,
        response=WorkshopOut,
        errors=(404,),
        etag=True,
    ),
    Operation(
        "patch",
        "/workshops/{workshop_id}",
        "Edit, publish, close or cancel a workshop (only the fields sent)",
        ORGANIZER,
        request=WorkshopPatch,
        response=WorkshopOut,
        errors=(400, 404, 409, 412, 422),
        query=(IF_MATCH,),
        etag=True,
        description="Every rule of creation applies to the result. A status change that the "
        "life cycle does not allow is 409 `invalid_status_change`; then nothing is changed. "
        "Cancelling (`status: cancelled`) needs a `reason` (422 `validation_failed` with "
        "`fields.reason` without one, and nothing is changed); it is final, and every confirmed "
        "and waitlisted registrant with an e-mail address is mailed the reason. Registrations "
        "keep their status; tickets no longer check in (409 `workshop_cancelled`)."
        + _EDIT_VERSION_TEXT,
    ),
)

REGISTRATION_STATUS_QUERY = {
    "name": "status",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "enum": ["confirmed", "waitlisted", "cancelled"]},
    "description": "Only registrations with this status.",
}

OPERATIONS += (
    Operation(
        "post",
        "/officers",
        "Sign up as an officer",
        PUBLIC,
        status=201,
        request=OfficerCreate,
        response=UserOut,
        errors=(400, 409, 422, 429),
        description="`consent` must be true (PDPA). A used email is 409 `email_taken`.",
    ),
    Operation(
        "post",
        "/workshops/{workshop_id}/registrations",
        "Register for a workshop (organizers: on an officer's behalf)",
        ("officer", ORGANIZER),
        status=201,
        request=RegistrationCreate,
        response=RegistrationOut,
        errors=(400, 404, 409, 422),
        description="Confirmed while seats remain, else waitlisted. 409 `already_registered`, "
        "`registration_closed`. Officers send an empty body or `{}`; organizers send "
        "`user_id` and may register outside the registration window.",
    ),
    Operation(
        "get",
        "/workshops/{workshop_id}/registrations",
        "A workshop's registrations: confirmed, then the waitlist in order",
        ORGANIZER,
        response=RegistrationOut,
        many=True,
        errors=(404,),
        query=(REGISTRATION_STATUS_QUERY,),
    ),
    Operation(
        "get",
        "/me/registrations",
        "The caller's own registrations",
        ANY_USER,
        response=RegistrationOut,
        many=True,
    ),
    Operation(
        "get",
        "/registrations/{registration_id}",
        "One registration with its ticket (owner or organizer)",
        ANY_USER,
        response=RegistrationOut,
        errors=(404,),
        description="Someone else's registration is 404, as if it did not exist.",
    ),
    Operation(
        "delete",
        "/registrations/{registration_id}",
        "Cancel a registration; the first waitlisted officer takes the seat",
        ANY_USER,
        response=CancellationOut,
        errors=(404, 409, 422),
        description="409 `workshop_cancelled` once the whole workshop was cancelled (its "
        "registrations no longer change).",
        query=(
            {
                "name": "reason",
                "in": "query",
                "required": False,
                "schema": {"type": "string", "maxLength": 500},
            },
        ),
    ),
    Operation(
        "get",
        "/registrations/{registration_id}/qr.png",
        "The ticket QR code as PNG",
        ANY_USER,
        errors=(404,),
        media="image/png",
    ),
    Operation(
        "get",
        "/registrations/{registration_id}/qr.svg",
        "The ticket QR code as SVG",
        ANY_USER,
        errors=(404,),
        media="image/svg+xml",
    ),
)

DOOR = ("staff", ORGANIZER)
SESSION_QUERY = {
    "name": "session_id",
    "in": "query",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": INT32_MAX},
}

OPERATIONS += (
    Operation(
        "post",
        "/checkins",
        "Check a ticket holder into a session (idempotent)",
        DOOR,
        status=201,
        repeat_status=200,
        request=CheckInRequest,
        response=CheckInOut,
        errors=(400, 404, 409, 422, 429),
        description="201 `checked_in`; a repeat is 200 `already_checked_in` with the first "
        "scan's time and changes nothing. Refusals: 400 `invalid_ticket` (forged, rotated, "
        "garbled, or not the ticket's canonical spelling), 409 `workshop_cancelled` (the "
        "workshop was cancelled: no check-in, not even with an override), `wrong_workshop`, "
        "`not_confirmed` (waitlisted or cancelled), `session_not_open` (outside the window; "
        "organizers may send `override_reason`).\n\n"
        "`scanned_at` is the door device's time for a scan queued offline. It is believed only "
        "while the door syncs within `WORKSHOP_CHECKIN_SYNC_HOURS` (default 24) after the "
        "session's check-in window closed; later the scan is 409 `sync_too_late` unless an "
        "organizer sends `override_reason` (audited). A time more than 2 minutes ahead of the "
        "server's clock is 422 `validation_failed` (`fields.scanned_at`); up to 2 minutes "
        "ahead counts as the server's time. Such a scan is judged by the registration's status "
        "and the ticket's secret at `scanned_at` (a cancellation or a reissued ticket after the "
        "scan does not refuse it), and when the person was checked in already, an earlier "
        "synced time replaces the later one. A scan with `scanned_at` that is refused is kept "
        "for the organizer (the workshop's page lists the scans refused at sync) unless it is "
        "404 or `not_allowed`; its error then carries `kept_for_organizer: true`. "
        "`counts.checked_in` counts the check-ins of registrations confirmed now, the same "
        "figure as the roster and the report.",
    ),
    Operation(
        "post",
        "/checkouts",
        "Scan a checked-in person out of a session (workshops with check-out)",
        DOOR,
        request=CheckOutRequest,
        response=CheckOutOut,
        errors=(400, 404, 409, 422, 429),
        description="For workshops with `checkout_enabled`: hours present then come from the "
        "check-in and the last check-out (within the session, less the lunch break, capped at "
        "the session's hours). `checked_out`; a scan earlier than the check-out already "
        "recorded is `already_checked_out` and changes nothing. Refusals as for check-in, plus "
        "409 `not_allowed` (the workshop does not scan out) and `not_checked_in`. A scan with "
        "`scanned_at` is judged, and kept for the organizer when refused, as at check-in.",
    ),
    Operation(
        "delete",
        "/checkins/{checkin_id}",
        "Undo a check-in made by mistake (audited)",
        DOOR,
        errors=(404, 409, 422, 429),
        description="200 `{undone, counts}` for the request that removed the check-in (it alone "
        "takes it off the counter and writes the audit event). A check-in that was undone "
        "already, by an earlier press or another door at the same moment, is 409 "
        "`already_undone`; an id that never existed is 404 `not_found`.",
        query=({"name": "reason", "in": "query", "required": False, "schema": {"type": "string"}},),
    ),
    Operation(
        "get",
        "/workshops/{workshop_id}/roster",
        "Names and ticket fingerprints of a session, for checking tickets offline",
        DOOR,
        response=RosterOut,
        errors=(404, 409, 422, 429),
        query=(SESSION_QUERY,),
        description="409 `workshop_cancelled` once the workshop is cancelled: a door device "
        "that refreshes its roster then stops taking scans offline.",
    ),
    Operation(
        "get",
        "/workshops/{workshop_id}/attendees",
        "Find registered officers by name, agency or email (for people without their QR)",
        DOOR,
        response=AttendeeOut,
        many=True,
        errors=(404, 409, 422, 429),
        description="409 `workshop_cancelled` once the workshop is cancelled. With `session_id`, "
        "`checked_in_at` says whether and when each person checked in to that session.",
        query=(
            {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}},
            {**SESSION_QUERY, "required": False},
        ),
    ),
    Operation(
        "post",
        "/checkins/decode",
        "Read the QR code in a camera frame (JPEG or PNG body, at most 2 MB)",
        DOOR,
        response=DecodedOut,
        errors=(400, 422, 429),
        description="For browsers without BarcodeDetector. 422 `no_qr_found` when none is seen.",
    ),
)

OPERATIONS += (
    Operation(
        "get",
        "/certificates/{code}",
        "Verify a certificate by the code printed on it (and inside its QR code)",
        PUBLIC,
        response=CertificateOut,
        errors=(404, 429),
        description="Case, dashes and spaces do not matter. Unknown, mistyped and tampered "
        "codes are all 404 `not_found`. A revoked certificate is 200 with `valid: false` and "
        "the reason. Only what the certificate itself shows is returned. Rate limited per "
        "client address (generously: `RATELIMIT_VERIFY`).",
    ),
    Operation(
        "post",
        "/registrations/{registration_id}/certificate",
        "Issue the registration's certificate (owner or organizer; idempotent)",
        ANY_USER,
        status=201,
        repeat_status=200,
        response=CertificateOut,
        errors=(403, 404),
        description="Once the workshop is over and attendance meets the workshop's threshold "
        "(and a required evaluation is answered): 201 with the new certificate. A repeat is "
        "200 with the same certificate (same number and code) and issues nothing. 403 "
        "`not_eligible` says why not (below the threshold, workshop not over yet or cancelled, "
        "evaluation not answered, revoked, no seat). Someone else's registration is 404, as if "
        "it did not exist.",
    ),
    Operation(
        "get",
        "/registrations/{registration_id}/certificate.pdf",
        "The registration's issued certificate as PDF (owner or organizer)",
        ANY_USER,
        errors=(403, 404, 409),
        media="application/pdf",
        description="Only a certificate issued already: a GET issues nothing. 409 `not_issued` "
        "when it is eligible but not issued yet (issue it with `POST "
        "/registrations/{registration_id}/certificate`); 403 `not_eligible` says why there is "
        "none (below the threshold, workshop not over yet or cancelled, revoked, no seat). "
        "Someone else's registration is 404, as if it did not exist.",
    ),
    Operation(
        "post",
        "/workshops/{workshop_id}/certificates",
        "Issue a certificate to every eligible officer who has none yet",
        ORGANIZER,
        response=CertificatesIssuedOut,
        errors=(404, 409),
        description="Once the workshop is over; before that 409 `not_allowed`. Numbers follow "
        "the names in alphabetical order. Repeating it issues nothing new.",
    ),
    Operation(
        "get",
        "/workshops/{workshop_id}/certificates.pdf",
        "Every valid certificate of a workshop in one PDF",
        ORGANIZER,
        errors=(404,),
        media="application/pdf",
        description="Only certificates issued already: a GET issues nothing (see `POST "
        "/workshops/{workshop_id}/certificates`). 404 when there is none.",
    ),
    Operation(
        "get",
        "/workshops/{workshop_id}/report.pdf",
        "The workshop's summary report (totals, attendance per session, by district and "
        "agency, attendees, no-shows) as PDF",
        ORGANIZER,
        errors=(404,),
        media="application/pdf",
    ),
    Operation(
        "get",
        "/workshops/{workshop_id}/attendance.csv",
        "Every registration with its status and check-in per session, as CSV (UTF-8 with BOM)",
        ORGANIZER,
        errors=(404,),
        media="text/csv",
        description="Text cells that a spreadsheet could read as a formula start with `'`.",
    ),
    Operation(
        "get",
        "/workshops/{workshop_id}/attendance.xlsx",
        "The attendance export as an Excel workbook",
        ORGANIZER,
        errors=(404,),
        media="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        description="Text cells that a spreadsheet could read as a formula start with `'`.",
    ),
)

OPERATIONS += (
    Operation(
        "get",
        "/registrations/{registration_id}/attendance",
        "Attendance against the workshop's certificate rule (owner or organizer)",
        ANY_USER,
        response=AttendanceOut,
        errors=(404,),
        description="Sessions and training hours present and excused, the rule (a share of "
        "hours or of sessions), whether it is met, and the certificate's standing with the "
        "message the officer's page shows. Someone else's registration is 404.",
    ),
    Operation(
        "put",
        "/registrations/{registration_id}/excuses/{session_id}",
        "Excuse a confirmed registrant's absence from a session (audited)",
        ORGANIZER,
        request=ExcuseRequest,
        response=ExcuseOut,
        errors=(400, 404, 409, 422),
        description="`leave` (ลา), `official_duty` (ไปราชการ) or `other` with a reason. Sets "
        "or changes the excuse. 409 `not_allowed` when the person was checked in to the "
        "session, is not confirmed, or the workshop was cancelled. Whether excused sessions "
        "count toward the certificate rule is the workshop's `excused_count`.",
    ),
    Operation(
        "delete",
        "/registrations/{registration_id}/excuses/{session_id}",
        "Withdraw an excuse (audited); the session counts as missed again",
        ORGANIZER,
        errors=(404,),
    ),
    Operation(
        "get",
        "/workshops/{workshop_id}/sessions/{session_id}/signin-sheet.pdf",
        "A session's sign-in sheet (ใบลงลายมือชื่อ) as PDF",
        ORGANIZER,
        errors=(404, 422),
        media="application/pdf",
        query=(
            {
                "name": "blank",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 0, "maximum": 200},
                "description": "Numbered blank rows after the list, for walk-ins.",
            },
            {
                "name": "times",
                "in": "query",
                "required": False,
                "schema": {"type": "string", "enum": ["1"]},
                "description": "`1`: the after-event sheet, with check-in times and excuses.",
            },
        ),
        description="Confirmed registrants in Thai name order with position and agency, a "
        "blank column to sign in and one for remarks; the workshop, the session's day and "
        "time (Buddhist Era) and the venue head every page.",
    ),
)

_ERROR_RESPONSES: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "The body is not JSON, or not a JSON object (`invalid_json`)."),
    401: ("Unauthorized", "No token, or an unknown or expired one (`unauthorized`)."),
    403: ("Forbidden", "The caller's role may not do this (`forbidden`)."),
    404: ("NotFound", "No such record, or not visible to the caller (`not_found`)."),
    405: ("MethodNotAllowed", "The path exists but not with this method."),
    409: (
        "Conflict",
        "The request clashes with the record's state (e.g. `invalid_status_change`).",
    ),
    412: (
        "PreconditionFailed",
        "`If-Match` names an older version than the record's (`version_mismatch`): someone "
        "changed it meanwhile. The response's `ETag` is the current version; nothing was saved.",
    ),
    422: (
        "ValidationFailed",
        "Invalid fields (`validation_failed`); `fields` says which and why. A NUL character in "
        "a query parameter is refused this way on every operation.",
    ),
    429: (
        "TooManyRequests",
        "Rate limited (`rate_limited`) or, on the token endpoint, too many failed sign-ins "
        "(`too_many_attempts`); `Retry-After` says how many seconds to wait.",
    ),
}


def _schemas() -> tuple[dict[tuple[type[BaseModel], str], dict[str, Any]], dict[str, Any]]:
    models = {ErrorOut: "serialization"}
    for op in OPERATIONS:
        if op.request is not None:
            models[op.request] = "validation"
        if op.response is not None:
            models[op.response] = "serialization"
    refs, top = models_json_schema(
        [(model, mode) for model, mode in models.items()],  # type: ignore[misc]
        ref_template="#/components/schemas/{model}",
    )
    return refs, top.get("$defs", {})


_ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": INT32_MAX}
# Path parameters that are not record ids.
STRING_PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "code": {"type": "string", "maxLength": 40, "examples": ["7K2M-QD9X-4TNB-H8RW"]},
}


def _path_parameters(path: str) -> list[dict[str, Any]]:
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": STRING_PATH_PARAMETERS.get(name, _ID_SCHEMA),
        }
        for name in names
    ]


def _operation(op: Operation, refs: dict[tuple[type[BaseModel], str], Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "operationId": f"{op.method}_{op.path.strip('/').replace('/', '_')}".replace("{", "")
        .replace("}", "")
        .replace(".", "_"),
        "summary": op.summary,
        "tags": [op.path.strip("/").split("/")[0]],
    }
    if op.description:
        spec["description"] = op.description
    parameters = _path_parameters(op.path) + list(op.query)
    if parameters:
        spec["parameters"] = parameters
    if op.request is not None:
        spec["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(op.request, "validation")]}},
        }

    if op.media != "application/json":
        body: dict[str, Any] = {"type": "string", "contentMediaType": op.media}
    elif op.response is None:
        body = {"type": "object"}
    else:
        body = refs[(op.response, "serialization")]
        if op.many:
            body = {"type": "array", "items": body}
    responses: dict[str, Any] = {
        str(op.status): {"description": "OK", "content": {op.media: {"schema": body}}}
    }
    if op.repeat_status is not None:
        responses[str(op.repeat_status)] = {
            "description": "Done already: nothing changed",
            "content": {op.media: {"schema": body}},
        }
    if op.etag:
        responses[str(op.status)]["headers"] = {
            "ETag": {
                "description": "The record's edit version, for `If-Match` on a later PATCH.",
                "schema": {"type": "string"},
            }
        }
    codes = set(op.errors)
    if op.query:
        codes.add(422)  # a NUL character in any query parameter (web.request_input)
    if op.who == PUBLIC:
        spec["security"] = []
    elif op.who == OPTIONAL:
        spec["security"] = [{}, {"bearerAuth": []}]
        codes.add(401)
    else:
        spec["security"] = [{"bearerAuth": []}]
        codes.add(401)
        if op.who != ANY_USER:
            roles = (op.who,) if isinstance(op.who, str) else op.who
            codes.add(403)
            spec["x-roles"] = list(roles)
            spec["description"] = (
                f"Role: {' or '.join(roles)}. " + spec.get("description", "")
            ).strip()
    for code in sorted(codes):
        responses[str(code)] = {"$ref": f"#/components/responses/{_ERROR_RESPONSES[code][0]}"}
    spec["responses"] = responses
    return spec


@lru_cache(maxsize=1)
def build_document() -> dict[str, Any]:
    refs, schemas = _schemas()
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op, refs)
    error_ref = refs[(ErrorOut, "serialization")]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "workshop API",
            "version": "1",
            "description": (
                "Capacity-building workshops for Thai government officers. JSON in and out "
                '(UTF-8). Errors are 4xx with `{"error": {"code", "message"[, "fields"]}}`;'
                " messages are Thai, or English with `Accept-Language: en`."
            ),
        },
        "servers": [{"url": PREFIX}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from `POST /auth/token`.",
                }
            },
            "responses": {
                name: {
                    "description": text,
                    "content": {"application/json": {"schema": error_ref}},
                }
                for name, text in _ERROR_RESPONSES.values()
            },
        },
    }


def document_paths() -> set[tuple[str, str]]:
    """(method, full path template) of every operation the document describes."""
    return {(op.method.upper(), PREFIX + op.path) for op in OPERATIONS}


@api_bp.get("/openapi.json")
def openapi_document():
    return build_document()
