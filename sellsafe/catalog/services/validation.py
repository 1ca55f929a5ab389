"""Checking a product and its variants completely before anything is written.

Every problem is collected with the form field it concerns, so the console can show all of them
at once next to what the seller typed. Nothing here writes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.utils.text import slugify

from sellsafe.catalog.markdown import MAX_LENGTH as DESCRIPTION_MAX
from sellsafe.catalog.models import MAX_OPTIONS, Category, ProductStatus
from sellsafe.core import money
from sellsafe.core.errors import DomainError

TITLE_MAX = 200
BRAND_MAX = 100
HANDLE_MAX = 120
TAG_MAX = 50
TAGS_MAX = 30
OPTION_NAME_MAX = 50
OPTION_VALUE_MAX = 50
SKU_MAX = 64
BARCODE_MAX = 64
VARIANTS_MAX = 100
WEIGHT_MAX_GRAMS = 1_000_000
_HANDLE = re.compile(r"\A[a-z0-9]+(?:-[a-z0-9]+)*\Z")
_SKU = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9._/#+-]*\Z")
_BARCODE = re.compile(r"\A[A-Za-z0-9-]+\Z")


class CatalogInvalid(DomainError):
    """One or more problems with a product; `problems` lists (field, message), first one first."""

    def __init__(self, problems: list[tuple[str | None, str]]) -> None:
        first_field, first_message = problems[0]
        super().__init__(first_message, field=first_field)
        self.problems = problems


@dataclass
class VariantData:
    index: int
    id: UUID | None
    sku: str
    barcode: str
    price_minor: int
    compare_at_minor: int | None
    option_values: list[str]
    weight_grams: int | None


@dataclass
class ProductData:
    title: str
    description: str
    category: Category | None
    brand: str
    tags: list[str]
    status: str
    handle: str  # "" means: make one from the title
    option_names: list[str]
    variants: list[VariantData] = field(default_factory=list)


class Problems:
    def __init__(self) -> None:
        self.items: list[tuple[str | None, str]] = []

    def add(self, where: str | None, message: str) -> None:
        self.items.append((where, message))

    def raise_any(self) -> None:
        if self.items:
            raise CatalogInvalid(self.items)


def clean_text(value: Any, *, limit: int, where: str, problems: Problems, label: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        problems.add(where, f"{label} must be text.")
        return ""
    text = value.strip()
    # str.isprintable() is False for every Cc character (and for some others: Cf, Zs, ...), so
    # the per-character check runs only for the few values that are not printable as a whole.
    if not text.isprintable() and any(unicodedata.category(ch) == "Cc" for ch in text):
        problems.add(where, f"{label} cannot contain control characters.")
        return ""
    if len(text) > limit:
        problems.add(where, f"{label} can be at most {limit} characters (it has {len(text)}).")
        return ""
    return text


def variant_field(index: int, name: str) -> str:
    """The form field a variant problem belongs to (the console's formset prefix is "variants")."""
    return f"variants-{index}-{name}"


def _money(value: Any, *, currency: str, where: str, problems: Problems, label: str) -> int | None:
    try:
        return money.parse(value, currency)
    except money.MoneyError as error:
        problems.add(where, f"{label}: {error}")
        return None


def _weight(value: Any, where: str, problems: Problems) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        problems.add(where, "Enter the weight in grams as a whole number.")
        return None
    text = str(value).strip()
    if not text.isdigit() or len(text) > 9:
        problems.add(where, "Enter the weight in grams as a whole number.")
        return None
    grams = int(text)
    if grams > WEIGHT_MAX_GRAMS:
        problems.add(where, f"The weight can be at most {WEIGHT_MAX_GRAMS:,} grams.")
        return None
    return grams


def _uuid(value: Any) -> UUID | None:
    if value in (None, ""):
        return None
    try:
        return UUID(str(value))
    except ValueError:
        return None


def _variant(
    raw: Any, index: int, *, currency: str, option_count: int, problems: Problems
) -> VariantData | None:
    if not isinstance(raw, dict):
        problems.add(None, f"Variant {index + 1} is not in the expected form.")
        return None
    sku = ""
    sku_raw = raw.get("sku")
    if sku_raw is None or (isinstance(sku_raw, str) and not sku_raw.strip()):
        problems.add(variant_field(index, "sku"), "Enter a SKU.")
    else:
        sku = clean_text(
            sku_raw,
            limit=SKU_MAX,
            where=variant_field(index, "sku"),
            problems=problems,
            label="SKU",
        )
        if sku and not _SKU.match(sku):
            problems.add(
                variant_field(index, "sku"),
                f"SKU {sku!r} can use letters, digits and . _ / # + - (no spaces).",
            )
            sku = ""
    barcode = clean_text(
        raw.get("barcode"),
        limit=BARCODE_MAX,
        where=variant_field(index, "barcode"),
        problems=problems,
        label="Barcode",
    )
    if barcode and not _BARCODE.match(barcode):
        problems.add(variant_field(index, "barcode"), "A barcode can use letters, digits and -.")
    if "price_minor" in raw and "price" not in raw:
        price = _minor(raw["price_minor"], variant_field(index, "price"), problems)
    else:
        price = _money(
            raw.get("price"),
            currency=currency,
            where=variant_field(index, "price"),
            problems=problems,
            label="Price",
        )
    compare_raw = raw.get("compare_at_minor") if "price" not in raw else raw.get("compare_at")
    compare_at: int | None = None
    if compare_raw not in (None, ""):
        if "price" not in raw:
            compare_at = _minor(compare_raw, variant_field(index, "compare_at"), problems)
        else:
            compare_at = _money(
                compare_raw,
                currency=currency,
                where=variant_field(index, "compare_at"),
                problems=problems,
                label="Compare-at price",
            )
        if compare_at is not None and price is not None and compare_at <= price:
            problems.add(
                variant_field(index, "compare_at"),
                "The compare-at price must be higher than the price (or left empty).",
            )
    values_raw = raw.get("option_values") or []
    values: list[str] = []
    if not isinstance(values_raw, list | tuple):
        problems.add(variant_field(index, "option_values"), "Option values must be a list.")
    else:
        for position, value in enumerate(values_raw):
            values.append(
                clean_text(
                    value,
                    limit=OPTION_VALUE_MAX,
                    where=variant_field(index, f"option_{position + 1}"),
                    problems=problems,
                    label="Option value",
                )
            )
        while values and not values[-1] and len(values) > option_count:
            values.pop()
        if len(values) != option_count or any(not v for v in values):
            if option_count:
                where = variant_field(index, f"option_{min(len(values) + 1, option_count)}")
                missing = next((i for i, v in enumerate(values) if not v), None)
                if missing is not None:
                    where = variant_field(index, f"option_{missing + 1}")
                problems.add(where, f"Give variant {index + 1} a value for every option.")
            elif values:
                problems.add(
                    variant_field(index, "option_values"),
                    "This product has no options, so its variant has no option values.",
                )
    weight = _weight(raw.get("weight"), variant_field(index, "weight"), problems)
    if price is None:
        return None
    return VariantData(
        index=index,
        id=_uuid(raw.get("id")),
        sku=sku,
        barcode=barcode,
        price_minor=price,
        compare_at_minor=compare_at,
        option_values=values,
        weight_grams=weight,
    )


def _minor(value: Any, where: str, problems: Problems) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        problems.add(where, "The price must be a whole number of minor units.")
        return None
    if value < 0:
        problems.add(where, "The price cannot be negative.")
        return None
    if value >= money.MAX_MINOR:
        problems.add(where, "That amount is too large.")
        return None
    return value


def _tags(value: Any, problems: Problems) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple):
        problems.add("tags", "Tags must be a list.")
        return []
    tags: list[str] = []
    seen: set[str] = set()
    for raw in value:
        tag = clean_text(raw, limit=TAG_MAX, where="tags", problems=problems, label="A tag")
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    if len(tags) > TAGS_MAX:
        problems.add("tags", f"A product can have at most {TAGS_MAX} tags.")
    return tags


