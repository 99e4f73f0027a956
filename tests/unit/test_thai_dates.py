from datetime import UTC, date, datetime, time

import pytest

from workshop.thai.dates import (
    bangkok_to_utc,
    be_year,
    fiscal_year,
    format_date,
    format_date_range,
    format_datetime,
    format_fiscal_year,
    format_time,
    format_time_range,
)


def test_reference_day_in_buddhist_era():
    assert format_date(date(2015, 10, 20)) == "20 ตุลาคม 2558"
    assert format_date(date(2015, 10, 20), "short") == "20 ต.ค. 58"
    assert format_date(date(2015, 10, 20), "full") == "วันอังคารที่ 20 ตุลาคม 2558"


def test_english_dates_stay_common_era():
    assert format_date(date(2015, 10, 20), locale="en") == "20 October 2015"
    assert format_date(date(2015, 10, 20), "short", locale="en") == "20 Oct 2015"


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2015, 9, 30), 2558),  # last day of FY 2558
        (date(2015, 10, 1), 2559),  # first day of FY 2559
        (date(2015, 10, 20), 2559),  # the reference workshop
        (date(2016, 2, 29), 2559),  # leap day inside FY 2559
        (date(2016, 9, 30), 2559),
        (date(2016, 10, 1), 2560),
        (date(2015, 12, 31), 2559),  # BE year rolls over on 1 January, fiscal year does not
        (date(2016, 1, 1), 2559),
    ],
)
def test_fiscal_year_boundaries(day, expected):
    assert fiscal_year(day) == expected


def test_fiscal_year_counts_by_the_bangkok_day_not_utc():
    # 30 Sep 2015 20:00 UTC is already 1 Oct 03:00 in Bangkok: FY 2559.
    assert fiscal_year(datetime(2015, 9, 30, 20, 0, tzinfo=UTC)) == 2559
    assert fiscal_year(datetime(2015, 9, 30, 16, 59, tzinfo=UTC)) == 2558


def test_leap_day_and_be_year_rollover_format():
    assert format_date(date(2016, 2, 29)) == "29 กุมภาพันธ์ 2559"
    assert format_date(date(2015, 12, 31), "short") == "31 ธ.ค. 58"
    assert format_date(date(2016, 1, 1), "short") == "1 ม.ค. 59"
    assert be_year(2000) == 2543


def test_short_year_keeps_two_digits():
    assert format_date(date(2043, 1, 5), "short") == "5 ม.ค. 86"
    assert format_date(date(2057, 6, 1), "short") == "1 มิ.ย. 00"


def test_times_are_shown_in_bangkok():
    starts = bangkok_to_utc(date(2015, 10, 20), time(8, 30))
    assert starts == datetime(2015, 10, 20, 1, 30, tzinfo=UTC)
    assert format_time(starts) == "08.30 น."
    assert format_time(starts, "en") == "08:30"
    assert format_datetime(starts) == "20 ต.ค. 58 08.30 น."
    ends = bangkok_to_utc(date(2015, 10, 20), time(16, 30))
    assert format_time_range(starts, ends) == "08.30–16.30 น."


def test_fiscal_year_labels():
    assert format_fiscal_year(date(2015, 10, 20)) == "ปีงบประมาณ พ.ศ. 2559"
    assert format_fiscal_year(2559, "en") == "Fiscal year 2016 (B.E. 2559)"


def test_a_year_is_read_as_buddhist_era_from_2400_on():
    from workshop.thai.dates import ce_year_of, is_be_year

    assert [ce_year_of(y) for y in (2399, 2400, 2500, 2543, 2544, 2558, 2015)] == [
        2399,
        1857,
        1957,
        2000,
        2001,
        2015,
        2015,
    ]
    assert not is_be_year(2399) and is_be_year(2400) and is_be_year(2543)


@pytest.mark.parametrize(
    ("first", "last", "long", "short"),
    [
        (date(2015, 10, 20), date(2015, 10, 20), "20 ตุลาคม 2558", "20 ต.ค. 58"),
        (date(2015, 10, 20), date(2015, 10, 22), "20–22 ตุลาคม 2558", "20–22 ต.ค. 58"),
        # over a month end: the year once
        (date(2015, 9, 30), date(2015, 10, 2), "30 กันยายน – 2 ตุลาคม 2558", "30 ก.ย. – 2 ต.ค. 58"),
        # over a year end: each day with its own BE year
        (
            date(2015, 12, 30),
            date(2016, 1, 2),
            "30 ธันวาคม 2558 – 2 มกราคม 2559",
            "30 ธ.ค. 58 – 2 ม.ค. 59",
        ),
    ],
)
def test_date_spans_write_each_part_once(first, last, long, short):
    assert format_date_range(first, last) == long
    assert format_date_range(first, last, style="short") == short


def test_date_span_in_english_and_with_the_era():
    assert format_date_range(date(2015, 12, 30), date(2016, 1, 2), "en") == (
        "30 December 2015 – 2 January 2016"
    )
    assert format_date_range(date(2015, 9, 30), date(2015, 10, 2), "en", style="short") == (
        "30 Sep – 2 Oct 2015"
    )
    assert format_date_range(date(2015, 12, 30), date(2016, 1, 2), era=True) == (
        "30 ธันวาคม พ.ศ. 2558 – 2 มกราคม พ.ศ. 2559"
    )


def test_a_date_span_counts_bangkok_days():
    # 19 Oct 2015 20:00 UTC is already the 20th in Bangkok.
    starts = datetime(2015, 10, 19, 20, 0, tzinfo=UTC)
    ends = bangkok_to_utc(date(2015, 10, 21), time(16, 30))
    assert format_date_range(starts, ends) == "20–21 ตุลาคม 2558"
