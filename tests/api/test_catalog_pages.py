"""Catalog pages in Chromium and their JSON twins over real HTTP.

The module runs its own uvicorn server on a seeded SQLite file, so it
needs neither Temporal nor the shared stack.
"""

import re
import socket
import threading
import time
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, expect, sync_playwright
from sqlmodel import Session

from api.app import create_app
from core.db import create_tables, make_engine
from core.settings import Settings
from models.catalog import PriceListRecord, PriceTierRecord
from models.tables import Product, StockLevel, Warehouse

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]

PEN = "PEN-GEL-BLU"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(engine) -> None:
    with Session(engine) as session:
        session.add(Warehouse(id="WH-A", name="Austin"))
        session.add(Warehouse(id="WH-B", name="Boston"))
        products = [
            (PEN, "Gel Pen Blue", "Office Supplies", "Pens", "7.25"),
            ("PEN-GEL-RED", "Gel Pen Red", "Office Supplies", "Pens", "7.25"),
            ("PAD-A4-100", "Ruled Pad A4", "Office Supplies", "Paper", "3.10"),
            ("DESK-OAK-01", "Oak Desk", "Furniture", "Desks", "300"),
            ("CHAIR-MESH-1", "Mesh Chair", "Furniture", "Chairs", "129.99"),
        ]
        for sku, name, category, sub_category, list_price in products:
            session.add(Product(sku=sku, name=name, category=category,
                                sub_category=sub_category,
                                list_price=Decimal(list_price)))
        session.add(Product(sku="PEN-FOUNT-01", name="Fountain Pen",
                            category="Office Supplies", sub_category="Pens",
                            list_price=Decimal(40), discontinued=True))
        # 9 - 2 = 7 available in Austin and 3 in Boston: 10 in all.
        session.add(StockLevel(sku=PEN, warehouse_id="WH-A", on_hand=9, reserved=2))
        session.add(StockLevel(sku=PEN, warehouse_id="WH-B", on_hand=3))
        session.add(StockLevel(sku="DESK-OAK-01", warehouse_id="WH-A", on_hand=4))

        session.add(PriceListRecord(id="web-usd", currency="USD", channel="web"))
        session.add(PriceListRecord(id="b2b-usd", currency="USD", channel="b2b"))
        session.flush()
        session.add(PriceTierRecord(price_list_id="web-usd", sku=PEN, min_quantity=1,
                                    unit_price=Decimal("7.00")))
        session.add(PriceTierRecord(price_list_id="web-usd", sku=PEN, min_quantity=2,
                                    unit_price=Decimal("6.75"),
                                    sale_price=Decimal("6.50")))
        # This list sells the pad from 5 units only.
        session.add(PriceTierRecord(price_list_id="web-usd", sku="PAD-A4-100",
                                    min_quantity=5, unit_price=Decimal("2.80")))
        session.add(PriceTierRecord(price_list_id="b2b-usd", sku=PEN, min_quantity=1,
                                    unit_price=Decimal("6.10")))
        session.add(PriceTierRecord(price_list_id="b2b-usd", sku=PEN, min_quantity=10,
                                    unit_price=Decimal("5.40")))
        session.commit()


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('catalog') / 'oms.db'}"
    engine = make_engine(url)
    create_tables(engine)
    seed(engine)

    port = free_port()
    settings = Settings(database_url=url, api_port=port)
    # The catalog never calls Temporal, so any object can replace the client.
    app = create_app(settings, engine=engine, temporal=object())
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start within 15 seconds"

    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing; install it with "
                    "`apt-get install -y chromium`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


@pytest.fixture
def http(base_url):
    with httpx.Client(base_url=base_url, timeout=10) as client:
        yield client


def test_catalog_page_filter_then_product(base_url, page):
    page.goto(f"{base_url}/catalog?channel=b2b")
    page.select_option("select[name=category]", "Office Supplies")
    page.fill("input[name=q]", "gel pen")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/catalog\?.*category=Office\+Supplies"))

    rows = page.locator("#products tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#total")).to_have_text("2 products")
    page.get_by_role("link", name="Gel Pen Blue").click()
    page.wait_for_url(re.compile(rf"/catalog/products/{PEN}\?channel=b2b$"))

    expect(page.locator("h1")).to_have_text("Gel Pen Blue")
    expect(page.locator("#unit-price")).to_have_text("6.10 USD")
    expect(page.locator("#price-source")).to_have_text(
        "price list b2b-usd, tier from 1")
    expect(page.locator("#tiers tbody tr")).to_have_count(2)
    expect(page.locator("#tiers tbody tr").nth(1)).to_contain_text("5.40 USD")
    expect(page.locator("#available")).to_have_text("10")
    expect(page.locator("[data-warehouse=WH-A]")).to_contain_text("7")
    expect(page.locator("[data-warehouse=WH-B]")).to_contain_text("3")


def test_catalog_page_lists_every_category(base_url, page):
    page.goto(f"{base_url}/catalog")

    expect(page.locator("#total")).to_have_text("5 products")
    expect(page.locator("select[name=category] option")).to_have_text(
        ["All", "Furniture", "Office Supplies"])
    expect(page.locator("[data-sku=PEN-FOUNT-01]")).to_have_count(0)


