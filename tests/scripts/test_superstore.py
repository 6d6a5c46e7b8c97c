"""Reading the Superstore orders file into orders and products."""

from decimal import Decimal
from pathlib import Path

import pytest

from scripts import superstore

HEADER = ("Row ID,Order ID,Order Date,Ship Date,Ship Mode,Customer ID,Customer Name,"
          "Segment,Country/Region,City,State/Province,Postal Code,Region,Product ID,"
          "Category,Sub-Category,Product Name,Sales,Quantity,Discount,Profit")


def write_csv(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "orders.csv"
    path.write_text("\ufeff" + "\r\n".join([HEADER, *rows]) + "\r\n", encoding="utf-8")
    return path


GOOD = ("1,US-2019-103800,03/01/19,07/01/19,Standard Class,DP-13000,Darren Powers,"
        "Consumer,United States,Houston,Texas,77095,Central,OFF-PA-10000174,"
        "Office Supplies,Paper,\"Message Book, Wirebound\",16.448,2,0.2,5.5512")


def test_superstore_row_parses_dates_and_unit_price(tmp_path):
    dataset = superstore.load(write_csv(tmp_path, [GOOD]))
    order = dataset.orders[0]
    line = order.lines[0]

    # 03/01/19 is dd/mm/yy: 3 January 2019.
    assert order.placed_at.date().isoformat() == "2019-01-03"
    # Sales 16.448 after a 20% discount on 2 units: 16.448 / (2 x 0.8) = 10.28.
    assert line.list_unit_price == Decimal("10.28")
    assert line.name == "Message Book, Wirebound"
    assert order.country == "US"


@pytest.mark.parametrize(("change", "reason"), [
    (("16.448,2,0.2", "16.448,0,0.2"), "Quantity 0 must be at least 1"),
    (("16.448,2,0.2", "16.448,two,0.2"), "Quantity 'two' is not a whole number"),
    (("16.448,2,0.2", "16.448,2,1.5"), "Discount 1.5 is outside 0 to 1"),
    (("03/01/19", "2019-01-03"), "Order Date '2019-01-03' is not dd/mm/yy"),
    (("OFF-PA-10000174", ""), "Product ID is empty"),
    (("United States", "Mexico"), "Country/Region 'Mexico'"),
])
def test_superstore_bad_row_reported_with_number(tmp_path, change, reason):
    bad = GOOD.replace("1,US-2019-103800", "2,US-2019-103801").replace(*change)
    dataset = superstore.load(write_csv(tmp_path, [GOOD, bad]))

    assert len(dataset.orders) == 1
    assert dataset.rejected[0].row_number == 2
    assert dataset.rejected[0].order_id == "US-2019-103801"
    assert reason in dataset.rejected[0].reason


def test_superstore_bundled_sample_loads():
    dataset = superstore.load(superstore.BUNDLED_FILE)

    assert dataset.rejected == []
    assert sum(len(order.lines) for order in dataset.orders) == 300


@pytest.mark.skipif(not superstore.SHARED_FILE.exists(),
                    reason="full Superstore file not present beside the project")
def test_superstore_full_file_rejects_no_row():
    dataset = superstore.load(superstore.SHARED_FILE)

    # The published file has 10,194 lines in 5,111 orders, all usable.
    assert dataset.rejected == []
    assert len(dataset.orders) == 5111
    assert sum(len(order.lines) for order in dataset.orders) == 10194
    assert len(dataset.products()) == 1862
