"""Domain errors raised by services and mapped to responses by the web and API layers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A rule said no. ``code`` is the stable snake_case name used by the JSON API."""

    code = "domain_error"
    http_status = 400
    # Set on a door's synced scan that was refused and kept for the organizer (refused_scans),
    # so the door can say whether the organizer will see it.
    kept_for_organizer = False

    def __init__(self, message: str | None = None, *, code: str | None = None) -> None:
        self.message = message if message is not None else self.default_message()
        if code:
            self.code = code
        super().__init__(str(self.message))

    def default_message(self) -> str:
        return str(_l("คำขอไม่ถูกต้อง"))


class ValidationFailed(DomainError):
    """Input broke one or more rules; ``fields`` maps each field to its message."""

    code = "validation_failed"
    http_status = 422

    def __init__(self, fields: dict[str, str], message: str | None = None) -> None:
        self.fields = {name: str(text) for name, text in fields.items()}
        super().__init__(message or str(_l("ข้อมูลไม่ถูกต้อง กรุณาตรวจสอบช่องที่ระบุ")))


class NotFound(DomainError):
    code = "not_found"
    http_status = 404

    def default_message(self) -> str:
        return str(_l("ไม่พบข้อมูลที่ต้องการ"))


class InvalidStatusChange(DomainError):
    code = "invalid_status_change"
    http_status = 409


class AuthenticationFailed(DomainError):
    code = "invalid_credentials"
    http_status = 401

    def default_message(self) -> str:
        return str(_l("อีเมลหรือรหัสผ่านไม่ถูกต้อง"))


class DuplicateEmail(DomainError):
    code = "email_taken"
    http_status = 409

    def default_message(self) -> str:
        return str(_l("อีเมลนี้มีผู้ใช้แล้ว"))


class RegistrationClosed(DomainError):
    code = "registration_closed"
    http_status = 409

    def default_message(self) -> str:
        return str(_l("การอบรมนี้ไม่เปิดรับสมัครในขณะนี้"))


class AlreadyRegistered(DomainError):
    code = "already_registered"
    http_status = 409

    def default_message(self) -> str:
        return str(_l("คุณลงทะเบียนการอบรมนี้ไว้แล้ว"))


class WorkshopFull(DomainError):
    code = "workshop_full"
    http_status = 409

    def default_message(self) -> str:
        return str(_l("ที่นั่งเต็มแล้ว"))


class NotAllowed(DomainError):
    """The action exists but not for this record in its present state."""

    code = "not_allowed"
    http_status = 409


class LinkExpired(DomainError):
    """A nomination link that expired, was replaced, or whose quota seats were released."""

    code = "link_expired"
    http_status = 410

    def default_message(self) -> str:
        return str(_l("ลิงก์เสนอชื่อนี้หมดอายุหรือถูกยกเลิกแล้ว กรุณาติดต่อผู้จัด"))


class InvalidTicket(DomainError):
    code = "invalid_ticket"
    http_status = 400

    def default_message(self) -> str:
        return str(_l("บัตรไม่ถูกต้อง: ปลอม ถูกเปลี่ยนใหม่แล้ว หรืออ่านไม่ครบ"))


class WrongWorkshop(DomainError):
    code = "wrong_workshop"
    http_status = 409

    def default_message(self) -> str:
        return str(_l("บัตรนี้เป็นของการอบรมอื่น"))


class NotConfirmed(DomainError):
    """The holder has no seat. Given the registration's ``status``, the message says which
    (waiting list or cancelled) and what the door can do next."""

    code = "not_confirmed"
    http_status = 409

    def __init__(self, status: str | None = None) -> None:
        self.status = status
        super().__init__()

    def default_message(self) -> str:
        if self.status == "waitlisted":
            return str(_l("ผู้ถือบัตรอยู่ในรายชื่อสำรอง ยังไม่ได้ที่นั่ง — ผู้จัดรับเป็นผู้เข้าอบรมหน้างาน (walk-in) ได้"))
        if self.status == "cancelled":
            return str(
                _l("การลงทะเบียนของผู้ถือบัตรถูกยกเลิกแล้ว ยังไม่ได้ที่นั่ง — ผู้จัดรับเป็นผู้เข้าอบรมหน้างาน (walk-in) ได้")
            )
        return str(_l("ผู้ถือบัตรยังไม่ได้ที่นั่ง (อยู่ในรายชื่อสำรองหรือยกเลิกแล้ว)"))


