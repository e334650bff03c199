"""The base of every DataLoader, and the gate that lets SQL run while Python completes a level.

A DataLoader dispatches its batch on the event loop's next turn after its first load. The lean
executor (schema/fastpath/lean.py) completes a level's values one by one as their statements answer,
so that Python works while the next statement runs in the driver's thread; the loads that
those completions start belong to the next level and must wait until the whole level is
complete, or a loader would dispatch part of its keys and then the rest in a second statement.
While a `Gate` is set (in `GATE`, for the request's task), `Loader` holds its first load's
dispatch in the gate; `Gate.release()` dispatches every held loader at once.

Without a gate (graphql-core's executor, the services) loaders dispatch as aiodataloader does.
"""

from __future__ import annotations

from asyncio import Future
from contextvars import ContextVar
from typing import Any, Generic, TypeVar

from aiodataloader import DataLoader

try:  # aiodataloader's insides, for the lean executor's gate (schema/fastpath/selfcheck.py)
    from aiodataloader import Loader as QueuedLoad
    from aiodataloader import dispatch_queue
except ImportError:  # pragma: no cover - then the app makes no lean executor, and no gate is set
    QueuedLoad = dispatch_queue = None  # type: ignore[assignment,misc]  # absent: no lean executor

K = TypeVar("K")
V = TypeVar("V")


class Gate:
    """The loaders whose dispatch is held, and the futures of their held loads."""

    __slots__ = ("waiting", "held")

    def __init__(self) -> None:
        self.waiting: list[DataLoader[Any, Any]] = []
        self.held: set[Future[Any]] = set()

    def release(self) -> None:
        """Dispatches every held loader; the gate goes on holding later loads."""
        if not self.waiting:
            return
        waiting, self.waiting = self.waiting, []
        self.held.clear()
        token = GATE.set(None)  # the batches run as tasks of their own, without the gate
        try:
            for loader in waiting:
                dispatch_queue(loader)
        finally:
            GATE.reset(token)


GATE: ContextVar[Gate | None] = ContextVar("loader_gate", default=None)


class Loader(DataLoader[K, V], Generic[K, V]):
    """A DataLoader whose dispatch waits for the request's gate, when it has one."""

    def do_resolve_reject(self, key: K, future: Future[V]) -> None:
        gate = GATE.get()
        if gate is None:
            super().do_resolve_reject(key, future)
            return
        self._queue.append(QueuedLoad(key=key, future=future))
        gate.held.add(future)
        if len(self._queue) == 1:
            gate.waiting.append(self)
