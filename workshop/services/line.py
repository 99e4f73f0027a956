"""The office's LINE Official Account: its settings and the few LINE APIs the system calls.

- **LINE Login v2.1** (OAuth 2.0 authorization code flow and OpenID Connect) links an officer's
  LINE account: PKCE with S256, a ``state`` bound to the browser's session against forged
  callbacks, and a ``nonce`` that the ID token must carry back against replayed tokens. The ID
  token is checked by LINE's verify endpoint (``POST /oauth2/v2.1/verify``), which checks its
  signature, audience, expiry and nonce; the claims it returns are checked again here. Scope
  ``openid`` only: the system learns the LINE user id and nothing else (no name, picture or
  e-mail), and the login screen offers to add the Official Account as a friend
  (``bot_prompt``), without which no notice can be pushed.
- **Messaging API**: a notice is pushed with ``POST /v2/bot/message/push`` and an
  ``X-Line-Retry-Key``, so that a retry after a timeout or a 5xx that LINE had in fact accepted
  is answered 409 instead of being delivered twice.
- **Webhook**: ``X-Line-Signature`` is the base64 HMAC-SHA256 of the raw body keyed with the
  Messaging API channel secret.

The settings are read in one place, :func:`line_settings`: today they are the installation's
(``WORKSHOP_LINE_*``); when offices become records, the office's row will supply them here.
HTTP goes through the standard library (no SDK), with the base URLs as settings so that tests
and the demo talk to a local fake of LINE.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from flask import current_app
from flask_babel import lazy_gettext as _l

from workshop.services.errors import DomainError

ISSUER = "https://access.line.me"
USER_ID = re.compile(r"U[0-9a-f]{32}")
SCOPE = "openid"
# "aggressive": after consenting, LINE asks the officer to add the Official Account as a friend.
BOT_PROMPT = "aggressive"
SHARE_URL = "https://social-plugins.line.me/lineit/share?url="
_ERROR_TEXT_MAX = 300


@dataclass(frozen=True)
class LineSettings:
    channel_access_token: str  # Messaging API: pushes
    channel_secret: str  # Messaging API: webhook signatures
    login_channel_id: str  # LINE Login: client_id
    login_channel_secret: str  # LINE Login: client_secret
    api_url: str  # https://api.line.me
    access_url: str  # https://access.line.me
    timeout: float
    base_url: str  # this system's public address

    @property
    def callback_url(self) -> str:
        """Register exactly this as the LINE Login channel's callback URL."""
        return f"{self.base_url}/auth/line/callback"


def line_settings() -> LineSettings | None:
    """The LINE settings in force, or None when LINE is not configured (then nothing about
    LINE shows). ``config.check_line_settings`` refused half a configuration at start-up."""
    config = current_app.config
    token = str(config.get("LINE_CHANNEL_ACCESS_TOKEN") or "").strip()
    if not token:
        return None
    return LineSettings(
        channel_access_token=token,
        channel_secret=str(config["LINE_CHANNEL_SECRET"]).strip(),
        # A numeric channel id arrives parsed as a number from WORKSHOP_LINE_LOGIN_CHANNEL_ID.
        login_channel_id=str(config["LINE_LOGIN_CHANNEL_ID"]).strip(),
        login_channel_secret=str(config["LINE_LOGIN_CHANNEL_SECRET"]).strip(),
        api_url=str(config.get("LINE_API_URL") or "https://api.line.me").rstrip("/"),
        access_url=str(config.get("LINE_ACCESS_URL") or ISSUER).rstrip("/"),
        timeout=float(config.get("LINE_TIMEOUT") or 10),
        base_url=str(config["BASE_URL"]).rstrip("/"),
    )


def share_url(page_url: str) -> str:
    """LINE's share link (LINE Social Plugins, custom icon): opens LINE to send ``page_url``."""
    return SHARE_URL + quote(page_url, safe="")


# --- errors ------------------------------------------------------------------------------------


class LineError(Exception):
    """LINE answered with an error, or could not be reached (``status`` None)."""

    def __init__(self, status: int | None, message: str, body: dict[str, Any] | None = None):
        self.status = status
        self.body = body or {}
        text = f"LINE {status}: {message}" if status else f"LINE unreachable: {message}"
        super().__init__(text[:_ERROR_TEXT_MAX])


class LineUnavailable(LineError):
    """5xx, 429, a timeout or no connection: worth trying again later."""


class LineRejected(LineError):
    """A 4xx other than 429: the same request would be refused again."""

    @property
    def recipient_unreachable(self) -> bool:
        """LINE refuses pushes to a user who blocked the Official Account (or never added it)
        with 400 or 403. A 400 that names a property of our messages is our mistake instead,
        and says nothing about the officer."""
        if self.status not in (400, 403):
            return False
        details = self.body.get("details") or []
        about_messages = any(
            isinstance(d, dict) and str(d.get("property", "")).startswith("messages")
            for d in details
        )
        return not about_messages


