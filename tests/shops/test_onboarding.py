"""Onboarding: a person without a shop creates one; the home page and the switcher list shops."""

import pytest
from django.urls import reverse

from sellsafe.core import tenancy
from sellsafe.shops import roles
from sellsafe.shops.models import Membership, Shop

NEW = "/shops/new/"


def _details(**overrides):
    data = {
        "name": "Tea & Cake",
        "slug": "tea-and-cake",
        "country": "gb",
        "currency": "gbp",
        "timezone": "Europe/London",
        "contact_email": "hello@tea.example",
    }
    data.update(overrides)
    return data


def test_a_person_without_a_shop_is_sent_to_create_one(make_user, browser):
    client = browser(make_user())
    response = client.get(reverse("console:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("console:shop_new") == NEW


def test_setup_offers_passkeys_for_owner_and_finance(make_user, browser):
    page = browser(make_user()).get(NEW).content.decode()
    assert 'value="owner" id="id_phishing_resistant_roles_0" checked' in page
    assert 'value="finance" id="id_phishing_resistant_roles_5" checked' in page
    assert 'value="admin" id="id_phishing_resistant_roles_1">' in page
    assert "passkey or security key" in page


def test_creating_a_shop_makes_you_its_owner_and_opens_it(make_user, browser):
    user = make_user()
    client = browser(user)
    response = client.post(NEW, _details(phishing_resistant_roles=["owner", "finance"]))
    assert response.status_code == 302
    assert response["Location"] == "/s/tea-and-cake/"
    shop = Shop.objects.get(slug="tea-and-cake")
    assert (shop.country, shop.currency) == ("GB", "GBP")
    assert shop.phishing_resistant_roles == ["owner", "finance"]
    with tenancy.scope(shop):
        assert Membership.objects.get(user=user).role.key == roles.OWNER
    # The owner's policy asks for a passkey before entering the shop.
    entering = client.get(response["Location"])
    assert entering.status_code == 302
    assert entering["Location"] == reverse("mfa_add_webauthn")


def test_without_the_passkey_rule_the_new_shop_opens(make_user, browser):
    client = browser(make_user())
    response = client.post(NEW, _details(), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/s/tea-and-cake/"
    assert b"Tea &amp; Cake" in response.content


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"slug": "taken-one"}, "slug", "That web address is taken"),
        ({"slug": "new"}, "slug", "Choose another web address"),
        ({"slug": "Not A Slug!"}, "slug", "Enter a valid"),
        ({"country": "G1"}, "country", "two-letter country code"),
        ({"timezone": "Mars/Olympus"}, "timezone", "Select a valid choice"),
        ({"phishing_resistant_roles": ["root"]}, "phishing_resistant_roles", "Select a valid"),
        ({"name": "x" * 5000}, "name", "at most 120 characters"),
    ],
)
def test_bad_details_are_explained_on_their_field_and_kept(
    make_user, browser, make_shop, overrides, field, message
):
    make_shop(slug="taken-one")
    client = browser(make_user(email="second@example.com"))
    response = client.post(NEW, _details(**overrides))
    assert response.status_code == 400
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    assert 'value="hello@tea.example"' in response.content.decode()  # what they typed stays
    assert not Shop.objects.filter(name="Tea & Cake").exists()


def test_hostile_input_never_breaks_onboarding(make_user, browser):
    client = browser(make_user())
    for body in (
        {},
        {"name": ["a", "b"], "slug": "\x00\x01", "country": "é" * 3},
        {k: "x" * 100_000 for k in _details()},
        _details(contact_email="not-an-email", phishing_resistant_roles="owner"),
    ):
        response = client.post(NEW, body)
        assert response.status_code == 400
    assert not Shop.objects.exists()


def test_home_lists_your_shops(make_shop, make_user, browser):
    user = make_user()
    make_shop(owner=user, slug="first-shop", name="First shop")
    make_shop(owner=user, slug="second-shop", name="Second shop")
    page = browser(user).get(reverse("console:home")).content.decode()
    assert 'href="/s/first-shop/"' in page
    assert 'href="/s/second-shop/"' in page
    assert "Security checkup" in page


def test_shop_switcher_lists_your_shops_and_marks_the_current_one(make_shop, make_user, browser):
    user = make_user()
    make_shop(owner=user, slug="first-shop", name="First shop")
    make_shop(owner=user, slug="second-shop", name="Second shop")
    other, _ = make_shop(slug="not-mine", name="Not mine")
    page = browser(user).get("/s/second-shop/").content.decode()
    switcher = page[page.index("shop-switcher") : page.index("Account</summary>")]
    assert "Second shop" in switcher.split("</summary>")[0]
    assert 'href="/s/first-shop/"' in switcher
    assert 'href="/s/second-shop/" aria-current="true"' in switcher
    assert 'href="/shops/new/"' in switcher
    assert "Not mine" not in page
