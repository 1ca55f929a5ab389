"""core.lookups.row_by: the same row the ORM would load, scoped like the manager, for unique
columns only."""

import pytest

from sellsafe.core import tenancy
from sellsafe.core.lookups import row_by
from sellsafe.customers.models import Customer
from sellsafe.shops.models import Shop

pytestmark = pytest.mark.django_db


def test_same_instance_as_the_orm(make_shop):
    shop, _ = make_shop(slug="corner")
    shop.bank_transfer_details = "IBAN GB00 TEST"  # encrypted at rest: converters must run
    shop.save()
    found = row_by(Shop, "slug", "corner")
    orm = Shop.objects.get(slug="corner")
    for field in Shop._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(orm, field.attname), field.name
    assert found._state.adding is False
    assert row_by(Shop, "slug", "nope") is None


def test_shop_owned_rows_need_and_respect_the_scope(make_shop):
    shop, _ = make_shop()
    other, _ = make_shop()
    with tenancy.scope(shop):
        mine = Customer.objects.create(shop=shop, email_index="e1", name="Ada")
    with pytest.raises(tenancy.ScopeError):
        row_by(Customer, "id", mine.pk)
    with tenancy.scope(other):
        assert row_by(Customer, "id", mine.pk) is None  # another shop's id: not found
    with tenancy.scope(shop):
        assert row_by(Customer, "id", mine.pk).name == "Ada"


def test_only_unique_columns():
    with pytest.raises(TypeError):
        row_by(Shop, "name", "x")
