"""Allocation strategies on small cases checked by hand."""

import math

import pytest

from domain.allocation import (
    AllocationError,
    FewestShipmentsStrategy,
    Location,
    NearestStrategy,
    PriorityStrategy,
    WarehouseStock,
    add_up_demand,
    haversine_km,
    strategy_named,
)

NEW_YORK = Location(40.7128, -74.0060)
CHICAGO = Location(41.8781, -87.6298)
LOS_ANGELES = Location(34.0522, -118.2437)
PHILADELPHIA = Location(39.9526, -75.1652)


def stock(warehouse_id, location, priority=100, **available):
    return WarehouseStock(warehouse_id, available, location, priority)


def test_haversine_one_degree_of_latitude():
    # One degree along a meridian is R * pi / 180.
    expected = 6371.0088 * math.pi / 180

    assert haversine_km(Location(0, 0), Location(1, 0)) == pytest.approx(expected)
    assert expected == pytest.approx(111.195, abs=0.001)


def test_haversine_quarter_of_the_equator():
    distance = haversine_km(Location(0, 0), Location(0, 90))

    assert distance == pytest.approx(6371.0088 * math.pi / 2)


def test_haversine_same_point_is_zero():
    assert haversine_km(NEW_YORK, NEW_YORK) == 0


def test_haversine_matches_law_of_cosines():
    # The spherical law of cosines is exact too, just less stable for
    # short distances: New York to Los Angeles is about 3,936 km.
    lat1, lat2 = math.radians(NEW_YORK.latitude), math.radians(LOS_ANGELES.latitude)
    dlon = math.radians(LOS_ANGELES.longitude - NEW_YORK.longitude)
    central_angle = math.acos(
        math.sin(lat1) * math.sin(lat2)
        + math.cos(lat1) * math.cos(lat2) * math.cos(dlon)
    )

    distance = haversine_km(NEW_YORK, LOS_ANGELES)

    assert distance == pytest.approx(6371.0088 * central_angle)
    assert distance == pytest.approx(3936, abs=5)


def test_add_up_demand_sums_repeated_sku():
    demand = add_up_demand([("A", 2), ("B", 1), ("A", 3)])

    assert demand == {"A": 5, "B": 1}


def test_add_up_demand_rejects_zero_quantity():
    with pytest.raises(ValueError, match="quantity 0"):
        add_up_demand([("A", 0)])


def test_fewest_ships_from_nearest_full_warehouse():
    warehouses = [
        stock("LA", LOS_ANGELES, A=5, B=5),
        stock("NY", NEW_YORK, A=5, B=5),
        stock("CHI", CHICAGO, A=5, B=5),
    ]

    allocation = FewestShipmentsStrategy().allocate(
        {"A": 2, "B": 1}, warehouses, PHILADELPHIA
    )

    assert len(allocation.shipments) == 1
    assert allocation.shipments[0].warehouse_id == "NY"
    assert allocation.shipments[0].quantities == {"A": 2, "B": 1}


def test_fewest_skips_nearer_warehouse_missing_a_sku():
    warehouses = [
        stock("NY", NEW_YORK, A=5),
        stock("CHI", CHICAGO, A=5, B=5),
        stock("LA", LOS_ANGELES, A=5, B=5),
    ]

    allocation = FewestShipmentsStrategy().allocate(
        {"A": 2, "B": 1}, warehouses, PHILADELPHIA
    )

    assert [s.warehouse_id for s in allocation.shipments] == ["CHI"]


def test_fewest_uses_two_where_nearest_uses_three():
    # NY has only x, CHI only y, LA has y and z: {NY, LA} covers all.
    warehouses = [
        stock("NY", NEW_YORK, x=4),
        stock("CHI", CHICAGO, y=4),
        stock("LA", LOS_ANGELES, y=4, z=4),
    ]
    demand = {"x": 4, "y": 4, "z": 4}

    fewest = FewestShipmentsStrategy().allocate(demand, warehouses, PHILADELPHIA)
    nearest = NearestStrategy().allocate(demand, warehouses, PHILADELPHIA)

    assert [s.warehouse_id for s in fewest.shipments] == ["NY", "LA"]
    assert fewest.shipments[1].quantities == {"y": 4, "z": 4}
    assert [s.warehouse_id for s in nearest.shipments] == ["NY", "CHI", "LA"]


