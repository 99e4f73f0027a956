"""Thai personal names: title prefixes and full-name formatting."""

from __future__ import annotations

import re

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
SURNAME_PARTICLE = "ณ"  # ณ อยุธยา, ณ ป้อมเพชร: written with a space, read as one surname
# Written before a Latin name, with a space (Mr. John Smith).
LATIN_PREFIXES = ("Mr.", "Mrs.", "Ms.", "Miss", "Dr.", "Prof.")


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


_THAI = re.compile(r"[\u0e00-\u0e7f]")
_PREFIXES_LONGEST_FIRST = tuple(sorted((*TITLE_PREFIXES, *LATIN_PREFIXES), key=len, reverse=True))


def full_name(prefix: str, first: str, last: str) -> str:
    """The name as printed and shown everywhere: ``นางสาวกิ่งแก้ว ปิ่นทอง``, ``Mr. John Smith``.

    Thai convention writes a Thai title prefix (นาย, ดร., ว่าที่ ร.ต.) against the first name;
    a Latin one (Mr., Dr.) keeps its space, as in English.
    """
    joined = f"{prefix}{first}" if _THAI.search(prefix) else f"{prefix} {first}"
    return " ".join(part for part in (joined.strip(), last.strip()) if part)


def name_parts(name: str) -> list[str]:
    """The pieces a printed name may be broken between, in a narrow column: its words, except
    that a title prefix stays with the first name even when written with a space
    (``ว่าที่ ร.ต. ธีรวัฒน์``, ``Mr. John``) and a surname with ณ is one part (``ณ อยุธยา``).
    A part is never broken itself."""
    words = name.split()
    text = " ".join(words)
    parts: list[str] = []
    for prefix in _PREFIXES_LONGEST_FIRST:
        if text.startswith(prefix):
            joined = prefix.count(" ") + (1 if text[len(prefix) : len(prefix) + 1] == " " else 0)
            parts, words = [" ".join(words[: joined + 1])], words[joined + 1 :]
            break
    for word in words:
        if parts and parts[-1] == SURNAME_PARTICLE:  # ณ อยุธยา is one surname
            parts[-1] += " " + word
        else:
            parts.append(word)
    return parts


def person_sort_key(first_name: str, last_name: str) -> tuple[str, str]:
    """Order of people on every list and in certificate numbering: first name, then surname,
    in Thai dictionary order (see :func:`thai_sort_key`); the title prefix does not count."""
    return thai_sort_key(first_name), thai_sort_key(last_name)


_LEADING_VOWEL = re.compile(r"([\u0e40-\u0e44])([\u0e01-\u0e2e])")  # เ แ โ ใ ไ + consonant
_TONE_MARKS = re.compile(r"[\u0e47-\u0e4c]")  # ไม้ไต่คู้, tone marks, ทัณฑฆาต


def thai_sort_key(text: str) -> str:
    """A key that sorts Thai words (nearly) in dictionary order.

    Code-point order puts every word with a leading vowel (เ แ โ ใ ไ) after all words that
    start with a consonant; the dictionary files them under their consonant. Tone marks only
    break ties. ``sorted(names, key=thai_sort_key)``: กาล, เกิด, ไก่, เป็ด, วันที่, วัว.
    """
    base = _LEADING_VOWEL.sub(r"\2\1", text)
    return _TONE_MARKS.sub("", base) + "\x00" + base
