"""Thai phrases a printed line never breaks inside, beyond what word segmentation knows.

A dictionary segmenter breaks correctly between words, but some runs of words are read as one
and an office would never print them cut in two:

- an era and its year: ``พ.ศ. 2559``, ``ค.ศ. 2016``, ``ปี 2559``;
- a number and its unit: ``08.30–16.30 น.``, ``25 คน``, ``6 ชั่วโมง``, ``2 ครั้ง``;
- a title prefix and the first name (``นางสาวกิ่งแก้ว``, ``ว่าที่ ร.ต.ธีรวัฒน์``, ``Mr. John``), and
  the surname that follows (``ศรีกุลธนาวัฒน์``, which the dictionary reads as ศรี|กุล|ธนา|วัฒน์);
- compounds of the domain (พัฒนาชุมชน, ปฏิบัติราชการแทน, ศูนย์ศึกษาและพัฒนาชุมชน), listed in
  ``data/phrases.txt``, one a line, which offices extend as the place names are extended;
- an administrative unit and its place name (``จังหวัดพิษณุโลก``, ``อำเภอเมืองพิษณุโลก``,
  ``ตำบลวังทอง``), so that an office's name in a narrow column wraps as
  สำนักงานพัฒนาชุมชน | จังหวัดพิษณุโลก, never สำนักงานพัฒนาชุมชนจังหวัด | พิษณุโลก; except
  after a position whose title ends in the unit (พัฒนาการอำเภอ | วังทอง, ปลัดอำเภอ | …).

:func:`protected_spans` finds them; ``workshop.pdf.linebreak`` removes every break that would
fall inside one. A phrase wider than its line is still cut as a last resort, as a word is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from workshop.thai.names import LATIN_PREFIXES, SURNAME_PARTICLE, TITLE_PREFIXES
from workshop.thai.placenames import place_names

PHRASES_FILE = Path(__file__).resolve().parent / "data" / "phrases.txt"

UNITS = ("น.", "นาที", "ชั่วโมง", "ชม.", "วัน", "คน", "ครั้ง", "ช่วง", "ราย", "บาท", "รุ่น")
NAME_MAX = 40  # characters: a "first name" longer than this is prose, not a name

_DIGIT = "0-9\u0e50-\u0e59"  # Arabic and Thai digits
_ERA_YEAR = re.compile(rf"[พค]\.ศ\.\s*[{_DIGIT}]+")  # พ.ศ. 2559, ค.ศ. 2016
# ปี 2559: a four-digit year after the word ปี (or after a word the segmenter read as ending in
# ปี, as in ชุมชนปี 2559 written without a space: then that whole word stays with the year).
_YEAR = re.compile(rf"ปี\s?[{_DIGIT}]{{4}}(?![{_DIGIT}])")
# A number and its unit; the unit must end where a word ends (5 คนงาน is not 5 คน).
_NUMBER_UNIT = re.compile(
    rf"(?<![{_DIGIT}])[{_DIGIT}][{_DIGIT}.,:]*\s?(?:"
    + "|".join(re.escape(unit) for unit in sorted(UNITS, key=len, reverse=True))
    + ")"
)
_WORD = re.compile(r"\S+")
# The units a place name follows; one only where the segmentation has it as a word of its own
# (อำเภอ in นายอำเภอ is not).
PLACE_UNITS = ("จังหวัด", "อำเภอ", "ตำบล", "แขวง", "เขต")
_PLACE_UNIT = re.compile("|".join(PLACE_UNITS))
PLACE_MAX = 30  # characters: longer than any province, district or subdistrict name
# Positions named "<head><unit>" (พัฒนาการอำเภอ, ปลัดจังหวัด): the unit belongs to the title.
POSITION_HEADS = ("พัฒนาการ", "ปลัด")
_SURNAME = re.compile(rf"(?:{SURNAME_PARTICLE} )?\S+")  # ณ อยุธยา is one surname


@cache
def phrases() -> tuple[str, ...]:
    """The compounds of ``data/phrases.txt``."""
    lines = PHRASES_FILE.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@cache
def _phrase_pattern() -> re.Pattern[str]:
    # One alternative per phrase, in a lookahead so that overlapping phrases all match.
    alternatives = "|".join(re.escape(p) for p in sorted(phrases(), key=len, reverse=True))
    return re.compile(f"(?=({alternatives}))")


_PREFIXES = tuple(sorted({*TITLE_PREFIXES, *LATIN_PREFIXES}, key=len, reverse=True))


def _name_spans(text: str, boundaries: set[int]) -> list[tuple[int, int]]:
    """Title prefix + first name, and the surname after it.

    A prefix counts only where the segmentation has it as a word of its own: นาย in
    นายสมชาย, not in นายอำเภอ (a dictionary word) or นายก.
    """
    spans: list[tuple[int, int]] = []
    for start in sorted(boundaries):
        prefix = next(
            (p for p in _PREFIXES if text.startswith(p, start) and start + len(p) in boundaries),
            None,
        )
        if prefix is None:
            continue
        end = start + len(prefix)
        gap = 1 if text[end : end + 1] == " " else 0  # Mr. John, ว่าที่ ร.ต. ธีรวัฒน์
        first = _WORD.match(text, end + gap)
        if first is None or first.end() - end > NAME_MAX:
            continue
        spans.append((start, first.end()))
        if text[first.end() : first.end() + 1] == " ":
            surname = _SURNAME.match(text, first.end() + 1)
            if surname is not None and len(surname.group()) <= NAME_MAX:
                spans.append(surname.span())
    return spans


def _place_spans(text: str, boundaries: set[int]) -> list[tuple[int, int]]:
    """An administrative unit and the place name right after it (one space allowed), the
    longest name that ends where a word ends."""
    names = place_names()
    spans: list[tuple[int, int]] = []
    for unit in _PLACE_UNIT.finditer(text):
        if unit.start() not in boundaries or any(
            text.startswith(head, unit.start() - len(head))
            and unit.start() - len(head) in boundaries | {0}
            for head in POSITION_HEADS
        ):
            continue
        start = unit.end() + (text[unit.end() : unit.end() + 1] == " ")
        ends = sorted(b for b in boundaries if start < b <= start + PLACE_MAX)
        end = next((b for b in reversed(ends) if text[start:b] in names), None)
        if end is not None:
            spans.append((unit.start(), end))
    return spans


def protected_spans(text: str, boundaries: Sequence[int] | set[int]) -> list[tuple[int, int]]:
    """(start, end) of every phrase in ``text`` that a line must not break inside.

    ``boundaries`` are the offsets where the word segmentation breaks ``text``; title
    prefixes are recognised only at them.
    """
    at = set(boundaries) | {len(text)}
    spans = [m.span() for m in _ERA_YEAR.finditer(text)]
    if "ปี" in text:
        starts = sorted(at)
        for m in _YEAR.finditer(text):
            word_start = max((b for b in starts if b <= m.start()), default=0)
            spans.append((word_start, m.end()))
    spans += [m.span() for m in _NUMBER_UNIT.finditer(text) if m.end() in at]
    spans += [(m.start(1), m.end(1)) for m in _phrase_pattern().finditer(text)]
    if any(prefix[0] in text for prefix in _PREFIXES):
        spans += _name_spans(text, at)
    if any(unit in text for unit in PLACE_UNITS):
        spans += _place_spans(text, at)
    return spans