def test_fewest_prefers_closer_pair_of_equal_size():
    # Both {NY, CHI} and {NY, LA} cover, and CHI is nearer than LA.
    warehouses = [
        stock("LA", LOS_ANGELES, B=3),
        stock("NY", NEW_YORK, A=3),
        stock("CHI", CHICAGO, B=3),
    ]

    allocation = FewestShipmentsStrategy().allocate(
        {"A": 1, "B": 1}, warehouses, PHILADELPHIA
    )

    assert [s.warehouse_id for s in allocation.shipments] == ["NY", "CHI"]


def test_fewest_splits_one_sku_over_two_warehouses():
    warehouses = [stock("NY", NEW_YORK, A=4), stock("CHI", CHICAGO, A=4)]

    allocation = FewestShipmentsStrategy().allocate(
        {"A": 6}, warehouses, PHILADELPHIA
    )

    assert allocation.shipments[0].quantities == {"A": 4}
    assert allocation.shipments[1].quantities == {"A": 2}
    assert allocation.quantity("A") == 6


def test_fewest_without_locations_falls_back_to_priority():
    warehouses = [
        stock("W2", None, priority=2, A=5),
        stock("W1", None, priority=1, A=5),
    ]

    allocation = FewestShipmentsStrategy().allocate({"A": 5}, warehouses)

    assert [s.warehouse_id for s in allocation.shipments] == ["W1"]


def test_fewest_greedy_above_exact_limit():
    # 14 warehouses with one unit each, one with 10: greedy takes the big
    # one first and then one small one.
    warehouses = [stock(f"S{i:02}", None, A=1) for i in range(14)]
    warehouses.append(stock("BIG", None, A=10))

    allocation = FewestShipmentsStrategy().allocate({"A": 11}, warehouses)

    assert allocation.shipments[0].warehouse_id == "BIG"
    assert len(allocation.shipments) == 2


def test_priority_order_beats_distance():
    warehouses = [
        stock("NY", NEW_YORK, priority=2, A=5),
        stock("LA", LOS_ANGELES, priority=1, A=5),
    ]

    allocation = PriorityStrategy().allocate({"A": 1}, warehouses, PHILADELPHIA)

    assert [s.warehouse_id for s in allocation.shipments] == ["LA"]


def test_priority_fills_in_order_when_none_has_all():
    warehouses = [
        stock("W1", None, priority=1, A=2),
        stock("W2", None, priority=2, A=2, B=2),
    ]

    allocation = PriorityStrategy().allocate({"A": 3, "B": 1}, warehouses)

    assert allocation.shipments[0].quantities == {"A": 2}
    assert allocation.shipments[1].quantities == {"A": 1, "B": 1}


def test_allocation_error_names_sku_and_totals():
    warehouses = [stock("NY", NEW_YORK, A=2), stock("CHI", CHICAGO, A=1)]

    for strategy in (FewestShipmentsStrategy(), NearestStrategy(),
                     PriorityStrategy()):
        with pytest.raises(AllocationError) as caught:
            strategy.allocate({"A": 4}, warehouses, PHILADELPHIA)

        assert caught.value.sku == "A"
        assert caught.value.requested == 4
        assert caught.value.available == 3


def test_strategy_named_builds_each_strategy():
    assert strategy_named("nearest").name == "nearest"
    assert strategy_named("priority").name == "priority"
    assert strategy_named("fewest_shipments").name == "fewest_shipments"


def test_strategy_named_rejects_unknown_name():
    with pytest.raises(ValueError, match="use one of: fewest_shipments"):
        strategy_named("cheapest")
