"""The web client at `/` (server/http/webclient.py): its files with their caching, `index.html` for
the client's routes, the API's paths left to the API, the security headers, and a clear 503 when
the client is not built. The app serves a small stand-in for webclient/dist here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from server.app import create_app
from server.db.engine import Database
from server.http import webclient
from tests.conftest import settings_for

INDEX = '<!doctype html><title>Clientele</title><script type="module" src="/assets/index-Ab12Cd.js"></script>'
SCRIPT = "console.log('the client')"


@pytest.fixture
def dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "dist"
    (folder / "assets").mkdir(parents=True)
    (folder / ".vite").mkdir()
    (folder / "index.html").write_text(INDEX)
    (folder / "assets" / "index-Ab12Cd.js").write_text(SCRIPT)
    (folder / ".vite" / "manifest.json").write_text("{}")
    (folder / ".clientele-build.sha256").write_text("not the client's")
    (tmp_path / "secret.txt").write_text("not the client's")
    monkeypatch.setattr(webclient, "DIST", folder)
    return folder


@pytest.fixture
async def client(dist: Path, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings_for(database), database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client


def assert_secured(response: httpx.Response) -> None:
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", ["/", "/customers", "/customers?q=acme", "/customers/12/edit", "/sign-in?next=%2F"])
async def test_client_routes__answer_index_html_revalidated(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    assert_secured(response)


async def test_hashed_assets__are_cached_for_a_year(client: httpx.AsyncClient) -> None:
    response = await client.get("/assets/index-Ab12Cd.js")
    assert response.status_code == 200
    assert response.text == SCRIPT
    assert "javascript" in response.headers["content-type"]
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert_secured(response)


@pytest.mark.parametrize("path", ["/assets/index-Old999.js", "/.vite/manifest.json", "/.clientele-build.sha256",
                                  "/../secret.txt", "/%2e%2e/secret.txt"])
async def test_missing_and_outside_files__are_never_served(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert "not the client's" not in response.text
    assert response.headers.get("cache-control") != "public, max-age=31536000, immutable"
    assert response.status_code == 404 or response.text == INDEX


@pytest.mark.parametrize("path", ["/graphql/extra", "/export/nothing.csv", "/import/customers", "/reminders", "/graphiql/x.js"])
async def test_api_paths__are_not_the_clients(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code in (404, 405)
    assert response.text != INDEX


async def test_api__answers_as_before(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).text == "ok"
    graphiql = await client.get("/graphql", headers={"Accept": "text/html"})
    assert "GraphiQL" in graphiql.text
    assert "content-security-policy" not in graphiql.headers  # GraphiQL keeps its own (inline script)
    answer = await client.post("/graphql", json={"query": "{ viewer { name } }"})
    assert answer.json()["data"] == {"viewer": None}


async def test_head_and_post__on_a_client_route(client: httpx.AsyncClient) -> None:
    head = await client.head("/customers")
    assert head.status_code == 200 and head.headers["cache-control"] == "no-cache"
    assert (await client.post("/customers")).status_code == 405


async def test_no_build__answers_503_saying_how_to_make_one(client: httpx.AsyncClient, dist: Path) -> None:
    (dist / "index.html").unlink()
    for path in ("/", "/customers"):
        response = await client.get(path)
        assert response.status_code == 503
        assert "scripts/setup" in response.text
        assert response.headers["content-type"].startswith("text/html")
        assert_secured(response)
