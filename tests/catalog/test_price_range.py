"""Product.price_min / price_max follow the variants through every catalog write."""

from sellsafe.catalog import services
from sellsafe.catalog.models import Product
from sellsafe.catalog.services.price_range import refresh_price_range
from sellsafe.core import tenancy


def _range(shop, pk):
    with tenancy.scope(shop):
        return tuple(Product.objects.filter(pk=pk).values_list("price_min", "price_max").get())


def _sized(prices):
    return [
        {"sku": f"RANGE-{size}", "price": price, "option_values": [size]}
        for size, price in prices.items()
    ]


def test_create_sets_the_range(shop_and_owner):
    shop, owner = shop_and_owner
    with tenancy.scope(shop):
        product = services.product_create(
            actor=owner,
            shop=shop,
            title="Ranged",
            option_names=["Size"],
            variants=_sized({"S": "4.00", "M": "12.50", "L": "7"}),
        )
    assert (product.price_min, product.price_max) == (400, 1250)
    assert _range(shop, product.pk) == (400, 1250)


def test_update_reprices_adds_and_removes_variants(shop_and_owner):
    shop, owner = shop_and_owner
    with tenancy.scope(shop):
        product = services.product_create(
            actor=owner,
            shop=shop,
            title="Ranged",
            option_names=["Size"],
            variants=_sized({"S": "4.00", "M": "12.50"}),
        )
        small = product.variants.get(sku="RANGE-S")
        updated = services.product_update(
            actor=owner,
            shop=shop,
            product=product,
            title="Ranged",
            option_names=["Size"],
            variants=[
                # S re-priced up, M removed, XL added.
                {"id": str(small.pk), "sku": "RANGE-S", "price": "6.00", "option_values": ["S"]},
                {"sku": "RANGE-XL", "price": "30", "option_values": ["XL"]},
            ],
        )
    assert (updated.price_min, updated.price_max) == (600, 3000)
    assert _range(shop, product.pk) == (600, 3000)


def test_bulk_price_change_moves_the_range(shop_and_owner, make_product):
    shop, owner = shop_and_owner
    cheap = make_product(shop, owner, price="10.00")
    dear = make_product(shop, owner, price="20.00")
    other = make_product(shop, owner, price="5.00")
    with tenancy.scope(shop):
        services.bulk_price_change(
            actor=owner,
            shop=shop,
            product_ids=[cheap.pk, dear.pk],
            mode="percent",
            direction="up",
            amount="10",
            reauthenticated=False,
        )
    assert _range(shop, cheap.pk) == (1100, 1100)
    assert _range(shop, dear.pk) == (2200, 2200)
    assert _range(shop, other.pk) == (500, 500)  # not selected: untouched


def test_refresh_price_range_fixes_stale_rows_in_chunks(shop_and_owner, make_product):
    shop, owner = shop_and_owner
    products = [make_product(shop, owner, price=f"{n}.00") for n in (1, 2, 3)]
    with tenancy.scope(shop):
        Product.objects.update(price_min=0, price_max=0)
        assert refresh_price_range(product_ids=[p.pk for p in products] * 2) == 3
    assert [_range(shop, p.pk) for p in products] == [(100, 100), (200, 200), (300, 300)]
