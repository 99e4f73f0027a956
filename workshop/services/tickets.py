"""QR ticket tokens: compact, signed, revocable.

A token is ``T1`` followed by 36 base32 characters encoding the registration id (4 bytes), the
registration's ticket secret (8 bytes) and an HMAC-SHA256 tag (10 bytes) keyed from the app's
secret key. Base32 uses only capitals and digits, so the QR code uses alphanumeric mode and
stays at version 3 (29×29 modules) at error correction M: quick to read from a phone screen or a
creased printout. The tag lets a forged token be refused without touching the database; the
per-registration secret lets an organizer revoke a ticket by rotating it (the officer is mailed
the new one). Only the canonical spelling is accepted: the last base32 character carries four
padding bits, and a spelling that differs in them would decode to the same ticket yet miss the
fingerprint an offline door matches (case does not matter: tokens are read upper-cased).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct

from flask import current_app

from workshop.extensions import db
from workshop.models import Registration
from workshop.services.errors import InvalidTicket

PREFIX = "T1"
_SECRET_BYTES = 8
_TAG_BYTES = 10
_PAYLOAD = struct.Struct(">I8s")
_TOKEN_BYTES = _PAYLOAD.size + _TAG_BYTES
MAX_TOKEN_LENGTH = 64  # anything longer is not one of ours; refuse before decoding


def new_ticket_secret() -> str:
    return secrets.token_hex(_SECRET_BYTES)


def _key() -> bytes:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, b"workshop ticket v1", hashlib.sha256).digest()


def _tag(payload: bytes) -> bytes:
    return hmac.new(_key(), payload, hashlib.sha256).digest()[:_TAG_BYTES]


def ticket_token(registration: Registration) -> str:
    """The text inside the registration's QR code."""
    payload = _PAYLOAD.pack(registration.id, bytes.fromhex(registration.ticket_secret))
    return _spell(payload + _tag(payload))


def _spell(raw: bytes) -> str:
    return PREFIX + base64.b32encode(raw).decode().rstrip("=")


def ticket_fingerprint(token: str) -> str:
    """A one-way digest of a token, for rosters kept on door devices (never the token itself)."""
    return hashlib.sha256(token.strip().upper().encode()).hexdigest()[:32]


def verify_ticket(token: str) -> tuple[int, bytes]:
    """The registration id and ticket secret a token carries, once its signature checks out;
    ``InvalidTicket`` for anything forged or garbled. Touches no database: whether the secret
    is still the registration's current one is for the caller to check."""
    text = (token or "").strip().upper()
    if len(text) > MAX_TOKEN_LENGTH or not text.startswith(PREFIX):
        raise InvalidTicket()
    body = text[len(PREFIX) :]
    try:
        raw = base64.b32decode(body + "=" * (-len(body) % 8))
    except ValueError as exc:
        raise InvalidTicket() from exc
    if len(raw) != _TOKEN_BYTES or _spell(raw) != text:
        raise InvalidTicket()  # wrong length, or a non-canonical spelling of a ticket
    payload, tag = raw[: _PAYLOAD.size], raw[_PAYLOAD.size :]
    if not hmac.compare_digest(tag, _tag(payload)):
        raise InvalidTicket()
    registration_id, secret = _PAYLOAD.unpack(payload)
    return registration_id, secret


def is_current_secret(stored_secret: str, secret: bytes) -> bool:
    """False once the registration's ticket was rotated after this token was issued."""
    return hmac.compare_digest(bytes.fromhex(stored_secret), secret)


def holds_ticket(registration: Registration) -> bool:
    """A ticket is good while the registration stands and the workshop is still on."""
    return registration.status != "cancelled" and registration.workshop.status != "cancelled"


def registration_for_ticket(token: str) -> Registration | None:
    """The registration whose current, standing ticket ``token`` is; None for a forged,
    reissued or cancelled one."""
    try:
        registration_id, secret = verify_ticket(token)
    except InvalidTicket:
        return None
    registration = db.session.get(Registration, registration_id)
    if registration is None or not is_current_secret(registration.ticket_secret, secret):
        return None
    return registration if holds_ticket(registration) else None
