"""Configuration: defaults, then ``WORKSHOP_*`` environment variables, then explicit overrides."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Config, Flask

DEFAULTS: dict[str, Any] = {
    "BASE_URL": "http://127.0.0.1:5000",
    "DEFAULT_LOCALE": "th",
    "LANGUAGES": ["th", "en"],
    "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).resolve().parent / "translations"),
    "TIMEZONE": "Asia/Bangkok",
    # API tokens expire so that a lost phone or leaked script does not grant access forever.
    "API_TOKEN_DAYS": 30,
    # Each process remembers a token's user this long (a door phone sends one token per scan);
    # revoked tokens stop working in every process within this time. 0 looks up every request.
    "API_TOKEN_CACHE_SECONDS": 5,
    # PDPA: officer accounts with no workshop in this many years are anonymised by
    # ``flask purge-expired`` (services.privacy); government records are commonly kept 5 years.
    "RETENTION_YEARS": 5,
    # The lunch break (Bangkok wall clock, "HH:MM-HH:MM"): a session's default training hours
    # are its length less the part of it inside this break. Empty or "none": no lunch break.
    "LUNCH_BREAK": "12:00-13:00",
    # A door that was offline may sync its queued scans, with the times they were made, until
    # this many hours after the session's check-in window closed; later only an organizer's
    # audited override checks someone in (services.checkins).
    "CHECKIN_SYNC_HOURS": 24,
    # flask backup: where the files go (empty: instance/backups) and how long they are kept.
    # Backups hold personal data, including that of accounts erased since: keep them no longer
    # than a restore could need (PDPA storage limitation), so erasures age out of them too.
    "BACKUP_DIR": "",
    "BACKUP_KEEP_DAYS": 30,
    # Digital signature on certificates (pdf.signing): a PKCS#12 file with an
    # RSA key and its certificate (and chain), and its password. Empty: nothing is signed.
    "SIGNING_P12_PATH": "",
    "SIGNING_P12_PASSWORD": "",
    "WTF_CSRF_TIME_LIMIT": None,  # forms stay valid while a page is open all day at a venue
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    # "Remember me" keeps a browser signed in this long at most (Flask-Login's default is a
    # year); no sign-in is accepted after it, remembered or not (web.load_user). Seconds in
    # WORKSHOP_REMEMBER_COOKIE_DURATION.
    "REMEMBER_COOKIE_DURATION": timedelta(days=30),
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    # Mail to officers (services.mail). Without MAIL_SERVER, messages are written to
    # instance/outbox/ as .eml files instead of being sent.
    "MAIL_SERVER": "",
    "MAIL_PORT": 25,
    "MAIL_USERNAME": "",
    "MAIL_PASSWORD": "",
    "MAIL_USE_TLS": False,  # STARTTLS after connecting
    "MAIL_USE_SSL": False,  # TLS from the start (usually port 465)
    "MAIL_SENDER": "ระบบจัดการการอบรม <no-reply@localhost>",
    "MAIL_TIMEOUT": 10,  # seconds
    # Who delivers queued mail: "background" (a sender thread per process), "inline" (right
    # after the request's commit, in its thread) or "manual" (flask send-mail, e.g. from cron).
    "MAIL_DELIVERY": "background",
    "MAIL_POLL_SECONDS": 30,
    # Days before a workshop's first session that confirmed registrants are reminded (with
    # their ticket); a workshop may set its own; 0: no reminders (services.reminders).
    "REMINDER_DAYS": 1,
    # Messages an organizer may send to one workshop's registrants in any hour.
    "MESSAGES_PER_HOUR": 3,
    # werkzeug's password hash method ("scrypt"; the tests use a cheap pbkdf2 to stay fast).
    "PASSWORD_HASH_METHOD": "scrypt",
    # Behind a reverse proxy: how many proxies set X-Forwarded-For/-Proto (0: none trusted).
    # Rate limits are per client IP, so set this when a proxy stands in front.
    "PROXY_FIX": 0,
    # Shared storage for rate limits and sign-in throttling (e.g. redis://127.0.0.1:6379/0);
    # empty: in memory, per process (limits then multiply with the gunicorn workers).
    "REDIS_URL": "",
    # Rate limits (workshop.ratelimit), in the "N per minute" notation of the limits library,
    # several separated by ";". Sign-in and sign-up per client IP (a training room shares one),
    # check-in endpoints per staff token or signed-in user (a busy door scans fast).
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_SIGN_IN": "60 per minute",
    "RATELIMIT_SIGN_UP": "30 per minute;300 per day",
    "RATELIMIT_API_TOKEN": "30 per minute",
    "RATELIMIT_CHECKIN": "600 per minute",
    # Certificate checks per client IP: an HR office verifying a stack of certificates is well
    # inside it; walking the code space is not (codes are 80 random bits anyway).
    "RATELIMIT_VERIFY": "120 per minute;2000 per day",
    # Failed sign-ins for one account from one client before it is refused for a while.
    "RATELIMIT_SIGN_IN_FAILURES": "5 per 5 minutes",
    # Password reset requests: per client IP (Flask-Limiter), and reset mails per account
    # (counted in the database by services.password_resets).
    "RATELIMIT_PASSWORD_RESET": "10 per 15 minutes;50 per day",
    "RATELIMIT_PASSWORD_RESET_ACCOUNT": "3 per hour",
    "RATELIMIT_SWALLOW_ERRORS": True,  # a storage outage must not take the site down
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    # The office's LINE Official Account (services.line): its Messaging API channel (notices
    # pushed to officers, the follow/unfollow webhook) and its LINE Login channel (officers link
    # their LINE account). All four or none; with none, nothing about LINE shows anywhere.
    "LINE_CHANNEL_ACCESS_TOKEN": "",
    "LINE_CHANNEL_SECRET": "",
    "LINE_LOGIN_CHANNEL_ID": "",
    "LINE_LOGIN_CHANNEL_SECRET": "",
    # Where LINE's servers are; tests and the demo point these at a local fake of LINE.
    "LINE_API_URL": "https://api.line.me",
    "LINE_ACCESS_URL": "https://access.line.me",
    "LINE_TIMEOUT": 10,  # seconds per request to LINE
    # The office that runs the site, shown in every page's header and footer and named as the
    # data controller in the privacy notice. The logo is an image file (PNG, SVG, JPEG or
    # WebP); empty: the built-in emblem. Empty name: the header shows only the system's name.
    "OFFICE_NAME": "",
    "OFFICE_NAME_EN": "",
    "OFFICE_LOGO": "",
    "OFFICE_ADDRESS": "",
    "OFFICE_PHONE": "",
    "OFFICE_EMAIL": "",
}
LINE_CHANNEL_KEYS = (
    "LINE_CHANNEL_ACCESS_TOKEN",
    "LINE_CHANNEL_SECRET",
    "LINE_LOGIN_CHANNEL_ID",
    "LINE_LOGIN_CHANNEL_SECRET",
)


def settings_from_environment() -> Config:
    """The defaults with the ``WORKSHOP_*`` variables applied, without building an app (the
    gunicorn master reads them at start: ``workshop.ratelimit.warn_at_gunicorn_start``)."""
    config = Config(str(Path(__file__).resolve().parent))
    config.update(DEFAULTS)
    config.from_prefixed_env("WORKSHOP")
    return config


def load_config(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Fill ``app.config``: defaults < environment (``WORKSHOP_*``) < ``overrides``."""
    app.config.update(DEFAULTS)
    app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'workshop.db'}"
    app.config.from_prefixed_env("WORKSHOP")
    if "WORKSHOP_SECRET_KEY" in os.environ:
        # Text as given: from_prefixed_env reads a key of digits as a number (a 40-digit key
        # crashed the start, a 10-digit one allocated a gigabyte).
        app.config["SECRET_KEY"] = os.environ["WORKSHOP_SECRET_KEY"]
    if overrides:
        app.config.update(overrides)

    years = app.config["RETENTION_YEARS"]
    if isinstance(years, bool) or not isinstance(years, int) or years < 1:
        raise ValueError(f"WORKSHOP_RETENTION_YEARS must be a whole number >= 1, not {years!r}")

    app.config["LUNCH_BREAK"] = parse_lunch_break(app.config["LUNCH_BREAK"])
    check_line_settings(app.config)
    hours = app.config["CHECKIN_SYNC_HOURS"]
    if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 <= hours <= 24 * 30:
        raise ValueError(
            f"WORKSHOP_CHECKIN_SYNC_HOURS must be a number of hours from 0 to 720, not {hours!r}"
        )

    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["DATABASE_URL"])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # SQLite: wait for a writer instead of failing at once when several workers write.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
            "connect_args": {"timeout": 30},
        }
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(Path(app.instance_path))
    if not (app.debug or app.testing):
        refuse_weak_secret_key(app.config["SECRET_KEY"])
    # Cookies are Secure when the site is served over https, unless set explicitly.
    secure = str(app.config["BASE_URL"]).startswith("https://")
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if f"WORKSHOP_{key}" not in os.environ and key not in (overrides or {}):
            app.config[key] = secure
    duration = app.config["REMEMBER_COOKIE_DURATION"]
    if not isinstance(duration, timedelta):
        app.config["REMEMBER_COOKIE_DURATION"] = timedelta(seconds=int(duration))
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["DEFAULT_LOCALE"]
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["TIMEZONE"]


