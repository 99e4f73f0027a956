"""WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""

from workshop import create_app

app = create_app()
