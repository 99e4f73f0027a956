"""WSGI entry point for gunicorn: ``gunicorn -c deploy/gunicorn.conf.py`` (``wsgi:app``)."""

from workshop import create_app

app = create_app()

from workshop.pdf.typeset import warm_up  # noqa: E402
from workshop.prefork import preload  # noqa: E402

# The Thai word list, the fonts, the modules loaded on first use, the ORM: in the master with
# deploy/gunicorn.conf.py (preload_app), shared by the workers it forks; without it, in each
# worker as it starts rather than in its first requests.
warm_up()
preload()