def parse_lunch_break(value: Any) -> tuple[dt.time, dt.time] | None:
    """``"12:00-13:00"`` as (start, end) wall-clock times; empty or ``none`` for no break.

    A malformed value stops the start with a message rather than silently changing how every
    session's hours are counted.
    """
    if value is None or isinstance(value, tuple):
        return value
    text = str(value).strip().lower()
    if text in ("", "none", "no", "off", "0"):
        return None
    try:
        start_text, end_text = (part.strip() for part in text.replace("–", "-").split("-"))
        start, end = dt.time.fromisoformat(start_text), dt.time.fromisoformat(end_text)
    except ValueError:
        start = end = None
    if start is None or end is None or not start < end:
        raise ValueError(
            f"WORKSHOP_LUNCH_BREAK must look like 12:00-13:00 (start before end), not {value!r}"
        )
    return start, end


# The key signs session and remember cookies and ticket tokens: a guessable key lets anyone forge
# a cookie for any account. Refused outside debug and testing.
SECRET_KEY_MIN_BYTES = 32
MAKE_SECRET_KEY = 'python -c "import secrets; print(secrets.token_hex(32))"'
# Words that appear in example and placeholder keys (compared without case or punctuation).
PLACEHOLDER_WORDS = (
    "changeme",
    "changethis",
    "replaceme",
    "secretkey",
    "yoursecret",
    "mysecret",
    "notsecret",
    "supersecret",
    "testsecret",
    "benchsecret",
    "devkey",
    "development",
    "insecure",
    "example",
    "placeholder",
    "password",
)


