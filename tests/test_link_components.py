"""Comparators (plugins, recordlinkage features), blocking, settings, config and template."""

from __future__ import annotations

import re
from pathlib import Path

import jellyfish
import numpy as np
import pandas as pd
import pytest

from cdmkit.config import LinkageConfig
from cdmkit.link import (BlockingRule, LinkageSettings, NameComparator, infer_settings,
                         name_key, score_and_cluster)
from cdmkit.link.blocking import block, pairs_within_groups, sorted_neighbourhood_pairs
from cdmkit.link.comparators import Comparator
from cdmkit.registry import comparators

_NO_INTEROP = ("recordlinkage interop needs the [interop] extra (not installed: recordlinkage 0.16 "
               "caps pandas < 3)")

ROOT = Path(__file__).resolve().parents[1]
BUILTIN = ["exact", "string", "name", "date", "email", "phone", "postcode", "address",
           "identifier"]


SAMPLES = {"date": ("1980-01-02", "1999-12-31"), "phone": ("+441132000111", "+819012345678"),
           "email": ("ann@x.org", "zed@y.com"), "postcode": ("LS6 2QT", "104-0061")}


@pytest.mark.parametrize("name", BUILTIN)
def test_builtin_comparator_contract(name):
    cls = comparators.get(name)
    c = cls("x")
    assert isinstance(c, Comparator)
    # recordlinkage's feature protocol (what Compare reads from its features)
    assert (c.labels_left, c.labels_right, c.label) == ("x", "x", "x")
    same, other = SAMPLES.get(name, ("abc", "xyz-q"))
    a = pd.Series([same, None, same, same])
    b = pd.Series([same, same, other, ""])
    lv = c.compare(a, b)
    assert lv.dtype == np.int8 and lv[0] == 0 and lv[1] == -1 and lv[3] == -1
    assert 0 <= lv[2] <= c.else_level == len(c.level_names) - 1
    assert len(c.m_prior()) == len(c.u_prior()) == len(c.level_names)
    assert c.m_prior().sum() == pytest.approx(1) and c.u_prior().sum() == pytest.approx(1)


def test_name_levels_agree_with_jellyfish_jaro_winkler():
    rng = np.random.default_rng(0)
    names = ["martha", "marhta", "dwayne", "duane", "dixon", "dicksonx", "jon", "john",
             "johnathan", "jonathan", "smith", "smyth", "schmidt"]
    a = pd.Series(rng.choice(names, 300))
    b = pd.Series(rng.choice(names, 300))
    lv = NameComparator("n", thresholds=(0.92, 0.8)).compare(a, b)
    jw = np.array([jellyfish.jaro_winkler_similarity(x, y) for x, y in zip(a, b)])
    expected = np.where(a == b, 0, np.where(jw >= 0.92, 1, np.where(jw >= 0.8, 2, 3)))
    assert (lv == expected).all()


def test_comparator_works_inside_recordlinkage_compare():
    recordlinkage = pytest.importorskip("recordlinkage", reason=_NO_INTEROP)
    df = pd.DataFrame({"name": ["Anna", "Ana", "Bob"]})
    idx = pd.MultiIndex.from_tuples([(0, 1), (0, 2)])
    comp = recordlinkage.Compare()
    comp.add(NameComparator("name", label="name"))
    feats = comp.compute(idx, df)
    assert feats["name"].tolist() == [1, 3]


def test_comparators_mix_with_recordlinkage_features_when_linking_two_frames():
    recordlinkage = pytest.importorskip("recordlinkage", reason=_NO_INTEROP)
    from cdmkit.link import DateComparator, EmailComparator

    a = pd.DataFrame({"dob": ["1980-02-03", "1975-01-01"], "mail": ["ann@x.org", None],
                      "city": ["Leeds", "York"]}, index=["a1", "a2"])
    b = pd.DataFrame({"birth": ["1980-03-02", "1975-01-01"], "mail": ["ANN@x.org", "b@y.org"],
                      "city": ["Leeds", "Hull"]}, index=["b1", "b2"])
    idx = pd.MultiIndex.from_tuples([("a1", "b1"), ("a2", "b2")])
    comp = recordlinkage.Compare()
    comp.add(DateComparator("dob", "birth", label="dob"))
    comp.add(EmailComparator("mail", label="mail"))
    comp.exact("city", "city", label="city")  # a recordlinkage feature beside ours
    feats = comp.compute(idx, a, b)
    assert feats.columns.tolist() == ["dob", "mail", "city"]
    assert feats["dob"].tolist() == [1, 0]          # day and month swapped, then exact
    assert feats["mail"].tolist() == [0, -1]        # case-insensitive, then missing
    assert feats["city"].tolist() == [1, 0]
    # the feature's own compute (recordlinkage's signature) gives the same levels
    assert DateComparator("dob", "birth").compute(idx, a, b).tolist() == [1, 0]


