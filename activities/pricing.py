"""Load price lists from the database for the price engine."""

from datetime import datetime, timezone
from decimal import Decimal

from sqlmodel import Session, select

from domain.price_engine import PriceList, Promotion, TaxRate, Tier, tax_rate
from models.catalog import PriceListRecord, PriceTierRecord, PromotionRecord, TaxRateRecord


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


def load_promotions(session: Session, currency: str, channel: str,
                    at: datetime) -> list[Promotion]:
    """Return the promotions that apply to an order placed at `at`."""
    records = session.exec(
        select(PromotionRecord).where(PromotionRecord.currency == currency)
    ).all()
    active = []
    for record in records:
        if record.channel is not None and record.channel != channel:
            continue
        start, end = _aware(record.valid_from), _aware(record.valid_to)
        if (start is not None and at < start) or (end is not None and at >= end):
            continue
        active.append(Promotion(
            record.id, record.scope,
            percent=None if record.percent is None else Decimal(record.percent),
            amount=None if record.amount is None else Decimal(record.amount),
            sku=record.sku,
        ))
    return sorted(active, key=lambda promotion: promotion.promotion_id)


def load_tax_rate(session: Session, country: str, region: str) -> Decimal:
    rates = [TaxRate(r.country, r.region or None, Decimal(r.rate))
             for r in session.exec(select(TaxRateRecord).where(TaxRateRecord.country == country))]
    return tax_rate(rates, country, region)
