"""WSGI entry point for gunicorn: ``ketaclinic.wsgi:application``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketaclinic.settings.production")

application = get_wsgi_application()
