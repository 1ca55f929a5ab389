"""Rule 4: buyers' personal data is encrypted at rest, and searched only through blind indexes.

A new column holding a buyer's email, name, phone, address or free text they wrote must be an
EncryptedTextField; every `*_index` column beside one is a fixed-width blind index, never the value.
"""

from django.apps import apps
from django.db import models

from sellsafe.core.crypto.fields import EncryptedTextField

# (app label, model) -> the fields that hold a person's data (or text that may contain it).
PERSONAL = {
    ("customers", "customer"): {"email", "name", "phone", "addresses"},
    ("orders", "order"): {
        "buyer_email",
        "buyer_name",
        "buyer_phone",
        "shipping_address",
        "delivery_note",
    },
    ("orders", "ordernote"): {"text"},
    ("orders", "returnrequest"): {"reason"},
    ("orders", "webhookendpoint"): {"secret"},
    ("shops", "shop"): {"bank_transfer_details"},
}
WORDS = ("email", "phone", "address", "name", "note", "secret", "reason", "bank")
# Plain on purpose: shop and catalog names, ids and codes that are not a person's data.
NOT_PERSONAL = {
    ("orders", "orderline"): {"title"},
    ("orders", "shipment"): {"tracking_number"},
    ("orders", "refund"): {"reason"},  # written by staff, shown in the books (no buyer data)
    ("orders", "order"): {"cancel_reason"},
}


def _fields(app_label, model_name):
    return {f.name: f for f in apps.get_model(app_label, model_name)._meta.concrete_fields}


def test_listed_personal_fields_are_encrypted():
    for (app_label, model_name), names in PERSONAL.items():
        fields = _fields(app_label, model_name)
        for name in names:
            assert isinstance(fields[name], EncryptedTextField), f"{model_name}.{name}"


def test_no_new_plain_text_field_looks_personal_in_orders_and_customers():
    offenders = []
    for model in [
        *apps.get_app_config("orders").get_models(),
        *apps.get_app_config("customers").get_models(),
    ]:
        key = (model._meta.app_label, model._meta.model_name)
        allowed = NOT_PERSONAL.get(key, set())
        for field in model._meta.concrete_fields:
            if not isinstance(field, (models.CharField, models.TextField)):
                continue
            if isinstance(field, EncryptedTextField) or field.name in allowed:
                continue
            if field.name.endswith("_index") or field.choices:
                continue
            if any(word in field.name for word in WORDS):
                offenders.append(f"{key[1]}.{field.name}")
    assert offenders == []


def test_blind_index_columns_hold_a_fixed_width_hash():
    for model in [
        *apps.get_app_config("orders").get_models(),
        *apps.get_app_config("customers").get_models(),
    ]:
        for field in model._meta.concrete_fields:
            if field.name.endswith("_index"):
                assert isinstance(field, models.CharField) and field.max_length == 32, field
