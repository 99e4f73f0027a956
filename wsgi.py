"""WSGI entry point for gunicorn: ``gunicorn -c deploy/gunicorn.conf.py`` (``wsgi:app``)."""

from workshop import create_app

app = create_app()

from workshop.pdf.typeset import warm_up  # noqa: E402

# The Thai word list and the fonts: in the master with deploy/gunicorn.conf.py (preload_app),
# shared by the workers it forks; in each worker without it.
warm_up()
