"""gunicorn settings for production: ``.venv/bin/gunicorn -c deploy/gunicorn.conf.py``.

``preload_app``: the master builds the app and loads the Thai word list (pythainlp's 62,000
words, the place names, the fonts) once, then forks the workers, which share those pages
copy-on-write instead of each spending 2.5 s of CPU and 160 MiB of its own on them. A worker
that dies is replaced in milliseconds.

A reload: with ``preload_app``, ``kill -HUP`` forks fresh workers from the code the master
already holds; it does not load new code. To put new code in service without refusing or
holding a request, run ``deploy/reload.sh`` (``make reload``): a new master loads the new code
while the old workers go on serving, and the old master is stopped gracefully once the new
workers run.

Options given on the command line win over these (``--bind``, ``--workers``, ``--pid``).
Environment: ``WORKSHOP_BIND`` (default 127.0.0.1:8000), ``WORKSHOP_WORKERS`` (4),
``WORKSHOP_GUNICORN_PIDFILE`` (``<instance folder>/gunicorn.pid``), and the app's own
``WORKSHOP_*`` settings (README, Production).
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("WORKSHOP_INSTANCE_PATH") or ROOT / "instance")

wsgi_app = "wsgi:app"
chdir = str(ROOT)  # wsgi.py is found wherever gunicorn was started from
bind = [os.environ.get("WORKSHOP_BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("WORKSHOP_WORKERS", "4"))
preload_app = True
# deploy/reload.sh finds the master here; a new master writes <pidfile>.2 until it takes over.
pidfile = os.environ.get("WORKSHOP_GUNICORN_PIDFILE") or str(INSTANCE / "gunicorn.pid")
Path(pidfile).parent.mkdir(parents=True, exist_ok=True)  # gunicorn will not create it
# gunicorn's control socket (gunicornc) is not used: without it the master runs no thread of its
# own while it forks, and servers on one machine do not compete for its default path.
control_socket_disable = True
# How long a stopped worker may finish the requests it has (a reload, a shutdown).
graceful_timeout = 30


def when_ready(server):
    """Listening: an ERROR in the log when the workers would each keep their own rate limits
    (several workers without WORKSHOP_REDIS_URL)."""
    from workshop.ratelimit import warn_at_gunicorn_start

    warn_at_gunicorn_start(server)


def pre_fork(server, worker):
    """In the master before each worker is forked: nothing per-process is handed down."""
    from workshop.prefork import before_fork

    before_fork(server.app.wsgi())


def post_worker_init(worker):
    """In each new worker before it accepts requests: its first database connection."""
    from workshop.prefork import worker_ready

    worker_ready(worker.app.wsgi())