def secret_key_problem(key: str | bytes) -> str | None:
    """Why ``key`` is too weak to sign cookies, or None."""
    if not isinstance(key, str | bytes):
        return f"is a {type(key).__name__}, not text"
    raw = key.encode() if isinstance(key, str) else key
    if len(raw) < SECRET_KEY_MIN_BYTES:
        return f"has {len(raw)} bytes; at least {SECRET_KEY_MIN_BYTES} are needed"
    letters = "".join(ch for ch in raw.decode("utf-8", "replace").lower() if ch.isalnum())
    if any(word in letters for word in PLACEHOLDER_WORDS):
        return "is a placeholder, not a secret"
    if len(set(raw)) < 8:  # "xxxx...", "0000...", "abab..."
        return "repeats a few characters; it must be random"
    return None


def refuse_weak_secret_key(key: str | bytes) -> None:
    problem = secret_key_problem(key)
    if problem:
        raise RuntimeError(
            f"WORKSHOP_SECRET_KEY {problem}. Make one with\n    {MAKE_SECRET_KEY}\n"
            "and set it in WORKSHOP_SECRET_KEY (the same for every worker), or leave it unset "
            "to use the key generated in instance/secret_key."
        )


def check_line_settings(config: dict[str, Any]) -> None:
    """LINE is used with both of its channels or not at all: half a configuration would show
    officers a link button that cannot work, or push to nobody."""
    given = [key for key in LINE_CHANNEL_KEYS if str(config.get(key) or "").strip()]
    if given and len(given) != len(LINE_CHANNEL_KEYS):
        missing = ", ".join(f"WORKSHOP_{key}" for key in LINE_CHANNEL_KEYS if key not in given)
        raise ValueError(f"LINE is half configured: set {missing} too, or none of WORKSHOP_LINE_*")


def normalise_database_url(url: str) -> str:
    """Accept the ``postgres://`` and ``postgresql://`` spellings and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def instance_secret_key(instance: Path) -> str:
    """Read the secret key kept in the instance folder, creating it on first start.

    Created with O_EXCL so that workers starting together agree on one key.
    """
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    for _ in range(50):  # another worker may be between creating and writing the file
        key = path.read_text().strip()
        if key:
            return key
        time.sleep(0.02)
    raise RuntimeError(f"{path} is empty; delete it or set WORKSHOP_SECRET_KEY")
