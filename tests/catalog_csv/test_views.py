"""Catalog CSV pages: role matrix, tenant isolation of job ids, the background task with its
progress panel, the stored upload deleted afterwards, hostile uploads never a server error."""

import uuid

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from sellsafe.audit.models import AuditEvent
from sellsafe.catalog import csv_tasks
from sellsafe.catalog.models import Variant
from sellsafe.core import tenancy
from sellsafe.shops import events, roles
from tests.catalog_csv.conftest import csv_bytes
from tests.shops.helpers import url

pytestmark = pytest.mark.django_db

# (url name, needs a job id, permission, method) — tests/shops/test_role_matrix.py needs these names
PAGES = [
    ("catalog_csv", False, "catalog.view", "get"),
    ("catalog_csv_export", False, "catalog.view", "post"),
    ("catalog_csv_import", False, "catalog.edit", "get"),
    ("catalog_csv_job", True, "catalog.edit", "get"),
    ("catalog_csv_job_progress", True, "catalog.edit", "get"),
]


def fake_job(shop, **values):
    job_id = uuid.UUID("ab" * 16)
    cache.set(
        csv_tasks._key(shop.pk, job_id.hex),
        {"status": "running", "phase": "checking", "done": 5, "total": 10, **values},
        60,
    )
    return job_id


def upload(client, shop, data, name="products.csv", **extra):
    return client.post(
        url(shop, "catalog_csv_import"), {"file": SimpleUploadedFile(name, data), **extra}
    )


@pytest.mark.parametrize("page", PAGES, ids=[p[0] for p in PAGES])
@pytest.mark.parametrize("role_key", [r.key for r in roles.BUILTIN_ROLES])
def test_each_role_sees_exactly_the_csv_pages_its_codes_allow(
    csv_shop, add_member, browser, role_key, page
):
    name, needs_job, permission, method = page
    shop, _, _ = csv_shop
    client = browser(add_member(shop, role_key).user)
    args = [fake_job(shop)] if needs_job else []
    denied_before = AuditEvent.objects.filter(shop=shop, action=events.ACCESS_DENIED).count()

    response = getattr(client, method)(url(shop, name, *args))

    if permission in roles.BY_KEY[role_key].codes:
        assert response.status_code == 200, (role_key, name)
    else:
        assert response.status_code == 404
        denied = AuditEvent.objects.filter(shop=shop, action=events.ACCESS_DENIED)
        assert denied.count() == denied_before + 1


def test_read_only_roles_see_export_but_not_the_import_form(csv_shop, add_member, browser):
    shop, _, _ = csv_shop
    page = browser(add_member(shop, roles.ANALYST).user).get(url(shop, "catalog_csv"))
    html = page.content.decode()
    assert url(shop, "catalog_csv_export") in html
    assert url(shop, "catalog_csv_import") not in html


def test_upload_runs_the_task_on_commit_and_shows_the_result(
    csv_shop, browser, django_capture_on_commit_callbacks, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    shop, owner, _ = csv_shop
    client = browser(owner.user)
    data = csv_bytes("handle,title,sku,price,stock:Warehouse", "scarf,Scarf,SC-1,12.50,4")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = upload(client, shop, data)
    assert callbacks  # the import task (and a low-stock alert it caused)
    assert response.status_code == 302
    job_id = response["Location"].rstrip("/").rsplit("/", 1)[1]
    page = client.get(response["Location"]).content.decode()
    assert "Imported." in page
    assert "every 1s" not in page  # finished: no more polling
    with tenancy.scope(shop):
        assert Variant.objects.filter(sku="SC-1").exists()
    assert not default_storage.listdir(f"imports/{shop.pk}")[1]  # the upload is gone
    assert csv_tasks.job_progress(shop=shop, job_id=job_id)["result"]["status"] == "done"


def test_a_running_job_polls_its_progress_panel(csv_shop, browser):
    shop, owner, _ = csv_shop
    job_id = fake_job(shop)
    client = browser(owner.user)
    panel = client.get(url(shop, "catalog_csv_job_progress", job_id)).content.decode()
    assert 'hx-trigger="every 1s"' in panel
    assert url(shop, "catalog_csv_job_progress", job_id) in panel
    assert 'value="50"' in panel
    assert "Checking every row" in panel
    assert "<html" not in panel


def test_problems_are_listed_with_row_column_value_and_message(
    csv_shop, browser, django_capture_on_commit_callbacks
):
    shop, owner, _ = csv_shop
    client = browser(owner.user)
    data = csv_bytes("handle,title,sku,price", "a,A,A-1,<b>12.345</b>", "b,B,B 1,1")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, shop, data)
    page = client.get(response["Location"]).content.decode()
    assert "nothing was imported" in page
    assert "<td>2</td><td>price</td><td><code>&lt;b&gt;12.345&lt;/b&gt;</code></td>" in page
    assert "<td>3</td><td>sku</td>" in page
    with tenancy.scope(shop):
        assert not Variant.objects.exists()


