"""Reading a date as Thai officers type it: day/month/year, BE or CE, Arabic or Thai digits.

    20/1/2570   20/01/2027   20.1.70   ๒๐/๑/๒๕๗๐   2027-01-20

A four-digit year from 2400 on is Buddhist Era (``dates.is_be_year``), below it Common Era. A
two-digit year is read in the years a workshop can fall in (CE 2000-2100): 43-99 are BE
2543-2599 (what a Thai officer writes: ``20/1/70``), 00-42 are CE 2000-2042 (``20/1/27``),
since BE 2500-2542 is before 2000. ``ReadDate`` says which era the year was typed in, so the
page can say when a CE year was converted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from workshop.thai.dates import BE_OFFSET, ce_year_of, is_be_year

THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_DMY = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
# Two-digit years from this one on are BE 25xx; below it, CE 20xx.
TWO_DIGIT_BE_FROM = 43


class DateUnreadable(ValueError):
    """Not a date: ``reason`` is ``format`` (not d/m/y) or ``calendar`` (no such day)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class ReadDate:
    value: date
    era: str  # "BE" or "CE": how the year was typed
    typed_year: int  # the year as typed, two digits expanded (2570, 2027)


def full_year(written: str) -> tuple[int, str]:
    """(year as typed in four digits, its era) of a year written with 2 or 4 digits."""
    year = int(written)
    if len(written) == 2:
        if year >= TWO_DIGIT_BE_FROM:
            return 2500 + year, "BE"
        return 2000 + year, "CE"
    return year, "BE" if is_be_year(year) else "CE"


def read_date(text: str) -> ReadDate:
    """The date ``text`` stands for; ``DateUnreadable`` if it is none."""
    cleaned = (text or "").strip().translate(THAI_DIGITS)
    if match := _ISO.fullmatch(cleaned):
        typed, month, day = (int(g) for g in match.groups())
        era = "BE" if is_be_year(typed) else "CE"
        year = ce_year_of(typed)
    elif match := _DMY.fullmatch(cleaned):
        day, month = int(match.group(1)), int(match.group(2))
        typed, era = full_year(match.group(3))
        year = ce_year_of(typed)
    else:
        raise DateUnreadable("format")
    try:
        return ReadDate(date(year, month, day), era, typed)
    except ValueError:
        raise DateUnreadable("calendar") from None


def as_be_year(read: ReadDate) -> int:
    return read.value.year + BE_OFFSET
