"""URL converters."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

# 0 to 2147483647 (a database integer) as written without leading zeros.
INT32_REGEX = (
    r"(?:0|[1-9]\d{0,8}|1\d{9}|20\d{8}|21[0-3]\d{7}|214[0-6]\d{6}|2147[0-3]\d{5}"
    r"|21474[0-7]\d{4}|214748[0-2]\d{3}|2147483[0-5]\d{2}|21474836[0-3]\d|214748364[0-7])"
)


class Int32Converter(IntegerConverter):
    """``<int:...>`` that matches only numbers a database integer column holds.

    Werkzeug's converter matches any digits and then checks ``max``: a number past it makes
    the rule fail after the path matched, and the router then answers 405 (naming the methods
    of other rules) instead of 404; without ``max`` a huge id reaches the database, where
    PostgreSQL refuses it (500). Matching by pattern makes such a path simply not found.
    """

    regex = INT32_REGEX