def test_valid_only_checkbox(csv_shop, browser, django_capture_on_commit_callbacks):
    shop, owner, _ = csv_shop
    client = browser(owner.user)
    data = csv_bytes("handle,title,sku,price", "a,A,A-1,1", "b,B,B-1,x")
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, shop, data, valid_only="on")
    with tenancy.scope(shop):
        assert list(Variant.objects.values_list("sku", flat=True)) == ["A-1"]


def test_oversized_upload_is_refused_before_it_is_stored(csv_shop, browser, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.SELLSAFE_IMPORT_MAX_BYTES = 50
    shop, owner, _ = csv_shop
    response = upload(browser(owner.user), shop, b"title,sku,price\r\n" + b"A,A-1,1\r\n" * 20)
    assert response.status_code == 400
    assert "larger than the limit" in response.content.decode()
    assert not (tmp_path / "imports").exists()


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\x01\x02\x03" * 100,
        b"\xff\xfe" + "title,sku,price\r\n".encode("utf-16-le"),
        b'"unterminated,\r\n',
        b",,,,\r\n,,,\r\n",
        b"title;sku;price\r\n" + b"=cmd|' /C calc'!A0;X-1;1\r\n",
        b"sku,price\r\n" + b"A" * 200_000 + b",1\r\n",
    ],
)
def test_hostile_uploads_never_give_a_server_error(
    csv_shop, browser, django_capture_on_commit_callbacks, data
):
    shop, owner, _ = csv_shop
    client = browser(owner.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, shop, data, name="../../etc/passwd")
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        page = client.get(response["Location"])
        assert page.status_code == 200
        assert "Imported." not in page.content.decode() or b"=cmd" not in page.content


def test_missing_file_is_a_form_error(csv_shop, browser):
    shop, owner, _ = csv_shop
    response = browser(owner.user).post(url(shop, "catalog_csv_import"), {})
    assert response.status_code == 400


def test_another_shops_job_ids_are_404(csv_shop, make_shop, browser):
    shop_a, _, _ = csv_shop
    shop_b, owner_b = make_shop(slug="attacker-csv")
    job_id = fake_job(shop_a)
    client = browser(owner_b.user)
    for name in ("catalog_csv_job", "catalog_csv_job_progress"):
        assert client.get(url(shop_b, name, job_id)).status_code == 404
        assert client.get(url(shop_a, name, job_id)).status_code == 404
        assert client.get(url(shop_b, name, uuid.uuid4())).status_code == 404


def test_the_export_view_streams_csv(csv_shop, browser, make_product):
    shop, owner, _ = csv_shop
    make_product(shop, owner, title="=EVIL()", sku="E-1")
    response = browser(owner.user).post(url(shop, "catalog_csv_export"))
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="csv-shop-catalog-')
    body = b"".join(response.streaming_content).decode()
    assert "'=EVIL()" in body
    assert browser(owner.user).get(url(shop, "catalog_csv_export")).status_code == 405


def test_many_price_drops_from_the_console_need_reauthentication(
    csv_shop, browser, make_product, django_capture_on_commit_callbacks, monkeypatch
):
    from sellsafe.console.views import catalog_csv

    shop, owner, _ = csv_shop
    make_product(shop, owner, title="Pricey", sku="P-1", price="100.00")
    monkeypatch.setattr(catalog_csv, "is_reauthentication_required", lambda *a, **k: True)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(browser(owner.user), shop, csv_bytes("sku,price", "P-1,1.00"))
    page = browser(owner.user).get(response["Location"]).content.decode()
    assert "Confirm your password" in page
    with tenancy.scope(shop):
        assert Variant.objects.get().price_minor == 10000


def test_every_csv_page_is_csp_clean(csv_shop, browser):
    from tests.shops.test_shop_templates import _assert_csp_clean

    shop, owner, _ = csv_shop
    client = browser(owner.user)
    job_id = fake_job(shop)
    for name, needs_job, _permission, method in PAGES:
        if method != "get":
            continue
        target = url(shop, name, *([job_id] if needs_job else []))
        _assert_csp_clean(client.get(target).content.decode(), target)
