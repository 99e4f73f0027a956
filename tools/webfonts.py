"""Write the Sarabun web fonts under static/fonts/ from the fontpkg-sarabun package's files.

The pages serve Sarabun themselves (browsers otherwise fall back to whatever Thai font the
device has, e.g. Loma). The WOFF2 files are committed; run this again after upgrading
fontpkg-sarabun: ``.venv/bin/pip install brotli && .venv/bin/python tools/webfonts.py``
(brotli is needed only here, for WOFF2 compression).
"""

from __future__ import annotations

from pathlib import Path

import fontpkg_sarabun
from fontTools.ttLib import TTFont

WEIGHTS = {"Regular": 400, "SemiBold": 600, "Bold": 700}
SOURCE = Path(fontpkg_sarabun.ROOT) / "files"
TARGET = Path(__file__).resolve().parents[1] / "static" / "fonts"


def main() -> None:
    TARGET.mkdir(parents=True, exist_ok=True)
    for name in WEIGHTS:
        font = TTFont(SOURCE / f"Sarabun-{name}.ttf")
        font.flavor = "woff2"
        font.save(TARGET / f"sarabun-{name.lower()}.woff2")
        print(TARGET / f"sarabun-{name.lower()}.woff2")


if __name__ == "__main__":
    main()
