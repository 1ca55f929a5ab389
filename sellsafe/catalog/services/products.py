"""Creating and changing products and their variants."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import IntegrityError, transaction

from sellsafe.audit.services import record
from sellsafe.catalog import events
from sellsafe.catalog.markdown import render
from sellsafe.catalog.models import Category, Product, ProductStatus, Variant
from sellsafe.catalog.services.common import AUDIT_LIST_MAX, price_change, require_edit
from sellsafe.catalog.services.price_range import refresh_price_range
from sellsafe.catalog.services.validation import (
    CatalogInvalid,
    ProductData,
    VariantData,
    check_product,
    handle_base,
    variant_field,
)
from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError, NotFound
from sellsafe.shops.models import Membership, Shop

HANDLE_TRIES = 50
_TRACKED = ("title", "brand", "status", "handle", "tags", "option_names")


def _sku_problems(data: ProductData, product: Product | None) -> list[tuple[str | None, str]]:
    """SKUs already used by another product of this shop (another shop's SKUs do not matter)."""
    skus = [v.sku for v in data.variants]
    taken = Variant.objects.filter(sku__in=skus)
    if product is not None:
        taken = taken.exclude(product=product)
    used = set(taken.values_list("sku", flat=True))
    return [
        (variant_field(v.index, "sku"), f"SKU {v.sku} is already used by another product.")
        for v in data.variants
        if v.sku in used
    ]


def _handle(data: ProductData, product: Product | None) -> str:
    others = Product.objects.all() if product is None else Product.objects.exclude(pk=product.pk)
    if data.handle:
        if others.filter(handle=data.handle).exists():
            raise CatalogInvalid(
                [("handle", f"The handle {data.handle} is already used by another product.")]
            )
        return data.handle
    if product is not None:
        return product.handle  # left blank: keep the working web address
    base = handle_base(data.title)
    taken = set(
        others.filter(handle__startswith=base).values_list("handle", flat=True)[: HANDLE_TRIES + 1]
    )
    if base not in taken:
        return base
    for n in range(2, HANDLE_TRIES):
        candidate = f"{base}-{n}"
        if candidate not in taken:
            return candidate
    return f"{base}-{uuid.uuid4().hex[:6]}"


def _validate(
    *, shop: Shop, product: Product | None, fields: dict[str, Any], variants: Any
) -> tuple[ProductData, str]:
    data = check_product(currency=shop.currency, shop_id=shop.pk, variants=variants, **fields)
    problems = _sku_problems(data, product)
    if product is not None:
        own = {v.pk for v in product.variants.all()}
        for v in data.variants:
            if v.id is not None and v.id not in own:
                problems.append((variant_field(v.index, "sku"), "That variant was not found."))
    if problems:
        raise CatalogInvalid(problems)
    return data, _handle(data, product)


def _variant_row(shop: Shop, product: Product, v: VariantData, position: int) -> Variant:
    return Variant(
        shop=shop,
        product=product,
        sku=v.sku,
        barcode=v.barcode,
        price_minor=v.price_minor,
        compare_at_minor=v.compare_at_minor,
        option_values=v.option_values,
        weight_grams=v.weight_grams,
        position=position,
    )


def _sku_clash(error: IntegrityError) -> CatalogInvalid:
    text = str(error).lower()
    if "handle" in text:
        return CatalogInvalid([("handle", "That handle was just taken. Choose another.")])
    return CatalogInvalid([(None, "A SKU was just taken by another product. Check the SKUs.")])


@tenancy.shop_service
def product_create(
    *,
    actor: Membership,
    shop: Shop,
    title: str,
    variants: list[dict[str, Any]],
    description: str = "",
    category: Category | None = None,
    brand: str = "",
    tags: list[str] | None = None,
    status: str = ProductStatus.DRAFT,
    handle: str = "",
    option_names: list[str] | None = None,
) -> Product:
    """Create a product with its variants (one default variant when it has no options)."""
    require_edit(actor=actor, shop=shop, target=("product", ""))
    data, clean_handle = _validate(
        shop=shop,
        product=None,
        variants=variants,
        fields={
            "title": title,
            "description": description,
            "category": category,
            "brand": brand,
            "tags": tags,
            "status": status,
            "handle": handle,
            "option_names": option_names,
        },
    )
    try:
        with transaction.atomic():
            product = Product.objects.create(
                shop=shop,
                title=data.title,
                description=data.description,
                description_html=render(data.description),
                category=data.category,
                brand=data.brand,
                tags=data.tags,
                status=data.status,
                handle=clean_handle,
                option_names=data.option_names,
            )
            Variant.objects.bulk_create(
                [_variant_row(shop, product, v, i) for i, v in enumerate(data.variants)]
            )
            refresh_price_range(product_ids=[product.pk])
            product.refresh_from_db(fields=["price_min", "price_max"])
            record(
                shop=shop,
                action=events.PRODUCT_CREATED,
                actor=actor.user,
                target_type="product",
                target_id=str(product.pk),
                changes={
                    "title": product.title,
                    "handle": product.handle,
                    "status": product.status,
                    "variants": [
                        {"sku": v.sku, "price": v.price_minor}
                        for v in data.variants[:AUDIT_LIST_MAX]
                    ],
                    "variant_count": len(data.variants),
                },
            )
    except IntegrityError as error:
        raise _sku_clash(error) from error
    return product


def _price_lines(before: dict[Any, Variant], data: ProductData) -> list[dict[str, Any]]:
    changes = (
        price_change(
            before[v.id], sku=v.sku, price_minor=v.price_minor, compare_at_minor=v.compare_at_minor
        )
        for v in data.variants
        if v.id and v.id in before
    )
    return [change for change in changes if change]


@tenancy.shop_service
def product_update(
    *,
    actor: Membership,
    shop: Shop,
    product: Product,
    title: str,
    variants: list[dict[str, Any]],
    description: str = "",
    category: Category | None = None,
    brand: str = "",
    tags: list[str] | None = None,
    status: str = ProductStatus.DRAFT,
    handle: str = "",
    option_names: list[str] | None = None,
) -> Product:
    """Change a product: variants with an `id` are changed, without one added, missing removed.
    Price changes are recorded before/after per variant."""
    require_edit(actor=actor, shop=shop, target=("product", str(product.pk)))
    if product.shop_id != shop.pk:
        raise NotFound("That product was not found in this shop.")
    data, clean_handle = _validate(
        shop=shop,
        product=product,
        variants=variants,
        fields={
            "title": title,
            "description": description,
            "category": category,
            "brand": brand,
            "tags": tags,
            "status": status,
            "handle": handle,
            "option_names": option_names,
        },
    )
    try:
        with transaction.atomic():
            locked = Product.objects.select_for_update().get(pk=product.pk)
            before = {v.pk: v for v in Variant.objects.select_for_update().filter(product=locked)}
            snapshot = {name: getattr(locked, name) for name in _TRACKED}
            snapshot["category"] = str(locked.category_id) if locked.category_id else None
            old_description = locked.description
            prices = _price_lines(before, data)
            kept = {v.id for v in data.variants if v.id}
            removed = [v for pk, v in before.items() if pk not in kept]
            Variant.objects.filter(pk__in=[v.pk for v in removed]).delete()
            # SKUs may move between this product's variants: park changed ones first.
            renamed = [v for v in data.variants if v.id and before[v.id].sku != v.sku]
            for v in renamed:
                Variant.objects.filter(pk=v.id).update(sku=f"~{uuid.uuid4().hex[:20]}")
            changed: list[Variant] = []
            added: list[Variant] = []
            for position, v in enumerate(data.variants):
                if v.id:
                    row = before[v.id]
                    row.sku, row.barcode = v.sku, v.barcode
                    row.price_minor, row.compare_at_minor = v.price_minor, v.compare_at_minor
                    row.option_values, row.weight_grams = v.option_values, v.weight_grams
                    row.position = position
                    changed.append(row)
                else:
                    added.append(_variant_row(shop, locked, v, position))
            Variant.objects.bulk_update(
                changed,
                [
                    "sku",
                    "barcode",
                    "price_minor",
                    "compare_at_minor",
                    "option_values",
                    "weight_grams",
                    "position",
                ],
            )
            Variant.objects.bulk_create(added)
            refresh_price_range(product_ids=[locked.pk])
            locked.refresh_from_db(fields=["price_min", "price_max"])
            locked.title, locked.brand, locked.tags = data.title, data.brand, data.tags
            locked.status, locked.handle = data.status, clean_handle
            locked.option_names, locked.category = data.option_names, data.category
            locked.description = data.description
            locked.description_html = render(data.description)
            locked.save(
                update_fields=[
                    *_TRACKED,
                    "category",
                    "description",
                    "description_html",
                    "updated_at",
                ]
            )
            after = {name: getattr(locked, name) for name in _TRACKED}
            after["category"] = str(locked.category_id) if locked.category_id else None
            diff = {
                name: {"before": snapshot[name], "after": after[name]}
                for name in after
                if snapshot[name] != after[name]
            }
            changes: dict[str, Any] = {
                **diff,
                "description_changed": old_description != locked.description,
                "variants_added": [v.sku for v in added][:AUDIT_LIST_MAX],
                "variants_removed": [v.sku for v in removed][:AUDIT_LIST_MAX],
                "prices": prices[:AUDIT_LIST_MAX],
            }
            record(
                shop=shop,
                action=events.PRODUCT_UPDATED,
                actor=actor.user,
                target_type="product",
                target_id=str(locked.pk),
                changes=changes,
            )
            if prices:
                record(
                    shop=shop,
                    action=events.PRICE_CHANGED,
                    actor=actor.user,
                    target_type="product",
                    target_id=str(locked.pk),
                    changes={"prices": prices[:AUDIT_LIST_MAX], "variant_count": len(prices)},
                )
    except IntegrityError as error:
        raise _sku_clash(error) from error
    except KeyError as error:  # a variant vanished between the check and the lock
        raise DomainError("The product changed meanwhile. Reload and try again.") from error
    return locked


@tenancy.shop_service
def product_set_status(*, actor: Membership, shop: Shop, product: Product, status: str) -> Product:
    require_edit(actor=actor, shop=shop, target=("product", str(product.pk)))
    if status not in ProductStatus.values:
        raise DomainError("Choose draft, active or archived.", field="status")
    with transaction.atomic():
        locked = Product.objects.select_for_update().get(pk=product.pk)
        before = locked.status
        if before == status:
            return locked
        locked.status = status
        locked.save(update_fields=["status", "updated_at"])
        record(
            shop=shop,
            action=events.PRODUCT_STATUS_CHANGED,
            actor=actor.user,
            target_type="product",
            target_id=str(locked.pk),
            changes={"status": {"before": before, "after": status}},
        )
    return locked
