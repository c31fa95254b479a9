"""The single customer view built in SQL equals the pandas reference, column by column.

The database's view is assembled by DuckDB straight from the run's Parquet files
(:meth:`cdmkit.database.incremental.Engine.stage_customers`). The reference is the
pandas implementation, :func:`cdmkit.database.update.build_customers`, fed the same
tables read with pandas: activity given its global ID by
:func:`cdmkit.model.tables.attach_customer_id`, one row per key (the last wins), and
everything conformed to the database types by :func:`cdmkit.database.update.conform`.
Every column of ``cdm.customers`` is compared (the hashes, ``valid_from`` and
``run_id`` aside), NULLs included: a NULL on one side and a value on the other, or an
empty text for a NULL, fails. The same holds in PostgreSQL after the same runs, and
the masked customer cards read from both databases are the same.

Two data sets: hand-made tables with the awkward cases (NULL beside empty text and the
text "None", booleans spelled as text, time-zone-aware timestamps, repeated keys,
orphan purchases, a customer without any activity) on every test run; and the
generated company of the demo run, loaded twice with a changed second run (new e-mails,
phones removed, consent withdrawn, a merge, new segment, a new purchase) — slow.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cdmkit.database import customer_card, open_backend, update_database
from cdmkit.database.schema import CONSENT_FIELDS, GOLDEN_FIELDS, KEYS, TABLES
from cdmkit.database.update import ACTIVITY_TABLES, build_customers, conform, value_verdict
from cdmkit.model.tables import attach_customer_id
from tests.test_database import _canonical, pg_url, write_run  # noqa: F401

#: Columns of cdm.customers that are bookkeeping, not the view.
_BOOKKEEPING = {"golden_hash", "row_hash", "valid_from", "run_id", "fast_hash"}
VIEW = [c for c in TABLES["customers"] if c not in _BOOKKEEPING]


def reference_view(run_dir: Path) -> pd.DataFrame:
    """The run's single customer view computed by pandas (``build_customers``)."""
    data = Path(run_dir) / "data"

    def read(name):
        p = data / f"{name}.parquet"
        return pd.read_parquet(p) if p.exists() else None

    cmap = read("customer_map")
    tables = {n: read(n) for n in ("golden", "rfm", "segments", "clv", "churn_scores")}
    for t in ACTIVITY_TABLES:
        a = read(t)
        if a is None:
            continue
        if "customer_id" not in a:
            a = attach_customer_id(a, cmap)
        a = a.drop_duplicates(KEYS[t], keep="last")  # as the database keeps a key's last row
        tables[t] = conform(a, t)
    tables["_value_verdict"] = value_verdict(run_dir)
    view = conform(build_customers(tables), "customers", complete=True)
    return _sorted(view[VIEW])


def stored_view(db) -> pd.DataFrame:
    """``cdm.customers`` as the database returns it, in the same canonical dtypes."""
    return _sorted(conform(db.query("SELECT * FROM cdm.customers"), "customers",
                           complete=True)[VIEW])


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values("customer_id").reset_index(drop=True)


def assert_same_view(got: pd.DataFrame, want: pd.DataFrame, where: str) -> None:
    """Column by column: the same customers, the same NULLs, the same values."""
    assert got["customer_id"].tolist() == want["customer_id"].tolist(), f"{where}: customers"
    ids = want["customer_id"]
    for col in VIEW:
        g, w = got[col], want[col]
        null_g, null_w = g.isna().to_numpy(), w.isna().to_numpy()
        diff = null_g != null_w
        assert not diff.any(), (f"{where}: {col} is NULL on one side only for "
                                f"{ids[diff].tolist()[:5]} (stored {g[diff].tolist()[:5]}, "
                                f"reference {w[diff].tolist()[:5]})")
        both = ~null_g
        gv, wv = g[both].to_numpy(), w[both].to_numpy()
        if TABLES["customers"][col] == "DOUBLE PRECISION":
            # sums in another order: equal to the last few bits
            same = np.isclose(gv.astype(float), wv.astype(float), rtol=1e-12, atol=1e-9)
        else:
            same = gv == wv
        assert same.all(), (f"{where}: {col} differs for {ids[both][~same].tolist()[:5]}: "
                            f"stored {gv[~same][:5].tolist()}, reference {wv[~same][:5].tolist()}")


def _fresh_pg(url: str, name: str):
    from cdmkit.database import PostgresBackend

    admin = PostgresBackend(url)
    admin.execute(f"DROP DATABASE IF EXISTS {name}")
    admin.execute(f"CREATE DATABASE {name}")
    admin.close()
    return PostgresBackend(url.rsplit("/", 1)[0] + f"/{name}")


# --- hand-made tables with the awkward cases ------------------------------------------------

