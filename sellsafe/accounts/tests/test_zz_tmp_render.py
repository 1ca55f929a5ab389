import pytest
from django.core.cache import cache
@pytest.mark.django_db
def test_show(client):
    cache.clear()
    r = client.post("/account/password-strength/", {"password1": "Marguerite Okonkwo 123456", "display_name": "Marguerite Okonkwo", "email": "m@x.com"})
    print(r.status_code, dict(r.headers)); print(r.content.decode())
