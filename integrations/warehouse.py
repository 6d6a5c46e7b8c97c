"""Warehouse interface and the built-in simulator."""

import time
from collections.abc import Callable, Collection
from typing import Protocol


class Warehouse(Protocol):
    def perform(self, order_id: str, step: str, heartbeat: Callable[[], None],
                warehouse_id: str = "") -> bool:
        """Run a pick or pack step; False means staff will confirm it later."""
        ...


class SimulatedWarehouse:
    """Warehouse whose steps take fixed delays, or wait for staff.

    `manual_confirmation` makes every warehouse wait for staff;
    `manual_warehouses` does so only for the warehouses it names.
    """

    def __init__(self, delays: dict[str, float], manual_confirmation: bool,
                 manual_warehouses: Collection[str] = ()):
        self._delays = delays
        self._manual = manual_confirmation
        self._manual_warehouses = set(manual_warehouses)

    def perform(self, order_id, step, heartbeat, warehouse_id=""):
        if self._manual or warehouse_id in self._manual_warehouses:
            return False
        deadline = time.monotonic() + self._delays.get(step, 0.0)
        while (left := deadline - time.monotonic()) > 0:
            heartbeat()
            time.sleep(min(left, 1.0))
        return True
