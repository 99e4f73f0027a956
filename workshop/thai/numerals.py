"""Thai numerals (เลขไทย): ๐๑๒๓๔๕๖๗๘๙ for 0-9, as many government documents print them.

Only the digits change; punctuation, separators and every other character stay, so a number
keeps its meaning character for character (``12/2559`` → ``๑๒/๒๕๕๙``, ``1,234.50`` →
``๑,๒๓๔.๕๐``). Names are never passed through here: a person's name is printed as written.
"""

from __future__ import annotations

ARABIC = "0123456789"
THAI = "๐๑๒๓๔๕๖๗๘๙"
_TO_THAI = str.maketrans(ARABIC, THAI)
_TO_ARABIC = str.maketrans(THAI, ARABIC)


def thai_digits(text: str) -> str:
    """``text`` with every ASCII digit written as a Thai numeral."""
    return text.translate(_TO_THAI)


def arabic_digits(text: str) -> str:
    """``text`` with every Thai numeral written as an ASCII digit (the reverse)."""
    return text.translate(_TO_ARABIC)


def digits(text: str, thai: bool) -> str:
    """Thai numerals when ``thai``, the text unchanged otherwise (a per-workshop option)."""
    return text.translate(_TO_THAI) if thai else text
