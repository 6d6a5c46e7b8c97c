from decimal import Decimal

import pytest

from domain.shipping.boxes import (
    Box,
    Dimensions,
    NoBoxFitsError,
    PackItem,
    choose_box,
)

D = Decimal


def dims(length: str, width: str, height: str) -> Dimensions:
    return Dimensions(D(length), D(width), D(height))


# Inner volumes: S 20x15x10 = 3000 cm³, M 30x25x20 = 15000 cm³,
# L 60x40x40 = 96000 cm³. Fill limit 0.85 leaves 2550, 12750, 81600.
SMALL = Box("S", dims("20", "15", "10"), dims("21", "16", "11"), D("0.10"), D("5"))
MEDIUM = Box("M", dims("30", "25", "20"), dims("31", "26", "21"), D("0.30"), D("15"))
LARGE = Box("L", dims("60", "40", "40"), dims("62", "42", "42"), D("0.90"), D("30"))
CATALOG = [LARGE, SMALL, MEDIUM]


def item(sku: str, quantity: int, size: Dimensions, weight: str) -> PackItem:
    return PackItem(sku, quantity, size, D(weight))


def test_choose_box_smallest_that_fits():
    # 2 x 10x10x10 = 2000 cm³ fits S's 2550; gross 2 x 0.4 + 0.10 = 0.90.
    package = choose_box([item("MUG", 2, dims("10", "10", "10"), "0.4")], CATALOG)

    assert package.box_code == "S"
    assert package.weight_kg == D("0.90")
    assert package.dimensions == dims("21", "16", "11")
    assert package.items_volume_cm3 == D("2000")


def test_choose_box_rotates_items():
    # An 8 x 19 x 14 item (2128 cm³) fits S (20 x 15 x 10) once turned.
    package = choose_box([item("BOOK", 1, dims("8", "19", "14"), "1")], CATALOG)

    assert package.box_code == "S"


def test_choose_box_long_item_needs_large():
    # 50 cm is longer than every side of S and M.
    package = choose_box([item("ROD", 1, dims("50", "5", "5"), "1")], CATALOG)

    assert package.box_code == "L"


def test_choose_box_volume_over_fill_limit():
    # 3 x 1000 cm³ = 3000 cm³ is over S's 2550, so M.
    package = choose_box([item("MUG", 3, dims("10", "10", "10"), "0.4")], CATALOG)

    assert package.box_code == "M"


def test_choose_box_weight_over_box_max():
    # 2 x 2.5 kg + 0.10 tare = 5.10 kg is over S's 5 kg.
    package = choose_box([item("IRON", 2, dims("5", "5", "5"), "2.5")], CATALOG)

    assert package.box_code == "M"
    assert package.weight_kg == D("5.30")


def test_choose_box_mixed_items():
    # 4000 + 3 x 500 = 5500 cm³ fits M; gross 2 + 0.6 + 0.3 = 2.9 kg.
    items = [
        item("LAMP", 1, dims("20", "20", "10"), "2"),
        item("BULB", 3, dims("10", "10", "5"), "0.2"),
    ]

    package = choose_box(items, CATALOG)

    assert package.box_code == "M"
    assert package.weight_kg == D("2.9")


def test_choose_box_none_fits_lists_reasons():
    too_big = [item("SOFA", 1, dims("200", "90", "80"), "40")]

    with pytest.raises(NoBoxFitsError) as caught:
        choose_box(too_big, CATALOG)

    message = str(caught.value)
    assert "S: SOFA is larger than the box" in message
    assert "L: SOFA is larger than the box" in message


def test_choose_box_too_heavy_for_all():
    with pytest.raises(NoBoxFitsError, match="gross weight 40.90 kg is over"):
        choose_box([item("ANVIL", 1, dims("20", "20", "20"), "40")], CATALOG)


def test_choose_box_empty_catalog():
    with pytest.raises(NoBoxFitsError, match="the catalog is empty"):
        choose_box([item("MUG", 1, dims("10", "10", "10"), "0.4")], [])


def test_choose_box_no_items_rejected():
    with pytest.raises(ValueError, match="no items"):
        choose_box([], CATALOG)


def test_choose_box_zero_quantity_rejected():
    with pytest.raises(ValueError, match="must be positive"):
        choose_box([item("MUG", 0, dims("10", "10", "10"), "0.4")], CATALOG)