@pytest.mark.parametrize("a, b", [("يوسف كريمي", "یوسف کریمی"), ("فاطمة", "فاطمه"),
                                  ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ タロウ"), ("ＡＮＮＡ", "anna"),
                                  ("José", "JOSE"), ("やまだ", "ヤマダ")])
def test_name_key_folds_script_variants(a, b):
    assert name_key(a) == name_key(b)


def test_date_levels():
    from cdmkit.link import DateComparator

    c = DateComparator("d")
    lv = c.compare(pd.Series(pd.to_datetime(["1980-02-03"] * 5)),
                   pd.Series(["1980-03-02", "1980-02-08", "1980-11-30", "1975-02-03",
                              "1950-02-03"]))
    # 19750203 differs from 19800203 in two digits: not "one digit off"; 1950 is a
    # generation earlier (one digit off too, but a parent, not a typo)
    assert [c.level_names[v] for v in lv] == ["day_month_swapped", "one_digit_off",
                                              "same_year", "under_15_years_apart", "else"]


def test_pairs_within_groups_matches_brute_force():
    rng = np.random.default_rng(1)
    codes = rng.integers(-1, 6, 60)
    got = {tuple(p) for p in pairs_within_groups(codes)[0]}
    want = {(i, j) for i in range(60) for j in range(i + 1, 60)
            if codes[i] >= 0 and codes[i] == codes[j]}
    assert got == want


def test_sorted_neighbourhood_window():
    keys = pd.Series(["d", "a", "c", "b", None])
    got = {tuple(p) for p in sorted_neighbourhood_pairs(keys, 3)}
    # sorted order a(1) b(3) c(2) d(0): neighbours within 2 places
    assert got == {(1, 3), (1, 2), (2, 3), (0, 3), (0, 2)}


def test_block_link_only_and_counts():
    keys = pd.DataFrame({"k": ["x", "x", "x", "y"]})
    pairs, counts = block(keys, [BlockingRule(("k",))], sources=["a", "a", "b", "b"],
                          link_type="link_only")
    assert pairs.tolist() == [[0, 2], [1, 2]] and counts["pairs"].tolist() == [2]


def test_block_max_pairs_is_a_clear_error():
    from cdmkit.errors import InputError

    keys = pd.DataFrame({"k": ["x"] * 50})
    with pytest.raises(InputError, match="max_pairs"):
        block(keys, [BlockingRule(("k",))], max_pairs=100)


def test_settings_inferred_from_canonical_columns_and_round_trip(tmp_path):
    df = pd.DataFrame(columns=["source", "record_id", "first_name", "last_name", "email",
                               "phone", "birth_date", "postcode", "street", "city"])
    s = infer_settings(df)
    kinds = {c.name: c.comparator for c in s.comparisons}
    assert kinds == {"first_name": "name", "last_name": "name", "email": "email",
                     "phone": "phone", "birth_date": "date", "postcode": "postcode",
                     "street": "address", "city": "string"}
    labels = [r.label for r in s.blocking_rules]
    assert "email" in labels and "phone" in labels and "birth_date & last_name[:1]" in labels
    path = tmp_path / "settings.json"
    s.to_json(path)
    assert LinkageSettings.from_json(path) == s


def test_settings_follow_the_columns_present():
    s = infer_settings(pd.DataFrame({"full_name": ["A B"], "email": ["a@b"]}))
    assert [c.name for c in s.comparisons] == ["full_name", "email"]
    assert all(set(r.columns) <= {"full_name", "email"} for r in s.blocking_rules)


def test_config_overrides_settings():
    cfg = LinkageConfig(blocking_rules=[{"on": ["email"]}],
                        comparisons=[{"name": "email", "comparator": "email"},
                                     {"name": "fn", "comparator": "name", "column": "first_name",
                                      "params": {"thresholds": [0.9]}}],
                        threshold=0.9)
    s = infer_settings(pd.DataFrame(columns=["email", "first_name", "phone"]), cfg)
    assert [r.label for r in s.blocking_rules] == ["email"]
    assert s.comparisons[1].build().level_names == ["exact", "jaro_winkler>=0.9", "else"]
    assert s.threshold == 0.9


