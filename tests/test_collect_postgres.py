"""The SQL loader against a real, throwaway PostgreSQL server started on loopback.

The server lives in a temporary folder, listens on a free port on 127.0.0.1 and
on a unix socket in that folder, and is stopped in teardown. PostgreSQL refuses
to run as root, so under root the server runs as the ``postgres`` system user
(created by Debian's package). CI installs the server binaries (``.ci/run``);
the test skips (fails under CI=true) only when none exist.
"""

from __future__ import annotations

import os

import pandas as pd
import pytest

pytestmark = [pytest.mark.postgres]


@pytest.fixture(scope="module")
def pg_url(tmp_path_factory):
    from cdmkit._pgserver import pg_bin, postgres_server

    if pg_bin() is None:
        reason = ("PostgreSQL server binaries (initdb, pg_ctl) not found; install the "
                  "'postgresql' package (CI does this in .ci/run)")
        if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
            pytest.fail(reason + " [CI=true: a missing server fails the run]", pytrace=False)
        pytest.skip(reason)
    with postgres_server(tmp_path_factory.mktemp("pg")) as url:
        yield url


ROWS = pd.DataFrame({
    "customer_id": [101, 102, 103],
    "first_name": ["مريم", "Anne-Marie", "太郎"],
    "last_name": ["احمدي", "van der Berg", "山田"],
    "email": ["Maryam@Example.IR", "am@x.nl", "taro@x.jp"],
    "mobile": ["۰۹۱۲۳۴۵۶۷۸۹", "+31 6 12345678", "090-1234-5678"],
    "country": ["Iran", "Netherlands", "Japan"],
})


@pytest.fixture(scope="module")
def crm_table(pg_url):
    import sqlalchemy as sa

    engine = sa.create_engine(pg_url)
    with engine.begin() as con:
        ROWS.to_sql("crm_customers", con, index=False, if_exists="replace")
    engine.dispose()
    return pg_url


def test_sql_loader_reads_postgres_table_with_persian_text(crm_table):
    from cdmkit.collect.loaders import SqlLoader

    df = SqlLoader(url=crm_table, table="crm_customers").load()
    assert df["first_name"].tolist() == ROWS["first_name"].tolist()
    assert df["customer_id"].tolist() == [101, 102, 103]
    q = SqlLoader(url=crm_table, query="select last_name from crm_customers "
                                       "where customer_id = 101").load()
    assert q["last_name"].tolist() == ["احمدي"]


def test_postgres_source_through_config_with_url_env(crm_table, tmp_path, monkeypatch):
    from cdmkit.collect import collect_sources
    from cdmkit.config import config_from_dict

    monkeypatch.setenv("CRM_DATABASE_URL", crm_table)
    cfg = config_from_dict({"client": "pg", "sources": [
        {"name": "crm", "kind": "customers", "loader": "sql",
         "options": {"url_env": "CRM_DATABASE_URL", "table": "crm_customers"}}]},
        base_dir=tmp_path)
    res = collect_sources(cfg)
    t = res.tables["customers"]
    assert t["record_id"].tolist() == ["101", "102", "103"]
    assert t["first_name"].tolist() == ["مریم", "Anne-Marie", "太郎"]
    assert t["phone"].tolist() == ["+989123456789", "+31612345678", "+819012345678"]
    assert t["country"].tolist() == ["IR", "NL", "JP"]
    assert t["email"][0] == "maryam@example.ir"
    st = res.source_stats.iloc[0]
    assert (st.rows_in, st.rows_clean, st.rows_rejected) == (3, 3, 0)
    # The password-free URL is never written to the resolved config either way.
    assert "CRM_DATABASE_URL" in str(cfg.resolved()["sources"][0]["options"])


def test_failing_query_names_the_database_not_a_traceback(crm_table):
    from cdmkit.collect.loaders import SqlLoader
    from cdmkit.errors import InputError

    with pytest.raises(InputError, match="query failed"):
        SqlLoader(url=crm_table, table="no_such_table").load()
