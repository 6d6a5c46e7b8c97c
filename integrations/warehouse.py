"""Warehouse interface and the built-in simulator."""

import time
from collections.abc import Callable
from typing import Protocol


class Warehouse(Protocol):
    def perform(self, order_id: str, step: str, heartbeat: Callable[[], None]) -> bool:
        """Run a pick or pack step; False means staff will confirm it later."""
        ...


class SimulatedWarehouse:
    """Warehouse whose steps take fixed delays, or wait for staff."""

    def __init__(self, delays: dict[str, float], manual_confirmation: bool):
        self._delays = delays
        self._manual = manual_confirmation

    def perform(self, order_id, step, heartbeat):
        if self._manual:
            return False
        deadline = time.monotonic() + self._delays.get(step, 0.0)
        while (left := deadline - time.monotonic()) > 0:
            heartbeat()
            time.sleep(min(left, 1.0))
        return True