def test_config_rejects_unknown_survivorship_rule():
    with pytest.raises(ValueError, match="survivorship"):
        LinkageConfig(survivorship={"email": "loudest"})


def test_template_names_every_linkage_option():
    text = (ROOT / "templates" / "client.yaml").read_text(encoding="utf-8")
    block_text = re.search(r"# <linkage>(.*?)# </linkage>", text, re.S).group(1)
    import yaml

    from cdmkit.config.linkage import BlockingRuleConfig, ComparisonConfig

    for model in (LinkageConfig, BlockingRuleConfig, ComparisonConfig):
        for name in model.model_fields:
            assert re.search(rf"\b{name}\b", block_text), f"{model.__name__}.{name} missing"
    LinkageConfig.model_validate(yaml.safe_load(block_text)["linkage"])


def test_duplicate_record_keys_are_a_clear_error():
    from cdmkit.errors import InputError

    with pytest.raises(InputError, match="more than once"):
        score_and_cluster(pd.DataFrame({"record_id": ["1", "1"], "email": ["a", "b"]}))


def test_large_blocks_are_refined_not_dropped():
    # 300 namesakes "Sara Karimi" (a tiny name pool at scale): one block of 300 records
    # would give 44,850 pairs. Refined by birth year they pair only within a year, and
    # the true duplicate (same person, same birth date) is still found.
    rng = np.random.default_rng(0)
    years = rng.integers(1950, 2005, 300).astype(str)
    keys = pd.DataFrame({"first_name": ["sara"] * 300, "last_name": ["karimi"] * 300,
                         "birth_date": [f"{y}-01-01" for y in years]})
    keys.loc[299, "birth_date"] = keys.loc[0, "birth_date"]  # record 299 = record 0
    keys.loc[5, "birth_date"] = None                          # cannot be refined
    rule = BlockingRule(("first_name", "last_name"))
    unrefined, _ = block(keys, [rule])
    assert len(unrefined) == 300 * 299 // 2
    pairs, counts = block(keys, [rule], refine_on=["birth_date[:4]"], refine_block_size=50)
    assert [0, 299] in pairs.tolist()
    assert len(pairs) < len(unrefined) / 20
    y = keys["birth_date"].str[:4].to_numpy()
    assert (y[pairs[:, 0]] == y[pairs[:, 1]]).all()           # only within a birth year
    assert not (pairs == 5).any() and counts["skipped_records"].tolist() == [1]
    # blocks under the limit are left alone, and keys on the rule's own columns are unused
    small, _ = block(keys.iloc[:40], [rule], refine_on=["birth_date[:4]"],
                     refine_block_size=50)
    assert len(small) == 40 * 39 // 2
    same, _ = block(keys, [rule], refine_on=["last_name"], refine_block_size=50)
    assert len(same) == len(unrefined)


def test_linkage_drops_lineage_columns_unless_configured():
    from cdmkit.link import linkage_columns

    df = pd.DataFrame(columns=["source", "record_id", "email", "email_raw", "phone_valid",
                               "first_name_key", "loyalty_no_raw"])
    assert linkage_columns(df).columns.tolist() == ["source", "record_id", "email"]
    cfg = LinkageConfig(comparisons=[{"name": "loyalty", "comparator": "exact",
                                      "column": "loyalty_no_raw"}])
    assert "loyalty_no_raw" in linkage_columns(df, cfg).columns


def test_pair_frequencies_store_only_term_frequency_columns():
    from cdmkit.link.fellegi_sunter import PairFrequencies

    tf = PairFrequencies(4, 3)
    tf[:, 2] = [0.1, np.nan, 0.3, 0.4]
    assert set(tf.columns) == {2} and tf.columns[2].dtype == np.float32
    assert np.isnan(tf[:, 0]).all() and tf[:, 2][[0, 2]].tolist() == pytest.approx([0.1, 0.3])
    block_ = tf[1:3]
    assert block_.shape == (2, 3) and np.isnan(block_[:, :2]).all()
    with pytest.raises(IndexError):
        tf[0:2, 1] = [1.0, 2.0]


