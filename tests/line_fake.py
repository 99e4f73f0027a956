"""A local fake of the LINE Platform, for the tests and the demo: LINE Login v2.1 (authorize,
token, verify) and the Messaging API's push. Every request is checked for the shape LINE
documents; a request that breaks it is answered 400 as LINE would and noted in ``problems``,
which the tests assert empty.

Run it beside ``make run`` to try LINE without LINE (README, "LINE"):

    .venv/bin/python -m tests.line_fake --port 8090 --app http://127.0.0.1:5000

Its page (http://127.0.0.1:8090/) shows the messages the system pushed and has buttons that
send the system signed follow and unfollow webhooks, as LINE does when an officer unblocks or
blocks the Official Account.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import html
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

ISSUER = "https://access.line.me"
USER_ID = re.compile(r"U[0-9a-f]{32}")
CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")
UUID_TEXT = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
SCOPES = {"openid", "profile", "email"}
MESSAGE_TYPES = {"text", "sticker", "image", "video", "audio", "location", "imagemap", "template"}
FLEX_COMPONENTS = {"box", "button", "image", "video", "icon", "text", "span", "separator", "filler"}
URI_SCHEMES = ("http://", "https://", "line://", "tel:")

# What the demo uses (and README shows); the tests make their own random ones.
DEMO_SETTINGS = {
    "channel_access_token": "demo-channel-access-token",
    "channel_secret": "demo-messaging-channel-secret",
    "login_channel_id": "1234567890",
    "login_channel_secret": "demo-login-channel-secret",
}


def new_user_id() -> str:
    return "U" + secrets.token_hex(16)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signature(secret: str, body: bytes) -> str:
    """``X-Line-Signature`` as LINE computes it."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def webhook_event(kind: str, user_id: str, *, unblocked: bool = False) -> dict[str, Any]:
    """A follow or unfollow event as LINE sends it."""
    event: dict[str, Any] = {
        "type": kind,
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user_id},
        "webhookEventId": secrets.token_hex(13).upper(),
        "deliveryContext": {"isRedelivery": False},
    }
    if kind == "follow":
        event["replyToken"] = secrets.token_hex(16)
        event["follow"] = {"isUnblocked": unblocked}
    return event


def webhook_body(events: list[dict[str, Any]], destination: str = "U" + "0" * 32) -> bytes:
    return json.dumps({"destination": destination, "events": events}).encode()


class Refused(Exception):
    """A request LINE would refuse: its status and LINE-shaped error body."""

    def __init__(self, status: int, body: dict[str, Any], problem: str | None = None):
        super().__init__(problem or json.dumps(body))
        self.status = status
        self.body = body
        self.problem = problem


def bad(problem: str, prop: str = "") -> Refused:
    """A malformed request: what LINE answers, recorded as a problem of the client."""
    detail = {"message": problem, "property": prop} if prop else {"message": problem}
    body = {"message": "The request body has 1 error(s)", "details": [detail]}
    return Refused(400, body, problem)


