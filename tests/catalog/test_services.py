"""Catalog services: validation, SKU uniqueness per shop, default variant, price audit, bulk."""

import pytest

from sellsafe.audit.models import AuditEvent
from sellsafe.catalog import events, services
from sellsafe.catalog.models import Category, Product, ProductStatus, Variant
from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError, NotAllowed
from sellsafe.shops import roles


def _create(shop, actor, **kwargs):
    kwargs.setdefault("title", "Wool scarf")
    kwargs.setdefault("variants", [{"sku": "SCARF-1", "price": "12.50"}])
    with tenancy.scope(shop):
        return services.product_create(actor=actor, shop=shop, **kwargs)


def _problems(error):
    return dict((field, message) for field, message in error.value.problems)


def test_a_product_without_options_gets_one_default_variant(shop_and_owner):
    shop, owner = shop_and_owner
    product = _create(shop, owner, description="**Warm** <script>x</script>")
    with tenancy.scope(shop):
        variants = list(product.variants.all())
    assert [(v.sku, v.price_minor, v.option_values) for v in variants] == [("SCARF-1", 1250, [])]
    assert product.handle == "wool-scarf"
    assert "<strong>Warm</strong>" in product.description_html
    assert "<script" not in product.description_html
    event = AuditEvent.objects.filter(shop=shop, action=events.PRODUCT_CREATED).latest("seq")
    assert event.changes["variants"] == [{"sku": "SCARF-1", "price": 1250}]


def test_handles_are_made_unique(shop_and_owner):
    shop, owner = shop_and_owner
    first = _create(shop, owner)
    second = _create(shop, owner, variants=[{"sku": "SCARF-2", "price": "1"}])
    assert (first.handle, second.handle) == ("wool-scarf", "wool-scarf-2")
    with pytest.raises(DomainError) as error:
        _create(shop, owner, handle="wool-scarf", variants=[{"sku": "X", "price": "1"}])
    assert error.value.field == "handle"


def test_every_problem_is_reported_and_nothing_written(shop_and_owner):
    shop, owner = shop_and_owner
    with pytest.raises(services.CatalogInvalid) as error:
        _create(
            shop,
            owner,
            title="",
            handle="Not A Handle",
            status="sold",
            option_names=["Size"],
            variants=[
                {"sku": "", "price": "-1", "option_values": ["S"]},
                {"sku": "A B", "price": "1.999", "option_values": [""]},
                {"sku": "OK", "price": "5", "compare_at": "4", "option_values": ["M"]},
            ],
        )
    problems = _problems(error)
    assert problems["title"] == "Enter a title."
    assert "handle" in problems and "status" in problems
    assert problems["variants-0-sku"] == "Enter a SKU."
    assert "negative" in problems["variants-0-price"]
    assert "two decimal" in problems["variants-1-price"]
    assert "no spaces" in problems["variants-1-sku"]
    assert "every option" in problems["variants-1-option_1"]
    assert "higher than the price" in problems["variants-2-compare_at"]
    with tenancy.scope(shop):
        assert not Product.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"title": "x" * 201}, "title"),
        ({"title": 123}, "title"),
        ({"description": "x" * 20_001}, "description"),
        ({"tags": ["x" * 51]}, "tags"),
        ({"option_names": ["A", "B", "C", "D"]}, "option_names"),
        ({"option_names": ["Size", "size"]}, "option_names"),
        ({"variants": []}, "variants-0-price"),
        ({"variants": [{"sku": "A", "price": "1"}, {"sku": "B", "price": "2"}]}, "option_names"),
        ({"variants": [{"sku": "A", "price": "99999999999"}]}, "variants-0-price"),
        ({"variants": [{"sku": "A", "price": "1", "weight": "-5"}]}, "variants-0-weight"),
        ({"variants": ["nonsense"]}, None),
        ({"variants": "nonsense"}, None),
    ],
)
def test_bad_input_is_a_clear_domain_error(shop_and_owner, kwargs, field):
    shop, owner = shop_and_owner
    with pytest.raises(DomainError) as error:
        _create(shop, owner, **kwargs)
    assert field in _problems(error)


