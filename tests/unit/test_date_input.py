from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workshop.thai.date_input import DateUnreadable, read_date

THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


@pytest.mark.parametrize(
    ("text", "expected", "era"),
    [
        ("20/01/2570", date(2027, 1, 20), "BE"),
        ("20/1/2570", date(2027, 1, 20), "BE"),
        ("20/01/2027", date(2027, 1, 20), "CE"),
        ("20/1/70", date(2027, 1, 20), "BE"),
        ("20/1/27", date(2027, 1, 20), "CE"),
        ("20.10.2558", date(2015, 10, 20), "BE"),
        ("20-10-58", date(2015, 10, 20), "BE"),
        ("๒๐/๑/๒๕๗๐", date(2027, 1, 20), "BE"),
        ("๒๐/๑/๗๐", date(2027, 1, 20), "BE"),
        (" 1 / 2 / 2571 ", date(2028, 2, 1), "BE"),
        ("2027-01-20", date(2027, 1, 20), "CE"),
        ("2570-01-20", date(2027, 1, 20), "BE"),
        ("29/2/2571", date(2028, 2, 29), "BE"),
    ],
)
def test_typed_dates(text, expected, era):
    read = read_date(text)
    assert (read.value, read.era) == (expected, era)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "format"),
        ("20/01", "format"),
        ("20/01/202", "format"),
        ("tomorrow", "format"),
        ("31/2/2570", "calendar"),
        ("29/2/2570", "calendar"),  # CE 2027 is not a leap year
        ("0/1/2570", "calendar"),
        ("1/13/2570", "calendar"),
    ],
)
def test_what_is_not_a_date(text, reason):
    with pytest.raises(DateUnreadable) as caught:
        read_date(text)
    assert caught.value.reason == reason


days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@given(days, st.booleans(), st.booleans(), st.sampled_from("/.-"))
def test_any_day_written_any_way_reads_back(day, buddhist, thai_digits, separator):
    year = day.year + 543 if buddhist else day.year
    text = f"{day.day}{separator}{day.month:02d}{separator}{year}"
    if thai_digits:
        text = text.translate(THAI)
    read = read_date(text)
    assert read.value == day
    assert read.era == ("BE" if buddhist else "CE")


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2056, 12, 31)))
def test_two_digit_years_read_in_the_years_a_workshop_falls_in(day):
    be = day.year + 543
    # BE two digits are read as BE from 2543 (CE 2000); CE two digits below 43 as CE.
    assert read_date(f"{day.day}/{day.month}/{be % 100:02d}").value == day
    if day.year < 2043:
        assert read_date(f"{day.day}/{day.month}/{day.year % 100:02d}").value == day
