"""Officers and LINE: linking and unlinking their LINE account, where their notices go, and what
LINE's webhook says about them (follow, unfollow).

An officer chooses ``email``, ``line`` or ``both``. LINE is used only while it can work: LINE
configured, an account linked, and LINE not saying the officer cannot be reached (the officer
blocked the Official Account, or LINE refused a push to them). Otherwise the notice goes by
e-mail, whatever the choice, so that no notice is lost to a channel that cannot deliver it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from workshop.extensions import db
from workshop.models import User
from workshop.models.types import utcnow
from workshop.models.user import NOTICE_CHANNELS
from workshop.services.audit import record_event
from workshop.services.errors import DomainError, ValidationFailed
from workshop.services.line import USER_ID, line_settings
from workshop.services.transactions import write_transaction

log = logging.getLogger(__name__)

EMAIL, LINE, BOTH = NOTICE_CHANNELS
CHANNEL_LABELS = {
    EMAIL: _l("อีเมลเท่านั้น"),
    LINE: _l("LINE เท่านั้น"),
    BOTH: _l("ทั้ง LINE และอีเมล"),
}


class LineAccountTaken(DomainError):
    code = "line_account_taken"
    http_status = 409

    def default_message(self) -> str:
        return str(_l("บัญชี LINE นี้เชื่อมกับบัญชีผู้ใช้อื่นในระบบอยู่แล้ว ให้ยกเลิกการเชื่อมต่อที่บัญชีนั้นก่อน"))


def line_reachable(user: User) -> bool:
    """A push to this officer can work now."""
    return bool(user.line_user_id) and user.line_blocked_at is None and line_settings() is not None


def notice_channels(user: User) -> frozenset[str]:
    """The channels a notice to ``user`` goes out on now: their choice, with e-mail standing in
    for LINE whenever LINE cannot deliver."""
    if user.notice_channel in (LINE, BOTH) and line_reachable(user):
        return frozenset({LINE}) if user.notice_channel == LINE else frozenset({LINE, EMAIL})
    return frozenset({EMAIL})


def link_line_account(user: User, line_user_id: str) -> None:
    """Store the LINE user id that LINE Login verified. Notices then go to both LINE and
    e-mail until the officer chooses otherwise (they linked LINE to get notices there)."""
    if not USER_ID.fullmatch(line_user_id or ""):
        raise ValidationFailed({"line_user_id": str(_l("รหัสผู้ใช้ LINE ไม่ถูกต้อง"))})
    try:
        with write_transaction():
            owner = db.session.scalar(select(User.id).where(User.line_user_id == line_user_id))
            if owner is not None and owner != user.id:
                raise LineAccountTaken()
            relinked = user.line_user_id == line_user_id
            user.line_user_id = line_user_id
            user.line_linked_at = utcnow()
            user.line_blocked_at = None  # they just consented; LINE says so if they block us
            if user.notice_channel == EMAIL and not relinked:
                user.notice_channel = BOTH
            record_event(user, "user.line_link", user, {"channel": user.notice_channel})
    except IntegrityError as exc:  # the same LINE account linked by another user at once
        raise LineAccountTaken() from exc


def unlink_line_account(user: User) -> None:
    """Forget the LINE user id; notices go by e-mail again."""
    with write_transaction():
        if user.line_user_id is None:
            return
        forget_line_account(user)
        record_event(user, "user.line_unlink", user)


def forget_line_account(user: User) -> None:
    """Clear every LINE detail on the account, in the caller's transaction (unlinking, erasure)."""
    user.line_user_id = None
    user.line_linked_at = None
    user.line_blocked_at = None
    user.notice_channel = EMAIL


def choose_notice_channel(user: User, channel: str) -> None:
    if channel not in NOTICE_CHANNELS:
        raise ValidationFailed({"channel": str(_l("กรุณาเลือกช่องทางรับการแจ้งเตือน"))})
    if channel != EMAIL and not user.line_user_id:
        message = _l("เชื่อมต่อบัญชี LINE ก่อน จึงจะรับการแจ้งเตือนทาง LINE ได้")
        raise ValidationFailed({"channel": str(message)})
    with write_transaction():
        if user.notice_channel == channel:
            return
        user.notice_channel = channel
        record_event(user, "user.notice_channel", user, {"channel": channel})


def mark_line_unreachable(user: User, line_user_id: str, at: datetime) -> None:
    """LINE refused a push to ``line_user_id``: stop pushing to it until it follows again.
    In the caller's transaction; nothing if the officer has linked another account since."""
    if user.line_user_id == line_user_id and user.line_blocked_at is None:
        user.line_blocked_at = at


def apply_webhook_events(events: list[Any]) -> int:
    """Apply LINE's follow and unfollow events (other events are not used); returns how many
    changed an account. Unfollow means the officer blocked the Official Account: notices go by
    e-mail from now on. Follow (a new friend, or unblocked): LINE can be used again."""
    changed = 0
    with write_transaction():
        for event in events:
            if not isinstance(event, dict) or event.get("type") not in ("follow", "unfollow"):
                continue
            source = event.get("source")
            line_user_id = source.get("userId") if isinstance(source, dict) else None
            if not isinstance(line_user_id, str) or not USER_ID.fullmatch(line_user_id):
                continue
            user = db.session.scalar(
                select(User).where(User.line_user_id == line_user_id).with_for_update()
            )
            if user is None:
                continue  # a friend of the Official Account who has not linked an account here
            if event["type"] == "unfollow":
                if user.line_blocked_at is None:
                    user.line_blocked_at = _event_time(event)
                    changed += 1
            elif user.line_blocked_at is not None:
                user.line_blocked_at = None
                changed += 1
    if changed:
        log.info("LINE webhook: %d account(s) changed reachability", changed)
    return changed


def _event_time(event: dict[str, Any]) -> datetime:
    stamp = event.get("timestamp")  # milliseconds since the epoch
    if isinstance(stamp, int) and not isinstance(stamp, bool) and stamp > 0:
        try:
            return datetime.fromtimestamp(stamp / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            pass
    return utcnow()
