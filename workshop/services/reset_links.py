"""The token of a set-password link (a password reset or an invitation), rebuilt from its
row's salt and the app's secret key: the row stores only a digest of it.

Apart from ``services.password_resets`` (the rules) so that the mail that carries a link can
rebuild it without importing those rules, which queue the mail.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from flask import current_app

from workshop.models import PasswordReset


def reset_token(reset: PasswordReset) -> str:
    """The link's token, rebuilt from the row's salt and the app's secret key."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    mac = hmac.new(secret, f"password-reset:{reset.salt}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