def _option_names(value: Any, problems: Problems) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple):
        problems.add("option_names", "Option names must be a list.")
        return []
    names = [
        clean_text(
            n,
            limit=OPTION_NAME_MAX,
            where="option_names",
            problems=problems,
            label="An option name",
        )
        for n in value
    ]
    names = [n for n in names if n]
    if len(names) > MAX_OPTIONS:
        problems.add("option_names", f"A product can have at most {MAX_OPTIONS} options.")
        return names[:MAX_OPTIONS]
    if len({n.casefold() for n in names}) != len(names):
        problems.add("option_names", "Each option needs a different name.")
    return names


def check_product(
    *,
    currency: str,
    title: Any,
    description: Any,
    category: Any,
    brand: Any,
    tags: Any,
    status: Any,
    handle: Any,
    option_names: Any,
    variants: Any,
    shop_id: Any,
) -> ProductData:
    """Every check that needs no database; raises CatalogInvalid listing every problem."""
    problems = Problems()
    clean_title = clean_text(
        title, limit=TITLE_MAX, where="title", problems=problems, label="The title"
    )
    if not clean_title and not any(w == "title" for w, _ in problems.items):
        problems.add("title", "Enter a title.")
    clean_description = ""
    if description is not None and not isinstance(description, str):
        problems.add("description", "The description must be text.")
    elif description:
        clean_description = description.strip()
        if "\x00" in clean_description:
            problems.add("description", "The description cannot contain NUL characters.")
            clean_description = ""
        elif len(clean_description) > DESCRIPTION_MAX:
            problems.add(
                "description",
                f"The description can be at most {DESCRIPTION_MAX:,} characters "
                f"(it has {len(clean_description):,}).",
            )
            clean_description = ""
    if category is not None and (not isinstance(category, Category) or category.shop_id != shop_id):
        problems.add("category", "That category was not found in this shop.")
        category = None
    clean_brand = clean_text(
        brand, limit=BRAND_MAX, where="brand", problems=problems, label="The brand"
    )
    clean_tags = _tags(tags, problems)
    if status not in ProductStatus.values:
        problems.add("status", "Choose draft, active or archived.")
        status = ProductStatus.DRAFT
    clean_handle = clean_text(
        handle, limit=HANDLE_MAX, where="handle", problems=problems, label="The handle"
    )
    if clean_handle and not _HANDLE.match(clean_handle):
        problems.add(
            "handle",
            "A handle uses lowercase letters, digits and single hyphens, e.g. blue-wool-scarf.",
        )
    names = _option_names(option_names, problems)
    data = ProductData(
        title=clean_title,
        description=clean_description,
        category=category,
        brand=clean_brand,
        tags=clean_tags,
        status=str(status),
        handle=clean_handle,
        option_names=names,
    )
    if not isinstance(variants, list | tuple):
        problems.add(None, "Variants must be a list.")
        variants = []
    if len(variants) > VARIANTS_MAX:
        problems.add(None, f"A product can have at most {VARIANTS_MAX} variants.")
        variants = variants[:VARIANTS_MAX]
    if not variants:
        problems.add(
            variant_field(0, "price"), "Enter a price (every product has at least one variant)."
        )
    elif not names and len(variants) > 1:
        problems.add(
            "option_names",
            "A product without options has one variant. Add an option (such as Size) to sell several.",
        )
    for index, raw in enumerate(variants):
        variant = _variant(
            raw, index, currency=currency, option_count=len(names), problems=problems
        )
        if variant is not None:
            data.variants.append(variant)
    seen_skus: dict[str, int] = {}
    seen_combos: set[tuple[str, ...]] = set()
    for variant in data.variants:
        if variant.sku:
            if variant.sku in seen_skus:
                problems.add(
                    variant_field(variant.index, "sku"),
                    f"SKU {variant.sku} is used twice in this product.",
                )
            seen_skus[variant.sku] = variant.index
        combo = tuple(v.casefold() for v in variant.option_values)
        if names and combo in seen_combos:
            problems.add(
                variant_field(variant.index, "option_1"),
                f"Two variants have the same options ({' / '.join(variant.option_values)}).",
            )
        seen_combos.add(combo)
    problems.raise_any()
    return data


def handle_base(title: str) -> str:
    base = slugify(title)[: HANDLE_MAX - 8].strip("-")
    return base or "product"
