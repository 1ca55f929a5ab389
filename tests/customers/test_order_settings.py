"""The order settings page: validation of hostile input, bank details behind re-authentication
with an email to owners, the audit record."""

import pytest
from django.urls import reverse

from sellsafe.audit.models import AuditEvent
from sellsafe.core.errors import DomainError, NotAllowed
from sellsafe.orders import events
from sellsafe.orders.services.settings import order_settings_update
from sellsafe.shops import roles
from sellsafe.shops.models import Shop

pytestmark = pytest.mark.django_db
IBAN = "GB33BUKB20201555555555"
VALID = {
    "payment_methods": ["cod", "provider"],
    "bank_transfer_details": "",
    "shipping_flat_minor": "4.95",
    "order_expiry_minutes": "60",
    "refund_reauth_minor": "100.00",
    "retention_days": "",
}


def url(shop):
    return reverse("console:order_settings", args=[shop.slug])


def test_settings_save_and_are_audited(make_shop, browser):
    shop, owner = make_shop()
    client = browser(owner.user)
    assert client.get(url(shop)).status_code == 200
    response = client.post(url(shop), {**VALID, "retention_days": "365"})
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.payment_methods == ["cod", "provider"]
    assert (shop.shipping_flat_minor, shop.order_expiry_minutes) == (495, 60)
    assert (shop.refund_reauth_minor, shop.retention_days) == (10000, 365)
    event = AuditEvent.objects.filter(shop=shop, action=events.ORDER_SETTINGS_CHANGED).get()
    assert event.changes["shipping_flat_minor"] == {"before": 0, "after": 495}
    assert event.changes["bank_details_changed"] is False
    # Blank retention turns it off again.
    client.post(url(shop), VALID)
    shop.refresh_from_db()
    assert shop.retention_days is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("shipping_flat_minor", "-1"),
        ("shipping_flat_minor", "1e9"),
        ("shipping_flat_minor", "9" * 40),
        ("refund_reauth_minor", "abc"),
        ("order_expiry_minutes", "14"),
        ("order_expiry_minutes", "43201"),
        ("order_expiry_minutes", "9" * 400),
        ("order_expiry_minutes", "1.5"),
        ("retention_days", "29"),
        ("retention_days", "3651"),
        ("retention_days", "-30"),
        ("payment_methods", ["crypto"]),
        ("payment_methods", []),
        ("bank_transfer_details", "x" * 5000),
    ],
)
def test_hostile_values_are_refused_inline(make_shop, browser, field, value):
    shop, owner = make_shop()
    client = browser(owner.user)
    before = Shop.objects.filter(pk=shop.pk).values().get()
    response = client.post(url(shop), {**VALID, field: value})
    assert response.status_code == 400
    assert response.context["form"].errors
    assert Shop.objects.filter(pk=shop.pk).values().get() == before


def test_bank_transfer_needs_bank_details(make_shop, browser):
    shop, owner = make_shop()
    client = browser(owner.user)
    response = client.post(url(shop), {**VALID, "payment_methods": ["bank_transfer"]})
    assert response.status_code == 400
    assert "bank details" in response.content.decode()


def test_bank_details_change_needs_reauthentication_and_emails_owners(
    make_shop, add_member, browser, reauthenticate, mailoutbox, django_capture_on_commit_callbacks
):
    shop, owner = make_shop()
    admin = add_member(shop, roles.ADMIN)
    co_owner = add_member(shop, roles.OWNER, email="coowner@example.com")
    client = browser(admin.user)
    data = {**VALID, "payment_methods": ["bank_transfer"], "bank_transfer_details": IBAN}
    response = client.post(url(shop), data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    shop.refresh_from_db()
    assert shop.bank_transfer_details == ""
    assert IBAN not in str(dict(client.session))  # the details are not parked in the session
    reauthenticate(client)
    resumed = client.get(url(shop))
    assert resumed.status_code == 200 and resumed.context["resumed"]
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url(shop), data)
    assert done.status_code == 302
    shop.refresh_from_db()
    assert shop.bank_transfer_details == IBAN
    assert {m.to[0] for m in mailoutbox} == {
        owner.user.email,
        co_owner.user.email,
        admin.user.email,
    }
    assert all(IBAN not in m.body for m in mailoutbox)
    event = AuditEvent.objects.filter(shop=shop, action=events.ORDER_SETTINGS_CHANGED).latest("seq")
    assert event.changes["bank_details_changed"] is True
    assert IBAN not in str(event.changes)
    page = client.get(url(shop)).content.decode()
    assert IBAN not in page and "5555" in page  # masked: last four only
    # Unchanged details: no re-authentication, no email.
    mailoutbox.clear()
    assert order_settings_update(
        actor=admin,
        shop=shop,
        payment_methods=["bank_transfer"],
        bank_transfer_details=None,
        shipping_flat_minor=0,
        order_expiry_minutes=60,
        refund_reauth_minor=0,
        retention_days=None,
        reauthenticated=False,
    )
    assert mailoutbox == []


def test_service_refuses_wrong_types_and_members_without_the_permission(make_shop, add_member):
    shop, owner = make_shop()
    base = dict(
        shop=shop,
        payment_methods=["cod"],
        bank_transfer_details=None,
        shipping_flat_minor=0,
        order_expiry_minutes=60,
        refund_reauth_minor=0,
        retention_days=None,
        reauthenticated=False,
    )
    for bad in (
        {"shipping_flat_minor": "5"},
        {"shipping_flat_minor": True},
        {"order_expiry_minutes": 10**9},
        {"retention_days": 12.5},
        {"payment_methods": "cod"},
        {"payment_methods": [1]},
        {"bank_transfer_details": ["x"]},
    ):
        with pytest.raises(DomainError):
            order_settings_update(actor=owner, **{**base, **bad})
    analyst = add_member(shop, roles.ANALYST)
    with pytest.raises(NotAllowed):
        order_settings_update(actor=analyst, **base)
