"""`audit.services._plain` has a fast path for the plain dicts, lists, str and int of bulk
events; it must give exactly what the general conversion gives (the canonical form, and so every
hash, depends on it)."""

import enum
import json
import math
import random
import uuid
from collections import OrderedDict
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sellsafe.audit import services
from sellsafe.audit.chain import canonical
from sellsafe.audit.services import REDACTED, _is_secret
from sellsafe.inventory.models import MovementReason


def reference(value: Any) -> Any:
    """The conversion as it was before the fast path (one isinstance chain for everything)."""
    if isinstance(value, dict):
        return {
            str(key): REDACTED if _is_secret(str(key)) else reference(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [reference(item) for item in value]
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        return int(value) if value.is_integer() else value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return services.format_time(value)
    isoformat = getattr(value, "isoformat", None)
    return isoformat() if callable(isoformat) else str(value)


class Colour(enum.IntEnum):
    RED = 1


class Name(enum.StrEnum):
    A = "a"


def same(value: Any) -> None:
    got, want = services._plain(value), reference(value)
    assert got == want
    # Equal is not enough (1 == 1.0 == True): the JSON, and so the hash, must be identical.
    assert json.dumps(got, sort_keys=True) == json.dumps(want, sort_keys=True)
    assert [type(x) for x in _walk(got)] == [type(x) for x in _walk(want)]


def _walk(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [k for k in value] + [x for v in value.values() for x in _walk(v)]
    if isinstance(value, list):
        return [x for v in value for x in _walk(v)]
    return [value]


def test_bulk_lines_and_odd_values_convert_exactly_as_before():
    stamp = datetime(2026, 11, 29, 12, 0, 1, 5, tzinfo=UTC)
    same(
        {
            "location": "Main",
            "reason": MovementReason.COUNTED,  # a str subclass (TextChoices)
            "changed": 3,
            "flag": True,
            "none": None,
            "counts": [
                {"variant": str(uuid.uuid4()), "sku": "A-1", "on_hand": {"before": 0, "after": 7}},
                {"variant": uuid.uuid4(), "sku": Name.A, "on_hand": {"before": Colour.RED}},
            ],
            "floats": [1.0, 2.5, math.nan, math.inf, -math.inf, -0.0],
            "money": Decimal("12.50"),
            "when": stamp,
            "day": date(2026, 1, 2),
            "tuple": (1, "x", (2, 3)),
            1: "int key",
            Name.A: "enum key",
            "api_token": "s3cret",
            "nested": {"Password": "x", "list": [{"recovery_code": 1}], "ok": "fine"},
            "ordered": OrderedDict([("b", 1), ("secret", 2)]),
        }
    )


def test_random_structures_convert_exactly_as_before():
    rng = random.Random(5)
    atoms = [0, 1, -7, True, False, None, "", "text", "key", 1.0, 2.25, Decimal("1.10"),
             Colour.RED, Name.A, MovementReason.COUNTED, uuid.UUID(int=5)]  # fmt: skip
    keys = ["a", "sku", "token", "Secret", "seeded", "b", 3, Name.A]

    def build(depth: int) -> Any:
        kind = rng.random()
        if depth > 3 or kind < 0.4:
            return rng.choice(atoms)
        if kind < 0.7:
            return {rng.choice(keys): build(depth + 1) for _ in range(rng.randint(0, 4))}
        items = [build(depth + 1) for _ in range(rng.randint(0, 4))]
        return items if kind < 0.85 else tuple(items)

    for _ in range(2000):
        same({"root": build(0)})


def test_the_canonical_form_of_an_event_is_unchanged():
    """A fixed event's canonical bytes (version 1), as written before the fast path."""
    changes = services._clean_changes(
        {"counts": [{"variant": "v", "sku": "S", "on_hand": {"before": 1, "after": 2}}]}
    )
    row = (
        uuid.UUID(int=1), "shop", 3, datetime(2026, 1, 1, tzinfo=UTC), uuid.UUID(int=2), "user",
        uuid.UUID(int=3), "", None, None, "stock.counted", "location", "L", changes, None, "",
        "", "",
    )  # fmt: skip
    assert canonical(row) == (
        b'{"action":"stock.counted","actor_token":"","actor_type":"user","actor_user":'
        b'"00000000-0000-0000-0000-000000000003","chain":"shop","changes":{"counts":[{"on_hand":'
        b'{"after":2,"before":1},"sku":"S","variant":"v"}]},"device":"","id":'
        b'"00000000-0000-0000-0000-000000000001","ip":null,"occurred_at":'
        b'"2026-01-01T00:00:00.000000Z","on_behalf_of":null,"request_id":"","seq":3,"shop":'
        b'"00000000-0000-0000-0000-000000000002","subject_user":null,"target_id":"L",'
        b'"target_type":"location","user_agent":"","v":1}'
    )
