"""Thai administrative place names: every district (อำเภอ/เขต) and subdistrict (ตำบล/แขวง).

Line breaking treats each as one word (``workshop.pdf.linebreak``): pythainlp's dictionary
has the provinces but few district or subdistrict names, so it reads วังทอง as วัง|ทอง and a
narrow cell could break a place name in two.

The names are in ``data/place_names.txt``, one a line, taken from the GeoThai data (official
codes and names of the Department of Provincial Administration, DOPA); the file's header says
which release and under which licence. To refresh it after a DOPA change::

    .venv/bin/pip install geothai  # not a dependency: only this script reads it
    .venv/bin/python -m workshop.thai.placenames > workshop/thai/data/place_names.txt
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from workshop.thai.provinces import PROVINCES

PLACE_NAMES_FILE = Path(__file__).resolve().parent / "data" / "place_names.txt"


@cache
def place_names() -> frozenset[str]:
    """Province, district and subdistrict names, without their prefix (วังทอง, not อำเภอวังทอง)."""
    lines = PLACE_NAMES_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#")) | frozenset(
        PROVINCES
    )


def _bare(name: str) -> list[str]:
    """A DOPA name as the words written after อำเภอ/ตำบล: an alternative name in brackets
    (ปอภาร (ปอพาน)) is a second name."""
    return [part for part in re.split(r"[\s()]+", name) if part]


_HEADER = """\
# Thai district (อำเภอ/เขต) and subdistrict (ตำบล/แขวง) names, one a line, no prefix.
# From GeoThai data release {version} (Python package geothai): the names of the
# Department of Provincial Administration (DOPA). Data (c) Pongsakorn Thipayanate,
# CC BY 4.0 <https://creativecommons.org/licenses/by/4.0/>; credit: GeoThai.
# Changed here: names only (no codes or postal codes), Bangkok's เขต prefix dropped,
# a name in brackets listed on its own, duplicates removed. Regenerate: placenames.py.
"""


def _from_geothai() -> str:  # pragma: no cover - run by hand, see the module docstring
    import geothai  # type: ignore[import-not-found]

    names: set[str] = set()
    for province in geothai.provinces():
        bangkok = province.code == "10"
        for district in geothai.districts(province.code):
            # Bangkok's districts come as เขตพระนคร; elsewhere the name alone (วังทอง).
            names.update(
                _bare(district.name_th.removeprefix("เขต") if bangkok else district.name_th)
            )
            for subdistrict in geothai.subdistricts(district.code):
                names.update(_bare(subdistrict.name_th))
    return _HEADER.format(version=geothai.DATA_VERSION) + "".join(f"{n}\n" for n in sorted(names))


if __name__ == "__main__":  # pragma: no cover
    print(_from_geothai(), end="")
