"""The installation's digital signature on certificates, and checking a downloaded file.

Optional: an office that holds a PKCS#12 key sets ``WORKSHOP_SIGNING_P12_PATH`` and
``WORKSHOP_SIGNING_P12_PASSWORD``; every certificate PDF (one, or a workshop's bulk file) is then
signed PAdES-B-B after it is drawn (``workshop.pdf.signature``). The key is read once per
process, when the app starts, so that a wrong path or password stops the server with a clear
message instead of failing downloads later.

Anyone may upload a downloaded file to /verify: :func:`verify_certificate_file` says whether its
signature is intact, covers the whole file, was made with this installation's key, and whether
the codes in it (its Keywords) belong to certificates issued here and still valid, or to a
transcript (ประวัติการอบรม) issued here, whose printed figures the page then shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask import Flask, current_app

from workshop.models import Certificate, Transcript
from workshop.services.certificates import certificate_by_code, format_code
from workshop.services.errors import NotFound
from workshop.services.transcripts import transcript_by_code

if TYPE_CHECKING:
    from workshop.pdf.signature import SignatureCheck, SigningKey

# workshop.pdf.signature (pyHanko, about a second to import) is imported where it is used: an
# installation that signs nothing never loads it, except to check an uploaded file.

_EXTENSION = "workshop_signing_key"
_CODE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")
MAX_CODES_SHOWN = 50  # a bulk file lists every certificate; the page shows the first ones


def configure_signing(app: Flask) -> None:
    """Load the configured key into the app (once, at start-up); no key configured: none.

    Raises ``ValueError`` naming the setting when the key cannot be used.
    """
    path = str(app.config.get("SIGNING_P12_PATH") or "")
    password = str(app.config.get("SIGNING_P12_PASSWORD") or "")
    if not path:
        if password:
            raise ValueError(
                "WORKSHOP_SIGNING_P12_PASSWORD is set but WORKSHOP_SIGNING_P12_PATH is not"
            )
        app.extensions[_EXTENSION] = None
        return
    from workshop.pdf.signature import SigningKeyError, load_signing_key

    try:
        app.extensions[_EXTENSION] = load_signing_key(path, password)
    except SigningKeyError as exc:
        raise ValueError(f"WORKSHOP_SIGNING_P12_PATH: {exc}") from exc


def signing_key() -> SigningKey | None:
    """This installation's key, or None when it signs nothing."""
    if _EXTENSION not in current_app.extensions:
        configure_signing(current_app)
    return current_app.extensions[_EXTENSION]


def sign_if_configured(data: bytes, reason: str) -> bytes:
    """``data`` signed with the installation's key, or as it is when there is none."""
    key = signing_key()
    if key is None:
        return data
    from workshop.pdf.signature import sign_pdf

    return sign_pdf(data, key, reason)


@dataclass(frozen=True)
class CodeFound:
    """A code read from a signed file, and what this installation knows of it: a certificate,
    a transcript, or neither (both None)."""

    code: str
    certificate: Certificate | None
    transcript: Transcript | None = None


@dataclass(frozen=True)
class FileVerification:
    """The answer to an uploaded file."""

    signing_enabled: bool  # this installation signs its certificates
    check: SignatureCheck
    codes: list[CodeFound] = field(default_factory=list)
    more_codes: int = 0  # codes beyond MAX_CODES_SHOWN
    fingerprint: str = ""  # of this installation's certificate, to compare by hand


def verify_certificate_file(data: bytes) -> FileVerification:
    """Check an uploaded certificate PDF: its signature, and the certificates its codes name
    (read only from a file whose signature is ours and covers it whole)."""
    from workshop.pdf.signature import check_signature

    key = signing_key()
    check = check_signature(data, key)
    found: list[CodeFound] = []
    codes: list[str] = []
    if check.valid:
        # Transcripts signed before their Keywords carried the code name it in the Subject.
        codes = list(dict.fromkeys(_CODE.findall(check.keywords) or _CODE.findall(check.subject)))
        found = [_look_up(code) for code in codes[:MAX_CODES_SHOWN]]
    return FileVerification(
        signing_enabled=key is not None,
        check=check,
        codes=found,
        more_codes=max(0, len(codes) - MAX_CODES_SHOWN),
        fingerprint=key.fingerprint if key is not None else "",
    )


def _look_up(code: str) -> CodeFound:
    """Certificates and transcripts share one code space (``new_code``): either may match."""
    try:
        return CodeFound(code, certificate_by_code(code))
    except NotFound:
        pass
    try:
        transcript = transcript_by_code(code)
    except NotFound:
        return CodeFound(format_code(code.replace("-", "")), None)
    return CodeFound(format_code(transcript.code), None, transcript)