def test_sku_is_unique_per_shop_but_fine_in_another_shop(shop_and_owner, make_shop):
    shop, owner = shop_and_owner
    _create(shop, owner)
    with pytest.raises(services.CatalogInvalid) as error:
        _create(shop, owner, title="Other", variants=[{"sku": "SCARF-1", "price": "3"}])
    assert _problems(error)["variants-0-sku"] == "SKU SCARF-1 is already used by another product."
    other_shop, other_owner = make_shop(slug="other")
    assert _create(other_shop, other_owner).handle == "wool-scarf"
    with pytest.raises(services.CatalogInvalid) as error:
        _create(
            shop,
            owner,
            title="Twice",
            option_names=["Size"],
            variants=[
                {"sku": "D", "price": "1", "option_values": ["S"]},
                {"sku": "D", "price": "1", "option_values": ["M"]},
            ],
        )
    assert "used twice" in _problems(error)["variants-1-sku"]


def _update(shop, actor, product, **kwargs):
    with tenancy.scope(shop):
        return services.product_update(actor=actor, shop=shop, product=product, **kwargs)


def test_update_changes_adds_removes_variants_and_audits_prices(shop_and_owner):
    shop, owner = shop_and_owner
    product = _create(
        shop,
        owner,
        option_names=["Size"],
        variants=[
            {"sku": "S-1", "price": "10", "option_values": ["S"]},
            {"sku": "M-1", "price": "10", "option_values": ["M"]},
        ],
    )
    with tenancy.scope(shop):
        small, medium = product.variants.order_by("position")
    updated = _update(
        shop,
        owner,
        product,
        title="Wool scarf II",
        option_names=["Size"],
        variants=[
            # SKUs swap between variants: allowed.
            {"id": str(small.pk), "sku": "M-1", "price": "8.00", "option_values": ["S"]},
            {"id": str(medium.pk), "sku": "S-1", "price": "10.00", "option_values": ["M"]},
            {"sku": "L-1", "price": "12", "option_values": ["L"]},
        ],
    )
    with tenancy.scope(shop):
        rows = list(Variant.objects.filter(product=updated).values_list("sku", "price_minor"))
    assert sorted(rows) == [("L-1", 1200), ("M-1", 800), ("S-1", 1000)]
    assert updated.handle == "wool-scarf"  # the web address survives a title change
    event = AuditEvent.objects.filter(shop=shop, action=events.PRICE_CHANGED).latest("seq")
    assert event.changes["prices"] == [
        {
            "variant": str(small.pk),
            "sku": "M-1",
            "price": {"before": 1000, "after": 800},
            "compare_at": {"before": None, "after": None},
        }
    ]
    changed = AuditEvent.objects.filter(shop=shop, action=events.PRODUCT_UPDATED).latest("seq")
    assert changed.changes["title"] == {"before": "Wool scarf", "after": "Wool scarf II"}
    assert changed.changes["variants_added"] == ["L-1"]
    # Removing a variant.
    _update(
        shop,
        owner,
        updated,
        title="Wool scarf II",
        option_names=["Size"],
        variants=[{"id": str(small.pk), "sku": "M-1", "price": "8", "option_values": ["S"]}],
    )
    with tenancy.scope(shop):
        assert list(Variant.objects.values_list("sku", flat=True)) == ["M-1"]


def test_update_refuses_another_products_variant_id(shop_and_owner):
    shop, owner = shop_and_owner
    first = _create(shop, owner)
    second = _create(shop, owner, title="B", variants=[{"sku": "B", "price": "1"}])
    with tenancy.scope(shop):
        foreign = first.variants.get()
    with pytest.raises(services.CatalogInvalid):
        _update(
            shop,
            owner,
            second,
            title="B",
            variants=[{"id": str(foreign.pk), "sku": "B", "price": "1"}],
        )
    with tenancy.scope(shop):
        assert foreign.pk in set(first.variants.values_list("pk", flat=True))


