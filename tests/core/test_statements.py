"""The hot paths' raw statements (core.statements): INSERTs in front of a statement become one
statement, bound and prepared on PostgreSQL; errors, execute wrappers and the query log behave as
for a plain cursor.execute; prepared statements follow the setting."""

import json
import os
import subprocess
import sys

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from sellsafe.core.statements import as_one, run_counted

POSTGRES = connection.vendor == "postgresql"
needs_postgres = pytest.mark.skipif(not POSTGRES, reason="binding and preparing are PostgreSQL's")
INSERT = 'INSERT INTO core_rate_counter ("key", window_end, hits) VALUES (%s, %s, %s)'
COUNT = 'SELECT count(*) FROM core_rate_counter WHERE "key" IN (%s, %s)'


def _count(*keys: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(COUNT, keys)
        return int(cursor.fetchone()[0])


def test_inserts_in_front_become_one_statement():
    update = ("UPDATE core_rate_counter SET hits = %s", [3])
    assert as_one([(INSERT, ["a", 1, 1]), (INSERT, ["b", 1, 1]), update]) == (
        f"WITH s0 AS ({INSERT}), s1 AS ({INSERT}) UPDATE core_rate_counter SET hits = %s",
        ["a", 1, 1, "b", 1, 1, 3],
    )
    assert as_one([update]) == update
    # Anything else in front, a RETURNING, a second statement hidden in one, or a WITH last.
    returning = (INSERT + " RETURNING hits", ["c", 1, 1])
    assert as_one([returning, update]) is None
    assert as_one([(COUNT, ["a", "b"]), update]) is None
    assert as_one([(INSERT + "; DELETE FROM core_rate_counter", ["d", 1, 1]), update]) is None
    assert as_one([(INSERT, ["e", 1, 1]), ("WITH x AS (SELECT 1) SELECT * FROM x", [])]) is None


@pytest.mark.django_db
def test_a_group_runs_as_one_statement_and_returns_the_last_ones_rows():
    group = [(INSERT, ["g1", 1, 1]), (INSERT, ["g2", 1, 1]), (COUNT, ["g1", "g2"])]
    with CaptureQueriesContext(connection) as queries:
        results = run_counted(group)
    if POSTGRES:
        # One statement on one snapshot: the SELECT does not see the rows inserted before it.
        assert len(queries) == 1 and queries[0]["sql"].startswith("WITH s0 AS (INSERT")
        assert results == [([], -1), ([], -1), ([(0,)], 1)]
    else:  # one by one (a SELECT's row count is -1 in SQLite)
        assert len(queries) == 3
        assert results == [([], 1), ([], 1), ([(2,)], -1)]
    assert _count("g1", "g2") == 2


@pytest.mark.django_db
def test_a_failing_part_raises_djangos_error_and_writes_nothing():
    run_counted([(INSERT, ["f1", 1, 1])])
    with pytest.raises(IntegrityError), transaction.atomic():
        run_counted([(INSERT, ["f2", 1, 1]), (INSERT, ["f1", 1, 1])])  # f1 is taken
    assert _count("f1", "f2") == 1
    assert run_counted([(COUNT, ["f1", "f2"])])[0][0] == [(1,)]  # the connection still works


@pytest.mark.django_db
def test_execute_wrappers_and_the_query_log_see_each_call_once():
    seen = []

    def record(execute, sql, params, many, context):
        seen.append((sql, list(params)))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record), CaptureQueriesContext(connection) as queries:
        assert run_counted([(COUNT, ["w1", "w2"])])[0][0] == [(0,)]
    assert seen == [(COUNT, ["w1", "w2"])]
    assert len(queries) == 1 and queries[0]["sql"].startswith("SELECT count(*) FROM core_rate")


@needs_postgres
@pytest.mark.django_db
def test_a_statement_sent_often_is_prepared():
    sql = "SELECT count(*) FROM core_rate_counter WHERE hits > %s"
    assert connection.connection.prepare_threshold == 5  # the setting's default
    for _ in range(6):
        run_counted([(sql, [0])])
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert sql.replace("%s", "$1") in prepared


@needs_postgres
@pytest.mark.django_db
def test_without_prepared_statements_nothing_is_prepared():
    sql = "SELECT count(*) FROM core_rate_counter WHERE hits < %s"
    raw = connection.connection
    threshold, raw.prepare_threshold = raw.prepare_threshold, None  # what the setting off does
    try:
        for _ in range(6):
            assert run_counted([(sql, [0])]) == [([(0,)], 1)]
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement = %s",
                           [sql.replace("%s", "$1")])  # fmt: skip
            assert cursor.fetchone()[0] == 0
    finally:
        raw.prepare_threshold = threshold


PROBE = "import json, django; django.setup(); from django.conf import settings as s; " \
    "print(json.dumps(s.DATABASES['default'].get('OPTIONS', {}).get('prepare_threshold', 'unset')))"  # fmt: skip


@pytest.mark.parametrize(("switch", "expected"), [(None, 5), ("off", None), ("on", 5)])
def test_the_setting_turns_prepared_statements_on_or_off(switch, expected, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SELLSAFE_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="sellsafe.settings",
        SELLSAFE_DATA_DIR=str(tmp_path),
        DATABASE_URL="postgres://nobody@127.0.0.1:1/none",  # read, never connected to
    )
    if switch is not None:
        env["SELLSAFE_DB_PREPARED_STATEMENTS"] = switch
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == expected
