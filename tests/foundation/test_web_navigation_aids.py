"""What helps a person find their way: the icon, error pages with a way back, the skip link,
and an idle log-off that says why and keeps the session alive on request."""

from __future__ import annotations

from typing import Any

from django.test import Client

from ketaclinic.records.audit.models import AuditEvent


def test_favicon_answers_with_the_static_icon(db: Any) -> None:
    answer = Client().get("/favicon.ico")
    assert answer.status_code == 301
    assert answer["Location"].endswith(".svg")


def test_not_found_page_offers_a_way_back(web_as: Any, users: dict[str, Any]) -> None:
    answer = web_as(users["nurse"]).get("/no-such-page/")
    assert answer.status_code == 404
    text = answer.content.decode()
    assert "Go to your home page" in text
    assert "Go back to the previous page" in text


def test_anonymous_not_found_page_links_the_public_home(db: Any) -> None:
    answer = Client().get("/no-such-page/")
    assert answer.status_code == 404
    assert "Go to the home page" in answer.content.decode()


def test_forbidden_page_offers_a_way_back(web_as: Any, users: dict[str, Any]) -> None:
    answer = web_as(users["front_desk"]).get("/audit/")
    assert answer.status_code == 403
    assert "Go to your home page" in answer.content.decode()


def test_every_staff_page_has_a_skip_link_to_the_main_content(
    web_as: Any, users: dict[str, Any]
) -> None:
    text = web_as(users["nurse"]).get("/patients/").content.decode()
    assert '<a class="skip-link" href="#main">Skip to main content</a>' in text
    assert '<main id="main"' in text


def test_keep_alive_renews_only_a_logged_in_session(web_as: Any, users: dict[str, Any]) -> None:
    assert Client().post("/session/keep-alive").status_code == 401
    assert web_as(users["nurse"]).post("/session/keep-alive").status_code == 204
    assert web_as(users["nurse"]).get("/session/keep-alive").status_code == 405


def test_idle_log_off_says_why_and_returns_to_the_page(web_as: Any, users: dict[str, Any]) -> None:
    client = web_as(users["nurse"])
    answer = client.post("/logout/", {"idle": "1", "next": "/patients/new/"})
    assert answer.status_code == 302
    assert answer["Location"] == "/login/?idle=1&next=%2Fpatients%2Fnew%2F"
    page = client.get(answer["Location"]).content.decode()
    assert "nobody used the" in page
    assert "15 minutes" in page
    assert AuditEvent.objects.filter(action="auth.logout", detail__idle=True).exists()


def test_idle_log_off_never_sends_a_person_elsewhere(web_as: Any, users: dict[str, Any]) -> None:
    client = web_as(users["nurse"])
    answer = client.post("/logout/", {"idle": "1", "next": "https://evil.example/"})
    assert answer["Location"] == "/login/?idle=1"


def test_a_plain_log_out_goes_to_the_log_in_page(web_as: Any, users: dict[str, Any]) -> None:
    answer = web_as(users["nurse"]).post("/logout/")
    assert answer["Location"] == "/login/"