def test_category_from_another_shop_is_refused(shop_and_owner, make_shop):
    shop, owner = shop_and_owner
    other, other_owner = make_shop(slug="other-cat")
    with tenancy.scope(other):
        foreign = services.category_create(actor=other_owner, shop=other, name="Theirs")
    with pytest.raises(DomainError) as error:
        _create(shop, owner, category=foreign)
    assert _problems(error)["category"] == "That category was not found in this shop."
    with tenancy.scope(shop):
        mine = services.category_create(actor=owner, shop=shop, name="Scarves")
        with pytest.raises(DomainError):
            services.category_create(actor=owner, shop=shop, name="scarves")
        assert Category.objects.count() == 1
    assert _create(shop, owner, category=mine).category_id == mine.pk


@pytest.mark.parametrize("role_key", [roles.FULFILMENT, roles.ANALYST, roles.CUSTOMER_SERVICE])
def test_services_refuse_members_without_catalog_edit(shop_and_owner, add_member, role_key):
    shop, owner = shop_and_owner
    member = add_member(shop, role_key)
    product = _create(shop, owner)
    with pytest.raises(NotAllowed):
        _create(shop, member, title="Sneaky", variants=[{"sku": "Z", "price": "1"}])
    with tenancy.scope(shop), pytest.raises(NotAllowed):
        services.bulk_price_change(
            actor=member,
            shop=shop,
            product_ids=[product.pk],
            mode="percent",
            direction="down",
            amount="90",
            reauthenticated=True,
        )
    assert AuditEvent.objects.filter(shop=shop, action=events.CATALOG_REFUSED).count() == 2


def test_catalog_manager_may_edit(shop_and_owner, add_member):
    shop, _ = shop_and_owner
    manager = add_member(shop, roles.CATALOG)
    assert _create(shop, manager).pk


def test_status_and_bulk_status(shop_and_owner, make_product):
    shop, owner = shop_and_owner
    products = [make_product(shop, owner) for _ in range(3)]
    with tenancy.scope(shop):
        services.product_set_status(
            actor=owner, shop=shop, product=products[0], status=ProductStatus.ACTIVE
        )
        with pytest.raises(DomainError):
            services.product_set_status(actor=owner, shop=shop, product=products[0], status="x")
        ids = [p.pk for p in products] + ["not-an-id"]
        assert services.bulk_activate(actor=owner, shop=shop, product_ids=ids) == 2
        assert services.bulk_archive(actor=owner, shop=shop, product_ids=ids[:1]) == 1
        assert services.bulk_delete_drafts(actor=owner, shop=shop, product_ids=ids) == 0
        event = AuditEvent.objects.filter(shop=shop, action=events.BULK_STATUS_CHANGED).latest(
            "seq"
        )
        assert event.changes["product_count"] == 1


def test_bulk_delete_only_deletes_drafts(shop_and_owner, make_product):
    shop, owner = shop_and_owner
    draft = make_product(shop, owner)
    active = make_product(shop, owner, status=ProductStatus.ACTIVE)
    with tenancy.scope(shop):
        deleted = services.bulk_delete_drafts(
            actor=owner, shop=shop, product_ids=[draft.pk, active.pk]
        )
        assert deleted == 1
        assert list(Product.objects.values_list("pk", flat=True)) == [active.pk]
    event = AuditEvent.objects.filter(shop=shop, action=events.BULK_DELETED).latest("seq")
    assert event.changes["products"] == [str(draft.pk)]


def _prices(shop):
    with tenancy.scope(shop):
        return sorted(Variant.objects.values_list("price_minor", flat=True))


