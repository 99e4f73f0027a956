"""The secret key signs session and remember cookies: outside debug and testing, the app refuses
to start with a short or placeholder key, and says how to make a good one."""

from __future__ import annotations

import secrets

import pytest

from workshop import create_app
from workshop.config import MAKE_SECRET_KEY


def make(tmp_path, **settings):
    return create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
            "MAIL_DELIVERY": "manual",
            **settings,
        }
    )


@pytest.mark.parametrize(
    "key",
    [
        "x",
        "0123456789abcdef0123456789abcde",  # 31 bytes
        "change-me-to-something-long-and-random",
        "please-replace-me-before-going-live!!",
        "my-super-secret-key-for-the-workshop-app",
        "x" * 64,
        "ab" * 32,
    ],
)
def test_a_weak_secret_key_is_refused_at_start(tmp_path, key):
    with pytest.raises(RuntimeError, match="WORKSHOP_SECRET_KEY") as refused:
        make(tmp_path, SECRET_KEY=key)
    assert MAKE_SECRET_KEY in str(refused.value)  # says how to make one


def test_the_environment_variable_is_checked_too(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKSHOP_SECRET_KEY", "dev")
    with pytest.raises(RuntimeError, match="3 bytes; at least 32"):
        make(tmp_path)


def test_a_key_made_as_the_message_says_is_accepted(tmp_path):
    key = secrets.token_hex(32)
    assert make(tmp_path, SECRET_KEY=key).config["SECRET_KEY"] == key


def test_debug_and_testing_may_use_any_key(tmp_path):
    assert make(tmp_path, SECRET_KEY="x", DEBUG=True).debug
    assert make(tmp_path, SECRET_KEY="x", TESTING=True).testing


def test_without_a_key_the_generated_instance_key_is_strong_enough(tmp_path, monkeypatch):
    """``make run`` sets no key: the one generated into instance/secret_key passes the check."""
    monkeypatch.delenv("WORKSHOP_SECRET_KEY", raising=False)
    app = make(tmp_path)
    stored = (tmp_path / "secret_key").read_text().strip()
    assert app.config["SECRET_KEY"] == stored
    assert len(stored.encode()) >= 32
