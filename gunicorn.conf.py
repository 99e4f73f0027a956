"""Read by gunicorn when started from this folder without ``-c`` (``gunicorn wsgi:app``): hooks
only, so the command line keeps every setting. Production uses deploy/gunicorn.conf.py."""

from workshop.ratelimit import warn_at_gunicorn_start as when_ready  # noqa: F401
