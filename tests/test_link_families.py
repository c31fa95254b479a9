"""Families are not duplicates: twins, father and son, moved people, shared e-mails.

Each case runs the whole stage (``resolve_identities``) on a small customer base and checks
the outcome (customer and household IDs) and the explanation that decided it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdmkit.link import resolve_identities

FIRST = ["Alma", "Boris", "Clara", "Dario", "Elsa", "Felix", "Greta", "Hugo", "Irene", "Jonas",
         "Karla", "Lukas", "Marta", "Niko", "Olga", "Pavel", "Rosa", "Sami", "Tessa", "Ugo",
         "Vera", "Walter", "Xenia", "Yusuf", "Zora", "Anton", "Bianca", "Cyril", "Dora", "Emil"]
LAST = ["Abbot", "Brandt", "Castro", "Dietz", "Engel", "Fabbri", "Greco", "Haas", "Ivers",
        "Janke", "Kranz", "Lund", "Marek", "Nagy", "Orsi", "Pohl", "Quast", "Rossi", "Sauer",
        "Thiel", "Uhl", "Vogt", "Weber", "Xander", "Young", "Zeller", "Arndt", "Bauer", "Conti",
        "Dorn"]


def _population(n: int = 60, seed: int = 3) -> list[dict]:
    """Customers of a shop and a CRM: about half of them in both, with small differences."""
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(n):
        first, last = FIRST[p % 30], LAST[(p * 7 + p // 30) % 30]
        person = {"first_name": first, "last_name": last,
                  "birth_date": f"{1950 + int(rng.integers(0, 50))}-"
                                f"{1 + int(rng.integers(0, 12)):02d}-{1 + int(rng.integers(0, 28)):02d}",
                  "email": f"{first.lower()}.{last.lower()}{p}@mail.com",
                  "phone": f"07700{900000 + p * 37:06d}",
                  "street": f"{1 + p} {LAST[(p * 3) % 30]} Road", "postcode": f"AB{p % 9} {p}CD",
                  "city": ["York", "Leeds", "Hull"][p % 3]}
        rows.append({"source": "crm", "record_id": f"c{p}", "pid": f"p{p}", **person})
        if p % 2 == 0:
            shop = dict(person)
            if p % 4 == 0:
                shop["phone"] = None
            if p % 10 == 0:
                shop["first_name"] = first[:-1] + first[-1] * 2   # a typo
            if p % 6 == 0 and p % 5:   # moved since: another address and landline
                shop.update({"street": f"{70 + p} {LAST[(p * 5) % 30]} Street",
                             "postcode": f"XY{p % 7} {p}ZZ", "city": "Bath",
                             "phone": f"01225{700000 + p * 13:06d}"})
            if p % 8 == 2:   # a work address
                shop["email"] = f"{first.lower()}.{last.lower()}@firm{p}.co.uk"
            rows.append({"source": "shop", "record_id": f"s{p}", "pid": f"p{p}", **shop})
    return rows


def _run(extra: list[dict]):
    df = pd.DataFrame(_population() + extra)
    truth = df[["source", "record_id"]].assign(person_id=df["pid"])
    res = resolve_identities(df.drop(columns="pid"), run_id="r1", ground_truth=truth)
    cm = res.customer_map.set_index("record_id")
    return res, cm


def _pair(res, a: str, b: str) -> int:
    p = res.pairs
    ids_l, ids_r = p["record_id_l"].astype(str), p["record_id_r"].astype(str)
    hit = ((ids_l == a) & (ids_r == b)) | ((ids_l == b) & (ids_r == a))
    assert hit.any(), f"{a}-{b} is not a candidate pair"
    return int(np.flatnonzero(hit)[0])


HOME = {"last_name": "Falk", "street": "12 Mill Lane", "postcode": "ZZ1 9QQ", "city": "York",
        "phone": "01904 555 123"}


@pytest.fixture(scope="module")
def families():
    extra = [
        # twins: one surname, address, landline and birth date; different given names
        {"source": "crm", "record_id": "twin_a1", "pid": "ta", "first_name": "Lena",
         "birth_date": "1994-05-05", "email": "lena.f94@mail.com", **HOME},
        {"source": "shop", "record_id": "twin_a2", "pid": "ta", "first_name": "Lena",
         "birth_date": "1994-05-05", "email": "lena.f94@mail.com", **HOME},
        {"source": "crm", "record_id": "twin_b1", "pid": "tb", "first_name": "Mira",
         "birth_date": "1994-05-05", "email": "mira_falk@post.com", **HOME},
        # father and son of one name at one address, 30 years apart
        {"source": "crm", "record_id": "dad", "pid": "dad", "first_name": "Peter",
         "birth_date": "1961-03-14", "email": "peter.falk.senior@mail.com", **HOME},
        {"source": "shop", "record_id": "son1", "pid": "son", "first_name": "Peter",
         "birth_date": "1991-08-02", "email": "pete.falk@post.com", **HOME},
        {"source": "crm", "record_id": "son2", "pid": "son", "first_name": "Peter",
         "birth_date": "1991-08-02", "email": "pete.falk@post.com", **HOME},
        # a person who moved: new address and landline, private then work e-mail
        {"source": "crm", "record_id": "mover1", "pid": "mover", "first_name": "Laura",
         "last_name": "Okafor", "birth_date": "1985-11-23", "email": "laura.okafor@gmail.com",
         "street": "4 Elm Street", "postcode": "LS1 4AB", "city": "Leeds",
         "phone": "0113 496 0001"},
        {"source": "shop", "record_id": "mover2", "pid": "mover", "first_name": "Laura",
         "last_name": "Okafor", "birth_date": "1985-11-23", "email": "laura.okafor@acme.co.uk",
         "street": "88 Harbour Road", "postcode": "HU1 2XY", "city": "Hull",
         "phone": "01482 555 777"},
        # a couple sharing a family e-mail address
        {"source": "crm", "record_id": "wife", "pid": "wife", "first_name": "Nora",
         "last_name": "Quist", "birth_date": "1970-02-11", "email": "thequists@mail.com",
         "street": "7 Oak Close", "postcode": "YO3 7OC", "city": "York", "phone": None},
        {"source": "shop", "record_id": "husband", "pid": "husband", "first_name": "Ivan",
         "last_name": "Quist", "birth_date": "1968-09-30", "email": "thequists@mail.com",
         "street": "7 Oak Close", "postcode": "YO3 7OC", "city": "York", "phone": None},
    ]
    return _run(extra)


def _rule_rows(table):
    return table[table["component"].str.startswith("family rule")]


def test_twins_are_two_customers_of_one_household(families):
    res, cm = families
    assert cm.loc["twin_a1", "customer_id"] == cm.loc["twin_a2", "customer_id"]
    assert cm.loc["twin_a1", "customer_id"] != cm.loc["twin_b1", "customer_id"]
    assert cm.loc["twin_a1", "household_id"] == cm.loc["twin_b1", "household_id"]
    t = res.explain(_pair(res, "twin_a1", "twin_b1")).set_index("component")
    # everything but the given name agrees, the birth date included ...
    assert t.loc["birth_date", "level_name"] == "exact"
    assert t.loc["birth_date", "weight"] > 5
    assert t.loc["first_name", "level_name"] == "else"
    # ... and the different given name decides: relatives, not one person
    rule = _rule_rows(t.reset_index())
    assert rule["component"].tolist() == ["family rule: different first name (a relative, "
                                          "not the same person)"]
    assert t["probability"].iloc[-1] < 1e-6
    assert t["cumulative"].iloc[-2] > 0   # without the rule the pair would have linked


def test_father_and_son_of_one_name_are_two_customers(families):
    res, cm = families
    assert cm.loc["son1", "customer_id"] == cm.loc["son2", "customer_id"]
    assert cm.loc["dad", "customer_id"] != cm.loc["son1", "customer_id"]
    assert cm.loc["dad", "household_id"] == cm.loc["son1", "household_id"]
    t = res.explain(_pair(res, "dad", "son2"))
    assert t.set_index("component").loc["first_name", "level_name"] == "exact"
    assert _rule_rows(t)["component"].tolist() == [
        "family rule: born a generation apart (15+ years)"]
    assert t["probability"].iloc[-1] < 1e-6


def test_moved_person_with_a_work_email_stays_one_customer(families):
    res, cm = families
    assert cm.loc["mover1", "customer_id"] == cm.loc["mover2", "customer_id"]
    t = res.explain(_pair(res, "mover1", "mover2")).set_index("component")
    assert not len(_rule_rows(t.reset_index()))
    # same local part on another domain, spelling only the name: the weaker level
    assert t.loc["email", "level_name"] == "same_local_part_name_only"
    assert t.loc["street", "weight"] < 0 and t.loc["phone", "weight"] < 0   # moved
    # the person's own fields carry the link
    assert t.loc["birth_date", "weight"] > 5 and t.loc["first_name", "weight"] > 0
    assert t["probability"].iloc[-1] > 0.5


def test_household_sharing_an_email_is_two_customers(families):
    res, cm = families
    assert cm.loc["wife", "customer_id"] != cm.loc["husband", "customer_id"]
    assert cm.loc["wife", "household_id"] == cm.loc["husband", "household_id"]
    t = res.explain(_pair(res, "wife", "husband")).set_index("component")
    assert t.loc["email", "level_name"] == "exact_shared_address"
    assert _rule_rows(t.reset_index())["component"].str.contains("different first name").all()
    assert t["probability"].iloc[-1] < 0.5


def test_ordinary_duplicates_still_link(families):
    res, cm = families
    linked = [cm.loc[f"c{p}", "customer_id"] == cm.loc[f"s{p}", "customer_id"]
              for p in range(0, 60, 2)]
    # all but at most two (moved *and* a new e-mail address: little left in common)
    assert sum(linked) >= 28, linked
    assert res.report.scores["precision"] == 1.0


def test_no_chain_joins_people_a_direct_comparison_separates():
    """Twin A links to a sparse record that also fits twin B; the cluster is split."""
    from cdmkit.link.clustering import cluster_pairs

    # records: 0 twin A, 1 a record of twin A, 2 twin B; 1-2 a weak but positive link
    pairs = np.array([[0, 1], [1, 2], [0, 2]])
    weights = np.array([20.0, 3.0, -40.0])
    separated = np.array([False, False, True])
    labels, an = cluster_pairs(3, pairs, weights, 0.0, cannot_link=separated)
    assert labels[0] == labels[1] != labels[2]
    assert an["reason"].tolist() == ["conflict"]
    # without the constraint the chain merges all three
    labels, _ = cluster_pairs(3, pairs, weights, 0.0)
    assert len(set(labels)) == 1
