"""Where a venue is, written one way everywhere: อำเภอ/จังหวัด, or เขต and Bangkok alone."""

import pytest

from workshop.thai.addresses import is_bangkok, place_text, venue_place

CENTRE = "ศูนย์ศึกษาและพัฒนาชุมชนพิษณุโลก"
HOTEL = "โรงแรมรอยัล ริเวอร์"


def test_a_provincial_venue():
    assert venue_place(CENTRE, "วังทอง", "พิษณุโลก") == f"{CENTRE} อำเภอวังทอง จังหวัดพิษณุโลก"


@pytest.mark.parametrize("province", ["กรุงเทพมหานคร", "กรุงเทพฯ", "กรุงเทพ", "กทม.", "จ.กรุงเทพฯ"])
def test_bangkok_has_khet_and_no_changwat(province):
    assert is_bangkok(province)
    assert venue_place(HOTEL, "บางรัก", province) == f"{HOTEL} เขตบางรัก กรุงเทพมหานคร"


@pytest.mark.parametrize(
    ("district", "province"),
    [
        ("อ.วังทอง", "จ.พิษณุโลก"),
        ("อำเภอวังทอง", "จังหวัดพิษณุโลก"),
        ("อ. วังทอง", "จ. พิษณุโลก"),
        ("  วังทอง ", "พิษณุโลก  "),
    ],
)
def test_prefixes_typed_by_hand_are_written_once_in_full(district, province):
    assert place_text(district, province) == "อำเภอวังทอง จังหวัดพิษณุโลก"


@pytest.mark.parametrize("district", ["เขตบางรัก", "อำเภอบางรัก", "อ.บางรัก", "บางรัก"])
def test_a_bangkok_district_typed_any_way_is_a_khet(district):
    assert place_text(district, "กรุงเทพมหานคร") == "เขตบางรัก กรุงเทพมหานคร"


def test_missing_parts_are_left_out():
    assert venue_place(CENTRE, "", "") == CENTRE
    assert venue_place(CENTRE, "", "พิษณุโลก") == f"{CENTRE} จังหวัดพิษณุโลก"
    assert venue_place(CENTRE, "วังทอง", "") == f"{CENTRE} อำเภอวังทอง"


def test_english():
    assert venue_place(CENTRE, "อ.วังทอง", "พิษณุโลก", "en") == (
        f"{CENTRE}, วังทอง District, พิษณุโลก Province"
    )
    assert venue_place(HOTEL, "เขตบางรัก", "กทม.", "en") == f"{HOTEL}, บางรัก District, Bangkok"
    assert venue_place(CENTRE, "", "", "en") == CENTRE