def test_distinct_patterns_match_numpy_unique_rows():
    from cdmkit.link.fellegi_sunter import distinct_patterns

    rng = np.random.default_rng(1)
    g = rng.integers(-1, 5, size=(5000, 9)).astype(np.int8)
    g[::7] = g[0]
    p, c = distinct_patterns(g)
    ep, ec = np.unique(g, axis=0, return_counts=True)
    assert (p == ep).all() and (c == ec).all()


def test_comparisons_in_chunks_equal_one_pass(monkeypatch):
    from tests.febrl import load_febrl1

    import cdmkit.link.fellegi_sunter as fs
    import cdmkit.link.pipeline as pl
    from cdmkit.link import canonicalize_columns

    rec = canonicalize_columns(load_febrl1().reset_index().rename(columns={"rec_id": "record_id"}))
    one = pl.score_and_cluster(rec, seed=3)
    # comparisons, EM training patterns and scoring all in small chunks
    monkeypatch.setattr(pl, "_COMPARE_CHUNK", 97)
    monkeypatch.setattr(fs, "_SCORE_CHUNK", 89)
    chunked = pl.score_and_cluster(rec, seed=3)
    assert len(one.pairs) > 97 * 3
    assert (one.gamma == chunked.gamma).all()
    assert one.model.prior_ == chunked.model.prior_
    assert all((a == b).all() for a, b in zip(one.model.weights_, chunked.model.weights_))
    assert np.array_equal(one.match_weight, chunked.match_weight)
    assert (one.clusters == chunked.clusters).all()
    pd.testing.assert_frame_equal(one.pairs_frame(), chunked.pairs_frame())


def test_training_patterns_counted_in_chunks_equal_the_copies():
    import cdmkit.link.pipeline as pl
    from cdmkit.link.fellegi_sunter import distinct_patterns

    rng = np.random.default_rng(4)
    gamma = rng.integers(-1, 3, size=(1000, 4)).astype(np.int8)
    rule_of = rng.integers(0, 2, size=1000)
    members = [np.flatnonzero(rule_of == 0), np.flatnonzero(rng.random(1000) < 0.5)]
    blocked = [[0], [1, 2]]
    train, sessions = pl._training_patterns(gamma, rule_of, members, blocked, chunk=33)
    # the same data built as full copies, as EM used to receive it
    full = gamma.copy()
    for r, cols in enumerate(blocked):
        full[np.ix_(rule_of == r, cols)] = -1
    for got, want in zip([train] + sessions,
                         [full] + [np.where(np.isin(np.arange(4), c), -1, gamma[m])
                                   for m, c in zip(members, blocked)]):
        p, c = distinct_patterns(want.astype(np.int8))
        assert (got[0] == p).all() and (got[1] == c).all()


def _synthetic_levels(seed, n, match_share, k=3):
    """Two-level comparison vectors of ``n`` candidate pairs (matches agree, level 0, with
    probability 0.9) and of random pairs (agree with probability 0.2)."""
    rng = np.random.default_rng(seed)
    match = rng.random(n) < match_share
    g = np.where(match[:, None], rng.random((n, k)) < 0.1,
                 rng.random((n, k)) < 0.8).astype(np.int8)
    return g, (rng.random((n + 1000, k)) < 0.8).astype(np.int8)


def test_em_fits_the_same_on_patterns_as_on_pairs():
    from cdmkit.link import FellegiSunter
    from cdmkit.link.fellegi_sunter import distinct_patterns, merge_patterns

    g, u = _synthetic_levels(5, 3000, 0.2)
    a = FellegiSunter().fit(g, u, [2, 2, 2], sessions=[g[:1500], g[1500:]])
    parts = merge_patterns([distinct_patterns(g[:1000]), distinct_patterns(g[1000:])], 3)
    b = FellegiSunter().fit(parts, u, [2, 2, 2],
                            sessions=[distinct_patterns(g[:1500]), g[1500:]])
    assert a.lambda_ == b.lambda_ and a.n_iter_ == b.n_iter_
    assert all((x == y).all() for x, y in zip(a.weights_, b.weights_))


