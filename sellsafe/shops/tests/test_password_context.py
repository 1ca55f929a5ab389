"""Passwords built from the person's shop name or the name typed at sign-up are refused."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError


def test_password_from_the_shop_name_is_refused(make_shop):
    shop, owner = make_shop()
    owner.user.refresh_from_db()
    with pytest.raises(ValidationError):
        validate_password(f"{shop.name} {shop.name}!!", owner.user)
    validate_password("violet kettle marches past seven dunes", owner.user)


def test_signup_password_from_the_typed_name_is_refused(client, db):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "z@example.com",
            "password1": "Marguerite Okonkwo 1987",
            "display_name": "Marguerite Okonkwo",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors.get("password1")
