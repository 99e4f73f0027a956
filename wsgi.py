"""WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""

from workshop import create_app

app = create_app()

from workshop.pdf.linebreak import warm_up  # noqa: E402

warm_up()  # the Thai word list, once per worker (or once in the master with --preload)
