"""The secret key signs session and remember cookies: outside debug and testing, the app refuses
to start with a short or placeholder key, and says how to make a good one."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from workshop import create_app
from workshop.config import MAKE_SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]


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


def test_a_key_of_digits_is_read_as_text(tmp_path, monkeypatch):
    """The environment's key is text whatever it looks like (Flask would read digits as a
    number: a long one crashed the start, a short one was judged as that many zero bytes)."""
    digits = str(10**39 + secrets.randbelow(9 * 10**39))  # 40 digits, about 133 bits
    monkeypatch.setenv("WORKSHOP_SECRET_KEY", digits)
    assert make(tmp_path).config["SECRET_KEY"] == digits
    monkeypatch.setenv("WORKSHOP_SECRET_KEY", "12345")
    with pytest.raises(RuntimeError, match="has 5 bytes; at least 32"):
        make(tmp_path)
    monkeypatch.delenv("WORKSHOP_SECRET_KEY")
    with pytest.raises(RuntimeError, match="is a int, not text"):
        make(tmp_path, SECRET_KEY=10**40)


@pytest.mark.parametrize("config", ["deploy/gunicorn.conf.py", None])
def test_gunicorn_refuses_to_start_with_a_weak_key(tmp_path, config):
    """The production recipe (the app loaded once in the master) and a bare ``gunicorn
    wsgi:app`` (loaded in each worker) both stop at start and say why; nothing is served."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "WORKSHOP_SECRET_KEY": "x",
        "WORKSHOP_INSTANCE_PATH": str(tmp_path / "instance"),
        "WORKSHOP_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        "WORKSHOP_GUNICORN_PIDFILE": str(tmp_path / "gunicorn.pid"),
    }
    command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", "127.0.0.1:0"]
    command += ["--config", str(ROOT / config), "wsgi:app"] if config else ["wsgi:app"]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, so no worker outlives the test
    )
    try:
        _, log = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=30)
        pytest.fail("gunicorn did not stop with a weak key")
    assert process.returncode != 0
    assert "WORKSHOP_SECRET_KEY has 1 bytes; at least 32 are needed" in log
    assert MAKE_SECRET_KEY in log
    if config:  # the master loads the app before it opens the port
        assert "Listening at" not in log
    else:
        assert "Worker failed to boot" in log


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
