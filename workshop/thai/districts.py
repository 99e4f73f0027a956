"""Provinces and districts with their DOPA codes, for offices (``services.offices``).

``data/districts.tsv`` holds one district a line: province code, province, district code,
district (names without prefix; Bangkok's districts keep none either). Taken from the GeoThai
data like ``place_names.txt`` (see ``workshop.thai.placenames``); to refresh it::

    .venv/bin/pip install geothai  # not a dependency: only this script reads it
    .venv/bin/python -m workshop.thai.districts > workshop/thai/data/districts.tsv
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

DISTRICTS_FILE = Path(__file__).resolve().parent / "data" / "districts.tsv"


@dataclass(frozen=True)
class District:
    code: str  # four digits: the province's two, then the district's
    name: str
    province_code: str
    province: str


@cache
def districts() -> tuple[District, ...]:
    rows = []
    for line in DISTRICTS_FILE.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        province_code, province, code, name = line.split("\t")
        rows.append(District(code, name, province_code, province))
    return tuple(rows)


@cache
def province_codes() -> dict[str, str]:
    """Province name → its two-digit DOPA code."""
    return {d.province: d.province_code for d in districts()}


def find_district(province: str, name: str) -> District | None:
    """The district called ``name`` (no อำเภอ prefix) in ``province``, or None."""
    for district in districts():
        if district.province == province and district.name == name:
            return district
    return None


def districts_of(province: str) -> list[District]:
    return [d for d in districts() if d.province == province]


_HEADER = """\
# Thai provinces and districts with DOPA codes: province code, province, district code, district.
# From GeoThai data release {version} (Python package geothai), Department of Provincial
# Administration names. Data (c) Pongsakorn Thipayanate, CC BY 4.0
# <https://creativecommons.org/licenses/by/4.0/>; credit: GeoThai. Changed here: the columns
# above only, Bangkok's เขต prefix dropped. Regenerate: workshop/thai/districts.py.
"""


def _from_geothai() -> str:  # pragma: no cover - run by hand, see the module docstring
    import geothai  # type: ignore[import-not-found]

    lines = []
    for province in geothai.provinces():
        for district in geothai.districts(province.code):
            name = (
                district.name_th.removeprefix("เขต") if province.code == "10" else district.name_th
            )
            lines.append(f"{province.code}\t{province.name_th}\t{district.code}\t{name}\n")
    return _HEADER.format(version=geothai.DATA_VERSION) + "".join(sorted(lines))


if __name__ == "__main__":  # pragma: no cover
    print(_from_geothai(), end="")
