"""The password policy and password hashing.

A password must be 10–128 characters, have letters (not digits or symbols alone), not be the
account's e-mail or name with digits added, not be one of the passwords attackers try first
(``data/common_passwords.txt``, also behind digits and symbols: ``Password2559!``), and not
be a few characters repeated. Hashes use ``PASSWORD_HASH_METHOD`` (werkzeug's scrypt by
default; the test suite configures a cheap method to stay fast).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

PASSWORD_MIN = 10
PASSWORD_MAX = 128
DEFAULT_HASH_METHOD = "scrypt"
COMMON_FILE = Path(__file__).resolve().parent / "data" / "common_passwords.txt"
# Digits and symbols that stand in for letters ("p@ssw0rd").
_LEET = str.maketrans(
    {"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e", "$": "s", "5": "s", "7": "t"}
)
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def _letters(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalpha())


def _base_word(password: str) -> str:
    """The word under a password: edges of digits and symbols cut, look-alikes read as letters."""
    core = _EDGES.sub("", password.casefold()) or password.casefold()
    return _letters(core.translate(_LEET))


def password_problem(
    password: str | None, *, email: str = "", names: Iterable[str] = ()
) -> str | None:
    """Why ``password`` cannot be used (a Thai message shown at the field), or None if it can.

    ``email`` and ``names`` are the account's own, which the password may not merely repeat.
    """
    password = password or ""
    names = tuple(name for name in names if name)
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        return str(_l("รหัสผ่านต้องยาว %(min)d–%(max)d ตัวอักษร", min=PASSWORD_MIN, max=PASSWORD_MAX))
    letters = _letters(password)
    if not letters:
        return str(_l("รหัสผ่านต้องมีตัวอักษรด้วย ไม่ใช่ตัวเลขหรือสัญลักษณ์อย่างเดียว"))
    lowered = password.casefold()
    email = (email or "").strip().casefold()
    local = _letters(email.split("@")[0]) if email else ""
    personal = {_letters(name) for name in names} | {_letters("".join(names))}
    personal.discard("")
    if (email and email in lowered) or (local and letters == local) or letters in personal:
        return str(_l("รหัสผ่านต้องไม่ใช่อีเมลหรือชื่อของคุณ (แม้จะเติมตัวเลขก็ตาม)"))
    common = common_passwords()
    if lowered in common or letters in common or _base_word(password) in common:
        return str(_l("รหัสผ่านนี้มีคนใช้มากและเดาได้ง่าย กรุณาตั้งรหัสผ่านอื่น"))
    if len(set(lowered)) < 4:
        return str(_l("รหัสผ่านนี้เดาได้ง่าย (ใช้ตัวอักษรซ้ำกันมาก) กรุณาตั้งรหัสผ่านอื่น"))
    return None


def _hash_method() -> str:
    if has_app_context():
        return current_app.config.get("PASSWORD_HASH_METHOD") or DEFAULT_HASH_METHOD
    return DEFAULT_HASH_METHOD


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=_hash_method())


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("not-a-real-password", method=method)


def check_password(password_hash: str | None, password: str | None) -> bool:
    """Whether ``password`` matches; without a hash (unknown account) it costs the same time."""
    if not password_hash:
        check_password_hash(_dummy_hash(_hash_method()), password or "")
        return False
    return check_password_hash(password_hash, password or "")