def awkward_run(folder: Path) -> Path:
    golden = pd.DataFrame({
        "customer_id": ["K1", "K2", "K3", "K4", "K5"],
        "first_name": ["Ann", "", "None", None, "太郎"],         # empty text, the text "None"
        "last_name": [None, "Ahmadi", "O'Brien", "van der Berg", "山田"],
        "email": ["ann@x.org", None, "OB@X.IE", "", None],
        "phone": [None, "+989123456789", None, None, "+819012345678"],
        "birth_date": pd.to_datetime(["1984-03-07", None, "1990-01-01", None, "2001-12-31"]),
        "consent_email": ["yes", "0", None, "TRUE", "n"],          # booleans spelled as text
        "consent_sms": pd.array([True, None, False, None, True], dtype="boolean"),
        "household_id": ["H1", "H1", None, "H4", None],
        "first_seen": pd.to_datetime(["2024-01-01 10:00", "2024-02-01 00:00", None,
                                      "2024-03-01 00:00", "2024-04-01 00:00"],
                                     utc=True).tz_convert("Asia/Tehran"),
        "n_records": [2, 1, 1, None, 1],
        "email_source": ["crm", None, "shop", None, None],
    })
    cmap = pd.DataFrame({"source": ["crm", "shop", "crm", "crm", "crm", "crm"],
                         "record_id": ["1", "7", "3", "4", "5", "5"],  # a repeated record
                         "customer_id": ["K1", "K1", "K3", "K4", "K5", "K5"]})
    tx = pd.DataFrame({
        "source": ["orders"] * 6, "record_id": ["o1", "o2", "o3", "o3", "o4", "o5"],
        "customer_source": ["crm", "shop", "crm", "crm", "crm", "crm"],
        "customer_ref": ["1", "7", "3", "3", "99", "5"],       # o3 twice, o4 an orphan
        "order_id": ["A", "A", "B", "B", "C", None],
        "amount": [10.5, None, 3.0, 4.0, 7.0, None],           # K5 has no amount at all
        "timestamp": pd.to_datetime(["2025-01-01 09:00", "2025-02-01 00:00", "2025-03-01 00:00",
                                     "2025-03-02 00:00", "2025-04-01 00:00", None])})
    events = pd.DataFrame({"source": ["web"] * 3, "record_id": ["e1", "e2", "e3"],
                           "customer_id": ["K1", "K3", None],   # keyed by customer directly
                           "timestamp": pd.to_datetime(["2025-05-01", "2025-05-02",
                                                        "2025-05-03"])})
    segments = pd.DataFrame({"customer_id": ["K1", "K3", "K3", "K9"],  # K3 twice, K9 unknown
                             "rfm_segment": ["Champions", "At risk", "Lost", "New"],
                             "cluster_label": [None, "bargain", "x", "y"]})
    churn = pd.DataFrame({"customer_id": ["K1", "K3"], "churn_probability": [0.25, np.nan]})
    return write_run(folder, golden=golden, customer_map=cmap, transactions=tx, events=events,
                     segments=segments, churn_scores=churn)


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request, tmp_path):
    if request.param == "duckdb":
        db = open_backend(path=tmp_path / "store.duckdb")
    else:
        db = _fresh_pg(request.getfixturevalue("pg_url"), "view_awkward")
    yield db
    db.close()


def test_sql_view_equals_pandas_reference_on_awkward_tables(backend, tmp_path):
    run = awkward_run(tmp_path / "r1")
    want = reference_view(run)
    update_database(backend, run, run_id="r1", as_of="2026-03-01")
    assert_same_view(stored_view(backend), want, backend.dialect)
    # the reference itself is what a reader expects (so the comparison cannot pass vacuously)
    w = want.set_index("customer_id")
    assert w.loc["K2", "first_name"] == "" and w.loc["K3", "first_name"] == "None"
    assert pd.isna(w.loc["K4", "first_name"]) and pd.isna(w.loc["K1", "phone"])
    assert w["consent_email"].tolist()[:2] == [True, False] and pd.isna(w.loc["K3",
                                                                             "consent_email"])
    assert w.loc["K1", "birth_date"] == "1984-03-07" and pd.isna(w.loc["K2", "birth_date"])
    assert w.loc["K1", "first_seen"] == pd.Timestamp("2024-01-01 10:00")  # UTC, naive
    assert (w.loc["K1", "n_orders"], w.loc["K1", "total_spend"]) == (1, 10.5)
    assert w.loc["K3", "total_spend"] == 4.0                    # the last o3 wins
    assert (w.loc["K5", "n_orders"], w.loc["K5", "total_spend"]) == (0, 0.0)
    assert pd.isna(w.loc["K2", "n_orders"]) and pd.isna(w.loc["K2", "n_events"])
    assert w.loc["K3", "rfm_segment"] == "At risk" and pd.isna(w.loc["K3", "churn_probability"])
    assert "K9" not in w.index


# --- the generated company of the demo run, two runs ----------------------------------------

