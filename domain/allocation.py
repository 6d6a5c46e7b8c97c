"""Allocation: which warehouse ships which units of an order.

Pure functions with no I/O. A strategy turns the order's demand (units
per SKU, lines for one SKU already added up) and each warehouse's
available units into shipments, one per warehouse used:

- `FewestShipmentsStrategy` (the default) ships from one warehouse when
  any can ship everything. Otherwise it splits into as few shipments as
  possible. Ties go to the nearest warehouses, then to priority.
- `NearestStrategy` takes units from the nearest warehouse first.
- `PriorityStrategy` takes units in the warehouses' configured priority.

Every strategy raises `AllocationError` when all warehouses together
hold too few units of a SKU.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Protocol

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG), the usual radius for haversine distances."""

EXACT_SEARCH_LIMIT = 12
"""Most candidate warehouses searched exhaustively for the fewest
shipments (2^12 subsets at worst). Above it a greedy cover is used."""


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class WarehouseStock:
    """A warehouse's available units per SKU and what ranks it."""

    warehouse_id: str
    available: Mapping[str, int]
    location: Location | None = None
    priority: int = 100


@dataclass(frozen=True)
class Shipment:
    warehouse_id: str
    quantities: dict[str, int] = field(default_factory=dict)

    @property
    def units(self) -> int:
        return sum(self.quantities.values())


@dataclass(frozen=True)
class Allocation:
    shipments: tuple[Shipment, ...]

    def quantity(self, sku: str) -> int:
        return sum(s.quantities.get(sku, 0) for s in self.shipments)


class AllocationError(Exception):
    """All warehouses together hold fewer units of a SKU than requested."""

    def __init__(self, sku: str, requested: int, available: int):
        super().__init__(
            f"SKU {sku}: {requested} requested, {available} available "
            "across all warehouses"
        )
        self.sku = sku
        self.requested = requested
        self.available = available


class AllocationStrategy(Protocol):
    name: str

    def allocate(
        self,
        demand: Mapping[str, int],
        warehouses: Sequence[WarehouseStock],
        destination: Location | None = None,
    ) -> Allocation: ...


