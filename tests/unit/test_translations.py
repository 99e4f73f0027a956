"""The English catalog covers every Thai msgid, its .mo matches its .po, placeholders agree.

Thai is the source language: the msgids are the Thai strings in ``workshop/`` and ``templates/``.
These tests run under ``make test``, so a new or changed string that nobody translated, or a .po
edited without recompiling, fails the build with instructions instead of showing Thai on an
English page.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "workshop" / "translations"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
MO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo"
# The same keywords `make translations` passes to `pybabel extract`.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}

FIX = (
    "Run `make translations`, translate every empty or fuzzy entry in "
    "workshop/translations/en/LC_MESSAGES/messages.po (remove the `#, fuzzy` line once checked), "
    "then run `make translations` again to compile messages.mo."
)

# printf-style conversions as Python's % operator reads them, including the %% escape.
PLACEHOLDER = re.compile(
    r"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrsa%]"
)


def _ids(message_id: str | tuple[str, ...]) -> tuple[str, ...]:
    return message_id if isinstance(message_id, tuple) else (message_id,)


def _strings(message_string: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if not message_string:
        return ()
    return message_string if isinstance(message_string, tuple) else (message_string,)


def _translated(message) -> bool:
    strings = _strings(message.string)
    return bool(strings) and all(s.strip() for s in strings) and not message.fuzzy


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    assert PO.exists(), f"{PO} is missing. {FIX}"
    with PO.open("rb") as f:
        return read_po(f, locale="en")


@pytest.fixture(scope="module")
def extracted() -> dict[tuple[str | tuple[str, ...], str | None], list[str]]:
    """Every message in the source tree, as `pybabel extract -F babel.cfg` finds it, keyed by
    (msgid, context): ``pgettext("count", "ยกเลิก")`` is another message than ``_("ยกเลิก")``."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found: dict[tuple[str | tuple[str, ...], str | None], list[str]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.setdefault((message, context), []).append(f"{filename}:{lineno}")
    return found


def test_extraction_finds_the_templates_and_the_code(extracted):
    """Guards the guard: a broken babel.cfg would find nothing and pass everything."""
    places = {place.split(":")[0] for places in extracted.values() for place in places}
    assert any(p.startswith("templates/") for p in places), "no template strings extracted"
    assert any(p.startswith("workshop/") for p in places), "no Python strings extracted"
    assert ("เข้าสู่ระบบ", None) in extracted  # templates, _()
    assert ("กรุณากรอกช่องนี้", None) in extracted  # Python, _l()
    assert ("เช็กอิน", "column") in extracted  # pgettext


def test_every_msgid_has_an_english_translation(extracted, catalog):
    missing = []
    for (message_id, context), places in extracted.items():
        entry = catalog.get(message_id, context=context)
        if entry is None:
            reason = "not in messages.po"
        elif entry.fuzzy:
            reason = "fuzzy"
        elif not _translated(entry):
            reason = "empty msgstr"
        else:
            continue
        missing.append(f"  {_ids(message_id)[0]!r} ({reason}; {places[0]})")
    assert not missing, (
        f"{len(missing)} message(s) lack an English translation:\n"
        + "\n".join(sorted(missing))
        + f"\n{FIX}"
    )


def test_compiled_mo_matches_the_po(catalog):
    assert MO.exists(), f"{MO} is missing. {FIX}"
    with MO.open("rb") as f:
        compiled = read_mo(f)

    def key(m) -> tuple:  # a plural's msgids too come back as a list from the .mo
        return (tuple(m.id) if isinstance(m.id, list | tuple) else m.id, m.context)

    def text(m) -> str | tuple[str, ...]:  # a plural's forms come back as a list from the .mo
        return tuple(m.string) if isinstance(m.string, list | tuple) else m.string

    expected = {key(m): text(m) for m in catalog if m.id and _translated(m)}
    actual = {key(m): text(m) for m in compiled if m.id}
    stale = sorted(
        _ids(k[0])[0] for k in expected.keys() | actual.keys() if expected.get(k) != actual.get(k)
    )
    assert not stale, (
        f"messages.mo is out of date with messages.po for {len(stale)} message(s), e.g. "
        f"{stale[:5]!r}. {FIX}"
    )


def test_placeholders_in_each_translation_match_the_msgid(catalog):
    wrong = []
    for message in catalog:
        if not message.id or not _strings(message.string):
            continue
        wanted = Counter(PLACEHOLDER.findall(_ids(message.id)[-1]))
        for text in _strings(message.string):
            got = Counter(PLACEHOLDER.findall(text))
            if got != wanted:
                wrong.append(
                    f"  {_ids(message.id)[0]!r} -> {text!r}: "
                    f"expected {sorted(wanted.elements())}, found {sorted(got.elements())}"
                )
    assert not wrong, "placeholders differ between msgid and msgstr:\n" + "\n".join(wrong)
