"""Tenancy fails closed: shop-owned rows are reachable only inside a scope, and only their shop's."""

import ast
import pathlib

import pytest
from django.apps import apps

from sellsafe.core import tenancy
from sellsafe.core.tenancy import ScopeError, ShopOwned, ShopScopedManager
from sellsafe.shops.models import Membership, Role

PACKAGE = pathlib.Path(__file__).resolve().parents[2]


def test_query_without_a_scope_raises(make_shop):
    make_shop()
    with pytest.raises(ScopeError):
        list(Membership.objects.all())
    with pytest.raises(ScopeError):
        Role.objects.count()


def test_scope_shows_only_that_shops_rows(make_shop):
    shop_a, owner_a = make_shop()
    shop_b, _ = make_shop()
    with tenancy.scope(shop_a):
        assert list(Membership.objects.values_list("shop_id", flat=True)) == [shop_a.pk]
        assert not Role.objects.filter(shop=shop_b).exists()  # even when asked explicitly
        with pytest.raises(Membership.DoesNotExist):
            Membership.objects.get(shop=shop_b)


def test_reverse_relations_fail_closed(make_shop):
    _, owner = make_shop()
    with pytest.raises(ScopeError):
        list(owner.user.memberships.all())


def test_writing_into_another_shop_than_the_scope_is_refused(make_shop):
    shop_a, owner_a = make_shop()
    shop_b, _ = make_shop()
    with tenancy.scope(shop_b), pytest.raises(ScopeError):
        Role.objects.create(shop=shop_a, key="x", name="X", codes=[])


def test_every_shop_owned_model_has_the_scoped_manager():
    """Architecture rule 1: a model with a `shop` foreign key is ShopOwned with the scoped
    manager. The audit log is the one exception: account-level events have no shop, and its
    reads always filter by shop explicitly."""
    exceptions = {"audit.auditevent", "audit.auditcheckpoint", "audit.auditchainhead"}
    offenders = []
    for model in apps.get_models():
        fields = {f.name: f for f in model._meta.get_fields()}
        shop_field = fields.get("shop")
        if (
            shop_field is None
            or not shop_field.is_relation
            or model._meta.label_lower in exceptions
        ):
            continue
        if not issubclass(model, ShopOwned) or not isinstance(
            model._default_manager, ShopScopedManager
        ):
            offenders.append(model._meta.label)
    assert offenders == []


def test_unscoped_is_used_only_in_the_allow_list():
    """The escape hatch is one greppable function, banned outside a short allow-list."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts or path.name == "tenancy.py":
            continue
        tree = ast.parse(path.read_text())
        uses = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute | ast.Name)
            and getattr(node, "attr", getattr(node, "id", None)) in {"unscoped", "_base_manager"}
        ]
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if uses and module not in tenancy.UNSCOPED_ALLOWED:
            offenders.append(module)
    assert offenders == []
