"""Identity resolution on hand-built traps: households, work/private e-mail, script variants.

The expected identities are written down by hand (who is who), not taken from the code's output.
The traps sit among a background of generated people so the EM model has data to learn from.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdmkit.link import resolve_identities

FIRST = ["James", "Mary", "Robert", "Patricia", "Michael", "Linda", "David", "Susan", "Thomas",
         "Karen", "Daniel", "Nancy", "Paul", "Helen", "Mark", "Sandra", "George", "Donna",
         "Steven", "Carol", "Edward", "Ruth", "Brian", "Sharon", "Kevin", "Laura", "Jason",
         "Emily", "Gary", "Amy", "Ryan", "Anna", "Jacob", "Kathleen", "Eric", "Pamela"]
LAST = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
        "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall",
        "Wood", "Jackson", "Clarke", "Patel", "Turner", "Hill", "Moore", "Cooper", "Ward",
        "Morris", "King", "Watson", "Harris", "Baker", "Young", "Allen", "Mitchell", "Bell"]
STREETS = ["High Street", "Station Road", "Church Lane", "Park Avenue", "Mill Road", "Kings Way",
           "Queens Road", "Green Lane", "Victoria Street", "New Road"]


def _typo(s: str, rng) -> str:
    k = int(rng.integers(1, len(s) - 1))
    return s[:k] + s[k + 1] + s[k] + s[k + 2:]


def _background(n=300, seed=3):
    """n persons, each with a crm record and (for 60%) a shop record with some noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(n):
        first, last = FIRST[rng.integers(len(FIRST))], LAST[rng.integers(len(LAST))]
        bd = pd.Timestamp("1940-01-01") + pd.Timedelta(days=int(rng.integers(0, 25000)))
        street = f"{rng.integers(1, 300)} {STREETS[rng.integers(len(STREETS))]}"
        pc = f"AB{rng.integers(1, 99)} {rng.integers(1, 9)}XY"
        phone = f"+4477{rng.integers(10_000_000, 99_999_999)}"
        email = f"{first.lower()}.{last.lower()}{rng.integers(1, 999)}@mail.example"
        base = dict(first_name=first, last_name=last, birth_date=bd, street=street,
                    postcode=pc, city="Leeds", phone=phone, email=email)
        rows.append(dict(base, source="crm", record_id=f"bg{p}", person_id=f"BG{p}"))
        if rng.random() < 0.6:
            dup = dict(base, source="shop", record_id=f"s-bg{p}", person_id=f"BG{p}")
            r = rng.random()
            if r < 0.3:
                dup["last_name"] = _typo(last, rng)
            elif r < 0.5:
                dup["email"] = None
            elif r < 0.6:
                dup["birth_date"] = None
            rows.append(dup)
    return rows


FAMILY_MAIL = "rossi.family@mail.example"


def _traps():
    fam = dict(last_name="Rossi", street="12 Mulberry Close", postcode="LS6 2QT", city="Leeds",
               phone="+441132000111")
    rows = [
        # A family: shared surname, address, landline, and two share one e-mail.
        dict(fam, source="crm", record_id="f1", first_name="Maria", email=FAMILY_MAIL,
             birth_date=pd.Timestamp("1980-01-02"), person_id="MARIA"),
        dict(fam, source="shop", record_id="f1s", first_name="Maria", email=FAMILY_MAIL,
             birth_date=pd.Timestamp("1980-01-02"), person_id="MARIA"),
        dict(fam, source="crm", record_id="f2", first_name="Paolo", email=FAMILY_MAIL,
             birth_date=pd.Timestamp("1978-05-06"), person_id="PAOLO"),
        dict(fam, source="shop", record_id="f2s", first_name="Paolo",
             email="paolo.rossi@work.example", birth_date=pd.Timestamp("1978-05-06"),
             person_id="PAOLO"),
        dict(fam, source="crm", record_id="f3", first_name="Luca", email=None,
             birth_date=pd.Timestamp("2005-07-08"), person_id="LUCA"),
        dict(fam, source="shop", record_id="f3s", first_name="Luca", email="luca.r@mail.example",
             birth_date=pd.Timestamp("2005-07-08"), person_id="LUCA"),
        # One person, a work e-mail in the CRM and a private one in the shop.
        dict(source="crm", record_id="w1", first_name="Jonathan", last_name="Carpenter",
             email="j.carpenter@acme-corp.example", phone="+447700900123",
             birth_date=pd.Timestamp("1975-03-04"), street="7 Orchard Way", postcode="LS1 4AB",
             city="Leeds", person_id="JON"),
        dict(source="shop", record_id="w1s", first_name="Jonathan", last_name="Carpenter",
             email="jcarp77@gmail.example", phone="+447700900123",
             birth_date=pd.Timestamp("1975-03-04"), street="7 Orchard Way", postcode="LS1 4AB",
             city="Leeds", person_id="JON"),
        # Persian name typed with Arabic letters (Windows export) vs standard Persian letters.
        dict(source="crm", record_id="p1", first_name="علي", last_name="كريمي",
             phone="+989121234567", birth_date=pd.Timestamp("1988-09-21"), email=None,
             street="خيابان آزادي، پلاك ۱۲", postcode="1417613111", city="تهران", person_id="ALI"),
        dict(source="shop", record_id="p1s", first_name="علی", last_name="کریمی",
             phone="+989121234567", birth_date=pd.Timestamp("1988-09-21"), email=None,
             street="خیابان آزادی، پلاک 12", postcode="1417613111", city="تهران", person_id="ALI"),
        # Japanese name in half-width katakana vs full-width; full-width digits in the postcode.
        dict(source="crm", record_id="j1", first_name="ﾀﾛｳ", last_name="ﾔﾏﾀﾞ",
             phone="+819012345678", birth_date=pd.Timestamp("1991-11-03"), email=None,
             street="中央区銀座１－２－３", postcode="１０４－００６１", city="東京都", person_id="TARO"),
        dict(source="shop", record_id="j1s", first_name="タロウ", last_name="ヤマダ",
             phone="+819012345678", birth_date=pd.Timestamp("1991-11-03"), email=None,
             street="中央区銀座1-2-3", postcode="104-0061", city="東京都", person_id="TARO"),
        # Family name first on one form (a Japanese customer's romaji, boxes swapped):
        # only the names, swapped, a birth date and a city tie the two records together.
        dict(source="crm", record_id="k1", first_name="Kenji", last_name="Watanabe",
             birth_date=pd.Timestamp("1984-06-12"), city="Leeds", email=None, phone=None,
             street=None, postcode=None, person_id="KENJI"),
        dict(source="shop", record_id="k1s", first_name="WATANABE", last_name="Kenji",
             birth_date=pd.Timestamp("1984-06-12"), city="Leeds", email="kw84@mail.example",
             phone=None, street=None, postcode=None, person_id="KENJI"),
    ]
    return rows


