from tests.returns.conftest import browser, shipped_order, shop_owner  # noqa: F401
