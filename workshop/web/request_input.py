"""Request input that must be refused before any view sees it: NUL characters and numbers that
no database integer holds.

Both reach the database from query strings and path segments that views pass on as they are
(a filter, an image's name, an id): PostgreSQL refuses NUL in text, and a number past the
INTEGER range, with an error, and SQLite's driver cannot send an integer past 64 bits. Instead
of a check in every view, for every request:

* a NUL in the path is 404 (no page or record has such a name); in a query-string name or
  value it is 400 on pages and 422 ``validation_failed`` on the API;
* ``request.args.get(name, type=int)`` (and ``request.form``) gives only numbers a database
  integer holds; anything else gives the default, as a non-number does in Werkzeug;
* ``query_id(name)`` reads a record id from the query string: absent is None, anything that
  cannot be a record's id is 404.

Form fields report NUL and oversized numbers at the field (``web.fields``); JSON bodies are
bounded by their schemas (``api.schemas``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask, Request, abort, request
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import ImmutableMultiDict

from workshop.error_responses import domain_error_json, error_page, wants_json
from workshop.models.types import INT32_MAX, INT32_MIN
from workshop.services.errors import ValidationFailed

_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,10}")
NUL = "\x00"
NUL_MESSAGE = _l("มีอักขระควบคุมหรืออักขระที่ไม่รู้จักปนอยู่ กรุณาพิมพ์ใหม่")


def database_int(value: Any) -> int:
    """``value`` (text or a number) as an int a database INTEGER column holds, else ValueError.

    Only ASCII digits with an optional sign: ``int()`` would also take ``1_000`` and other
    scripts' digits.
    """
    if isinstance(value, bool):
        raise ValueError("not a whole number")
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not _WHOLE_NUMBER.fullmatch(text):
            raise ValueError(f"not a whole number: {text[:20]!r}")
        number = int(text)
    if not INT32_MIN <= number <= INT32_MAX:
        raise ValueError(f"out of the database integer range: {number}")
    return number


def optional_int(value: Any) -> int | None:
    """``value`` as ``database_int`` reads it, or None when it is no such number (blank, text,
    too large, or a character Python calls a digit but ``int()`` refuses, as ``²``)."""
    try:
        return database_int(value)
    except ValueError:
        return None


class DatabaseSafeArgs(ImmutableMultiDict):
    """Query-string and form parameters whose ``get(..., type=int)`` is ``database_int``."""

    def get(self, key: Any, default: Any = None, type: Callable[[str], Any] | None = None) -> Any:
        return super().get(key, default, database_int if type is int else type)


class WorkshopRequest(Request):
    parameter_storage_class = DatabaseSafeArgs


def query_id(name: str) -> int | None:
    """The record id in the query parameter ``name``: None if absent or blank, 404 if it cannot
    be the id of any record (not a whole number from 1 to the database's largest integer)."""
    raw = request.args.get(name, "")
    if not raw.strip():
        return None
    try:
        value = database_int(raw)
    except ValueError:
        abort(404)
    if value < 1:
        abort(404)
    return value


def _refuse_nul():
    if NUL in request.path:
        abort(404)
    for key, value in request.args.items(multi=True):
        if NUL in key or NUL in value:
            if wants_json():
                field = key.replace(NUL, "") or "query"
                return domain_error_json(ValidationFailed({field: str(NUL_MESSAGE)}))
            return error_page(400, str(NUL_MESSAGE))
    return None


def register_request_input(app: Flask) -> None:
    app.request_class = WorkshopRequest
    app.before_request(_refuse_nul)
