"""`sellsafe catalog import`: the same import, synchronously, as a named member, with a progress
bar on stderr and the problem report on stdout."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sellsafe.audit.models import AuditEvent
from sellsafe.catalog.csv_import import CATALOG_IMPORTED
from sellsafe.catalog.models import Variant
from sellsafe.core import tenancy
from sellsafe.shops import roles
from tests.catalog_csv.conftest import csv_bytes

pytestmark = pytest.mark.django_db


def run(*args):
    import io

    out, err = io.StringIO(), io.StringIO()
    call_command("catalog", "import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def good_file(tmp_path):
    path = tmp_path / "good.csv"
    path.write_bytes(csv_bytes("handle,title,sku,price", "a,A,A-1,1.00", "b,B,B-1,2.00"))
    return path


def skus(shop):
    with tenancy.scope(shop):
        return sorted(Variant.objects.values_list("sku", flat=True))


def test_imports_as_the_member_with_a_progress_bar(csv_shop, good_file):
    shop, owner, _ = csv_shop
    out, err = run(str(good_file), "--shop", shop.slug, "--as", owner.user.email)
    assert skus(shop) == ["A-1", "B-1"]
    assert "products created: 2" in out
    assert "\r" in err and "100%" in err
    event = AuditEvent.objects.filter(shop=shop, action=CATALOG_IMPORTED).get()
    assert event.actor_user == owner.user
    assert event.changes["file_name"] == "good.csv"


def test_dry_run_writes_nothing(csv_shop, good_file):
    shop, owner, _ = csv_shop
    out, _ = run(str(good_file), "--shop", shop.slug, "--as", owner.user.email, "--dry-run")
    assert "dry run" in out
    assert skus(shop) == []


def test_problems_are_listed_and_the_exit_status_is_an_error(csv_shop, tmp_path):
    shop, owner, _ = csv_shop
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes("title,sku,price", "A,A-1,1", "B,B-1,abc"))
    with pytest.raises(CommandError, match="nothing was imported"):
        run(str(path), "--shop", shop.slug, "--as", owner.user.email)
    assert skus(shop) == []
    out, _ = run(str(path), "--shop", shop.slug, "--as", owner.user.email, "--valid-only")
    assert "row 3, column price, value 'abc'" in out
    assert skus(shop) == ["A-1"]


def test_refuses_strangers_members_without_catalog_edit_and_binary_files(
    csv_shop, good_file, add_member, make_user, tmp_path
):
    shop, owner, _ = csv_shop
    owner_email = owner.user.email
    make_user(email="stranger@example.com")
    with pytest.raises(CommandError, match="not a member"):
        run(str(good_file), "--shop", shop.slug, "--as", "stranger@example.com")
    analyst = add_member(shop, roles.ANALYST)
    with pytest.raises(CommandError, match="permission"):
        run(str(good_file), "--shop", shop.slug, "--as", analyst.user.email)
    binary = tmp_path / "x.csv"
    binary.write_bytes(b"\x00\x01binary")
    with pytest.raises(CommandError, match="binary"):
        run(str(binary), "--shop", shop.slug, "--as", owner_email)
    with pytest.raises(CommandError, match="No shop"):
        run(str(good_file), "--shop", "nope", "--as", owner_email)
    assert skus(shop) == []
