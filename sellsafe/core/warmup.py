"""Work each web process would otherwise do on its first requests, done when it starts instead.

Django imports the URLconf (and with it every view module), compiles each template and the email
validator's large regular expressions lazily, on first use: about 0.65 s for the first page a
fresh gunicorn worker serves (measured on the demo shop), paid by whichever buyer or seller comes
first after every restart. `wsgi.py` calls `warm_up()` once per process, before serving.
"""

from __future__ import annotations

from django.core.validators import validate_email
from django.template.loader import get_template
from django.urls import get_resolver

# The pages a buyer or a seller opens first.
TEMPLATES = (
    "storefront/home.html",
    "storefront/product.html",
    "storefront/cart.html",
    "storefront/checkout.html",
    "storefront/order.html",
    "account/login.html",
    "console/home.html",
    "orders/list.html",
    "orders/detail.html",
)


def warm_up() -> None:
    get_resolver().reverse_dict  # noqa: B018 - imports every URL module, fills the reverse map
    validate_email("warm-up@example.com")  # compiles the validator's regexes (a valid address)
    for name in TEMPLATES:
        get_template(name)  # the cached loader keeps the compiled template (DEBUG off)
