"""Edit versions over HTTP: ``ETag`` on workshops and venues, ``If-Match`` on their PATCH.

The entity tag is the record's edit version (``"3"``): it changes with every edit, not with
seat counts or other records. A PATCH with ``If-Match`` is refused with 412
``version_mismatch`` (and the current ``ETag``) when the record has changed since; without
the header (or with ``*``) it applies to whatever is current.
"""

from __future__ import annotations

from flask import request

_MAX_DIGITS = 9  # an int32 version; anything longer names no version of ours


def if_match_version() -> int | None:
    """The version an ``If-Match`` header names; None when it names none (absent, ``*``)."""
    tags = request.if_match
    if not tags or tags.star_tag:
        return None
    for tag in tags.as_set(include_weak=True):
        # ASCII digits only: "²" passes isdigit() but int() refuses it, and "٥" is not how
        # we spell a version.
        if tag.isascii() and tag.isdigit() and len(tag) <= _MAX_DIGITS:
            return int(tag)
    return 0  # versions start at 1: a tag that is not one of ours never matches


def etag(version: int) -> dict[str, str]:
    """The header that carries ``version`` as the entity tag."""
    return {"ETag": f'"{version}"'}
