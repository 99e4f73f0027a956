"""Every error of a submitted form in one list, for the summary at the top of the page.

Pages validate in one pass: the WTForms checks and the service's rules both run on every
submit, and everything found is shown at once (``templates/macros.html``: ``error_summary``
lists each error as a link to its field, ``field`` marks the field and points to its message).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from wtforms import Field, FieldList, FormField, HiddenField


@dataclass(frozen=True)
class ErrorItem:
    """One error: the id of the field it belongs to, the field's label, the message."""

    id: str
    label: str
    message: str


def add_error(field: Field, message: str) -> None:
    """Add a service's message to a field, unless the form's own check already found one there
    (a date that could not be read needs no second word that it is missing)."""
    if not field.errors:
        field.errors = [message]


def add_errors(problems: Mapping[str, str], target_for) -> list[str]:
    """Put each of a service's ``problems`` on the field ``target_for(key)`` names; returns the
    messages that have no field."""
    loose = []
    for key, message in problems.items():
        target = target_for(key)
        if target is None:
            loose.append(message)
        else:
            add_error(target, message)
    return loose


def _items(fields: Iterable[Field], prefix: str = "") -> list[ErrorItem]:
    items: list[ErrorItem] = []
    for field in fields:
        if isinstance(field, HiddenField) or field.name == "csrf_token":
            continue
        if isinstance(field, FieldList):
            row_label = field.label.text
            for number, entry in enumerate(field.entries, start=1):
                row = f"{row_label} {number}"
                if isinstance(entry, FormField):
                    items += _items(entry.form, f"{prefix}{row} · ")
                else:
                    items += [ErrorItem(entry.id, prefix + row, str(m)) for m in entry.errors]
            continue
        if isinstance(field, FormField):
            items += _items(field.form, prefix)
            continue
        label = prefix + str(field.label.text)
        items += [ErrorItem(field.id, label, str(message)) for message in field.errors]
    return items


def error_items(form, extra: Iterable[ErrorItem] = ()) -> list[ErrorItem]:
    """The form's errors in page order, session rows included (``ช่วงที่ 2 · สิ้นสุด``)."""
    if form is None:
        return list(extra)
    return [*_items(form), *extra]


def has_errors(form) -> bool:
    """Whether any field has an error now, in rows too (a FieldList keeps only the errors its
    rows had when it was validated, not those a service added since)."""
    for field in form:
        if isinstance(field, FieldList):
            if any(has_errors(e.form) if isinstance(e, FormField) else e.errors for e in field):
                return True
        elif isinstance(field, FormField):
            if has_errors(field.form):
                return True
        elif field.errors:
            return True
    return False


@dataclass(frozen=True)
class ConflictView:
    """A stale edit refused, as the form page shows it (``macros.edit_conflict``): each
    differing field by its label, with the editor's value and the stored one."""

    rows: list[tuple[str, str, str]]


_SHORT_TEXT = 120


def is_blank(value: Any) -> bool:
    return value is None or value == [] or (isinstance(value, str) and not value.strip())


def conflict_value_text(value: Any) -> str:
    """A value in a conflict's row: "(ว่าง)" for nothing, else on one short line."""
    if is_blank(value):
        return _("(ว่าง)")
    text = " ".join(str(value).split())
    return text if len(text) <= _SHORT_TEXT else text[: _SHORT_TEXT - 1] + "…"
