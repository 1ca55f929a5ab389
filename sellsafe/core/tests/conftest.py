import pytest

from sellsafe.core.crypto import keys


@pytest.fixture(autouse=True)
def _fresh_keyring():
    # Each test starts with an empty key ring table, so no process cache may outlive a test.
    keys.reset_cache()
    yield
    keys.reset_cache()
