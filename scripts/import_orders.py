"""Submit Superstore orders through the HTTP API, as a backend would.

Usage: python -m scripts.import_orders --api http://127.0.0.1:8000 --key KEY
"""

import argparse
import asyncio
from dataclasses import dataclass, field

import httpx
from tqdm import tqdm

from scripts.superstore import SuperstoreOrder, load


@dataclass
class ImportReport:
    created: int = 0
    replayed: int = 0
    rejected: list[str] = field(default_factory=list)


def order_body(order: SuperstoreOrder) -> dict:
    return {
        "order_id": order.order_id,
        "channel": "import",
        "customer_id": order.customer_id,
        "customer_name": order.customer_name,
        "customer_group": order.segment.lower().replace(" ", "_") or "default",
        # The demo catalog is priced in USD, Canadian orders included.
        "currency": "USD",
        "lines": [{"sku": line.sku, "quantity": line.quantity} for line in order.lines],
        "shipping_address": {
            "name": order.customer_name, "city": order.city,
            "region": order.region, "postal_code": order.postal_code,
            "country": order.country,
        },
        "ship_mode": order.ship_mode,
        "payment_token": "tok_visa",
        "placed_at": order.placed_at.isoformat(),
    }


async def submit(client: httpx.AsyncClient, order: SuperstoreOrder,
                 report: ImportReport, attempts: int = 5) -> None:
    headers = {"Idempotency-Key": f"superstore-{order.order_id}"}
    for attempt in range(1, attempts + 1):
        try:
            response = await client.post("/orders", json=order_body(order), headers=headers)
        except httpx.TransportError as error:
            if attempt == attempts:
                report.rejected.append(f"{order.order_id}: API unreachable ({error})")
                return
            await asyncio.sleep(attempt)
            continue
        if response.status_code == 201:
            report.created += 1
            return
        if response.status_code == 200:
            report.replayed += 1
            return
        if response.status_code >= 500 and attempt < attempts:
            await asyncio.sleep(attempt)
            continue
        rows = ", ".join(str(n) for n in order.row_numbers)
        detail = response.json().get("detail", response.text)
        report.rejected.append(f"{order.order_id} (rows {rows}): {response.status_code} {detail}")
        return


async def import_orders(api: str, key: str, limit: int = 0, concurrency: int = 8,
                        progress: bool = True) -> ImportReport:
    dataset = load()
    orders = dataset.orders[:limit] if limit else dataset.orders
    report = ImportReport()
    for row in dataset.rejected:
        report.rejected.append(f"row {row.row_number} ({row.order_id}): {row.reason}")
    for row in dataset.warnings:
        print(f"note: row {row.row_number} ({row.order_id}): {row.reason}")

    gate = asyncio.Semaphore(concurrency)
    bar = tqdm(total=len(orders), unit="order", desc="importing", disable=not progress)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=api, headers=headers, timeout=60) as client:
        async def one(order: SuperstoreOrder) -> None:
            async with gate:
                await submit(client, order, report)
                bar.update()
        await asyncio.gather(*(one(order) for order in orders))
    bar.close()
    print(f"source: {dataset.source}")
    print(f"orders: {report.created} created, {report.replayed} already there, "
          f"{len(report.rejected)} rejected")
    for line in report.rejected:
        print(f"rejected: {line}")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api", default="http://127.0.0.1:8000", help="API base URL.")
    parser.add_argument("--key", required=True, help="API key with the backend role.")
    parser.add_argument("--limit", type=int, default=0, help="Orders to send; 0 sends all.")
    parser.add_argument("--concurrency", type=int, default=8, help="Requests in flight.")
    args = parser.parse_args()
    asyncio.run(import_orders(args.api, args.key, args.limit, args.concurrency))


if __name__ == "__main__":
    main()
