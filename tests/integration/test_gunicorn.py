"""deploy/gunicorn.conf.py and deploy/reload.sh on a real gunicorn: the app is loaded once in
the master, each worker has database connections of its own, and a reload puts new code in
service without a failed request."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
WORKERS = 2
STARTUP_SECONDS = 180  # the app loads in one process; generous for a loaded 2-core machine


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@dataclass
class Server:
    port: int
    pidfile: Path
    version_file: Path
    process: subprocess.Popen

    def master(self) -> int:
        return int(self.pidfile.read_text())

    def probe(self) -> dict:
        url = f"http://127.0.0.1:{self.port}/probe"
        with urllib.request.urlopen(url, timeout=60) as response:
            return json.loads(response.read())

    def every_worker(self) -> dict[int, dict]:
        """Probe answers until each of the master's workers has answered, by worker pid."""
        answers: dict[int, dict] = {}
        deadline = time.monotonic() + STARTUP_SECONDS
        with ThreadPoolExecutor(4) as pool:  # several at once, so that idle workers compete
            while len(answers) < WORKERS:
                assert time.monotonic() < deadline, f"only workers {list(answers)} answered"
                for answer in pool.map(lambda _: self.probe(), range(8)):
                    answers[answer["pid"]] = answer
        return answers


def _wait_until_serving(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        assert server.process.poll() is None, "gunicorn exited"
        try:
            server.probe()
            return
        except OSError:
            assert time.monotonic() < deadline, "gunicorn did not answer"
            time.sleep(0.2)  # polling interval, not a wait for something to happen


@pytest.fixture
def server(app, tmp_path) -> Iterator[Server]:
    database = app.config["SQLALCHEMY_DATABASE_URI"]
    if database.startswith("sqlite"):
        database = f"sqlite:///{tmp_path / 'gunicorn.db'}"  # the probe needs no tables
    port = _free_port()
    pidfile = tmp_path / "gunicorn.pid"
    version_file = tmp_path / "version"
    version_file.write_text("1")
    env = {
        **os.environ,
        "WORKSHOP_DATABASE_URL": database,
        "WORKSHOP_INSTANCE_PATH": str(tmp_path / "instance"),
        "WORKSHOP_SECRET_KEY": secrets.token_hex(32),  # production refuses weak keys
        "WORKSHOP_MAIL_DELIVERY": "manual",
        "WORKSHOP_BIND": f"127.0.0.1:{port}",
        "WORKSHOP_WORKERS": str(WORKERS),
        "WORKSHOP_GUNICORN_PIDFILE": str(pidfile),
        "PROBE_VERSION_FILE": str(version_file),
    }
    process = subprocess.Popen(
        [
            GUNICORN,
            "--config",
            str(ROOT / "deploy" / "gunicorn.conf.py"),
            "tests.gunicorn_probe:app",
        ],
        env=env,
        cwd=tmp_path,  # the config's chdir finds wsgi.py and tests/ from anywhere
    )
    running = Server(port, pidfile, version_file, process)
    try:
        _wait_until_serving(running)
        yield running
    finally:
        masters = {process.pid}
        for path in (pidfile, Path(f"{pidfile}.2")):
            if path.exists():
                masters.add(int(path.read_text()))
        for pid in masters:
            if _alive(pid):
                os.kill(pid, signal.SIGTERM)
        process.wait(timeout=60)
        deadline = time.monotonic() + 60
        while any(_alive(pid) for pid in masters) and time.monotonic() < deadline:
            time.sleep(0.1)


def test_the_master_loads_the_app_and_each_worker_opens_its_own_connections(server):
    master = server.master()
    answers = server.every_worker()

    assert master not in answers
    for answer in answers.values():
        assert answer["parent"] == master
        assert answer["loaded_by"] == master  # imported once, before the fork
        assert answer["frozen_objects"] > 0  # the pre_fork hook ran: gc.freeze()
        # The master queried the database while the app was built; its connection stayed home.
        assert answer["master_connection"]["opened_by"] == master
        assert answer["connection"]["opened_by"] == answer["pid"]
        # ... before its first request, which did not have to wait for it (post_worker_init).
        assert answer["pooled_at_first_request"] == 1
    backends = [answer["connection"]["backend"] for answer in answers.values()]
    if backends[0] is not None:  # PostgreSQL: one server process per worker's connection
        master_backend = next(iter(answers.values()))["master_connection"]["backend"]
        assert len(set(backends)) == WORKERS
        assert master_backend not in backends


def test_reload_puts_new_code_in_service_without_a_failed_request(server):
    old_master = server.master()
    assert server.probe()["version"] == "1"
    failures: list[BaseException] = []
    answered: list[str] = []
    stop = threading.Event()

    def door() -> None:  # requests all through the reload, one at a time
        while not stop.is_set():
            try:
                answered.append(server.probe()["version"])
            except Exception as error:
                failures.append(error)

    doors = [threading.Thread(target=door) for _ in range(2)]
    for thread in doors:
        thread.start()
    try:
        server.version_file.write_text("2")  # the deployment's new code
        reload = subprocess.run(
            [str(ROOT / "deploy" / "reload.sh"), str(server.pidfile)],
            capture_output=True,
            text=True,
            timeout=STARTUP_SECONDS,
        )
    finally:
        stop.set()
        for thread in doors:
            thread.join()

    assert reload.returncode == 0, reload.stderr
    new_master = server.master()
    assert new_master != old_master
    assert server.process.poll() is not None  # the old master (started here) has exited
    assert failures == []
    assert "1" in answered and answered[-1] == "2"
    for answer in server.every_worker().values():
        assert answer["version"] == "2"
        assert answer["loaded_by"] == new_master == answer["parent"]
