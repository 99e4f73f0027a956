"""Thai personal names: title prefixes and full-name formatting."""

from __future__ import annotations

# Longest first so that "นางสาว" is not read as "นาง" + "สาว...".
TITLE_PREFIXES = (
    "นางสาว",
    "ว่าที่ร้อยตรีหญิง",
    "ว่าที่ร้อยตรี",
    "ว่าที่ ร.ต.",
    "ดร.",
    "นาง",
    "นาย",
    "น.ส.",
)
COMMON_PREFIXES = ("นาย", "นาง", "นางสาว")


def split_full_name(name: str) -> tuple[str, str, str]:
    """``"นางสาวกิ่งแก้ว ปิ่นทอง"`` → ``("นางสาว", "กิ่งแก้ว", "ปิ่นทอง")``.

    The title prefix is recognised only from the known list; the last word is the surname.
    """
    text = " ".join(name.split())
    prefix = ""
    for candidate in sorted(TITLE_PREFIXES, key=len, reverse=True):
        if text.startswith(candidate):
            prefix, text = candidate, text[len(candidate) :].lstrip()
            break
    first, _, last = text.rpartition(" ") if " " in text else (text, "", "")
    return prefix, first, last


def full_name(prefix: str, first: str, last: str) -> str:
    """Thai convention: no space between the title prefix and the first name."""
    return f"{prefix}{first} {last}".strip()
