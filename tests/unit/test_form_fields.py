from datetime import date, time

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form

from workshop.thai.names import full_name, split_full_name
from workshop.web.fields import WholeNumberField, parse_clock, parse_thai_date


@pytest.mark.parametrize(
    "text",
    ["20/10/2558", "20/10/2015", "2015-10-20", "๒๐/๑๐/๒๕๕๘", " 20.10.2558 ", "20-10-2558"],
)
def test_dates_typed_in_be_or_ce_read_the_same(text):
    assert parse_thai_date(text) == date(2015, 10, 20)


def test_leap_day_in_be():
    assert parse_thai_date("29/02/2559") == date(2016, 2, 29)


@pytest.mark.parametrize("text", ["29/02/2558", "32/10/2558", "20/13/2558", "ตุลา", "2558", ""])
def test_impossible_or_malformed_dates_are_refused(text):
    with pytest.raises(ValueError):
        parse_thai_date(text)


@pytest.mark.parametrize("text", ["08:30", "8.30", "08.30 น.", "๐๘:๓๐"])
def test_clock_times(text):
    assert parse_clock(text) == time(8, 30)


@pytest.mark.parametrize("text", ["24:00", "08:60", "8", "morning"])
def test_bad_clock_times(text):
    with pytest.raises(ValueError):
        parse_clock(text)


def test_names_split_and_join_the_thai_way():
    assert split_full_name("นางสาวกิ่งแก้ว ปิ่นทอง") == ("นางสาว", "กิ่งแก้ว", "ปิ่นทอง")
    assert split_full_name("นายบุญเลิศ ปั้นเหน่งเพชร") == ("นาย", "บุญเลิศ", "ปั้นเหน่งเพชร")
    assert split_full_name("Somchai") == ("", "Somchai", "")
    assert full_name("นางสาว", "กิ่งแก้ว", "ปิ่นทอง") == "นางสาวกิ่งแก้ว ปิ่นทอง"


class _Seats(Form):
    seats = WholeNumberField()


@pytest.mark.parametrize("typed", ["๘๐", "80", " 80 ", "๘0"])
def test_whole_numbers_typed_in_thai_digits(typed):
    form = _Seats(MultiDict({"seats": typed}))
    form.validate()
    assert form.seats.data == 80


def test_whole_number_box_lets_thai_digits_be_typed():
    """A ``type="number"`` box drops Thai digits in the browser before the server sees them."""
    html = str(_Seats().seats)
    assert 'type="text"' in html
    assert 'inputmode="numeric"' in html


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01/01/2500", date(1957, 1, 1)),  # BE years 2400-2543 are BE too, not CE
        ("31/12/2543", date(2000, 12, 31)),
        ("01/01/2400", date(1857, 1, 1)),  # the first year read as BE
        ("01/01/2399", date(2399, 1, 1)),  # the last read as CE
        ("2500-01-01", date(1957, 1, 1)),
    ],
)
def test_years_from_2400_on_are_buddhist_era(text, expected):
    assert parse_thai_date(text) == expected