def test_catalog_page_paginates(base_url, page):
    page.goto(f"{base_url}/catalog?page_size=2")
    expect(page.locator("#pagination")).to_contain_text("Page 1 of 3")
    page.click("a[rel=next]")
    page.click("a[rel=next]")

    expect(page.locator("#pagination")).to_contain_text("Page 3 of 3")
    expect(page.locator("#products tbody tr")).to_have_count(1)
    expect(page.locator("a[rel=next]")).to_have_count(0)


def test_product_page_without_price_list(base_url, page):
    page.goto(f"{base_url}/catalog/products/DESK-OAK-01")

    expect(page.locator("#unit-price")).to_have_text("300.00 USD")
    expect(page.locator("#price-source")).to_have_text("product list price")
    expect(page.locator("#list-price")).to_contain_text("List price: 300.00 USD")
    expect(page.locator("#tiers")).to_have_count(0)
    expect(page.locator("#available")).to_have_text("4")


def test_product_page_unknown_sku(base_url, page):
    response = page.goto(f"{base_url}/catalog/products/NO-SUCH-SKU")

    assert response.status == 404
    assert response.headers["content-type"].startswith("text/html")
    expect(page.locator("h1")).to_have_text("Product not found")
    expect(page.locator("code")).to_have_text("NO-SUCH-SKU")


def test_product_json_tier_price(http):
    response = http.get(f"/catalog/products/{PEN}.json", params={"quantity": 2})

    assert response.status_code == 200
    body = response.json()
    assert body["sku"] == PEN
    assert body["category"] == "Office Supplies"
    assert body["sub_category"] == "Pens"
    assert body["availability"]["available"] == 7 + 3
    assert body["availability"]["warehouses"] == [
        {"warehouse_id": "WH-A", "name": "Austin", "available": 7},
        {"warehouse_id": "WH-B", "name": "Boston", "available": 3},
    ]
    assert body["visitor"] == {"channel": "web", "currency": "USD",
                               "group": "default", "quantity": 2}
    assert body["price"]["unit_price"] == "6.50"
    assert body["price"]["currency"] == "USD"
    assert body["price"]["source"] == "price list web-usd, tier from 2, sale price"
    assert body["price"]["tiers"] == [
        {"min_quantity": 1, "unit_price": "7.00", "sale_price": None},
        {"min_quantity": 2, "unit_price": "6.75", "sale_price": "6.50"},
    ]


def test_product_json_list_price_fallback(http):
    response = http.get("/catalog/products/DESK-OAK-01.json")

    body = response.json()
    assert response.status_code == 200
    assert body["price"] == {"unit_price": "300.00", "currency": "USD",
                             "source": "product list price", "tiers": []}


def test_product_json_below_smallest_tier(http):
    one = http.get("/catalog/products/PAD-A4-100.json").json()
    five = http.get("/catalog/products/PAD-A4-100.json", params={"quantity": 5}).json()

    tiers = [{"min_quantity": 5, "unit_price": "2.80", "sale_price": None}]
    assert one["price"]["unit_price"] == "3.10"
    assert one["price"]["source"] == "product list price"
    assert one["price"]["tiers"] == tiers
    assert five["price"]["unit_price"] == "2.80"
    assert five["price"]["source"] == "price list web-usd, tier from 5"
    assert five["price"]["tiers"] == tiers


def test_product_json_unknown_sku(http):
    response = http.get("/catalog/products/NO-SUCH-SKU.json")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/product_not_found"
    assert "NO-SUCH-SKU" in response.json()["detail"]


def test_catalog_json_filters(http):
    by_category = http.get("/catalog.json", params={"category": "Furniture"}).json()
    by_text = http.get("/catalog.json", params={"q": "pen-gel"}).json()
    by_sub_category = http.get("/catalog.json", params={
        "category": "Office Supplies", "sub_category": "Paper"}).json()

    assert [item["sku"] for item in by_category["items"]] == [
        "CHAIR-MESH-1", "DESK-OAK-01"]
    assert [item["sku"] for item in by_text["items"]] == [PEN, "PEN-GEL-RED"]
    assert [item["sku"] for item in by_sub_category["items"]] == ["PAD-A4-100"]
    assert by_sub_category["items"][0]["list_price"] == "3.10"
    assert by_sub_category["items"][0]["url"] == "/catalog/products/PAD-A4-100"


def test_catalog_json_pagination(http):
    body = http.get("/catalog.json", params={"page": 2, "page_size": 2}).json()

    assert body["total"] == 5
    assert body["pages"] == 3
    assert [item["sku"] for item in body["items"]] == ["CHAIR-MESH-1", "DESK-OAK-01"]
    assert body["previous_url"] == "/catalog?page=1&page_size=2"
    assert body["next_url"] == "/catalog?page=3&page_size=2"


@pytest.mark.parametrize("path, params", [
    ("/catalog.json", {"page": 0}),
    ("/catalog", {"page": 0}),
    ("/catalog.json", {"page_size": 101}),
    ("/catalog/products/DESK-OAK-01.json", {"quantity": 0}),
    ("/catalog/products/DESK-OAK-01.json", {"currency": "usd"}),
    ("/catalog/products/DESK-OAK-01.json", {"currency": "XYZ"}),
])
def test_catalog_rejects_bad_query(http, path, params):
    response = http.get(path, params=params)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
