"""Fuzzing the pages: query strings, path segments and HTML forms of every route of
``app.url_map`` (the JSON bodies are test_api_fuzz.py's), through the Flask app.

Each route is called as a caller it is meant for (the access matrix's table says who), in the
access matrix's world, first with every seed below in every parameter, then with generated
parameters. Whatever comes in, the answer is never a server error. The seeds are the inputs
that once answered 500: NUL characters (PostgreSQL refuses them in text), numbers past a
database integer, a digit ``int()`` cannot read, and line breaks in ``next`` (which went into
a ``Location`` header). Forms are
posted with the page's valid CSRF token, so that the input reaches the view. Set
WORKSHOP_FUZZ_EXAMPLES to fuzz longer.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workshop
from tests.integration.test_access_matrix import (
    CALLERS,
    URL_OVERRIDES,
    URL_VALUES,
    build_world,
    expectation,
    sign_in,
    url_for_rule,
)
from workshop import create_app

EXAMPLES = int(os.environ.get("WORKSHOP_FUZZ_EXAMPLES", "5"))
SEEDS = (
    "ab\x00cd",
    "/\r\nX",
    "2147483648",
    "99999999999999999999",
    "9223372036854775808",
    "-1",
    "",
    "๑๒๓",
    "²",  # a digit to str.isdigit(), yet no number to int()
    "1_000",
    "x" * 3000,
    "\u202egnp.exe",
    "//evil.example/",
)


def _query_names() -> tuple[str, ...]:
    """Every name the app reads from a query string, found in its source (``request.args.get``,
    ``request.args[...]``, ``... in request.args``, ``query_id``): a parameter added later is
    fuzzed too, without anyone remembering to list it here."""
    read = re.compile(
        r'(?:request\.args\.(?:get|getlist)\(\s*|request\.args\[|query_id\()"([a-z_]+)"'
        r'|"([a-z_]+)" in request\.args'
    )
    names = {
        name
        for path in Path(workshop.__file__).parent.rglob("*.py")
        for match in read.findall(path.read_text(encoding="utf-8"))
        for name in match
        if name
    }
    return tuple(sorted(names))


QUERY_NAMES = _query_names()
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
VALUES = st.one_of(
    st.sampled_from(SEEDS),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
_NAME = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"')


def _routes(method: str, html_only: bool = False):
    app = create_app(
        {"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "x", "MAIL_DELIVERY": "manual"}
    )
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if method not in rule.methods or rule.endpoint == "static":
            continue
        if html_only and rule.endpoint.startswith("api."):
            continue
        found.append(rule.endpoint)
    return found


GET_ROUTES = _routes("GET")
POST_ROUTES = _routes("POST", html_only=True)


def caller_for(endpoint: str, method: str) -> str:
    """The first caller the access policy lets through: the organizer for pages (most routes),
    anyone signed out first for forms that take signed-out visitors (signing in, signing up)."""
    outcomes = dict(zip(CALLERS, expectation(endpoint, method) or [], strict=False))
    order = ("organizer", "owner", "staff", "anonymous")
    for name in order[::-1] if method == "POST" and outcomes.get("anonymous") == "ok" else order:
        if outcomes.get(name) == "ok":
            return name
    return "organizer"


def valid_form(endpoint: str, world) -> Callable[[], dict[str, str]]:
    """Makes a submission the route accepts, where one is needed for input to reach the
    service (a seed then replaces one field): from test_input_robustness's forms."""
    from tests.integration import test_input_robustness as forms
    from tests.support import PASSWORD

    robustness_world = {"venue_id": world.venue_id}
    venue = {"name": "ห้องประชุม", "capacity": "50"}
    return {
        "auth.login": lambda: {"email": world.users["owner"].email, "password": PASSWORD},
        "auth.signup": lambda: forms.signup_data(robustness_world),
        "organizer.workshop_new": lambda: forms.workshop_data(robustness_world),
        "organizer.venue_new": lambda: venue,
        "organizer.venue_edit": lambda: venue,
        "organizer.walk_in": lambda: {**forms.profile_data(robustness_world), "consent": "y"},
    }.get(endpoint, dict)