def test_pair_frequencies_from_record_frequencies():
    from cdmkit.link.fellegi_sunter import PairFrequencies

    rng = np.random.default_rng(6)
    pairs = rng.integers(0, 50, size=(200, 2))
    gamma = rng.integers(-1, 3, size=(200, 2)).astype(np.int8)
    f0, f1 = rng.random(50).astype(np.float32), rng.random(50).astype(np.float32)
    tf = PairFrequencies(200, 2)
    tf.set_record_frequencies(1, {0: f0, 2: f1}, pairs, gamma)
    want = np.full(200, np.nan, dtype=np.float32)
    for lv, f in ((0, f0), (2, f1)):
        sel = gamma[:, 1] == lv
        want[sel] = np.maximum(f[pairs[sel, 0]], f[pairs[sel, 1]])
    assert np.array_equal(tf[:, 1], want, equal_nan=True)
    assert np.isnan(tf[:, 0]).all() and not tf.columns  # nothing stored per pair
    rows = np.array([5, 3, 199])
    assert np.array_equal(tf[rows][:, 1], want[rows], equal_nan=True)
    assert np.array_equal(tf[10:20][:, 1], want[10:20], equal_nan=True)
    with pytest.raises(ValueError):
        tf.set_record_frequencies(0, {0: f0}, pairs[:5], gamma)


def test_prepare_records_leaves_the_callers_frame_alone():
    from cdmkit.link.pipeline import prepare_records

    df = pd.DataFrame({"record_id": [1, 2], "first_name": ["Ann", "Bo"],
                       "last_name": ["Lee", "Ma"], "email": ["a@x.org", "b@y.org"]},
                      index=[7, 3])
    before = df.copy()
    res = score_and_cluster(df)
    assert res.records.index.tolist() == [0, 1]
    assert res.records["record_id"].tolist() == ["1", "2"]
    pd.testing.assert_frame_equal(df, before)
    out = prepare_records(df)
    out["record_id"] = "x"
    pd.testing.assert_frame_equal(df, before)


def test_pairs_frame_is_compact_and_keeps_the_keys():
    from cdmkit.link import canonicalize_columns
    from tests.febrl import load_febrl1

    rec = canonicalize_columns(load_febrl1().reset_index().rename(columns={"rec_id": "record_id"}))
    s = score_and_cluster(rec, seed=1)
    p = s.pairs_frame()
    ids = s.records["record_id"].to_numpy()
    assert p["record_id_l"].astype(str).tolist() == ids[s.pairs[:, 0]].tolist()
    assert p["record_id_r"].astype(str).tolist() == ids[s.pairs[:, 1]].tolist()
    assert isinstance(p["record_id_l"].dtype, pd.CategoricalDtype)
    # weights and levels are the scored arrays themselves, not copies
    assert np.shares_memory(p["match_weight"].to_numpy(), s.match_weight)
    assert np.array_equal(p["match_probability"], 1 / (1 + np.exp2(-s.match_weight)))
    assert (p[[f"gamma_{n}" for n in s.names]].to_numpy() == s.gamma).all()


def test_u_from_all_sessions_averages_the_sessions_refined_u():
    from cdmkit.link import FellegiSunter

    g, u = _synthetic_levels(7, 4000, 0.3)
    a, b = g[:2000].copy(), g[2000:].copy()
    b[:, 0] = -1  # the second session blocks on comparison 0
    kw = dict(fix_u=False)
    last = FellegiSunter(**kw).fit(g, u, [2, 2, 2], sessions=[a, b])
    every = FellegiSunter(u_from="all_sessions", **kw).fit(g, u, [2, 2, 2], sessions=[a, b])
    only_a = FellegiSunter(**kw).fit(g, u, [2, 2, 2], sessions=[a])
    # comparison 0: the last session blocks it (back to random-pair u); averaged, only the
    # first session, which sees it, counts
    assert np.allclose(last.u_[0], last._u_rand[0])
    assert np.allclose(every.u_[0], only_a.u_[0]) and not np.allclose(every.u_[0], last.u_[0])
    # the other comparisons: between the two sessions' refined u
    assert all(np.isclose(x.sum(), 1) for x in every.u_)
    with pytest.raises(ValueError):
        FellegiSunter(u_from="first").fit(g, u, [2, 2, 2], sessions=[a])


def test_em_u_from_option_reaches_the_model():
    df = pd.DataFrame({"record_id": [str(i) for i in range(40)],
                       "first_name": ["Ann", "Bo", "Cy", "Di"] * 10,
                       "last_name": [f"N{i % 13}" for i in range(40)],
                       "email": [f"p{i % 17}@x.org" for i in range(40)]})
    s = score_and_cluster(df, config=LinkageConfig(em_u_from="all_sessions"))
    assert s.model.u_from == "all_sessions"
    assert score_and_cluster(df).model.u_from == "last_session"
