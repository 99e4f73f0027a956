"""People who use the system: organizers, door staff and officers."""

from __future__ import annotations

import enum
import time
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workshop.extensions import db
from workshop.models.office import Office
from workshop.models.types import UTCDateTime, utcnow
from workshop.thai.names import full_name

# Officers registered at the door without an e-mail address get an address under a reserved
# domain (RFC 2606): unique as the column requires, and never mailed.
WALK_IN_EMAIL_DOMAIN = "no-email.invalid"
# Deleted (anonymised) accounts keep a unique, reserved and never-mailed address under this
# domain: ``deleted-<id>@deleted.invalid``.
DELETED_EMAIL_DOMAIN = "deleted.invalid"
# Where an officer's notices go (services.line_accounts): e-mail, their linked LINE, or both.
NOTICE_CHANNELS = ("email", "line", "both")


class Role(enum.StrEnum):
    ADMIN = "admin"  # manages offices and accounts (pages under /admin)
    ORGANIZER = "organizer"
    STAFF = "staff"
    OFFICER = "officer"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    EMAIL_MAX = 254
    LINE_USER_ID_MAX = 33
    NAME_MAX = 100
    TEXT_MAX = 200

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=Role.OFFICER.value)
    title_prefix: Mapped[str] = mapped_column(String(50), default="")
    first_name: Mapped[str] = mapped_column(String(NAME_MAX))
    last_name: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    position: Mapped[str] = mapped_column(String(TEXT_MAX), default="")
    agency: Mapped[str] = mapped_column(String(TEXT_MAX), default="")
    # The office the person works for: for organizers and staff, what they may see and manage
    # (services.offices); for officers, the office they picked (None: "อื่น ๆ", ``agency``
    # then holds the text they typed).
    office_id: Mapped[int | None] = mapped_column(
        ForeignKey("offices.id"), nullable=True, index=True
    )
    district: Mapped[str] = mapped_column(String(100), default="")
    province: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    pdpa_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when the account was deleted at its owner's request or after the retention period
    # (PDPA): the row stays, anonymised, so that registrations, check-ins and certificate
    # numbers keep pointing somewhere and the statistics survive.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Every browser sign-in carries the generation it began in (``sign_in_id``); signing out,
    # a password change and "sign out everywhere" add one, which ends all of them at once
    # (services.accounts.end_browser_sessions).
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # LINE (services.line_accounts): the user id LINE Login gave for the office's provider
    # (``U`` and 32 hex digits), when it was linked, and since when LINE has said the officer
    # cannot be reached there (blocked the Official Account, or a push was refused); notices
    # then go by e-mail until a follow event says otherwise.
    line_user_id: Mapped[str | None] = mapped_column(
        String(LINE_USER_ID_MAX), unique=True, nullable=True
    )
    line_linked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    line_blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    notice_channel: Mapped[str] = mapped_column(String(10), default="email")

    office: Mapped[Office | None] = relationship()
    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated accounts cannot sign in
        return self.active

    @property
    def full_name(self) -> str:
        """Thai convention: the title prefix is written without a space before the first name."""
        return full_name(self.title_prefix, self.first_name, self.last_name)

    @property
    def mailable(self) -> bool:
        """False for walk-in accounts registered at the door without an e-mail address."""
        return not self.email.endswith(("@" + WALK_IN_EMAIL_DOMAIN, "@" + DELETED_EMAIL_DOMAIN))

    @property
    def deleted(self) -> bool:
        """True once the account was deleted and its personal data removed."""
        return self.deleted_at is not None

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    def sign_in_id(self) -> str:
        """What a browser's session and remember cookies carry (Flask-Login's ``id_attribute``):
        the account, its session generation and the sign-in time, in whole seconds."""
        return f"{self.id}.{self.session_generation}.{int(time.time())}"

    @staticmethod
    def parse_sign_in_id(value: str) -> tuple[int, int, int] | None:
        """(account id, session generation, sign-in time) from ``sign_in_id``, or None."""
        parts = value.split(".")
        if len(parts) != 3 or not all(part.isascii() and part.isdigit() for part in parts):
            return None  # e.g. a cookie from before generations: signed out
        user_id, generation, signed_in = (int(part) for part in parts)
        return user_id, generation, signed_in

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    user: Mapped[User] = relationship(back_populates="tokens")


class SignInFailure(db.Model):
    """A failed sign-in (or one whose password is being checked) for one account from one
    client, kept for the throttle in ``services.throttle``. In the database, so that every
    worker and host counts the same attempts. ``key`` is a keyed hash of the e-mail address and
    the client's IP address: neither is stored."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_key_failed_at", "key", "failed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
