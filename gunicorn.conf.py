"""Read by gunicorn when started from this folder (``gunicorn wsgi:app``): hooks only, so the
command line keeps every setting."""

from workshop.ratelimit import warn_at_gunicorn_start as when_ready  # noqa: F401