def test_bulk_price_change_by_amount_and_percent_never_below_zero(shop_and_owner, make_product):
    shop, owner = shop_and_owner
    ids = [make_product(shop, owner, price=p).pk for p in ("10.00", "1.00")]
    with tenancy.scope(shop):
        changed = services.bulk_price_change(
            actor=owner,
            shop=shop,
            product_ids=ids,
            mode="amount",
            direction="up",
            amount="2.50",
            reauthenticated=False,
        )
        assert changed == 2
        assert _prices(shop) == [350, 1250]
        services.bulk_price_change(
            actor=owner,
            shop=shop,
            product_ids=ids,
            mode="percent",
            direction="down",
            amount="10",
            reauthenticated=False,
        )
        assert _prices(shop) == [315, 1125]
        services.bulk_price_change(
            actor=owner,
            shop=shop,
            product_ids=ids,
            mode="amount",
            direction="down",
            amount="50",
            reauthenticated=True,
        )
    assert _prices(shop) == [0, 0]
    event = AuditEvent.objects.filter(shop=shop, action=events.BULK_PRICE_CHANGED).latest("seq")
    assert {line["before"] for line in event.changes["prices"]} == {315, 1125}
    assert event.changes["product_count"] == 2


@pytest.mark.parametrize(
    ("mode", "direction", "amount"),
    [
        ("amount", "down", "-5"),
        ("amount", "down", "0"),
        ("percent", "down", "101"),
        ("percent", "up", "1e9"),
        ("percent", "up", "NaN"),
        ("percent", "up", "0.001"),
        ("steal", "down", "1"),
        ("amount", "sideways", "1"),
        ("amount", "up", ["1"]),
    ],
)
def test_bulk_price_change_rejects_absurd_input(
    shop_and_owner, make_product, mode, direction, amount
):
    shop, owner = shop_and_owner
    product = make_product(shop, owner)
    with tenancy.scope(shop), pytest.raises(DomainError):
        services.bulk_price_change(
            actor=owner,
            shop=shop,
            product_ids=[product.pk],
            mode=mode,
            direction=direction,
            amount=amount,
            reauthenticated=True,
        )
    assert _prices(shop) == [1000]


def test_steep_drop_needs_reauthentication(shop_and_owner, make_product):
    shop, owner = shop_and_owner
    product = make_product(shop, owner)
    kwargs = dict(
        actor=owner, shop=shop, product_ids=[product.pk], mode="percent", direction="down"
    )
    with tenancy.scope(shop):
        with pytest.raises(services.ReauthenticationRequired):
            services.bulk_price_change(**kwargs, amount="60", reauthenticated=False)
        assert _prices(shop) == [1000]
        services.bulk_price_change(**kwargs, amount="50", reauthenticated=False)  # exactly half
        assert _prices(shop) == [500]
        services.bulk_price_change(**kwargs, amount="60", reauthenticated=True)
    assert _prices(shop) == [200]


def test_many_products_need_reauthentication(shop_and_owner, make_product):
    shop, owner = shop_and_owner
    ids = [make_product(shop, owner).pk for _ in range(51)]
    kwargs = dict(actor=owner, shop=shop, mode="amount", direction="up", amount="1")
    with tenancy.scope(shop):
        with pytest.raises(services.ReauthenticationRequired):
            services.bulk_price_change(**kwargs, product_ids=ids, reauthenticated=False)
        assert services.bulk_price_change(**kwargs, product_ids=ids[:50], reauthenticated=False)
        assert services.bulk_price_change(**kwargs, product_ids=ids, reauthenticated=True) == 51


def test_bulk_ignores_another_shops_products(shop_and_owner, make_shop, make_product):
    shop, owner = shop_and_owner
    other, other_owner = make_shop(slug="bulk-other")
    theirs = make_product(other, other_owner)
    with tenancy.scope(shop):
        assert services.bulk_activate(actor=owner, shop=shop, product_ids=[theirs.pk]) == 0
        assert services.bulk_delete_drafts(actor=owner, shop=shop, product_ids=[theirs.pk]) == 0
    with tenancy.scope(other):
        assert Product.objects.get().status == ProductStatus.DRAFT