class LineLoginFailed(DomainError):
    """Linking did not complete; nothing was changed."""

    code = "line_login_failed"
    http_status = 400

    def default_message(self) -> str:
        return str(_l("เชื่อมต่อบัญชี LINE ไม่สำเร็จ กรุณาเริ่มใหม่จากหน้าข้อมูลส่วนตัว"))


# --- HTTP --------------------------------------------------------------------------------------


def _decode(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw.decode("utf-8")) if raw else {}
    except (UnicodeDecodeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _call(
    settings: LineSettings,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    json_body: dict[str, Any] | None = None,
    form: dict[str, str] | None = None,
) -> dict[str, Any]:
    """POST to LINE; the JSON answer, or LineUnavailable / LineRejected."""
    all_headers = dict(headers or {})
    if json_body is not None:
        data = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
        all_headers["Content-Type"] = "application/json"
    else:
        data = urlencode(form or {}).encode("ascii")
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=data, headers=all_headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=settings.timeout) as response:
            return _decode(response.read())
    except urllib.error.HTTPError as exc:
        body = _decode(exc.read())
        message = str(
            body.get("message") or body.get("error_description") or body.get("error") or exc.reason
        )
        if exc.code >= 500 or exc.code == 429:
            raise LineUnavailable(exc.code, message, body) from exc
        raise LineRejected(exc.code, message, body) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise LineUnavailable(None, str(getattr(exc, "reason", exc))) from exc


# --- Messaging API -----------------------------------------------------------------------------


def push_message(
    settings: LineSettings, to: str, messages: list[dict[str, Any]], retry_key: str
) -> None:
    """Push ``messages`` (at most 5) to one user. ``retry_key`` (a UUID) must be the same on
    every attempt at the same notice: LINE then delivers it at most once."""
    try:
        _call(
            settings,
            f"{settings.api_url}/v2/bot/message/push",
            headers={
                "Authorization": f"Bearer {settings.channel_access_token}",
                "X-Line-Retry-Key": retry_key,
            },
            json_body={"to": to, "messages": messages},
        )
    except LineRejected as exc:
        if exc.status == 409:
            return  # an earlier attempt with this key was accepted: delivered once already
        raise


def signature_matches(settings: LineSettings, body: bytes, signature: str | None) -> bool:
    """``X-Line-Signature`` check, in constant time."""
    if not signature:
        return False
    digest = hmac.new(settings.channel_secret.encode(), body, hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest), signature.strip().encode())


# --- LINE Login --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginAttempt:
    """One linking attempt's secrets, kept in the browser's (signed) session until the callback."""

    state: str
    nonce: str
    code_verifier: str

    @property
    def code_challenge(self) -> str:
        digest = hashlib.sha256(self.code_verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_login_attempt() -> LoginAttempt:
    # RFC 7636: a verifier of 43-128 characters from [A-Za-z0-9-._~]; 64 random bytes give 86.
    return LoginAttempt(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        code_verifier=secrets.token_urlsafe(64),
    )


def authorization_url(settings: LineSettings, attempt: LoginAttempt) -> str:
    query = urlencode(
        {
            "response_type": "code",
            "client_id": settings.login_channel_id,
            "redirect_uri": settings.callback_url,
            "state": attempt.state,
            "scope": SCOPE,
            "nonce": attempt.nonce,
            "code_challenge": attempt.code_challenge,
            "code_challenge_method": "S256",
            "bot_prompt": BOT_PROMPT,
        },
        quote_via=quote,
    )
    return f"{settings.access_url}/oauth2/v2.1/authorize?{query}"


def finish_login(settings: LineSettings, code: str, attempt: LoginAttempt) -> str:
    """Exchange the authorization code (with the PKCE verifier) for an ID token, have LINE
    verify it against our nonce, and return the LINE user id it names."""
    if not code:
        raise LineLoginFailed()
    try:
        tokens = _call(
            settings,
            f"{settings.api_url}/oauth2/v2.1/token",
            form={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": settings.callback_url,
                "client_id": settings.login_channel_id,
                "client_secret": settings.login_channel_secret,
                "code_verifier": attempt.code_verifier,
            },
        )
        id_token = str(tokens.get("id_token") or "")
        if not id_token:
            raise LineLoginFailed()
        claims = _call(
            settings,
            f"{settings.api_url}/oauth2/v2.1/verify",
            form={
                "id_token": id_token,
                "client_id": settings.login_channel_id,
                "nonce": attempt.nonce,
            },
        )
    except LineRejected as exc:  # a used or forged code, a wrong verifier, a bad token
        raise LineLoginFailed() from exc
    # LINE checked these already; a reply that disagrees is not one to trust.
    user_id = str(claims.get("sub") or "")
    if (
        claims.get("iss") != ISSUER
        or str(claims.get("aud")) != settings.login_channel_id
        or not hmac.compare_digest(str(claims.get("nonce") or ""), attempt.nonce)
        or not USER_ID.fullmatch(user_id)
    ):
        raise LineLoginFailed()
    return user_id
