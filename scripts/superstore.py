"""Read Tableau's Sample Superstore orders file into orders and products.

The file (2023 edition) has one row per order line, dates as dd/mm/yy
and `Sales` as the line amount after discount, so the list unit price
is Sales / (Quantity x (1 - Discount)).
"""

import csv
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path

SHARED_FILE = Path(__file__).resolve().parents[2] / "shared/data/datasets/superstore/superstore_orders.csv"
BUNDLED_FILE = Path(__file__).resolve().parents[1] / "data_seed/superstore_sample.csv"

COUNTRY_CODES = {"United States": "US", "Canada": "CA"}


@dataclass
class SuperstoreLine:
    row_number: int
    sku: str
    name: str
    category: str
    sub_category: str
    quantity: int
    list_unit_price: Decimal


@dataclass
class SuperstoreOrder:
    order_id: str
    placed_at: datetime
    ship_mode: str
    customer_id: str
    customer_name: str
    segment: str
    country: str
    city: str
    region: str
    postal_code: str
    lines: list[SuperstoreLine] = field(default_factory=list)

    @property
    def row_numbers(self) -> list[int]:
        return [line.row_number for line in self.lines]


@dataclass
class RejectedRow:
    row_number: int
    order_id: str
    reason: str


@dataclass
class Dataset:
    orders: list[SuperstoreOrder]
    rejected: list[RejectedRow]
    source: Path
    warnings: list[RejectedRow] = field(default_factory=list)

    def products(self) -> dict[str, dict]:
        """Build one product per SKU, priced at the median derived list price."""
        prices: dict[str, list[Decimal]] = defaultdict(list)
        info: dict[str, SuperstoreLine] = {}
        demand: dict[str, int] = defaultdict(int)
        for order in self.orders:
            for line in order.lines:
                prices[line.sku].append(line.list_unit_price)
                info.setdefault(line.sku, line)
                demand[line.sku] += line.quantity
        return {
            sku: {
                "name": info[sku].name,
                "category": info[sku].category,
                "sub_category": info[sku].sub_category,
                "list_price": statistics.median(values).quantize(Decimal("0.01")),
                "demand": demand[sku],
            }
            for sku, values in prices.items()
        }


def default_source() -> Path:
    return SHARED_FILE if SHARED_FILE.exists() else BUNDLED_FILE


def load(path: Path | None = None) -> Dataset:
    """Parse the file; rows that cannot be used are returned with the reason."""
    path = path or default_source()
    orders: dict[str, SuperstoreOrder] = {}
    rejected: list[RejectedRow] = []
    warnings: list[RejectedRow] = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for line_number, row in enumerate(csv.DictReader(handle), start=2):
            # Report the dataset's own Row ID; fall back to the file line.
            row_id = (row.get("Row ID") or "").strip()
            row_number = int(row_id) if row_id.isdigit() else line_number
            try:
                order, line = _parse_row(row, row_number)
            except ValueError as error:
                rejected.append(RejectedRow(row_number, row.get("Order ID", ""), str(error)))
                continue
            known = orders.setdefault(order.order_id, order)
            if known.customer_id != order.customer_id:
                # The line itself is valid, so it is kept on its order.
                warnings.append(RejectedRow(
                    row_number, order.order_id,
                    f"Customer ID {order.customer_id} differs from the order's "
                    f"first line; imported under {known.customer_id}",
                ))
            known.lines.append(line)
    return Dataset(list(orders.values()), rejected, path, warnings)


def _parse_row(row: dict, row_number: int) -> tuple[SuperstoreOrder, SuperstoreLine]:
    order_id = _required(row, "Order ID")
    try:
        placed = datetime.strptime(_required(row, "Order Date"), "%d/%m/%y")
    except ValueError:
        raise ValueError(f"Order Date {row['Order Date']!r} is not dd/mm/yy") from None
    quantity = _integer(row, "Quantity")
    if quantity <= 0:
        raise ValueError(f"Quantity {quantity} must be at least 1")
    sales = _decimal(row, "Sales")
    discount = _decimal(row, "Discount")
    if sales < 0:
        raise ValueError(f"Sales {sales} is negative")
    if not Decimal(0) <= discount < Decimal(1):
        raise ValueError(f"Discount {discount} is outside 0 to 1")
    country = _required(row, "Country/Region")
    if country not in COUNTRY_CODES:
        raise ValueError(f"Country/Region {country!r} is not United States or Canada")

    line = SuperstoreLine(
        row_number=row_number,
        sku=_required(row, "Product ID"),
        name=_required(row, "Product Name"),
        category=row.get("Category", ""),
        sub_category=row.get("Sub-Category", ""),
        quantity=quantity,
        list_unit_price=sales / (quantity * (1 - discount)),
    )
    order = SuperstoreOrder(
        order_id=order_id,
        placed_at=placed.replace(hour=12, tzinfo=timezone.utc),
        ship_mode=row.get("Ship Mode", "") or "Standard Class",
        customer_id=_required(row, "Customer ID"),
        customer_name=row.get("Customer Name", ""),
        segment=row.get("Segment", ""),
        country=COUNTRY_CODES[country],
        city=row.get("City", ""),
        region=row.get("State/Province", ""),
        postal_code=_required(row, "Postal Code"),
    )
    return order, line


def _required(row: dict, column: str) -> str:
    value = (row.get(column) or "").strip()
    if not value:
        raise ValueError(f"{column} is empty")
    return value


def _integer(row: dict, column: str) -> int:
    try:
        return int(_required(row, column))
    except ValueError:
        raise ValueError(f"{column} {row.get(column)!r} is not a whole number") from None


def _decimal(row: dict, column: str) -> Decimal:
    try:
        return Decimal(_required(row, column))
    except InvalidOperation:
        raise ValueError(f"{column} {row.get(column)!r} is not a number") from None
