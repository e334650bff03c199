"""The login throttle and what a refused login reveals, through real HTTP."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import func, select, update

from server.access import sessions
from server.access.models import LoginFailure, Role, User, WebSession
from server.db.engine import Database
from tests.access.web import LOGIN, PASSWORD, XRW, add_user, browser, login, post, without_timings

REFUSED = {"user": None, "userErrors": [{"field": ["password"], "message": sessions.LOGIN_REFUSED, "code": "INVALID"}]}


async def _fail(client, email: str, times: int) -> None:
    for _ in range(times):
        assert (await login(client, email, "not the password")).json()["data"]["login"] == REFUSED


async def _move_failures(database: Database, minutes: float) -> None:
    """Moves every failure `minutes` into the past, as if that time had gone by."""
    async with database.write_session() as session, session.begin():
        for failure in await session.scalars(select(LoginFailure)):
            failure.at -= dt.timedelta(minutes=minutes)


async def _sessions(database: Database) -> int:
    async with database.read_session() as session:
        return await session.scalar(select(func.count()).select_from(WebSession))


async def test_ten_failures_pause_the_email_whatever_the_password(database):
    # given
    await add_user(database, "ann@example.com")
    await add_user(database, "bob@example.com")
    async with browser(database) as client:
        await _fail(client, "ann@example.com", 9)
        assert (await login(client, "ann@example.com")).json()["data"]["login"]["userErrors"] == []
        await _fail(client, "ANN@example.com", 1)  # the tenth, the email in another case
        # when
        right = await login(client, "ann@example.com")
        other = await login(client, "bob@example.com")
    # then
    assert right.json()["data"]["login"] == REFUSED
    assert "set-cookie" not in right.headers
    assert other.json()["data"]["login"]["userErrors"] == []
    assert await _sessions(database) == 2  # ann's ninth-attempt sign-in and bob's


async def test_the_pause_ends_after_the_lockout(database):
    # given: paused
    await add_user(database, "ann@example.com")
    async with browser(database) as client:
        await _fail(client, "ann@example.com", 10)
        # when: 14 minutes later still paused, 15 minutes later free
        await _move_failures(database, 14)
        still = await login(client, "ann@example.com")
        await _move_failures(database, 1)
        free = await login(client, "ann@example.com")
    # then
    assert still.json()["data"]["login"] == REFUSED
    assert free.json()["data"]["login"]["userErrors"] == []


async def test_failures_spread_over_more_than_the_window_do_not_pause(database):
    await add_user(database, "ann@example.com")
    async with browser(database) as client:
        await _fail(client, "ann@example.com", 5)
        await _move_failures(database, 16)
        await _fail(client, "ann@example.com", 5)
        assert (await login(client, "ann@example.com")).json()["data"]["login"]["userErrors"] == []


async def test_old_failures_are_deleted_lazily(database):
    await add_user(database, "ann@example.com")
    async with browser(database) as client:
        await _fail(client, "ann@example.com", 3)
        await _move_failures(database, 31)
        await _fail(client, "ann@example.com", 1)
    async with database.read_session() as session:
        assert await session.scalar(select(func.count()).select_from(LoginFailure)) == 1


async def test_the_throttle_is_a_setting(database):
    await add_user(database, "ann@example.com")
    async with browser(database, login_max_failures=2, login_lockout_minutes=1) as client:
        await _fail(client, "ann@example.com", 2)
        assert (await login(client, "ann@example.com")).json()["data"]["login"] == REFUSED
        await _move_failures(database, 1)
        assert (await login(client, "ann@example.com")).json()["data"]["login"]["userErrors"] == []


async def test_refusals_look_the_same_for_every_reason(database, monkeypatch):
    # given: a known user, an inactive one, one without a password, and a paused email
    await add_user(database, "ann@example.com")
    await add_user(database, "old@example.com", Role.VIEWER)
    await add_user(database, "api@example.com", password=None)
    await add_user(database, "held@example.com")
    async with database.write_session() as session, session.begin():
        await session.execute(update(User).where(User.email == "old@example.com").values(active=False))
    verified: list[str] = []
    real = sessions.verify_password
    monkeypatch.setattr(sessions, "verify_password", lambda h, p: verified.append(h) or real(h, p))
    async with browser(database) as client:
        await _fail(client, "held@example.com", 10)
        verified.clear()

        async def attempt(email: str, password: str = "not the password") -> dict:
            response = await post(client, LOGIN, {"email": email, "password": password}, XRW)
            assert response.status_code == 200 and "set-cookie" not in response.headers
            return without_timings(response.json())

        # when
        wrong = await attempt("ann@example.com")
        unknown = await attempt("nobody@example.com")
        inactive = await attempt("old@example.com", PASSWORD)
        no_password = await attempt("api@example.com")
        paused = await attempt("held@example.com", PASSWORD)
    # then: the same answer, the same statements, one argon2 verification each
    assert wrong == unknown == inactive == no_password
    assert wrong["data"]["login"] == paused["data"]["login"] == REFUSED
    assert len(verified) == 5 and all(h.startswith("$argon2") for h in verified)


async def test_parallel_attempts_cannot_slip_past_the_throttle(database):
    # given
    await add_user(database, "ann@example.com")
    async with browser(database) as client:
        # when: fifteen wrong guesses at once, then the right password
        answers = await asyncio.gather(*(login(client, "ann@example.com", f"guess {i}") for i in range(15)))
        right = await login(client, "ann@example.com")
    # then: exactly ten were checked and counted, every one refused alike
    assert all(a.json()["data"]["login"] == REFUSED for a in answers)
    assert right.json()["data"]["login"] == REFUSED
    async with database.read_session() as session:
        assert await session.scalar(select(func.count()).select_from(LoginFailure)) == 10