@dataclass
class Push:
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeLine:
    channel_access_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    channel_secret: str = field(default_factory=lambda: secrets.token_hex(16))
    login_channel_id: str = field(default_factory=lambda: str(secrets.randbelow(9 * 10**9) + 10**9))
    login_channel_secret: str = field(default_factory=lambda: secrets.token_hex(16))
    app_url: str = ""  # the system under test, for the demo page's webhook buttons
    auto_approve: bool = True  # authorize redirects back at once (tests) or shows a page (demo)
    new_user_per_login: bool = False  # the demo: each officer who links is another LINE user

    # The LINE user the next login is as.
    next_user_id: str = field(default_factory=new_user_id)
    # Statuses to answer the next pushes with, one each (e.g. [500, 429]); then normal again.
    push_failures: list[int] = field(default_factory=list)
    # A 5xx from push_failures is answered after accepting the push (a lost response).
    accept_before_failing: bool = False
    # Users who blocked the Official Account, and what LINE answers a push to them.
    blocked: set[str] = field(default_factory=set)
    blocked_status: int = 403
    # An ID token issued with another nonce than the authorization request's (a replay).
    id_token_nonce: str | None = None

    pushes: list[Push] = field(default_factory=list)  # accepted pushes
    push_attempts: list[Push] = field(default_factory=list)  # every push request
    token_requests: list[dict[str, str]] = field(default_factory=list)
    verify_requests: list[dict[str, str]] = field(default_factory=list)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    linked: list[str] = field(default_factory=list)  # user ids that logged in, for the page

    def __post_init__(self) -> None:
        self._codes: dict[str, dict[str, str]] = {}
        self._retry_keys: set[str] = set()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- running -------------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> FakeLine:
        fake = self

        class Handler(_Handler):
            line = fake

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def app_config(self) -> dict[str, Any]:
        """The WORKSHOP_LINE_* settings that point the system at this fake."""
        return {
            "LINE_CHANNEL_ACCESS_TOKEN": self.channel_access_token,
            "LINE_CHANNEL_SECRET": self.channel_secret,
            "LINE_LOGIN_CHANNEL_ID": self.login_channel_id,
            "LINE_LOGIN_CHANNEL_SECRET": self.login_channel_secret,
            "LINE_API_URL": self.url,
            "LINE_ACCESS_URL": self.url,
        }

    def sign(self, body: bytes) -> str:
        return signature(self.channel_secret, body)

    # --- LINE Login ----------------------------------------------------------------------------

    def authorize(self, query: dict[str, str]) -> tuple[str, dict[str, str]]:
        """Check an authorization request; returns the callback URL and the grant."""
        self.authorize_requests.append(query)
        expect = {"response_type": "code", "client_id": self.login_channel_id}
        for name, value in expect.items():
            if query.get(name) != value:
                raise bad(f"authorize: {name} must be {value!r}, got {query.get(name)!r}", name)
        redirect_uri = query.get("redirect_uri", "")
        if not redirect_uri.startswith(("http://", "https://")):
            raise bad("authorize: redirect_uri must be the registered callback URL", "redirect_uri")
        scopes = query.get("scope", "").split(" ")
        if "openid" not in scopes or not set(scopes) <= SCOPES:
            raise bad(f"authorize: scope {query.get('scope')!r} (openid required)", "scope")
        for name in ("state", "nonce"):
            if not query.get(name):
                raise bad(f"authorize: {name} is required for a web login", name)
        if not CHALLENGE.fullmatch(query.get("code_challenge", "")):
            raise bad("authorize: code_challenge must be a base64url SHA-256", "code_challenge")
        if query.get("code_challenge_method") != "S256":
            raise bad("authorize: code_challenge_method must be S256", "code_challenge_method")
        if query.get("bot_prompt", "normal") not in ("normal", "aggressive"):
            raise bad("authorize: bot_prompt is normal or aggressive", "bot_prompt")
        code = secrets.token_urlsafe(16)
        grant = {
            "redirect_uri": redirect_uri,
            "nonce": query["nonce"],
            "challenge": query["code_challenge"],
            "user_id": self.next_user_id,
            "scope": query["scope"],
        }
        with self._lock:
            self._codes[code] = grant
        back = {"code": code, "state": query["state"]}
        if "bot_prompt" in query:
            back["friendship_status_changed"] = "true"
        return f"{redirect_uri}?{urlencode(back)}", grant

    def token(self, form: dict[str, str], content_type: str) -> dict[str, Any]:
        self.token_requests.append(form)
        if not content_type.startswith("application/x-www-form-urlencoded"):
            raise bad(f"token: Content-Type {content_type!r}")
        if form.get("grant_type") != "authorization_code":
            raise bad("token: grant_type must be authorization_code", "grant_type")
        for name in ("code", "redirect_uri", "client_id", "client_secret", "code_verifier"):
            if not form.get(name):
                raise bad(f"token: {name} is required", name)
        if form["client_id"] != self.login_channel_id:
            raise Refused(400, {"error": "invalid_client", "error_description": "client_id"})
        if form["client_secret"] != self.login_channel_secret:
            raise Refused(401, {"error": "invalid_client", "error_description": "client_secret"})
        with self._lock:
            grant = self._codes.pop(form["code"], None)  # a code works once
        invalid = {"error": "invalid_grant", "error_description": "invalid authorization code"}
        if grant is None or grant["redirect_uri"] != form["redirect_uri"]:
            raise Refused(400, invalid)
        verifier = form["code_verifier"]
        if not VERIFIER.fullmatch(verifier):
            raise bad("token: code_verifier must be 43-128 unreserved characters", "code_verifier")
        if b64url(hashlib.sha256(verifier.encode()).digest()) != grant["challenge"]:
            raise Refused(400, {"error": "invalid_grant", "error_description": "code_verifier"})
        with self._lock:
            self.linked.append(grant["user_id"])
            if self.new_user_per_login:
                self.next_user_id = new_user_id()
        return {
            "access_token": secrets.token_urlsafe(32),
            "expires_in": 2592000,
            "id_token": self._id_token(grant),
            "refresh_token": secrets.token_urlsafe(16),
            "scope": grant["scope"],
            "token_type": "Bearer",
        }

    def _id_token(self, grant: dict[str, str]) -> str:
        now = int(time.time())
        header = {"typ": "JWT", "alg": "HS256"}
        claims = {
            "iss": ISSUER,
            "sub": grant["user_id"],
            "aud": self.login_channel_id,
            "exp": now + 3600,
            "iat": now,
            "nonce": self.id_token_nonce or grant["nonce"],
            "amr": ["linesso"],
        }
        head = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        key = self.login_channel_secret.encode()
        return head + "." + b64url(hmac.new(key, head.encode(), hashlib.sha256).digest())

    def verify(self, form: dict[str, str], content_type: str) -> dict[str, Any]:
        """LINE's ID token verification: signature (HS256, channel secret), audience, expiry,
        and the nonce when one is given."""
        self.verify_requests.append(form)
        if not content_type.startswith("application/x-www-form-urlencoded"):
            raise bad(f"verify: Content-Type {content_type!r}")
        invalid = {"error": "invalid_request"}
        try:
            head, payload, sig = form["id_token"].split(".")
            claims = json.loads(b64url_decode(payload))
        except (KeyError, ValueError):
            raise Refused(400, {**invalid, "error_description": "Invalid IdToken."}) from None
        key = self.login_channel_secret.encode()
        expected = b64url(hmac.new(key, f"{head}.{payload}".encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(expected, sig):
            raise Refused(400, {**invalid, "error_description": "Invalid IdToken Signature."})
        if form.get("client_id") != claims.get("aud"):
            raise Refused(400, {**invalid, "error_description": "Invalid IdToken Audience."})
        if claims.get("exp", 0) < time.time():
            raise Refused(400, {**invalid, "error_description": "IdToken expired."})
        if "nonce" in form and form["nonce"] != claims.get("nonce"):
            raise Refused(400, {**invalid, "error_description": "Invalid IdToken Nonce."})
        return claims

    # --- Messaging API -------------------------------------------------------------------------

    def push(self, headers: dict[str, str], raw: bytes) -> dict[str, Any]:
        if headers.get("authorization") != f"Bearer {self.channel_access_token}":
            raise Refused(
                401,
                {
                    "message": "Authentication failed. Confirm that the access token"
                    " in the authorization header is valid."
                },
            )
        if not headers.get("content-type", "").startswith("application/json"):
            raise bad(f"push: Content-Type {headers.get('content-type')!r}")
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise bad("push: the body is not JSON") from None
        push = Push(headers=headers, body=body)
        self.push_attempts.append(push)
        if not isinstance(body, dict):
            raise bad("push: the body must be an object")
        if not isinstance(body.get("to"), str) or not USER_ID.fullmatch(body["to"]):
            raise bad("push: to must be a user id (U and 32 hex digits)", "to")
        messages = body.get("messages")
        if not isinstance(messages, list) or not 1 <= len(messages) <= 5:
            raise bad("push: messages must be an array of 1 to 5 message objects", "messages")
        for index, message in enumerate(messages):
            check_message(message, f"messages[{index}]")
        if "notificationDisabled" in body and not isinstance(body["notificationDisabled"], bool):
            raise bad("push: notificationDisabled must be a boolean", "notificationDisabled")
        key = headers.get("x-line-retry-key")
        if key is not None and not UUID_TEXT.fullmatch(key):
            raise bad("push: X-Line-Retry-Key must be a hexadecimal UUID")
        with self._lock:
            if key is not None and key in self._retry_keys:
                raise Refused(409, {"message": "The retry key is already accepted"})
            status = self.push_failures.pop(0) if self.push_failures else None
            accept = status is None or (status >= 500 and self.accept_before_failing)
            if body["to"] in self.blocked and status is None:
                raise Refused(self.blocked_status, {"message": "Failed to send messages"})
            if accept:
                self.pushes.append(push)
                if key is not None:
                    self._retry_keys.add(key)
        if status is not None:
            raise Refused(status, {"message": f"fake LINE answers {status}"})
        return {"sentMessages": [{"id": str(secrets.randbelow(10**18)), "quoteToken": "q"}]}

    def pushes_to(self, user_id: str) -> list[Push]:
        return [p for p in self.pushes if p.body.get("to") == user_id]


def check_message(message: Any, where: str) -> None:
    """A message object as the Messaging API reference describes it (the types the system
    could send, checked field by field; others by their type name only)."""
    if not isinstance(message, dict):
        raise bad(f"{where} must be an object", where)
    kind = message.get("type")
    if kind == "text":
        text = message.get("text")
        if not isinstance(text, str) or not 1 <= len(text) <= 5000:
            raise bad(f"{where}.text must be 1-5000 characters", f"{where}.text")
    elif kind == "image":
        for name in ("originalContentUrl", "previewImageUrl"):
            check_https(message.get(name), f"{where}.{name}")
    elif kind == "flex":
        alt = message.get("altText")
        if not isinstance(alt, str) or not 1 <= len(alt) <= 1500:
            raise bad(f"{where}.altText must be 1-1500 characters", f"{where}.altText")
        check_container(message.get("contents"), f"{where}.contents")
    elif kind not in MESSAGE_TYPES:
        raise bad(f"{where}.type {kind!r} is not a message type", f"{where}.type")


def check_https(url: Any, where: str) -> None:
    if not isinstance(url, str) or not url.startswith("https://") or len(url) > 2000:
        raise bad(f"{where} must be an https URL of at most 2000 characters", where)


def check_container(container: Any, where: str) -> None:
    if not isinstance(container, dict) or container.get("type") not in ("bubble", "carousel"):
        raise bad(f"{where}.type must be bubble or carousel", f"{where}.type")
    if container["type"] == "carousel":
        bubbles = container.get("contents")
        if not isinstance(bubbles, list) or not 1 <= len(bubbles) <= 12:
            raise bad(f"{where}.contents must hold 1-12 bubbles", f"{where}.contents")
        for index, bubble in enumerate(bubbles):
            check_container(bubble, f"{where}.contents[{index}]")
        return
    blocks = [name for name in ("header", "hero", "body", "footer") if name in container]
    if not blocks:
        raise bad(f"{where}: a bubble needs a header, hero, body or footer", where)
    for name in blocks:
        block = container[name]
        if name == "hero" and isinstance(block, dict) and block.get("type") in ("image", "video"):
            check_component(block, f"{where}.hero")
        elif not isinstance(block, dict) or block.get("type") != "box":
            raise bad(f"{where}.{name} must be a box", f"{where}.{name}")
        else:
            check_component(block, f"{where}.{name}")


def check_component(component: Any, where: str) -> None:
    if not isinstance(component, dict) or component.get("type") not in FLEX_COMPONENTS:
        raise bad(f"{where}.type is not a Flex component", f"{where}.type")
    kind = component["type"]
    if kind == "box":
        if component.get("layout") not in ("horizontal", "vertical", "baseline"):
            raise bad(f"{where}.layout", f"{where}.layout")
        contents = component.get("contents")
        if not isinstance(contents, list):
            raise bad(f"{where}.contents must be an array", f"{where}.contents")
        for index, child in enumerate(contents):
            check_component(child, f"{where}.contents[{index}]")
    elif kind == "text":
        text = component.get("text")
        if not isinstance(text, str) or not text:
            raise bad(f"{where}.text must be a non-empty string", f"{where}.text")
    elif kind == "image":
        check_https(component.get("url"), f"{where}.url")
    elif kind == "button" and "action" not in component:
        raise bad(f"{where}.action is required", f"{where}.action")
    if "action" in component:
        check_action(component["action"], f"{where}.action")


def check_action(action: Any, where: str) -> None:
    if not isinstance(action, dict) or action.get("type") not in (
        "uri",
        "postback",
        "message",
        "datetimepicker",
        "camera",
        "cameraRoll",
        "location",
        "richmenuswitch",
        "clipboard",
    ):
        raise bad(f"{where}.type is not an action type", f"{where}.type")
    label = action.get("label")
    if label is not None and (not isinstance(label, str) or len(label) > 20):
        raise bad(f"{where}.label must be at most 20 characters", f"{where}.label")
    if action["type"] == "uri":
        uri = action.get("uri")
        if not isinstance(uri, str) or not uri.startswith(URI_SCHEMES) or len(uri) > 1000:
            raise bad(f"{where}.uri must be an http(s), line or tel URI", f"{where}.uri")


class _Handler(BaseHTTPRequestHandler):
    line: FakeLine
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, content_type: str, headers=None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: dict[str, Any]) -> None:
        self._send(status, json.dumps(data).encode(), "application/json")

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _answer(self, work) -> None:
        try:
            self._json(200, work())
        except Refused as refused:
            if refused.problem:
                self.line.problems.append(refused.problem)
            self._json(refused.status, refused.body)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/oauth2/v2.1/authorize":
            try:
                location, grant = self.line.authorize(query)
            except Refused as refused:
                self.line.problems.append(refused.problem or "authorize refused")
                self._send(400, str(refused).encode(), "text/plain; charset=utf-8")
                return
            if self.line.auto_approve:
                self._send(302, b"", "text/plain", {"Location": location})
            else:
                page = _consent_page(location, query, grant)
                self._send(200, page.encode(), "text/html; charset=utf-8")
        elif parts.path == "/":
            self._send(200, _overview_page(self.line).encode(), "text/html; charset=utf-8")
        else:
            self._json(404, {"message": "Not found"})

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        raw = self._body()
        content_type = self.headers.get("Content-Type", "")
        form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        if parts.path == "/oauth2/v2.1/token":
            self._answer(lambda: self.line.token(form, content_type))
        elif parts.path == "/oauth2/v2.1/verify":
            self._answer(lambda: self.line.verify(form, content_type))
        elif parts.path == "/v2/bot/message/push":
            self._answer(lambda: self.line.push(headers, raw))
        elif parts.path == "/_fake/webhook":  # the demo page's follow/unfollow buttons
            status = _send_webhook(self.line, form.get("type", ""), form.get("user", ""))
            self._send(303, b"", "text/plain", {"Location": f"/?webhook={status}"})
        else:
            self._json(404, {"message": "Not found"})


def _send_webhook(line: FakeLine, kind: str, user_id: str) -> int:
    if kind not in ("follow", "unfollow") or not USER_ID.fullmatch(user_id) or not line.app_url:
        return 400
    body = webhook_body([webhook_event(kind, user_id, unblocked=kind == "follow")])
    request = urllib.request.Request(
        f"{line.app_url.rstrip('/')}/line/webhook",
        data=body,
        headers={"Content-Type": "application/json", "X-Line-Signature": line.sign(body)},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 502


def _consent_page(location: str, query: dict[str, str], grant: dict[str, str]) -> str:
    denied = {"error": "access_denied", "error_description": "denied", "state": query["state"]}
    cancel = f"{grant['redirect_uri']}?" + urlencode(denied)
    scope, user = html.escape(query["scope"]), html.escape(grant["user_id"])
    return f"""<!doctype html><meta charset="utf-8">
<meta name="viewport" content="width=device-width"><title>Fake LINE Login</title>
<body style="font-family:sans-serif;max-width:30rem;margin:2rem auto;padding:0 1rem">
<h1>Fake LINE Login</h1>
<p>Not LINE: a local stand-in. The system asks for scope <code>{scope}</code>
and would learn the user id <code>{user}</code>.</p>
<p><a href="{html.escape(location)}">Allow</a> &nbsp;
<a href="{html.escape(cancel)}">Cancel</a></p>"""


def _overview_page(line: FakeLine) -> str:
    rows = "".join(
        "<li><pre>"
        + html.escape(json.dumps(p.body, ensure_ascii=False, indent=1)[:4000])
        + "</pre></li>"
        for p in reversed(line.pushes)
    )
    users = "".join(
        f"""<li><code>{u}</code>
<form method="post" action="/_fake/webhook" style="display:inline">
<input type="hidden" name="user" value="{u}">
<button name="type" value="unfollow">block (unfollow)</button>
<button name="type" value="follow">unblock (follow)</button></form></li>"""
        for u in dict.fromkeys(line.linked)
    )
    problems = html.escape("; ".join(line.problems))
    return f"""<!doctype html><meta charset="utf-8"><title>Fake LINE</title>
<body style="font-family:sans-serif;margin:1rem">
<h1>Fake LINE</h1><p>Problems found in requests: {len(line.problems)} {problems}</p>
<h2>LINE users who linked</h2><ul>{users or "<li>none yet</li>"}</ul>
<h2>Pushed messages ({len(line.pushes)}), newest first</h2><ol>{rows}</ol>"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--app", default="http://127.0.0.1:5000", help="the system's address")
    args = parser.parse_args()
    fake = FakeLine(**DEMO_SETTINGS, app_url=args.app, auto_approve=False, new_user_per_login=True)
    fake.start(args.host, args.port)
    print(f"Fake LINE on {fake.url}; point the system at it with:")
    for key, value in fake.app_config().items():
        print(f"  export WORKSHOP_{key}={value}")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
