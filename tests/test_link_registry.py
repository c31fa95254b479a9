"""The persistent ID registry: stable IDs, merges keep the older ID, splits issue new IDs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdmkit.link import IdRegistry, resolve_identities, retire_customer


def _keys(*ids, source="crm"):
    return pd.DataFrame({"source": source, "record_id": list(ids)})


@pytest.fixture
def reg(tmp_path):
    return IdRegistry(tmp_path / "store.duckdb")


def test_rerun_same_clusters_same_ids_and_no_events(reg):
    k = _keys("a", "b", "c")
    ids1, ch1 = reg.assign(k, np.array([0, 0, 1]), "r1")
    ids2, ch2 = reg.assign(k, np.array([0, 0, 1]), "r2")
    assert list(ids1) == list(ids2)
    assert list(ch1["event"]) == ["new", "new"] and ch2.empty


def test_ids_do_not_depend_on_row_order_or_cluster_numbers(reg, tmp_path):
    reg.assign(_keys("a", "b", "c"), np.array([0, 0, 1]), "r1")
    ids, ch = reg.assign(_keys("c", "b", "a"), np.array([7, 3, 3]), "r2")
    assert ids[1] == ids[2] != ids[0] and ch.empty
    other = IdRegistry(tmp_path / "other.duckdb")
    ids_o, _ = other.assign(_keys("c", "b", "a"), np.array([5, 9, 9]), "r1")
    # new IDs are numbered by the smallest record key of each cluster, not by input order
    assert dict(zip(["c", "b", "a"], ids_o)) == {"a": "C0000001", "b": "C0000001",
                                                  "c": "C0000002"}


def test_new_batch_joins_existing_customer(reg):
    ids1, _ = reg.assign(_keys("a", "b"), np.array([0, 1]), "r1")
    ids2, ch = reg.assign(pd.concat([_keys("a", "b"), _keys("x", source="shop")]),
                          np.array([0, 1, 1]), "r2")
    assert ids2[0] == ids1[0] and ids2[1] == ids1[1] and ids2[2] == ids1[1]
    assert ch.empty  # joining an existing customer is not a new ID


def test_merge_keeps_older_id_and_records_alias(reg):
    ids1, _ = reg.assign(_keys("a", "b"), np.array([0, 1]), "r1")
    older, younger = ids1[0], ids1[1]
    ids2, ch = reg.assign(_keys("a", "b"), np.array([0, 0]), "r2")
    assert set(ids2) == {older}
    assert ch[["run_id", "event", "customer_id", "other_id"]].values.tolist() == \
        [["r2", "merge", older, younger]]
    assert reg.resolve(younger) == older
    assert reg.aliases().values.tolist() == [[younger, older]]


def test_split_issues_new_id_and_ids_never_reused(reg):
    ids1, _ = reg.assign(_keys("a", "b", "c"), np.array([0, 0, 0]), "r1")
    ids2, ch = reg.assign(_keys("a", "b", "c"), np.array([0, 0, 1]), "r2")
    assert ids2[0] == ids2[1] == ids1[0]  # the larger part keeps the ID
    assert ids2[2] != ids1[0]
    assert ch[["event", "customer_id", "other_id"]].values.tolist() == \
        [["split", ids2[2], ids1[0]]]
    # merge back, then split again: the merged-away ID is never issued again
    ids3, _ = reg.assign(_keys("a", "b", "c"), np.array([0, 0, 0]), "r3")
    ids4, _ = reg.assign(_keys("a", "b", "c"), np.array([0, 0, 1]), "r4")
    issued = reg.customers()["customer_id"].tolist()
    assert len(issued) == len(set(issued)) == 3
    assert ids4[2] not in (ids1[0], ids2[2])


def test_change_log_has_every_event_with_run_id(reg):
    reg.assign(_keys("a", "b"), np.array([0, 1]), "r1")
    reg.assign(_keys("a", "b"), np.array([0, 0]), "r2")
    log = reg.changes()
    assert log["run_id"].tolist() == ["r1", "r1", "r2"]
    assert log["event"].tolist() == ["new", "new", "merge"]
    assert reg.changes("r2")["event"].tolist() == ["merge"]


def test_retire_removes_mapping_and_id_is_not_reissued(tmp_path):
    store = tmp_path / "s.duckdb"
    reg = IdRegistry(store)
    ids, _ = reg.assign(_keys("a", "b"), np.array([0, 1]), "r1")
    assert retire_customer(store, ids[0], run_id="erase") == 1
    assert reg.resolve(ids[0]) is None
    assert "a" not in set(reg.mapping()["record_id"])
    # The erased record is suppressed for good: it never gets an ID again.
    from cdmkit.errors import CdmkitError

    with pytest.raises(CdmkitError, match="erased customers"):
        reg.assign(_keys("a", "b"), np.array([0, 1]), "r2")
    again, ch = reg.assign(_keys("b"), np.array([1]), "r2")
    assert again[0] == ids[1] and ch.empty
    assert reg.changes()["event"].tolist() == ["new", "new", "retire"]
    # resolve_identities drops the erased record instead of giving it a new ID
    cust = pd.DataFrame({"source": "crm", "record_id": ["a", "b"], "first_name": ["Ann", "Bo"]})
    res = resolve_identities(cust, store_path=store, run_id="r3")
    assert res.customer_map["record_id"].tolist() == ["b"]
    assert res.customer_map["customer_id"].tolist() == [ids[1]]


def test_resolve_identities_stable_across_runs(tmp_path):
    cust = pd.DataFrame({"source": ["crm", "shop", "shop", "crm"],
                         "record_id": ["1", "a", "b", "2"],
                         "first_name": ["Anna", "Anna", "Ben", "Carla"],
                         "last_name": ["Smith", "Smith", "Stone", "Diaz"],
                         "email": ["anna@x.org", "anna@x.org", "ben@y.org", "carla@z.org"]})
    store = tmp_path / "store.duckdb"
    r1 = resolve_identities(cust, store_path=store, run_id="r1")
    r2 = resolve_identities(cust.iloc[::-1], store_path=store, run_id="r2")
    m1 = r1.customer_map.set_index(["source", "record_id"])["customer_id"]
    m2 = r2.customer_map.set_index(["source", "record_id"])["customer_id"]
    pd.testing.assert_series_equal(m1.sort_index(), m2.sort_index())
    assert r2.id_changes.empty and r2.report.figures()["id_new"] == 0


def test_same_data_fresh_stores_identical_ids_and_parameters(tmp_path):
    from tests.febrl import load_febrl1

    from cdmkit.link.settings import canonicalize_columns

    df = canonicalize_columns(load_febrl1().reset_index(), id_column="rec_id")
    r1 = resolve_identities(df, store_path=tmp_path / "a.duckdb", run_id="x", seed=3)
    r2 = resolve_identities(df.sample(frac=1, random_state=0), store_path=tmp_path / "b.duckdb",
                            run_id="x", seed=3)
    key = ["source", "record_id"]
    pd.testing.assert_frame_equal(r1.customer_map.sort_values(key).reset_index(drop=True),
                                  r2.customer_map.sort_values(key).reset_index(drop=True))
    pd.testing.assert_frame_equal(r1.params, r2.params, check_exact=False, rtol=1e-9)
