"""The Content-Security-Policy header on every answer (``CONTENT_SECURITY_POLICY``).

The policy allows scripts, styles, fonts and requests from the application itself only, and
images from itself or ``data:`` (the plots are SVG data URIs); no inline script, no inline
style, no ``eval``, no framing, no plug-ins. Templates give behaviour and layout as data
attributes that ``web/app.js`` applies; htmx is told not to add its indicator style.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class ContentSecurityPolicy:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response
