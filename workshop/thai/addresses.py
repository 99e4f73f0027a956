"""How a place is written after a venue's name: อำเภอ and จังหวัด, or in Bangkok เขต alone.

Outside Bangkok a district is an อำเภอ in a จังหวัด (``อำเภอวังทอง จังหวัดพิษณุโลก``). Bangkok is
not a จังหวัด but a special administrative area divided into เขต, and its name stands alone
(``เขตบางรัก กรุงเทพมหานคร``). Organizers type district and province as they speak, often with
the prefix already there or shortened (``อ.วังทอง``, ``จ.พิษณุโลก``, ``กทม.``): the prefix is
read off and the place written out in full, once, so nothing comes out as อำเภออ.วังทอง.
"""

from __future__ import annotations

BANGKOK = "กรุงเทพมหานคร"
# What people type for Bangkok, longest first.
BANGKOK_NAMES = ("กรุงเทพมหานคร", "กรุงเทพฯ", "กรุงเทพ", "กทม.", "กทม")
DISTRICT_PREFIXES = ("อำเภอ", "อ.", "เขต")
PROVINCE_PREFIXES = ("จังหวัด", "จ.")


def _without_prefix(text: str, prefixes: tuple[str, ...]) -> str:
    text = " ".join(text.split())
    for prefix in prefixes:
        if text.startswith(prefix):
            return text[len(prefix) :].strip()
    return text


def is_bangkok(province: str) -> bool:
    return _without_prefix(province, PROVINCE_PREFIXES) in BANGKOK_NAMES


def place_text(district: str, province: str, locale: str = "th") -> str:
    """``อำเภอวังทอง จังหวัดพิษณุโลก``, ``เขตบางรัก กรุงเทพมหานคร``; either part may be empty.

    English: ``วังทอง District, พิษณุโลก Province``, ``บางรัก District, Bangkok`` (the names
    stay as they are stored).
    """
    bangkok = is_bangkok(province)
    district = _without_prefix(district, DISTRICT_PREFIXES)
    province = BANGKOK if bangkok else _without_prefix(province, PROVINCE_PREFIXES)
    if locale == "en":
        parts = [f"{district} District"] if district else []
        if province:
            parts.append("Bangkok" if bangkok else f"{province} Province")
        return ", ".join(parts)
    parts = [f"{'เขต' if bangkok else 'อำเภอ'}{district}"] if district else []
    if province:
        parts.append(province if bangkok else f"จังหวัด{province}")
    return " ".join(parts)


def venue_place(name: str, district: str, province: str, locale: str = "th") -> str:
    """The venue's name and where it is: ``ศูนย์ศึกษาและพัฒนาชุมชน อำเภอวังทอง จังหวัดพิษณุโลก``
    (English: ``name, วังทอง District, พิษณุโลก Province``)."""
    place = place_text(district, province, locale)
    if not place:
        return name
    return f"{name}, {place}" if locale == "en" else f"{name} {place}"
