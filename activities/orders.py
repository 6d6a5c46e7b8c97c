"""Order activities. Each is idempotent, so Temporal may retry any of them.

The class keeps its dependencies (engine, payment provider, warehouse,
carrier), so tests and the worker choose real systems or simulators.
"""

from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.logging import bind_activity_context
from activities.shipping import pack_items, recompute_eta, shop
from activities.bundle_lines import expand_bundles, stock_lines
from activities.pricing import load_price_lists, load_promotions, load_tax_rate
from activities.refunds_ledger import RefundRequest, open_payment_balance, record_refund
from activities.shipping_records import record_shipment
from activities.stock import (
    OutOfStockError,
    allocate_order,
    consume_order_stock,
    live_reservations,
    release_order_stock,
    reserve_order_stock,
)
from domain.money import from_minor_units, to_minor_units
from domain.allocation import AllocationError
from domain.geography import approximate_location
from domain.price_engine import CartLine, NoPriceError, PriceRequest, price, price_cart
from domain.pricing import CatalogPrice, order_total, price_lines
from domain.refunds import RefundExceedsCapturedError
from domain.shipping.rates import NoRateError, NoServiceError
from integrations.carrier import Carrier
from integrations.errors import AddressInvalidError, PaymentDeclinedError
from integrations.payment import PaymentProvider
from integrations.warehouse import Warehouse
from models.payloads import (
    Address,
    CapturedOrder,
    EtaRequest,
    FeedbackRequest,
    OrderInput,
    OrderLineInput,
    OrderState,
    PaymentRecord,
    PaymentRequest,
    PlannedShipment,
    PricedLine,
    ReleaseStockRequest,
    RestockRequest,
    ShipmentInfo,
    ShipRequest,
    TrackingRequest,
    TrackingResult,
    WarehouseRequest,
    WarehouseResult,
)
from models.inventory import MovementKind
from models.status import FailureReason, PaymentStatus
from models.tables import (
    FeedbackInvitation,
    OrderRecord,
    PaymentLedgerEntry,
    Product,
    Reservation,
    StockLevel,
    StockMovement,
    Warehouse,
)


def _final(reason: FailureReason, message: str) -> ApplicationError:
    """Build an error that no retry can fix; the workflow compensates."""
    return ApplicationError(message, type=reason.value, non_retryable=True)


def _insert_if_missing(session: Session, record: OrderRecord) -> bool:
    """Insert an order's projection row; False if the row already exists."""
    if session.get(OrderRecord, record.id) is not None:
        return False
    session.add(record)
    try:
        session.commit()
    except IntegrityError:
        # Another writer inserted it after the check.
        session.rollback()
        return False
    return True


def plan_shipments(
    lines: list[OrderLineInput], reservations: list[Reservation]
) -> list[PlannedShipment]:
    """Group reserved units into one shipment per warehouse, numbered from 1
    in warehouse order, so retries number them the same way."""
    by_warehouse: dict[str, dict[str, int]] = {}
    for reservation in reservations:
        units = by_warehouse.setdefault(reservation.warehouse_id, {})
        units[reservation.sku] = units.get(reservation.sku, 0) + reservation.quantity
    return [
        PlannedShipment(
            number=number, warehouse_id=warehouse_id,
            lines=[OrderLineInput(sku=sku, quantity=quantity)
                   for sku, quantity in sorted(units.items())],
        )
        for number, (warehouse_id, units) in enumerate(sorted(by_warehouse.items()), start=1)
    ]


