"""Turn ordered bundle SKUs into the component lines that ship."""

from decimal import Decimal

from sqlmodel import Session, select
from temporalio.exceptions import ApplicationError

from domain.bundles import FixedBundle, split_bundle_price
from models.catalog import BundleRecord
from models.payloads import OrderLineInput, PricedLine
from models.status import FailureReason
from models.tables import Product


def expand_bundles(session: Session, lines: list[PricedLine],
                   currency: str) -> list[PricedLine]:
    """Replace each priced bundle line by its components.

    The bundle line's amount is split over the components by list value
    (largest remainder), so the component lines add up to what the
    bundle was sold for, and returns, refunds and stock work on the
    components that actually ship.
    """
    bundles = {record.sku: record for record in session.exec(select(BundleRecord).where(
        BundleRecord.sku.in_({line.sku for line in lines})))}
    if not bundles:
        return lines
    expanded: list[PricedLine] = []
    for line in lines:
        record = bundles.get(line.sku)
        if record is None:
            expanded.append(line)
            continue
        if record.kind != "fixed":
            raise ApplicationError(
                f"bundle {line.sku} is configurable; order its chosen components "
                "as separate lines", type=FailureReason.UNKNOWN_SKU.value,
                non_retryable=True)
        bundle = FixedBundle(record.sku, dict(record.components))
        products = {p.sku: p for p in session.exec(select(Product).where(
            Product.sku.in_(list(bundle.components))))}
        shares = split_bundle_price(
            bundle, line.line_total,
            {sku: Decimal(products[sku].list_price) for sku in bundle.components},
            currency)
        for sku, share in shares.items():
            quantity = bundle.components[sku] * line.quantity
            expanded.append(PricedLine(
                sku=sku, name=products[sku].name, quantity=quantity,
                unit_price=(share / quantity).quantize(Decimal("0.0001")),
                line_total=share,
                price_source=f"bundle {line.sku}: {line.price_source}",
            ))
    return expanded


def stock_lines(lines: list[PricedLine]) -> list[OrderLineInput]:
    return [OrderLineInput(sku=line.sku, quantity=line.quantity) for line in lines]