def changed_run(first: Path, folder: Path) -> Path:
    """The demo run with a change a second month would bring.

    Five customers get a new e-mail, five lose their phone, three withdraw e-mail consent,
    one is merged into another, three move to another segment, one buys again.
    """
    shutil.copytree(first, folder, ignore=shutil.ignore_patterns("*.html", "*.ipynb"))
    data = folder / "data"
    golden = pd.read_parquet(data / "golden.parquet")
    ids = golden["customer_id"].tolist()
    with_phone = golden.loc[golden["phone"].notna(), "customer_id"].tolist()
    consenting = golden.loc[golden["consent_email"].astype("boolean").fillna(False),
                            "customer_id"].tolist()
    seg = pd.read_parquet(data / "segments.parquet")
    segmented = seg["customer_id"].tolist()
    gone, into = segmented[-1], segmented[-2]
    assert len(with_phone) >= 10 and len(consenting) >= 3 and len(segmented) >= 5

    at = golden.set_index("customer_id")
    at.loc[ids[:5], "email"] = [f"new{i}@example.net" for i in range(5)]
    at.loc[with_phone[-5:], "phone"] = None
    at.loc[consenting[:3], "consent_email"] = False
    golden = at.drop(index=gone).reset_index()
    golden.to_parquet(data / "golden.parquet")
    cmap = pd.read_parquet(data / "customer_map.parquet")
    cmap.loc[cmap["customer_id"] == gone, "customer_id"] = into
    cmap.to_parquet(data / "customer_map.parquet")
    for name in ("rfm", "segments", "clv", "churn_scores"):
        t = pd.read_parquet(data / f"{name}.parquet")
        t = t[t["customer_id"] != gone]
        if name == "segments":
            t.loc[t["customer_id"].isin(segmented[:3]), "rfm_segment"] = "Moved segment"
        t.to_parquet(data / f"{name}.parquet")
    tx = pd.read_parquet(data / "transactions.parquet")
    new = tx.iloc[[0]].copy()
    new["record_id"], new["order_id"] = "second-run-1", "second-run-order"
    new["amount"] = 12.34
    pd.concat([tx, new], ignore_index=True).to_parquet(data / "transactions.parquet")
    pd.DataFrame({"run_id": ["r2"], "event": ["merge"], "customer_id": [into],
                  "other_id": [gone]}).to_parquet(data / "id_changes.parquet")
    return folder


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.xdist_group("notebooks")
def test_sql_view_equals_pandas_reference_on_generated_company(demo_run, tmp_path, pg_url):
    r1 = demo_run.run_dir
    r2 = changed_run(r1, tmp_path / "r2")
    want1, want2 = reference_view(r1), reference_view(r2)
    # the generated company exercises what the comparison is about
    assert len(want1) == len(demo_run.table("golden")) >= 100
    for col in ("email", "phone", "first_name", "last_name", "birth_date", "street",
                "consent_email", "household_id", "n_orders", "total_spend", "last_event",
                "last_contact", "rfm_segment", "clv", "churn_probability", "value_verdict"):
        assert want1[col].notna().any(), col
    assert sum(want1[c].isna().any() for c in VIEW) >= 10  # NULLs are part of the test
    assert len(want2) == len(want1) - 1
    # the customers whose view the second run changes, by the reference
    before = want1.set_index("customer_id").loc[want2["customer_id"]].reset_index()
    same = (before.astype(str) == want2.astype(str)).all(axis=1)  # NULLs as 'nan', '<NA>'...
    n_changed = int((~same).sum())
    assert n_changed >= 10

    duck = open_backend(path=tmp_path / "store.duckdb")
    pg = _fresh_pg(pg_url, "view_generated")
    try:
        for db in (duck, pg):
            update_database(db, r1, run_id="r1", as_of="2026-03-01")
            assert_same_view(stored_view(db), want1, f"{db.dialect} after run 1")
            rep = update_database(db, r2, run_id="r2", as_of="2026-04-01")
            assert (rep.n_new, rep.n_changed, rep.n_removed) == (0, n_changed, 1), rep
            assert_same_view(stored_view(db), want2, f"{db.dialect} after run 2")
        for table in TABLES:
            if table != "runs":  # the load time in seconds differs by design
                pd.testing.assert_frame_equal(_canonical(duck, table), _canonical(pg, table),
                                              obj=table)
        # what a user is shown: the masked cards agree, and mask what they must
        for cid in want2["customer_id"]:
            card = customer_card(duck, cid)
            assert card == customer_card(pg, cid), cid
        w = want2.set_index("customer_id")
        cid = w.index[w["email"].notna() & (w["last_name"].str.len() >= 5)][0]
        shown = str(customer_card(duck, cid))
        assert w.loc[cid, "email"] not in shown and w.loc[cid, "last_name"] not in shown
    finally:
        duck.close()
        pg.close()


def test_history_fields_are_in_the_view():
    """The golden and consent fields the history keeps are columns the comparison covers."""
    assert set(GOLDEN_FIELDS + CONSENT_FIELDS) <= set(VIEW)
