"""Categories: a shop's own tree."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from sellsafe.audit.services import record
from sellsafe.catalog import events
from sellsafe.catalog.models import Category
from sellsafe.catalog.services.common import require_edit
from sellsafe.catalog.services.validation import Problems, clean_text
from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError
from sellsafe.shops.models import Membership, Shop

NAME_MAX = 100
DEPTH_MAX = 5


@tenancy.shop_service
def category_create(
    *, actor: Membership, shop: Shop, name: str, parent: Category | None = None
) -> Category:
    require_edit(actor=actor, shop=shop, target=("category", ""))
    problems = Problems()
    clean = clean_text(name, limit=NAME_MAX, where="name", problems=problems, label="The name")
    problems.raise_any()
    if not clean:
        raise DomainError("Enter a name.", field="name")
    if parent is not None:
        if not isinstance(parent, Category) or parent.shop_id != shop.pk:
            raise DomainError("That category was not found in this shop.", field="parent")
        depth, node = 1, parent
        while node.parent_id is not None and depth <= DEPTH_MAX:
            node = Category.objects.get(pk=node.parent_id)
            depth += 1
        if depth >= DEPTH_MAX:
            raise DomainError(f"Categories can be nested at most {DEPTH_MAX} deep.", field="parent")
    taken = Category.objects.filter(name__iexact=clean, parent=parent).exists()
    if taken:
        raise DomainError(f"There is already a category named {clean} here.", field="name")
    try:
        with transaction.atomic():
            category = Category.objects.create(shop=shop, name=clean, parent=parent)
            record(
                shop=shop,
                action=events.CATEGORY_CREATED,
                actor=actor.user,
                target_type="category",
                target_id=str(category.pk),
                changes={"name": clean, "parent": str(parent.pk) if parent else None},
            )
    except IntegrityError as error:
        raise DomainError(
            f"There is already a category named {clean} here.", field="name"
        ) from error
    return category
