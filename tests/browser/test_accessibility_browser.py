"""axe-core (tools/axe, pinned by its package-lock.json) over every page of each role's walk
through the demo clinic, and over the public site: no serious or critical violation."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from support import PASSWORD, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "tools/axe/node_modules/axe-core/axe.min.js"
SERIOUS = """async () => {
  const found = await axe.run(document, { resultTypes: ["violations"] });
  return found.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ` +
      v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", "));
}"""
PUBLIC_PAGES = ("/", "/therapy/", "/locations/", "/locations/?near=85301", "/book/", "/login/")


@pytest.fixture
def demo_clinic(db: Any) -> None:
    """The demo clinic, its logins given the tests' password."""
    from ketaclinic.records.accounts.models import User
    from ketaclinic.records.demo import load_demo

    load_demo()
    for user in User.objects.all():
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])


def violations(page: Any) -> list[str]:
    """axe's serious and critical findings on the page as it is now (evaluated through the
    browser's debugger, so the Content-Security-Policy does not refuse the injected script)."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: the test command installs it (scripts/ensure-node-tools)")
    page.evaluate(AXE.read_text() + "\n;0")
    return [f"{page.url}: {found}" for found in page.evaluate(SERIOUS)]


def walk(page: Any, paths: list[str]) -> list[str]:
    found: list[str] = []
    for path in dict.fromkeys(paths):
        visit(page, path)
        found += violations(page)
    return found


def test_the_public_site_has_no_serious_violation(demo_clinic: None, page: Any) -> None:
    assert walk(page, list(PUBLIC_PAGES)) == []


@pytest.mark.parametrize("username", ["physician", "nurse", "frontdesk", "manager", "patient"])
def test_every_page_of_a_roles_walk_has_no_serious_violation(
    demo_clinic: None, login: Any, page: Any, username: str
) -> None:
    login(username)
    home = urlsplit(page.url).path
    links = page.locator("nav[aria-label=Main] a").evaluate_all(
        "links => links.map((a) => a.getAttribute('href'))"
    )
    assert links, "the role's navigation lists its pages"
    assert walk(page, [home, *links]) == []


def test_the_check_finds_a_violation_when_there_is_one(demo_clinic: None, page: Any) -> None:
    visit(page, "/login/")
    page.evaluate("document.querySelector('main').append(document.createElement('img'))")
    assert any("image-alt" in found for found in violations(page))