def haversine_km(a: Location, b: Location) -> float:
    """Return the great-circle distance between two points in kilometres."""
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat = lat2 - lat1
    dlon = math.radians(b.longitude - a.longitude)
    h = (
        math.sin(dlat / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def distance_km(
    warehouse: WarehouseStock, destination: Location | None
) -> float:
    """Return the distance to the destination, or infinity when unknown."""
    if warehouse.location is None or destination is None:
        return math.inf
    return haversine_km(warehouse.location, destination)


def add_up_demand(lines: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Add up the quantities of (SKU, quantity) pairs that repeat a SKU."""
    demand: dict[str, int] = {}
    for sku, quantity in lines:
        if quantity <= 0:
            raise ValueError(f"SKU {sku}: quantity {quantity} must be positive")
        demand[sku] = demand.get(sku, 0) + quantity
    return demand


class PriorityStrategy:
    """Fill from warehouses in ascending priority, then by id."""

    name = "priority"

    def allocate(self, demand, warehouses, destination=None) -> Allocation:
        ranked = sorted(warehouses, key=lambda w: (w.priority, w.warehouse_id))
        return _single_or_fill(demand, ranked)


class NearestStrategy:
    """Fill from the nearest warehouse first; unknown locations go last."""

    name = "nearest"

    def allocate(self, demand, warehouses, destination=None) -> Allocation:
        ranked = sorted(
            warehouses,
            key=lambda w: (
                distance_km(w, destination), w.priority, w.warehouse_id,
            ),
        )
        return _single_or_fill(demand, ranked)


class FewestShipmentsStrategy:
    """Use the smallest set of warehouses that covers the demand."""

    name = "fewest_shipments"

    def allocate(self, demand, warehouses, destination=None) -> Allocation:
        _check_total_stock(demand, warehouses)
        ranked = sorted(
            (w for w in warehouses if _covers_any(w, demand)),
            key=lambda w: (
                distance_km(w, destination), w.priority, w.warehouse_id,
            ),
        )
        if len(ranked) <= EXACT_SEARCH_LIMIT:
            chosen = _smallest_cover(demand, ranked, destination)
        else:
            chosen = _greedy_cover(demand, ranked)
        return _fill(demand, chosen)


STRATEGIES: dict[str, type] = {
    PriorityStrategy.name: PriorityStrategy,
    NearestStrategy.name: NearestStrategy,
    FewestShipmentsStrategy.name: FewestShipmentsStrategy,
}


def strategy_named(name: str) -> AllocationStrategy:
    """Build the strategy registered under `name`."""
    try:
        return STRATEGIES[name]()
    except KeyError:
        known = ", ".join(sorted(STRATEGIES))
        raise ValueError(
            f"unknown allocation strategy {name!r}; use one of: {known}"
        ) from None


def _single_or_fill(
    demand: Mapping[str, int], ranked: Sequence[WarehouseStock]
) -> Allocation:
    """Ship from the first ranked warehouse that has everything, or else
    take each SKU from the ranked warehouses in turn."""
    _check_total_stock(demand, ranked)
    for warehouse in ranked:
        if _covers_all(warehouse, demand):
            return _fill(demand, [warehouse])
    return _fill(demand, ranked)


def _smallest_cover(
    demand: Mapping[str, int],
    ranked: Sequence[WarehouseStock],
    destination: Location | None,
) -> list[WarehouseStock]:
    """Return the fewest warehouses whose units together cover the
    demand. Among sets of equal size the one with the smallest summed
    distance wins, then the one that comes first in rank order."""
    for size in range(1, len(ranked) + 1):
        best: tuple[float, list[WarehouseStock]] | None = None
        for group in combinations(ranked, size):
            if not _group_covers(group, demand):
                continue
            total = sum(distance_km(w, destination) for w in group)
            # With unknown locations every total is infinite, so the
            # first covering group in rank order is kept.
            if best is None or total < best[0]:
                best = (total, list(group))
        if best is not None:
            return best[1]
    raise AssertionError(
        "no set of warehouses covers the demand, although the total "
        "stock check passed"
    )


def _greedy_cover(
    demand: Mapping[str, int], ranked: Sequence[WarehouseStock]
) -> list[WarehouseStock]:
    """Pick, again and again, the warehouse that covers most of the
    remaining units. Not always minimal, but linear in warehouses."""
    remaining = dict(demand)
    chosen: list[WarehouseStock] = []
    candidates = list(ranked)
    while any(remaining.values()):
        best = max(candidates, key=lambda w: _units_covered(w, remaining))
        candidates.remove(best)
        chosen.append(best)
        for sku, quantity in remaining.items():
            remaining[sku] = max(0, quantity - best.available.get(sku, 0))
    return chosen


def _fill(
    demand: Mapping[str, int], ranked: Sequence[WarehouseStock]
) -> Allocation:
    shipments: dict[str, dict[str, int]] = {}
    for sku in sorted(demand):
        remaining = demand[sku]
        for warehouse in ranked:
            if remaining == 0:
                break
            take = min(remaining, max(warehouse.available.get(sku, 0), 0))
            if take > 0:
                shipments.setdefault(warehouse.warehouse_id, {})[sku] = take
                remaining -= take
        if remaining:
            available = sum(w.available.get(sku, 0) for w in ranked)
            raise AllocationError(sku, demand[sku], available)

    order = [w.warehouse_id for w in ranked if w.warehouse_id in shipments]
    return Allocation(
        tuple(Shipment(wid, shipments[wid]) for wid in order)
    )


def _check_total_stock(
    demand: Mapping[str, int], warehouses: Sequence[WarehouseStock]
) -> None:
    for sku in sorted(demand):
        available = sum(max(w.available.get(sku, 0), 0) for w in warehouses)
        if available < demand[sku]:
            raise AllocationError(sku, demand[sku], available)


def _covers_all(warehouse: WarehouseStock, demand: Mapping[str, int]) -> bool:
    return all(
        warehouse.available.get(sku, 0) >= quantity
        for sku, quantity in demand.items()
    )


def _covers_any(warehouse: WarehouseStock, demand: Mapping[str, int]) -> bool:
    return any(warehouse.available.get(sku, 0) > 0 for sku in demand)


def _group_covers(
    group: Sequence[WarehouseStock], demand: Mapping[str, int]
) -> bool:
    return all(
        sum(max(w.available.get(sku, 0), 0) for w in group) >= quantity
        for sku, quantity in demand.items()
    )


def _units_covered(warehouse: WarehouseStock, remaining: Mapping[str, int]) -> int:
    return sum(
        min(quantity, max(warehouse.available.get(sku, 0), 0))
        for sku, quantity in remaining.items()
    )
