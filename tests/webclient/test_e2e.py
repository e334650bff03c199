"""The web client in Chromium against a real server (`clientele serve`) on a real database, as a
person uses it: a refused sign-in shows the server's one message and signs nobody in; signing in
returns to where the user was and shows their name and role; signing out ends the session. The
pages make no console error (a Content-Security-Policy refusal is one), and axe-core finds no
violation on the sign-in page or the shell. Screenshots of each screen go to the test's folder
(or to CLIENTELE_SCREENSHOTS).

Chromium is Debian's /usr/bin/chromium (.ci/run installs it); nothing downloads a browser."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.access.sessions import LOGIN_REFUSED, SESSION_COOKIE
from server.db.engine import Database
from tests.bench.processes import Server
from tests.conftest import make_token
from tests.webclient.test_client import DIST, WEBCLIENT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE = WEBCLIENT / "node_modules" / "axe-core" / "axe.min.js"
EMAIL, PASSWORD, NAME = "ann.lee@example.com", "correct horse battery", "Ann Lee"
CREATE_USER = """mutation($input: UserInput!) {
  createUser(input: $input) { user { id } userErrors { field message code } }
}"""

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing (apt-get install chromium)"),
    pytest.mark.skipif(not AXE.exists(), reason="the web client's packages are missing: run scripts/setup"),
]


@pytest.fixture
async def server(database: Database) -> AsyncIterator[Server]:
    assert (DIST / "index.html").is_file(), "webclient/dist is not built: run scripts/setup"
    token = await make_token(database)
    with Server(database.url, debug_sql=False, label="webclient") as served:
        created = httpx.post(f"{served.base_url}/graphql", headers={"Authorization": f"Bearer {token}"}, json={
            "query": CREATE_USER,
            "variables": {"input": {"email": EMAIL, "name": NAME, "role": "SALES_REP", "password": PASSWORD}},
        }).json()
        assert created["data"]["createUser"]["userErrors"] == [], created
        yield served


@pytest.fixture
async def page(server: Server, tmp_path: Path) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        context = await browser.new_context(base_url=server.base_url, viewport={"width": 1280, "height": 800})
        await context.add_init_script(path=AXE)  # through the browser's debugger: the page's CSP stays on
        page = await context.new_page()
        page.problems = []
        page.on("console", lambda message: message.type == "error" and page.problems.append(message.text))
        page.on("pageerror", lambda error: page.problems.append(str(error)))
        try:
            yield page
        finally:
            await browser.close()


async def axe_violations(page: Any) -> list[str]:
    result = await page.evaluate("axe.run(document, { resultTypes: ['violations'] })")
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}" for v in result["violations"]]


async def screenshot(page: Any, name: str, tmp_path: Path) -> None:
    folder = Path(os.environ.get("CLIENTELE_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=folder / f"{name}.png", full_page=True)


async def session_cookies(page: Any) -> list[str]:
    return [cookie["name"] for cookie in await page.context.cookies() if cookie["name"] == SESSION_COOKIE]


async def test_sign_in__refused__then_in_and_out(page: Any, tmp_path: Path) -> None:
    from playwright.async_api import expect

    # a client route without a session goes to sign-in, keeping where the user was
    await page.goto("/customers")
    await expect(page).to_have_url(re.compile(r"/sign-in\?next=%2Fcustomers$"))
    await expect(page).to_have_title("Sign in · Clientele")
    await expect(page.get_by_role("heading", name="Sign in to Clientele")).to_be_visible()
    assert await axe_violations(page) == []
    await screenshot(page, "sign-in", tmp_path)

    # a refused sign-in: the server's one message, and nobody signed in
    await page.get_by_label("Email").fill(EMAIL)
    await page.get_by_label("Password").fill("wrong password")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_have_text(LOGIN_REFUSED[0].upper() + LOGIN_REFUSED[1:])
    assert await session_cookies(page) == []
    await expect(page).to_have_url(re.compile(r"/sign-in\?next=%2Fcustomers$"))
    assert await axe_violations(page) == []
    await screenshot(page, "sign-in-refused", tmp_path)

    # signed in: back where the user was, with their name and role in the shell
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(re.compile(r"/customers$"))
    await expect(page).to_have_title("Customers · Clientele")
    user = page.get_by_label("Signed in user")
    await expect(user).to_contain_text(NAME)
    await expect(user).to_contain_text("Sales rep")
    await expect(page.get_by_role("link", name="GraphiQL")).to_have_attribute("href", "/graphql")
    await expect(page.get_by_role("heading", name="Customers")).to_be_visible()
    await expect(page.get_by_text("The customer list comes next")).to_be_visible()
    assert await session_cookies(page) == [SESSION_COOKIE]
    assert await axe_violations(page) == []
    await screenshot(page, "shell", tmp_path)

    # on a phone the shell folds and nothing on the page scrolls sideways
    await page.set_viewport_size({"width": 390, "height": 800})
    await expect(page.get_by_label("Signed in user")).to_contain_text("Sales rep")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await screenshot(page, "shell-390", tmp_path)
    await page.set_viewport_size({"width": 1280, "height": 800})

    # the session outlives a reload; an unknown client route is a page of the shell
    await page.reload()
    await expect(page.get_by_label("Signed in user")).to_contain_text(NAME)
    await page.goto("/no/such/page")
    await expect(page.get_by_role("heading", name="Nothing here")).to_be_visible()

    # signed out: the session is over, and the client routes go to sign-in again
    await page.get_by_role("button", name="Sign out").click()
    await expect(page).to_have_url(re.compile(r"/sign-in$"))
    assert await session_cookies(page) == []
    await page.goto("/customers")
    await expect(page).to_have_url(re.compile(r"/sign-in\?next=%2Fcustomers$"))
    assert page.problems == []
