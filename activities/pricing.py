"""Load price lists from the database for the price engine."""

from datetime import datetime, timezone
from decimal import Decimal

from sqlmodel import Session, select

from domain.price_engine import PriceList, Tier
from models.catalog import PriceListRecord, PriceTierRecord


def load_price_lists(session: Session, skus: set[str], currency: str) -> list[PriceList]:
    """Return every price list in `currency` with its tiers for `skus`."""
    records = session.exec(
        select(PriceListRecord).where(PriceListRecord.currency == currency)
    ).all()
    if not records:
        return []
    tiers = session.exec(
        select(PriceTierRecord).where(
            PriceTierRecord.price_list_id.in_([r.id for r in records]),
            PriceTierRecord.sku.in_(skus),
        )
    ).all()
    prices: dict[str, dict[str, list[Tier]]] = {r.id: {} for r in records}
    for tier in tiers:
        prices[tier.price_list_id].setdefault(tier.sku, []).append(Tier(
            tier.min_quantity, Decimal(tier.unit_price),
            None if tier.sale_price is None else Decimal(tier.sale_price),
        ))
    return [
        PriceList(
            list_id=r.id, currency=r.currency, prices=prices[r.id],
            channel=r.channel, customer_group=r.customer_group,
            valid_from=_aware(r.valid_from), valid_to=_aware(r.valid_to),
            priority=r.priority,
        )
        for r in records
    ]


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite returns naive timestamps; they were stored in UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment
