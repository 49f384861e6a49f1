"""WSGI entry point for gunicorn: ``ketaclinic.wsgi:application``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketaclinic.settings.production")

application = get_wsgi_application()

from ketaclinic.geography import warm_up  # noqa: E402  (after Django is set up)

warm_up()  # the finder's ZIP and city data, loaded once before gunicorn forks its workers