class SessionNotOpen(DomainError):
    code = "session_not_open"
    http_status = 409

    def default_message(self) -> str:
        return str(_l("ช่วงการอบรมนี้ยังไม่เปิดหรือปิดการเช็กอินแล้ว"))


class SyncTooLate(DomainError):
    """An offline scan reached the server too long after the session's check-in closed."""

    code = "sync_too_late"
    http_status = 409

    def default_message(self) -> str:
        return str(_l("ส่งผลสแกนออฟไลน์ช้าเกินกำหนด ให้ผู้จัดบันทึกการเข้าร่วมแทน"))


class AlreadyUndone(DomainError):
    """The check-in was undone already (by another request, or an earlier press)."""

    code = "already_undone"
    http_status = 409

    def default_message(self) -> str:
        return str(_l("การเช็กอินนี้ถูกยกเลิกไปแล้ว"))


class WorkshopCancelled(DomainError):
    """The workshop was cancelled: no seats change, nobody checks in, no certificates."""

    code = "workshop_cancelled"
    http_status = 409

    def default_message(self) -> str:
        return str(_l("การอบรมนี้ถูกยกเลิกแล้ว"))


class NoQRCode(DomainError):
    code = "no_qr_found"
    http_status = 422

    def default_message(self) -> str:
        return str(_l("ไม่พบ QR ในภาพ"))


class NotEligible(DomainError):
    """No certificate (yet): the message says why, in the officer's terms."""

    code = "not_eligible"
    http_status = 403

    def default_message(self) -> str:
        return str(_l("ยังไม่มีสิทธิ์ได้รับเกียรติบัตร"))


class NotIssued(NotEligible):
    """Eligible, but no certificate has been issued yet. Downloading (a GET) never issues one:
    issuing is a POST, so the download answers this instead."""

    code = "not_issued"
    http_status = 409


class TooManySignInAttempts(DomainError):
    """Too many failed sign-ins for this account: wait ``retry_after`` seconds."""

    code = "too_many_attempts"
    http_status = 429

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        minutes = max(1, -(-retry_after // 60))
        super().__init__(
            str(_l("เข้าสู่ระบบไม่สำเร็จหลายครั้ง กรุณารอ %(minutes)d นาทีแล้วลองใหม่", minutes=minutes))
        )


class NotCheckedIn(DomainError):
    """A check-out for someone the door never checked in to the session."""

    code = "not_checked_in"
    http_status = 409

    def default_message(self) -> str:
        return str(_l("ผู้นี้ยังไม่ได้เช็กอินช่วงนี้ จึงสแกนออกไม่ได้"))


@dataclass(frozen=True)
class Difference:
    """One field of a record as the editor sent it and as it is stored now."""

    field: str
    yours: Any
    current: Any


class EditConflict(DomainError):
    """The record was changed (its version moved on) after the editor loaded it: saving would
    overwrite the newer values. ``differences`` are the fields where the editor's values and
    the stored ones differ; ``current_version`` is the version to send to save anyway."""

    code = "version_mismatch"
    http_status = 412

    def __init__(self, current_version: int, differences: list[Difference]) -> None:
        self.current_version = current_version
        self.differences = differences
        super().__init__(
            str(
                _l(
                    "ข้อมูลนี้ถูกแก้ไขไปแล้ว (ฉบับที่ %(version)d) หลังจากที่คุณเปิดไว้ "
                    "จึงยังไม่ได้บันทึก กรุณาดูค่าล่าสุดแล้วส่งใหม่",
                    version=current_version,
                )
            )
        )


def check_version(
    record_version: int,
    expected_version: int | None,
    yours: dict[str, Any],
    current: dict[str, Any],
) -> None:
    """Raise ``EditConflict`` when the editor's ``expected_version`` is not the record's
    (None: the caller did not say which version it edited, nothing to check). Call it with the
    record locked, so the comparison holds until commit."""
    if expected_version is None or expected_version == record_version:
        return
    differences = [
        Difference(name, value, current.get(name))
        for name, value in yours.items()
        if _comparable(value) != _comparable(current.get(name))
    ]
    raise EditConflict(record_version, differences)


def _comparable(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class InvalidResetLink(DomainError):
    """A password reset link that is unknown, used, expired, or of an account gone since."""

    code = "invalid_reset_link"
    http_status = 400

    def default_message(self) -> str:
        return str(_l("ลิงก์ตั้งรหัสผ่านใหม่นี้ใช้ไม่ได้แล้ว (ใช้ไปแล้วหรือเกิน 1 ชั่วโมง) กรุณาขอลิงก์ใหม่"))