@pytest.fixture(scope="module")
def people():
    df = pd.DataFrame(_background() + _traps())
    truth = df[["source", "record_id", "person_id"]].copy()
    truth["household_id"] = np.where(df["last_name"].eq("Rossi"), "ROSSI", df["person_id"])
    customers = df.drop(columns=["person_id"])
    result = resolve_identities(customers, run_id="t1", seed=1, ground_truth=truth)
    cmap = result.customer_map.set_index(["source", "record_id"])
    return result, cmap


def _cid(cmap, source, rid):
    return cmap.loc[(source, rid), "customer_id"]


def test_family_members_stay_different_customers(people):
    _, cmap = people
    ids = {name: _cid(cmap, "crm", rid) for name, rid in [("maria", "f1"), ("paolo", "f2"),
                                                          ("luca", "f3")]}
    assert len(set(ids.values())) == 3


def test_each_family_member_links_own_records(people):
    _, cmap = people
    for rid in ("f1", "f2", "f3"):
        assert _cid(cmap, "crm", rid) == _cid(cmap, "shop", rid + "s")


def test_family_shares_one_household(people):
    _, cmap = people
    hh = {cmap.loc[("crm", r), "household_id"] for r in ("f1", "f2", "f3")}
    assert len(hh) == 1
    # ... and it is not the household of an unrelated person
    assert cmap.loc[("crm", "w1"), "household_id"] not in hh


def test_work_and_private_email_same_person(people):
    _, cmap = people
    assert _cid(cmap, "crm", "w1") == _cid(cmap, "shop", "w1s")


def test_persian_arabic_letter_variants_linked(people):
    _, cmap = people
    assert _cid(cmap, "crm", "p1") == _cid(cmap, "shop", "p1s")


def test_japanese_width_variants_linked(people):
    _, cmap = people
    assert _cid(cmap, "crm", "j1") == _cid(cmap, "shop", "j1s")


def test_first_and_last_name_swapped_linked(people):
    result, cmap = people
    assert _cid(cmap, "crm", "k1") == _cid(cmap, "shop", "k1s")
    pf = result.pairs
    key = pf["record_id_l"].isin(["k1", "k1s"]) & pf["record_id_r"].isin(["k1", "k1s"])
    assert pf.loc[key, "names_swapped"].tolist() == [True]
    # crosswise comparison made them exact on both names
    assert pf.loc[key, ["gamma_first_name", "gamma_last_name"]].iloc[0].tolist() == [0, 0]
    # no background pair (straight names, no one wrote them the other way) is swapped
    assert not pf.loc[~key, "names_swapped"].any()


def test_without_name_swaps_the_swapped_pair_stays_apart():
    from cdmkit.config.linkage import LinkageConfig

    df = pd.DataFrame(_background() + _traps())
    res = resolve_identities(df.drop(columns=["person_id"]), LinkageConfig(name_swaps=False),
                             run_id="t1", seed=1)
    cmap = res.customer_map.set_index(["source", "record_id"])
    assert _cid(cmap, "crm", "k1") != _cid(cmap, "shop", "k1s")
    assert not res.pairs["names_swapped"].any()


def test_background_quality_floor(people):
    # 60% of 300 background persons have a noisy second record; the truth is known by
    # construction, so pairwise precision/recall are measured against it.
    result, _ = people
    scores = result.report.scores
    assert scores["precision"] >= 0.95
    assert scores["recall"] >= 0.9
    assert result.report.blocking_recall >= 0.95


def test_every_record_mapped_once(people):
    result, _ = people
    cm = result.customer_map
    assert len(cm) == len(_background()) + len(_traps())
    assert not cm.duplicated(["source", "record_id"]).any()
    assert cm["customer_id"].str.fullmatch(r"C\d{7}").all()
    assert set(result.golden["customer_id"]) == set(cm["customer_id"])
