"""How many answers and summaries run at once in one process, whoever asked for them.

The web chat's queue (Gradio's concurrency group "model") and the HTTP API both run the
chat model; one gate with `web.concurrency` slots bounds them together. A caller that finds
every slot taken waits, up to `wait_s`, then gets a BusyError.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from assistant.errors import BusyError


class ModelGate:
    """`limit` slots; enter() takes one (waiting if needed), leave() gives it back."""

    def __init__(self, limit: int, *, wait_s: float) -> None:
        self.limit = limit
        self.wait_s = wait_s
        self._slots = threading.BoundedSemaphore(limit)

    def try_enter(self) -> bool:
        """Take a slot if one is free now."""
        return self._slots.acquire(blocking=False)

    def enter(self) -> None:
        """Take a slot, waiting up to `wait_s` seconds for one."""
        if not self._slots.acquire(timeout=self.wait_s):
            raise BusyError(
                f"The assistant was busy with other answers for {self.wait_s:.0f} s.",
                hint="Try again in a moment (web.concurrency sets how many run at once).",
            )

    def leave(self) -> None:
        self._slots.release()

    @contextmanager
    def slot(self) -> Iterator[None]:
        """A slot for the duration of the block."""
        self.enter()
        try:
            yield
        finally:
            self.leave()
