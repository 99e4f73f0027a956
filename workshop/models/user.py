"""People who use the system: organizers, door staff and officers."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workshop.extensions import db
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