class Target:
    """One route, its URL in the world and a signed-in client for it."""

    def __init__(self, app, endpoint: str, method: str):
        self.world = build_world()
        self.rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        name = caller_for(endpoint, method)
        self.caller = sign_in(app, name, self.world.users.get(name))
        self.client = self.caller.client
        self.api = endpoint.startswith("api.")
        self.headers = self.caller.bearer if self.api else {}
        self.url = url_for_rule(self.rule, self.world)
        self.fields = self._form_fields() if method == "POST" else []

    def _form_fields(self) -> list[str]:
        """The names of the fields the route's own page (or, for a button, the page that has
        it) sends; CSRF token aside."""
        pages = [self.url] if "GET" in self.rule.methods else []
        pages += ["/organizer/workshops/{}/registrations", "/organizer/workshops/{}"]
        names: set[str] = set()
        for page in pages:
            html = self.client.get(page.format(self.world.workshop_id)).get_data(as_text=True)
            names.update(_NAME.findall(html))
        names.discard("csrf_token")
        return sorted(names)

    def reset_session(self) -> None:
        """As signed in, whatever the last request did (signing out, switching language)."""
        if self.caller.cookie is not None:
            self.client.set_cookie("session", self.caller.cookie)

    def get(self, query: dict[str, str], url: str | None = None):
        self.reset_session()
        return self.client.get(url or self.url, query_string=query, headers=self.headers)

    def post(self, form: dict[str, str], query: dict[str, str] | None = None):
        self.reset_session()
        data = {**form, "csrf_token": self.caller.csrf}
        return self.client.post(self.url, data=data, query_string=query or {})


def assert_no_server_error(response, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code}"


def _with_path_seeds(target: Target):
    """The route with each seed in each of its text path segments (ids are matched by the
    int converter, so only these reach a view as typed)."""
    overrides = URL_OVERRIDES.get(target.rule.endpoint, {})
    values = {
        arg: overrides[arg] if arg in overrides else URL_VALUES[arg](target.world)
        for arg in target.rule.arguments
    }
    for name, converter in target.rule._converters.items():
        if type(converter).__name__ not in ("UnicodeConverter", "PathConverter"):
            continue
        for seed in SEEDS:
            if seed:
                _, path = target.rule.build({**values, name: seed}, append_unknown=False)
                yield name, seed, path


def test_every_query_parameter_the_app_reads_is_fuzzed():
    # The seeds went in through these; the pages read a few more (the LINE callback's
    # state and error, the door's mode, the sign-up's email, the sign-in sheet's options).
    expected = {"next", "workshop_id", "session_id", "action", "state", "error", "mode", "email"}
    assert expected <= set(QUERY_NAMES)


@pytest.mark.parametrize("endpoint", GET_ROUTES)
def test_query_strings_and_path_segments_never_make_a_server_error(app, endpoint):
    target = Target(app, endpoint, "GET")
    for seed in SEEDS:
        response = target.get(dict.fromkeys(QUERY_NAMES, seed))
        assert_no_server_error(response, f"GET {target.url} every parameter={seed!r}")
    for name, seed, path in _with_path_seeds(target):
        assert_no_server_error(target.get({}, path), f"GET {path} ({name}={seed!r})")

    @SETTINGS
    @given(
        st.dictionaries(
            st.one_of(st.sampled_from(QUERY_NAMES), st.text(min_size=1, max_size=10)),
            VALUES,
            max_size=6,
        )
    )
    def generated(query):
        assert_no_server_error(target.get(query), f"GET {target.url}?{query!r}")

    generated()


@pytest.mark.parametrize("endpoint", POST_ROUTES)
def test_html_forms_never_make_a_server_error(app, endpoint):
    target = Target(app, endpoint, "POST")
    valid = valid_form(endpoint, target.world)
    for seed in SEEDS:
        response = target.post(dict.fromkeys(target.fields, seed), dict.fromkeys(QUERY_NAMES, seed))
        assert_no_server_error(response, f"POST {target.url} every field={seed!r}")
        # A valid submission with the seed in the query string: reaches what follows success
        # (the redirect to ``next`` after signing in).
        response = target.post(valid(), dict.fromkeys(QUERY_NAMES, seed))
        assert_no_server_error(response, f"POST {target.url}?...={seed!r}")
    for field in target.fields:  # one field at a time, the others valid (or empty)
        for seed in ("\x00", "99999999999999999999", "2147483648", "/\r\nX", "²"):
            response = target.post({**valid(), field: seed})
            assert_no_server_error(response, f"POST {target.url} {field}={seed!r}")

    @SETTINGS
    @given(st.dictionaries(st.sampled_from(target.fields or ["x"]), VALUES, max_size=8))
    def generated(form):
        assert_no_server_error(target.post({**valid(), **form}), f"POST {target.url} {form!r}")

    generated()
