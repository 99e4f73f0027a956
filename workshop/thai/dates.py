"""Buddhist-Era dates, Thai month names, Bangkok time and the Thai government fiscal year."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

BANGKOK = ZoneInfo("Asia/Bangkok")
BE_OFFSET = 543
# A year written from 2400 on is Buddhist Era (2500 is 1957, 2543 is 2000): no Common-Era year
# this system deals with is that late, and officers habitually write BE years.
FIRST_BE_YEAR = 2400

THAI_MONTHS = (
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
)
THAI_MONTHS_SHORT = (
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
)
THAI_WEEKDAYS = ("จันทร์", "อังคาร", "พุธ", "พฤหัสบดี", "ศุกร์", "เสาร์", "อาทิตย์")
ENGLISH_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def be_year(ce_year: int) -> int:
    """The Buddhist-Era year of a Common-Era year (2015 → 2558)."""
    return ce_year + BE_OFFSET


def is_be_year(year: int) -> bool:
    """Whether a year as written is Buddhist Era (``FIRST_BE_YEAR`` on) rather than Common Era."""
    return year >= FIRST_BE_YEAR


def ce_year_of(written: int) -> int:
    """The Common-Era year of a year written either way (2558 → 2015, 2500 → 1957, 2015 → 2015)."""
    return written - BE_OFFSET if is_be_year(written) else written


def to_bangkok(value: datetime) -> datetime:
    """An aware datetime in Bangkok time; naive values are taken to be UTC (as stored)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(BANGKOK)


def bangkok_to_utc(day: date, clock: time) -> datetime:
    """The UTC instant of a wall-clock date and time in Bangkok."""
    return datetime.combine(day, clock, tzinfo=BANGKOK).astimezone(UTC)


def _local_date(value: date | datetime) -> date:
    return to_bangkok(value).date() if isinstance(value, datetime) else value


def fiscal_year(value: date | datetime) -> int:
    """The Thai government fiscal year (BE) a day falls in.

    The fiscal year runs from 1 October to 30 September and is named by the BE year in which it
    ends: 30 Sep 2015 is in FY 2558, 1 Oct 2015 in FY 2559. Datetimes count by their Bangkok day.
    """
    day = _local_date(value)
    return be_year(day.year + 1 if day.month >= 10 else day.year)


def format_date(value: date | datetime, style: str = "long", locale: str = "th") -> str:
    """``20 ตุลาคม 2558`` (long), ``20 ต.ค. 58`` (short), ``วันอังคารที่ 20 ตุลาคม 2558`` (full).

    English: ``20 October 2015`` / ``20 Oct 2015`` / ``Tuesday 20 October 2015``.
    """
    day = _local_date(value)
    if locale == "en":
        month = ENGLISH_MONTHS[day.month - 1]
        if style == "short":
            return f"{day.day} {month[:3]} {day.year}"
        if style == "full":
            return f"{day.strftime('%A')} {day.day} {month} {day.year}"
        return f"{day.day} {month} {day.year}"
    year = be_year(day.year)
    if style == "short":
        return f"{day.day} {THAI_MONTHS_SHORT[day.month - 1]} {year % 100:02d}"
    text = f"{day.day} {THAI_MONTHS[day.month - 1]} {year}"
    if style == "full":
        return f"วัน{THAI_WEEKDAYS[day.weekday()]}ที่ {text}"
    return text


def format_date_range(
    first: date | datetime,
    last: date | datetime,
    locale: str = "th",
    era: bool = False,
    style: str = "long",
) -> str:
    """A span of days with each part written once: ``20–22 ตุลาคม 2558``, ``30 กันยายน – 2
    ตุลาคม 2558``, ``30 ธันวาคม 2558 – 2 มกราคม 2559``; ``style`` "short": ``20–22 ต.ค. 58``.

    ``era`` writes the year as ``พ.ศ. 2558`` (formal documents such as certificates). One day
    comes out as that day alone, as ``format_date`` writes it. English: ``20–22 October 2015``.
    """
    start, end = _local_date(first), _local_date(last)
    short = style == "short"
    if locale == "en":
        months = tuple(m[:3] for m in ENGLISH_MONTHS) if short else ENGLISH_MONTHS
        year_of = str
    else:
        months = THAI_MONTHS_SHORT if short else THAI_MONTHS

        def year_of(ce: int) -> str:
            if short:
                return f"{be_year(ce) % 100:02d}"
            return f"พ.ศ. {be_year(ce)}" if era else str(be_year(ce))

    def day_month(day: date) -> str:
        return f"{day.day} {months[day.month - 1]}"

    if end <= start:
        return f"{day_month(start)} {year_of(start.year)}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{day_month(end)} {year_of(end.year)}"
    if start.year == end.year:
        return f"{day_month(start)} – {day_month(end)} {year_of(end.year)}"
    return f"{day_month(start)} {year_of(start.year)} – {day_month(end)} {year_of(end.year)}"


def format_time(value: datetime | time, locale: str = "th") -> str:
    """Bangkok wall-clock time: ``08.30 น.`` in Thai, ``08:30`` in English."""
    clock = to_bangkok(value).time() if isinstance(value, datetime) else value
    if locale == "en":
        return f"{clock.hour:02d}:{clock.minute:02d}"
    return f"{clock.hour:02d}.{clock.minute:02d} น."


def format_datetime(value: datetime, style: str = "short", locale: str = "th") -> str:
    return f"{format_date(value, style, locale)} {format_time(value, locale)}"


def format_time_range(starts: datetime, ends: datetime, locale: str = "th") -> str:
    """``08.30–16.30 น.`` (Thai writes น. once after the range)."""
    if locale == "en":
        return f"{format_time(starts, 'en')}–{format_time(ends, 'en')}"
    return f"{format_time(starts)[:-3]}–{format_time(ends)}"


def format_fiscal_year(value: date | datetime | int, locale: str = "th") -> str:
    """``ปีงบประมาณ พ.ศ. 2559`` or ``Fiscal year 2016 (B.E. 2559)``."""
    year = value if isinstance(value, int) else fiscal_year(value)
    if locale == "en":
        return f"Fiscal year {year - BE_OFFSET} (B.E. {year})"
    return f"ปีงบประมาณ พ.ศ. {year}"
