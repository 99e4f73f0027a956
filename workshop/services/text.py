"""Rules for free text typed by people: normalisation, length and characters that cannot print.

Everything a person types passes through ``clean_text`` before it is stored, so the page, the
API and later the PDFs see one form of it: Unicode NFC (Thai stacked marks kept as typed), no
invisible characters, and nothing the certificate font cannot draw.
"""

from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l

# Invisible characters that arrive by copy-and-paste from word processors; dropped silently
# (zero-width spaces and joiners, word joiner, BOM, soft hyphen, left-to-right/right-to-left and
# Arabic letter marks).
_INVISIBLE = {
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u00ad",
    "\u200e",
    "\u200f",
    "\u061c",
}
# Bidirectional embeddings, overrides and isolates reorder what follows them on screen (U+202E
# makes "gnp.exe" read as "exe.png"): refused, since no Thai or English text needs them.
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
_EMOJI_RANGES = (
    (0x1F000, 0x1FAFF),  # pictographs, emoticons, transport, flags, supplemental symbols
    (0x2600, 0x27BF),  # miscellaneous symbols and dingbats
    (0x2B00, 0x2BFF),  # arrows and stars used as emoji
    (0xFE00, 0xFE0F),  # variation selectors (emoji presentation)
    (0xE0000, 0xE007F),  # tag characters (flag sequences)
)


class TextRejected(ValueError):
    """The text cannot be stored; ``str()`` is a message for the person who typed it."""


def _is_emoji(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _EMOJI_RANGES)


def clean_text(
    value: str | None,
    *,
    max_length: int,
    required: bool = False,
    multiline: bool = False,
) -> str:
    """Return ``value`` normalised for storage, or raise ``TextRejected`` with the reason.

    Leading and trailing white space is trimmed and, on single-line fields, runs of white space
    become one space. Control characters (bidirectional overrides included), emoji and unassigned
    code points are refused with a message, because they cannot be printed on certificates and
    reports, or would make the text read differently from what is stored.
    """
    if value and len(value) > 2 * max_length + 100:
        # Far too long even before trimming: refused before the checks below, which look at
        # every character and would spend seconds on a megabyte pasted into a small field.
        raise TextRejected(
            _l("ยาวเกินไป: ไม่เกิน %(max)d ตัวอักษร (ตอนนี้ %(n)d)", max=max_length, n=len(value))
        )
    text = unicodedata.normalize("NFC", value or "")
    text = "".join(ch for ch in text if ch not in _INVISIBLE)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for char in text:
        category = unicodedata.category(char)
        if char in "\n\t":
            if not multiline and char == "\n":
                raise TextRejected(_l("ช่องนี้ต้องเป็นข้อความบรรทัดเดียว"))
            continue
        if category in ("Cc", "Cs", "Co", "Cn", "Zl", "Zp") or char in _BIDI_CONTROLS:
            raise TextRejected(_l("มีอักขระควบคุมหรืออักขระที่ไม่รู้จักปนอยู่ กรุณาพิมพ์ใหม่"))
        if _is_emoji(char):
            raise TextRejected(_l("ใช้อีโมจิหรือสัญลักษณ์ภาพไม่ได้ เพราะพิมพ์ลงเกียรติบัตรและรายงานไม่ได้"))
    if multiline:
        lines = [" ".join(line.replace("\t", " ").split()) for line in text.split("\n")]
        text = "\n".join(lines).strip("\n")
    else:
        text = " ".join(text.split())
    if required and not text:
        raise TextRejected(_l("กรุณากรอกช่องนี้"))
    if len(text) > max_length:
        raise TextRejected(
            _l("ยาวเกินไป: ไม่เกิน %(max)d ตัวอักษร (ตอนนี้ %(n)d)", max=max_length, n=len(text))
        )
    return text
