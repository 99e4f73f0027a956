"""Training hours: a session's default hours, hours from check-in and check-out, the rule."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest

from workshop.config import parse_lunch_break
from workshop.services.attendance import (
    Attendance,
    Rule,
    SessionHours,
    default_hours,
    format_hours,
    hours_required,
    meets_attendance_rule,
    present_hours,
)
from workshop.thai.dates import bangkok_to_utc

DAY = date(2015, 10, 20)
LUNCH = (time(12, 0), time(13, 0))


def at(hour: int, minute: int = 0, day: date = DAY):
    return bangkok_to_utc(day, time(hour, minute))


@pytest.mark.parametrize(
    ("starts", "ends", "hours"),
    [
        ((8, 30), (12, 0), "3.50"),  # the morning: no lunch in it
        ((13, 0), (16, 30), "3.50"),
        ((8, 30), (16, 30), "7.00"),  # a whole day: the hour of lunch is not training
        ((12, 30), (14, 0), "1.00"),  # half of the lunch hour inside
        ((12, 0), (13, 0), "0.00"),  # a session held over lunch only
        ((9, 0), (9, 20), "0.33"),  # to the hundredth
    ],
)
def test_default_hours_are_the_length_less_the_lunch_break(starts, ends, hours):
    assert default_hours(at(*starts), at(*ends), LUNCH) == Decimal(hours)


def test_no_lunch_break_configured_counts_the_whole_length():
    assert default_hours(at(8, 30), at(16, 30), None) == Decimal("8.00")


def test_a_session_over_midnight_loses_each_days_lunch_it_spans():
    # 10:00 to 14:00 the next day: 28 hours would be refused by the service (24 at most);
    # 11:00 to 13:30 next day is 26.5 h, less 1 h of lunch on each day.
    starts, ends = at(11, 0), at(13, 30, date(2015, 10, 21))
    assert default_hours(starts, ends, LUNCH) == Decimal("24.50")


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("12:00-13:00", (time(12), time(13))),
        (" 11:30 – 12:30 ", (time(11, 30), time(12, 30))),
        ("12-13", (time(12), time(13))),
        ("", None),
        ("none", None),
    ],
)
def test_lunch_break_setting_is_read(text, parsed):
    assert parse_lunch_break(text) == parsed


@pytest.mark.parametrize("text", ["noon", "13:00-12:00", "12:00", "25:00-26:00", "12:00-"])
def test_a_malformed_lunch_break_stops_the_start(text):
    with pytest.raises(ValueError, match="WORKSHOP_LUNCH_BREAK"):
        parse_lunch_break(text)


DAY_SESSION = SessionHours(1, at(8, 30), at(16, 30), Decimal("7.00"))


@pytest.mark.parametrize(
    ("checked_in", "checked_out", "hours"),
    [
        (at(8, 20), at(16, 40), "7.00"),  # the whole day: capped at the session's hours
        (at(8, 30), at(12, 0), "3.50"),  # left at lunch
        (at(10, 0), at(16, 30), "5.50"),  # came late: 6.5 h less the lunch hour
        (at(12, 15), at(12, 45), "0.00"),  # only over lunch
        (at(8, 30), None, "0.00"),  # never scanned out: no hours
        (at(17, 0), at(17, 10), "0.00"),  # outside the session altogether
    ],
)
def test_hours_present_come_from_the_scans(checked_in, checked_out, hours):
    assert present_hours(DAY_SESSION, checked_in, checked_out, LUNCH) == Decimal(hours)


def test_hours_present_are_capped_at_hours_the_organizer_lowered():
    short = SessionHours(1, at(8, 30), at(16, 30), Decimal("6.00"))
    assert present_hours(short, at(8, 30), at(16, 30), LUNCH) == Decimal("6.00")


@pytest.mark.parametrize(
    ("total", "threshold", "required"),
    [("14.00", 80, "11.20"), ("7.00", 80, "5.60"), ("3.33", 80, "2.67"), ("0", 80, "0.00")],
)
def test_hours_required_round_up_to_the_hundredth(total, threshold, required):
    need = hours_required(Decimal(total), threshold)
    assert need == Decimal(required)
    if Decimal(total) > 0:
        assert meets_attendance_rule(need, Decimal(total), threshold)
        assert not meets_attendance_rule(need - Decimal("0.01"), Decimal(total), threshold)


def _rule(kind: str, excused_count: bool = False) -> Rule:
    hours = ("1.00", "1.00", "1.00", "1.00", "6.00")
    sessions = tuple(
        SessionHours(n, at(8 + n), at(9 + n), Decimal(h)) for n, h in enumerate(hours, start=1)
    )
    return Rule(kind, 80, sessions, checkout=False, excused_count=excused_count)


def test_the_same_attendance_meets_the_hours_rule_but_not_the_sessions_rule():
    # The long session and two short ones: 8 of 10 hours, 3 of 5 sessions.
    attended = Attendance(present=3, hours_present=Decimal("8.00"))
    assert _rule("hours").met_by(attended)
    assert not _rule("sessions").met_by(attended)


def test_excused_sessions_count_only_where_the_workshop_says_so():
    attended = Attendance(
        present=3, excused=1, hours_present=Decimal("3.00"), hours_excused=Decimal("6.00")
    )
    assert not _rule("hours").met_by(attended)
    assert _rule("hours", excused_count=True).met_by(attended)
    assert _rule("hours", excused_count=True).credited(attended) == Decimal("9.00")
    assert _rule("sessions", excused_count=True).credited(attended) == 4


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("3.50"), "3.5"), (Decimal("7.00"), "7"), (Decimal("12.25"), "12.25"), (None, "–")],
)
def test_hours_are_written_without_trailing_zeros(value, text):
    assert format_hours(value) == text