class OrderActivities:
    def __init__(
        self,
        engine: Engine,
        payment: PaymentProvider,
        warehouse: Warehouse,
        carrier: Carrier,
        allocation_strategy: str = "fewest_shipments",
    ):
        self.engine = engine
        self.allocation_strategy = allocation_strategy
        self.payment = payment
        self.warehouse = warehouse
        self.carrier = carrier

    @activity.defn
    def capture_order(self, order: OrderInput) -> CapturedOrder:
        """Validate and price the lines, persist the order and reserve stock."""
        log = bind_activity_context(order.order_id)
        with Session(self.engine) as session:
            prices = self._catalog_prices(session, order)
            lines = price_lines(order.lines, prices, order.currency)
            lines = expand_bundles(session, lines, order.currency)
            lines = self._apply_promotions_and_tax(session, order, lines)
            # Stock is reserved for what ships: bundles as their components.
            wanted = stock_lines(lines)
            subtotal = order_total(lines, order.currency)
            discount = sum((line.discount for line in lines), Decimal(0))
            tax = sum((line.tax for line in lines), Decimal(0))
            total = subtotal - discount + tax
            self._insert_projection(session, order, total)
            try:
                # Stock handed over by a receipt is already reserved, so
                # allocation runs only for orders that hold none yet.
                reservations = live_reservations(session, order.order_id)
                if not reservations:
                    destination = approximate_location(
                        order.shipping_address.country,
                        order.shipping_address.postal_code,
                    )
                    allocation = allocate_order(
                        session, wanted, destination, self.allocation_strategy
                    )
                    reservations = reserve_order_stock(
                        session, order.order_id, wanted, allocation
                    )
            except (OutOfStockError, AllocationError) as error:
                product = session.get(Product, error.sku)
                if product is None or not product.backorderable:
                    raise _final(FailureReason.OUT_OF_STOCK, str(error)) from None
                log.info("order_backordered", sku=error.sku, error=str(error))
                return CapturedOrder(
                    lines=lines, currency=order.currency, subtotal=subtotal,
                    total=total, discount_total=discount, tax_total=tax,
                    backordered_skus=[error.sku],
                )

        shipments = plan_shipments(wanted, reservations)
        log.info("order_captured", total=str(total), lines=len(lines),
                 shipments=len(shipments))
        return CapturedOrder(
            lines=lines, currency=order.currency, subtotal=subtotal, total=total,
            discount_total=discount, tax_total=tax, shipments=shipments,
        )

    @activity.defn
    def authorize_payment(self, request: PaymentRequest) -> PaymentRecord:
        """Reserve the order total on the customer's card."""
        log = bind_activity_context(request.order_id)
        amount = to_minor_units(request.amount, request.currency)
        try:
            result = self.payment.authorize(
                request.payment_token, amount, request.currency,
                request.idempotency_key,
            )
        except PaymentDeclinedError as error:
            log.warning("payment_declined", error=str(error))
            raise _final(FailureReason.PAYMENT_DECLINED, str(error)) from None
        return self._book(request, result.payment_id, "authorize",
                          PaymentStatus.AUTHORIZED, log)

    @activity.defn
    def capture_payment(self, request: PaymentRequest) -> PaymentRecord:
        """Take the authorized amount; the key makes a retry a no-op."""
        log = bind_activity_context(request.order_id)
        amount = to_minor_units(request.amount, request.currency)
        result = self.payment.capture(
            request.authorization_id, amount, request.currency,
            request.idempotency_key,
        )
        captured = from_minor_units(result.amount_minor, request.currency)
        open_payment_balance(self.engine, result.payment_id, request.order_id,
                             captured, request.currency)
        return self._book(request.model_copy(update={"amount": captured}),
                          result.payment_id, "capture", PaymentStatus.CAPTURED, log)

    @activity.defn
    def void_payment(self, request: PaymentRequest) -> PaymentRecord:
        """Release an authorization that was never captured."""
        log = bind_activity_context(request.order_id)
        result = self.payment.void(request.authorization_id, request.idempotency_key)
        return self._book(request, result.payment_id, "void",
                          PaymentStatus.VOIDED, log)

    @activity.defn
    def refund_payment(self, request: PaymentRequest) -> PaymentRecord:
        """Return captured money; the key makes a retry a no-op.

        The refund is first taken from the payment's refundable balance
        with a conditional update, so concurrent refunds never add up to
        more than was captured.
        """
        log = bind_activity_context(request.order_id)
        try:
            record_refund(self.engine, RefundRequest(
                payment_id=request.authorization_id, amount=request.amount,
                currency=request.currency, idempotency_key=request.idempotency_key,
            ))
        except RefundExceedsCapturedError as error:
            log.warning("refund_rejected", error=str(error))
            raise ApplicationError(str(error), type="refund_exceeds_captured",
                                   non_retryable=True) from None
        amount = to_minor_units(request.amount, request.currency)
        result = self.payment.refund(
            request.authorization_id, amount, request.currency,
            request.idempotency_key,
        )
        return self._book(request, result.payment_id, "refund",
                          PaymentStatus.REFUNDED, log)

    @activity.defn
    def release_stock(self, request: ReleaseStockRequest) -> int:
        """Return the order's reserved units to available stock."""
        log = bind_activity_context(request.order_id)
        with Session(self.engine) as session:
            released = release_order_stock(
                session, request.order_id, request.reason,
                request.warehouse_id or None,
            )
        log.info("stock_released", units=released, reason=request.reason)
        return released

    @activity.defn
    def perform_warehouse_step(self, request: WarehouseRequest) -> WarehouseResult:
        """Pick or pack through the warehouse; picking consumes reservations."""
        log = bind_activity_context(request.order_id)
        completed = self.warehouse.perform(
            request.order_id, request.step, activity.heartbeat, request.warehouse_id
        )
        if completed and request.step == "pick":
            with Session(self.engine) as session:
                consume_order_stock(
                    session, request.order_id, request.warehouse_id or None
                )
        log.info("warehouse_step_finished", step=request.step, completed=completed)
        return WarehouseResult(completed=completed)

    @activity.defn
    def ship_order(self, request: ShipRequest) -> ShipmentInfo:
        """Box the parcel, pick the carrier service and book it."""
        log = bind_activity_context(request.order_id)
        with Session(self.engine) as session:
            warehouse = session.get(Warehouse, request.warehouse_id) if request.warehouse_id else None
            categories = {
                product.sku: product.category
                for product in session.exec(select(Product).where(
                    Product.sku.in_([line.sku for line in request.lines])))
            }
        package = pack_items([
            (line.sku, line.quantity, categories.get(line.sku, "")) for line in request.lines
        ])
        try:
            booked = self.carrier.create_shipment(
                request.order_id, request.address, request.ship_mode,
                request.idempotency_key,
            )
            choice = shop(
                package,
                origin_postal=(warehouse.postal_region if warehouse else "") or "6",
                origin_zone=warehouse.timezone if warehouse else "America/Chicago",
                address=request.address, ship_mode=request.ship_mode,
                ship_at=booked.shipped_at,
            )
        except (AddressInvalidError, NoRateError, NoServiceError) as error:
            log.warning("address_rejected", error=str(error))
            raise _final(FailureReason.ADDRESS_INVALID, str(error)) from None
        shipment = booked.model_copy(update={
            "shipment_id": request.shipment_id or booked.shipment_id,
            "service": choice.quote.service,
            "eta": choice.quote.eta.deliver_by,
            "rate_reason": choice.reason,
            "box_code": package.box_code,
            "weight_kg": package.weight_kg,
        })
        ship_from = Address(
            name=warehouse.name if warehouse else "OMS warehouse",
            postal_code=warehouse.postal_region if warehouse else "",
        )
        with Session(self.engine) as session:
            record_shipment(
                session, order_id=request.order_id, shipment=shipment,
                ship_from=ship_from, ship_to=request.address,
                warehouse_id=request.warehouse_id, dimensions=package.dimensions,
            )
        log.info("order_shipped", tracking_number=shipment.tracking_number,
                 service=shipment.service, box=package.box_code)
        return shipment

    @activity.defn
    def create_return_label(self, request: ShipRequest) -> ShipmentInfo:
        """Issue a prepaid label for the customer to send the parcel back."""
        log = bind_activity_context(request.order_id)
        try:
            label = self.carrier.create_shipment(
                request.order_id, request.address, "standard", request.idempotency_key
            )
        except AddressInvalidError as error:
            raise _final(FailureReason.ADDRESS_INVALID, str(error)) from None
        log.info("return_label_created", tracking_number=label.tracking_number)
        return label.model_copy(update={"shipment_id": request.shipment_id})

    @activity.defn
    def restock_return(self, request: RestockRequest) -> int:
        """Put returned units back on the shelf, once per return; a
        written-off return changes no stock. Returns units restocked."""
        log = bind_activity_context(request.order_id)
        if not request.restock:
            log.info("return_written_off", return_id=request.return_id)
            return 0
        with Session(self.engine) as session:
            done = session.exec(select(StockMovement).where(
                StockMovement.reference == request.return_id)).first()
            if done is not None:
                return 0
            units = 0
            for line in request.lines:
                warehouse_id = request.warehouse_by_sku[line.sku]
                session.execute(
                    update(StockLevel)
                    .where(StockLevel.sku == line.sku,
                           StockLevel.warehouse_id == warehouse_id)
                    .values(on_hand=StockLevel.on_hand + line.quantity)
                )
                session.add(StockMovement(
                    sku=line.sku, warehouse_id=warehouse_id,
                    kind=MovementKind.RETURN_TO_STOCK, quantity=line.quantity,
                    order_id=request.order_id, reason=f"returned: {line.reason}",
                    reference=request.return_id,
                ))
                units += line.quantity
            session.commit()
        log.info("return_restocked", return_id=request.return_id, units=units)
        return units

    @activity.defn
    def estimate_eta(self, request: EtaRequest) -> datetime | None:
        """Recompute a shipment's ETA from its newest tracking event."""
        bind_activity_context(request.shipment.shipment_id)
        return recompute_eta(request.shipment, request.address)

    @activity.defn
    def fetch_tracking_events(self, request: TrackingRequest) -> TrackingResult:
        """Ask the carrier for tracking events; reading twice changes nothing."""
        bind_activity_context(request.order_id)
        return TrackingResult(events=self.carrier.tracking_events(request.tracking_number))

    @activity.defn
    def request_feedback(self, request: FeedbackRequest) -> bool:
        """Invite the customer to rate the order, at most once per order."""
        log = bind_activity_context(request.order_id)
        with Session(self.engine) as session:
            if session.get(FeedbackInvitation, request.order_id) is not None:
                return False
            session.add(FeedbackInvitation(
                order_id=request.order_id, customer_id=request.customer_id
            ))
            try:
                session.commit()
            except IntegrityError:
                return False
        log.info("feedback_requested")
        return True

    @activity.defn
    def record_order_state(self, state: OrderState) -> None:
        """Write the order's projection; an older version never overwrites.

        One conditional UPDATE does the version check and the write, so
        the row is never read back and concurrent writers cannot
        interleave between a check and a write.
        """
        bind_activity_context(state.order_id)
        values = {
            "status": state.status.value, "total": state.total,
            "version": state.version, "state": state.model_dump(mode="json"),
            "updated_at": datetime.now(timezone.utc),
        }
        newer = update(OrderRecord).where(
            OrderRecord.id == state.order_id, OrderRecord.version < state.version,
        ).values(**values)
        with self.engine.begin() as connection:
            if connection.execute(newer).rowcount:
                return
        # No row, or one at this version or newer. A hold placed before
        # capture records the order before capture inserts its row.
        with Session(self.engine) as session:
            if _insert_if_missing(session, OrderRecord(
                id=state.order_id, workflow_id=state.workflow_id,
                channel=state.channel, customer_id=state.customer_id,
                currency=state.currency, placed_at=state.placed_at, **values,
            )):
                return
        # The row exists, maybe inserted by another writer since the
        # UPDATE, so the UPDATE runs once more.
        with self.engine.begin() as connection:
            connection.execute(newer)

    def _catalog_prices(self, session: Session, order: OrderInput) -> dict[str, CatalogPrice]:
        skus = {line.sku for line in order.lines}
        products = {
            product.sku: product
            for product in session.exec(select(Product).where(Product.sku.in_(skus)))
        }
        for index, line in enumerate(order.lines):
            product = products.get(line.sku)
            if product is None:
                raise _final(FailureReason.UNKNOWN_SKU,
                             f"lines[{index}].sku: {line.sku} is not in the catalog")
            if product.discontinued:
                raise _final(FailureReason.ITEM_DISCONTINUED,
                             f"lines[{index}].sku: {line.sku} is discontinued")
            if line.quantity <= 0:
                raise _final(FailureReason.INTERNAL_ERROR,
                             f"lines[{index}].quantity must be at least 1")
        lists = load_price_lists(session, set(products), order.currency)
        prices = {}
        for sku, product in products.items():
            quantity = sum(line.quantity for line in order.lines if line.sku == sku)
            request = PriceRequest(sku, quantity, order.channel, order.currency,
                                   order.customer_group, order.placed_at)
            try:
                quote = price(request, lists)
                prices[sku] = CatalogPrice(sku, product.name, quote.unit_price, quote.source)
            except NoPriceError:
                # Without a price list, the product's own list price applies.
                prices[sku] = CatalogPrice(sku, product.name, Decimal(product.list_price),
                                           "product list price")
        return prices

    def _apply_promotions_and_tax(self, session: Session, order: OrderInput,
                                  lines: list[PricedLine]) -> list[PricedLine]:
        """Spread active promotions and the destination's tax over the lines,
        with the rounding policy of domain.price_engine.price_cart."""
        promotions = load_promotions(session, order.currency, order.channel,
                                     order.placed_at)
        rate = load_tax_rate(session, order.shipping_address.country,
                             order.shipping_address.region)
        if not promotions and rate == 0:
            return lines
        cart = price_cart(
            # The exact share per unit, so bundle components keep their amounts.
            [CartLine(line.sku, line.quantity, line.line_total / line.quantity)
             for line in lines],
            promotions, order.currency, tax_percent=rate,
        )
        return [
            line.model_copy(update={
                "discount": priced.line_discount + priced.order_discount,
                "tax": priced.tax,
            })
            for line, priced in zip(lines, cart.lines, strict=True)
        ]

    def _insert_projection(self, session: Session, order: OrderInput, total: Decimal) -> None:
        _insert_if_missing(session, OrderRecord(
            id=order.order_id, workflow_id=activity.info().workflow_id,
            status="received", channel=order.channel,
            customer_id=order.customer_id, currency=order.currency,
            total=total, placed_at=order.placed_at,
        ))

    def _book(self, request: PaymentRequest, payment_id: str, kind: str,
              status: PaymentStatus, log) -> PaymentRecord:
        """Record the provider's response in the payments ledger, once per key."""
        # The new entry keeps its values after commit, so nothing is read back.
        with Session(self.engine, expire_on_commit=False) as session:
            entry = session.get(PaymentLedgerEntry, request.idempotency_key)
            if entry is None:
                entry = PaymentLedgerEntry(
                    idempotency_key=request.idempotency_key,
                    order_id=request.order_id, payment_id=payment_id,
                    kind=kind, status=status.value, amount=request.amount,
                    currency=request.currency,
                )
                session.add(entry)
                try:
                    session.commit()
                except IntegrityError:
                    session.rollback()
                    entry = session.get(PaymentLedgerEntry, request.idempotency_key)
        log.info(f"payment_{status.value}", payment_id=payment_id,
                 amount=str(request.amount), currency=request.currency)
        return PaymentRecord(
            payment_id=entry.payment_id, kind=entry.kind, status=status,
            amount=Decimal(entry.amount), currency=entry.currency,
            idempotency_key=entry.idempotency_key,
            at=entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=timezone.utc),
        )

    def all(self) -> list:
        """List the bound activity methods, for worker registration."""
        return [
            self.capture_order, self.authorize_payment, self.capture_payment,
            self.void_payment, self.refund_payment, self.release_stock,
            self.perform_warehouse_step, self.ship_order, self.estimate_eta,
            self.create_return_label, self.restock_return,
            self.fetch_tracking_events, self.request_feedback,
            self.record_order_state,
        ]
