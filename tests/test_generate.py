"""Tests of the demo data generator (cdmkit.generate).

Expectations are derived from the files themselves (read back with pandas the
way the client config declares), from independent libraries (phonenumbers,
jdatetime) or from the definition of the traps, never from earlier output.
"""

from __future__ import annotations

import hashlib
import json
import re

import numpy as np
import pandas as pd
import pytest

from cdmkit.config import load_config
from cdmkit.generate import generate_demo, parse_locales
from cdmkit.generate.people import make_people

N = 300


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return generate_demo(tmp_path_factory.mktemp("demo"), n_customers=N, seed=7)


@pytest.fixture(scope="module")
def cfg(demo):
    return load_config(demo.config_path)


def _read(cfg, source):
    """Read a source file with the loader options its config declares."""
    s = cfg.source(source)
    path = cfg.resolve_path(s.path)
    loader = s.resolved_loader()
    if loader == "csv":
        return pd.read_csv(path, encoding=s.options.get("encoding", "utf-8"),
                           sep=s.options.get("delimiter", ","), dtype=str,
                           keep_default_na=False, na_values=[""])
    if loader == "excel":
        return pd.read_excel(path, sheet_name=s.options.get("sheet", 0), dtype=object)
    if loader == "jsonl":
        return pd.read_json(path, lines=True, dtype=False)
    if loader == "parquet":
        return pd.read_parquet(path)
    raise AssertionError(f"unexpected loader {loader}")


@pytest.fixture(scope="module")
def tables(cfg):
    return {s.name: _read(cfg, s.name) for s in cfg.sources}


@pytest.fixture(scope="module")
def truth(demo):
    return pd.read_csv(demo.ground_truth_path, dtype=str)


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """A larger company for statistical properties (seasonality, nicknames)."""
    demo = generate_demo(tmp_path_factory.mktemp("big"), n_customers=1000, seed=7)
    cfg = load_config(demo.config_path)
    tables = {s.name: _read(cfg, s.name) for s in cfg.sources}
    return cfg, tables, pd.read_csv(demo.ground_truth_path, dtype=str)


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file()}


# -- determinism ----------------------------------------------------------------------------

def test_same_seed_gives_identical_bytes(tmp_path):
    a = generate_demo(tmp_path / "a", n_customers=150, seed=3)
    b = generate_demo(tmp_path / "b", n_customers=150, seed=3)
    da, db = _digest(a.out_dir), _digest(b.out_dir)
    assert set(da) >= {"crm_contacts.xlsx", "webshop_orders.parquet", "client.yaml"}
    assert da == db


def test_different_seed_gives_different_data(tmp_path):
    a = generate_demo(tmp_path / "a", n_customers=150, seed=3)
    c = generate_demo(tmp_path / "c", n_customers=150, seed=4)
    da, dc = _digest(a.out_dir), _digest(c.out_dir)
    for name in ("webshop_customers.csv", "ground_truth.csv", "webshop_orders.parquet"):
        assert da[name] != dc[name]


# -- sizes and ground truth -----------------------------------------------------------------

def test_sizes_and_counts(demo, truth, tables, cfg):
    assert demo.n_persons == N
    assert truth["person_id"].nunique() == N  # every person is somewhere
    per_person = truth.groupby("person_id")["source"].nunique()
    assert per_person.between(1, 4).all()
    assert (per_person >= 2).mean() > 0.3  # enough overlap for identity resolution
    assert demo.n_records == len(truth) > N
    for s in cfg.sources:
        file = cfg.resolve_path(s.path).name
        assert demo.counts[file] == len(tables[s.name]), file


def test_every_customer_record_is_in_ground_truth(cfg, tables, truth):
    assert not truth.duplicated(["source", "record_id"]).any()
    assert truth["household_id"].notna().all()
    for s in cfg.sources_of("customers"):
        ids = set(tables[s.name][s.mapping["record_id"]].astype(str))
        assert ids == set(truth.loc[truth["source"] == s.name, "record_id"]), s.name
    assert set(truth["source"]) == {s.name for s in cfg.sources_of("customers")}


def test_exact_duplicate_rows_exist(tables):
    assert tables["webshop"].duplicated().sum() >= 1
    assert tables["pos_loyalty"].duplicated().sum() >= 1


def test_households_share_surname_address_and_landline():
    p = make_people(400, 5, {"en": 0.5, "fa": 0.3, "ja": 0.2}, pd.Timestamp("2023-01-01"),
                    pd.Timestamp("2024-12-31")).frame
    share = (p["hh_size"] > 1).mean()
    assert 0.2 < share < 0.4
    multi = p[p["hh_size"] > 1].groupby("household_id")
    assert (multi["last_name"].nunique() == 1).all()
    assert (multi["street"].nunique() == 1).all()
    assert (multi["postcode"].nunique() == 1).all()
    assert (multi["landline_local"].nunique(dropna=True) <= 1).all()
    # different persons: distinct ids and no two members with the same name and birth date
    assert p["person_id"].is_unique
    assert not p.duplicated(["household_id", "first_name", "birth_date"]).any()
    assert (multi["first_name"].nunique() >= 2).mean() > 0.9


def test_households_in_files_share_records_but_not_person(tables, truth):
    ws = tables["webshop"].drop_duplicates()
    t = truth[truth["source"] == "webshop"].set_index("record_id")
    ws = ws.assign(person=ws["account_id"].map(t["person_id"]),
                   household=ws["account_id"].map(t["household_id"]))
    pairs = ws.merge(ws, on="household")
    pairs = pairs[pairs["person_x"] < pairs["person_y"]]
    assert len(pairs) > 5
    from rapidfuzz.fuzz import ratio

    # the same surname up to the odd typo
    sim = [ratio(a.lower(), b.lower()) for a, b in zip(pairs["last_name_x"], pairs["last_name_y"])]
    assert np.mean(np.array(sim) >= 75) > 0.9
    assert (pairs["first_name_x"] != pairs["first_name_y"]).mean() > 0.8


# -- traps ----------------------------------------------------------------------------------

def test_cp1256_export_uses_arabic_letters(cfg):
    raw = cfg.resolve_path(cfg.source("pos_tehran").path).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp1256")
    assert "ي" in text and "ك" in text          # Arabic yeh and kaf
    assert "ی" not in text and "ک" not in text  # no Persian yeh/keheh
    assert "\r\n" in text                       # a Windows export
    assert cfg.source("pos_tehran").formats.calendar == "jalali"


def test_jalali_birth_dates_match_gregorian_ones(tables, truth):
    import jdatetime

    t = truth.set_index(["source", "record_id"])["person_id"]
    teh = tables["pos_tehran"].dropna(subset=["birth_date"])
    teh = teh.assign(person=[t[("pos_tehran", r)] for r in teh["customer_code"]])
    y, m, d = zip(*(map(int, s.split("/")) for s in teh["birth_date"]))
    teh["greg"] = [jdatetime.date(a, b, c).togregorian().isoformat() for a, b, c in zip(y, m, d)]
    ws = tables["webshop"].dropna(subset=["date_of_birth"])
    ws = ws.assign(person=[t[("webshop", r)] for r in ws["account_id"]])
    both = teh.merge(ws, on="person")
    assert len(both) >= 5
    # same person, same day (apart from the odd placeholder/future date in the webshop)
    assert (both["greg"] == both["date_of_birth"]).mean() > 0.85


def test_fullwidth_and_persian_digits_present(tables):
    ws = tables["webshop"]
    text = " ".join(ws["mobile"].dropna()) + " " + " ".join(ws["postcode"].dropna())
    assert re.search("[０-９]", text)
    assert "－" in text
    assert re.search("[۰-۹]", " ".join(ws["mobile"].dropna()))


def test_one_person_with_two_emails_and_shared_family_email(tables, truth):
    t = truth.set_index(["source", "record_id"])["person_id"]
    rows = []
    for source, key in (("webshop", "account_id"), ("crm", "ContactID"),
                        ("newsletter", "subscriber_id")):
        df = tables[source]
        col = "Email" if source == "crm" else "email"
        rows.append(pd.DataFrame({
            "person": [t[(source, str(r))] for r in df[key]],
            "email": df[col].astype(str).str.strip().str.lower()}))
    e = pd.concat(rows).dropna()
    e = e[e["email"].str.contains("@")]
    per_person = e.groupby("person")["email"].nunique()
    assert (per_person >= 2).sum() >= 3  # work vs private (or a second account)
    per_email = e.groupby("email")["person"].nunique()
    assert (per_email >= 2).sum() >= 1   # a family address shared by different persons


def test_work_email_differs_from_private(tables, truth):
    crm = tables["crm"]
    work = crm["Email"].str.lower().str.split("@").str[1]
    free = {"gmail.com", "outlook.com", "yahoo.co.uk", "hotmail.co.uk", "btinternet.com",
            "icloud.com", "sky.com", "yahoo.com", "chmail.ir", "yahoo.co.jp", "docomo.ne.jp",
            "ezweb.ne.jp"}
    assert (~work.isin(free)).mean() > 0.6


def test_invalid_values_for_cleaners(tables):
    ws, pos = tables["webshop"], tables["pos_loyalty"]
    dob = pd.concat([ws["date_of_birth"], pd.to_datetime(
        pos["Birth date"], format="%d.%m.%Y").dt.strftime("%Y-%m-%d")]).dropna()
    assert (dob == "1900-01-01").any()
    assert (dob > "2026-01-01").any()                       # born in the future
    assert (~ws["email"].dropna().str.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+")).any()
    assert ws["mobile"].isin(["12345", "0000000000"]).any()
    assert ws["mobile"].isna().any() and ws["date_of_birth"].isna().any()


def test_pos_names_have_titles_and_last_first(tables):
    names = tables["pos_loyalty"]["Name"]
    assert names.str.match(r"^(Mr|Mrs|Ms|Miss|Dr) ").any()
    assert names.str.match(r"^[A-Z' -]+, ").any()


def test_nicknames_between_sources(big):
    from cdmkit.generate.names import NICKNAMES

    _, tables, truth = big

    t = truth.set_index(["source", "record_id"])["person_id"]
    ws = tables["webshop"].assign(person=lambda d: [t[("webshop", r)] for r in d["account_id"]])
    nl = tables["newsletter"].assign(person=lambda d: [t[("newsletter", str(r))]
                                                       for r in d["subscriber_id"]])
    crm = tables["crm"].assign(person=lambda d: [t[("crm", r)] for r in d["ContactID"]])
    firsts = pd.concat([ws[["person", "first_name"]], nl[["person", "first_name"]],
                        crm.rename(columns={"FirstName": "first_name"})[["person",
                                                                         "first_name"]]])
    pairs = firsts.dropna().merge(firsts.dropna(), on="person")
    nick = pairs.apply(lambda r: r["first_name_y"] in NICKNAMES.get(
        r["first_name_x"].split(" ")[0], []), axis=1)
    assert nick.any()


def test_phone_numbers_are_mostly_valid(tables):
    import phonenumbers

    phones = tables["crm"]["Phone"].dropna()
    valid = [phonenumbers.is_valid_number(phonenumbers.parse(p, "GB")) for p in phones]
    assert np.mean(valid) > 0.9
    pos = tables["pos_loyalty"]["Phone"].dropna()
    valid = [phonenumbers.is_valid_number(phonenumbers.parse(p, "GB")) for p in pos]
    assert np.mean(valid) > 0.9


def test_locale_mix_is_selectable(tmp_path):
    d = generate_demo(tmp_path, n_customers=120, seed=1, locales={"en": 1.0})
    cfg = load_config(d.config_path)
    names = {s.name for s in cfg.sources}
    assert "pos_tehran" not in names and "tehran_sales" not in names
    text = (tmp_path / "webshop_customers.csv").read_text(encoding="utf-8")
    assert not re.search("[\u0600-\u06ff\u3040-\u30ff\u4e00-\u9fff]", text)
    assert parse_locales("en=2,ja=1") == {"en": 2.0, "ja": 1.0}


def test_bad_arguments_are_rejected(tmp_path):
    with pytest.raises(ValueError, match="between 100"):
        generate_demo(tmp_path, n_customers=10)
    with pytest.raises(ValueError, match="unknown locale"):
        generate_demo(tmp_path, n_customers=100, locales={"de": 1.0})
    with pytest.raises(ValueError, match="90 days"):
        generate_demo(tmp_path, n_customers=100, start="2024-01-01", end="2024-02-01")
    with pytest.raises(ValueError, match="client name"):
        generate_demo(tmp_path, n_customers=100, client="acme corp")
    assert not list(tmp_path.iterdir())  # nothing written for bad arguments


# -- config and loading ---------------------------------------------------------------------

def test_config_validates_and_mappings_name_real_columns(cfg, tables, demo):
    assert cfg.client == "demo" and cfg.seed == 7
    assert cfg.resolve_path(cfg.ground_truth) == demo.ground_truth_path.resolve()
    assert cfg.resolve_path(cfg.output_dir) == (demo.config_path.parent / "reports").resolve()
    from cdmkit.model import fields_of

    for s in cfg.sources:
        assert cfg.resolve_path(s.path).is_file()
        assert set(s.mapping) <= set(fields_of(s.kind)), s.name
        missing = set(s.mapping.values()) - set(tables[s.name].columns)
        assert not missing, (s.name, missing)
        if s.kind != "customers":
            assert s.customer_source in {c.name for c in cfg.sources_of("customers")}


def test_config_path_elsewhere_keeps_relative_paths(tmp_path):
    d = generate_demo(tmp_path / "data", n_customers=100, seed=2,
                      config_path=tmp_path / "clients" / "x.yaml", output_dir="../reports")
    cfg = load_config(d.config_path)
    assert cfg.source("webshop").path == "../data/webshop_customers.csv"
    assert cfg.resolve_path(cfg.source("webshop").path).is_file()
    assert cfg.resolve_path(cfg.output_dir) == (tmp_path / "reports").resolve()


def test_activity_refers_to_existing_customer_records(cfg, tables):
    for s in cfg.sources:
        if s.kind == "customers":
            continue
        cust = cfg.source(s.customer_source)
        keys = set(tables[cust.name][cust.mapping["record_id"]].astype(str))
        refs = tables[s.name][s.mapping["customer_ref"]].dropna().astype(str)
        assert len(refs) > 0, s.name
        assert refs.isin(keys).all(), s.name


def test_declared_datetime_formats_parse(cfg, tables):
    import jdatetime

    from cdmkit.model import fields_of

    checked = 0
    for s in cfg.sources:
        kinds = fields_of(s.kind)
        for field, col in s.mapping.items():
            dtype = kinds[field].dtype
            if dtype not in ("date", "datetime"):
                continue
            values = tables[s.name][col].dropna()
            if s.loader in ("parquet", "excel") and not (values.map(type) == str).any():
                continue  # typed timestamps, nothing to parse
            fmt = s.formats.date_format if dtype == "date" else s.formats.datetime_format
            assert fmt, (s.name, field)
            if s.formats.calendar == "jalali":
                for v in values:
                    jdatetime.datetime.strptime(v, fmt)
            else:
                pd.to_datetime(values, format=fmt)  # raises on any value not in the format
            checked += 1
    assert checked >= 12


# -- activity realism (BG/NBD-like) -----------------------------------------------------------

@pytest.fixture(scope="module")
def purchases(big):
    """Purchase occasions per person, rebuilt from the files through the ground truth."""
    cfg, tables, truth = big
    t = truth.set_index(["source", "record_id"])["person_id"]
    frames = []
    for name, cust in (("web_orders", "webshop"), ("pos_sales", "pos_loyalty"),
                       ("tehran_sales", "pos_tehran")):
        s = cfg.source(name)
        df = tables[name]
        m = s.mapping
        ts = df[m["timestamp"]]
        ts = ts if s.loader == "parquet" else pd.to_datetime(ts, format=s.formats.datetime_format)
        frames.append(pd.DataFrame({
            "person": [t[(cust, str(r))] for r in df[m["customer_ref"]]],
            "order": name + df[m["order_id"]].astype(str), "ts": ts,
            "amount": pd.to_numeric(df[m["amount"]]), "channel": df[m["channel"]],
            "status": df[m["status"]].str.lower()}))
    lines = pd.concat(frames, ignore_index=True)
    sales = lines[lines["status"] == "sale"]
    return sales.groupby(["person", "order"]).agg(ts=("ts", "min"), amount=("amount", "sum"),
                                                  channel=("channel", "first")).reset_index()


def test_one_time_and_repeat_buyers(purchases):
    freq = purchases.groupby("person")["order"].nunique()
    one_time = (freq == 1).mean()
    assert 0.1 < one_time < 0.7
    assert (freq >= 5).sum() > 5
    # heterogeneity: purchase counts far more dispersed than a common Poisson rate
    assert freq.var() > 2 * freq.mean()
    assert (purchases["amount"] > 0).all()
    spend = purchases.groupby("person")["amount"].mean()
    assert spend.mean() > 0 and spend.std() > 0


def test_seasonality_and_store_weekends(purchases):
    day = purchases["ts"].dt.normalize()
    per_day = purchases.groupby(day).size()
    full = per_day.reindex(pd.date_range("2023-04-01", "2025-12-31"), fill_value=0)
    dec = full[(full.index.month == 12)].mean()
    rest = full[(full.index.month.isin([3, 4, 5, 6, 9, 10]))].mean()
    assert dec > 1.3 * rest
    store = purchases[purchases["channel"] == "store"]
    sdays = store.groupby(store["ts"].dt.normalize()).size().reindex(
        pd.date_range("2023-04-01", "2025-12-31"), fill_value=0)
    weekend = sdays[sdays.index.day_of_week >= 5].mean()
    weekday = sdays[sdays.index.day_of_week < 5].mean()
    assert weekend > 1.3 * weekday


def test_returns_events_and_tickets(tables, cfg):
    orders = tables["web_orders"]
    ret = orders[orders["status"] == "return"]
    assert len(ret) > 0 and (ret["quantity"] < 0).all() and (ret["amount"] < 0).all()
    ev = tables["web_events"]
    assert set(ev["event_type"]) <= {"page_view", "click", "download", "search"}
    # active web buyers browse more
    n_orders = orders.groupby("account_id")["order_id"].nunique()
    n_events = ev.groupby("account_id").size()
    both = pd.concat([n_orders, n_events], axis=1).fillna(0)
    assert both.corr(method="spearman").iloc[0, 1] > 0.3
    tk = tables["support"]
    assert set(tk["type"]) <= {"call", "ticket", "chat", "return", "complaint"}
    sat = pd.to_numeric(tk["satisfaction"])
    assert sat.dropna().between(1, 5).all()
    assert sat[tk["type"] == "complaint"].mean() < sat[tk["type"] == "chat"].mean()


def test_complaints_come_before_churn(tables):
    """Customers whose last order is long before the end complained more."""
    orders = tables["web_orders"]
    last = orders.groupby("account_id")["ordered_at"].max()
    n = orders.groupby("account_id")["order_id"].nunique()
    repeat = last[(n >= 2)]
    churned = repeat[repeat < pd.Timestamp("2025-06-30")].index
    active = repeat[repeat >= pd.Timestamp("2025-06-30")].index
    tk = tables["support"]
    comp = tk[tk["type"] == "complaint"].groupby("account_ref").size()
    rate_churned = comp.reindex(churned, fill_value=0).mean()
    rate_active = comp.reindex(active, fill_value=0).mean()
    assert rate_churned > rate_active


def test_consent_share(tables):
    opt = tables["webshop"]["newsletter_opt_in"].eq("true").mean()
    assert 0.45 < opt < 0.75


# -- CLI ------------------------------------------------------------------------------------

def test_cli_generate(tmp_path):
    from typer.testing import CliRunner

    from cdmkit.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["generate", str(tmp_path / "d"), "--customers", "120", "--seed",
                              "5", "--locales", "en=0.7,ja=0.3", "--client", "acme",
                              "--no-progress"])
    assert res.exit_code == 0, res.output
    assert "120 persons" in res.output
    assert "config:" in res.output
    cfg = load_config(tmp_path / "d" / "client.yaml")
    assert cfg.client == "acme"
    assert json.loads(json.dumps(cfg.extra["generator"]))["locales"] == {"en": 0.7, "ja": 0.3}
    bad = runner.invoke(app, ["generate", str(tmp_path / "e"), "--customers", "5"])
    assert bad.exit_code != 0
    assert "between 100" in bad.output


def test_true_phone_numbers_and_postcodes_are_well_formed():
    """Before any source distorts them, every number is valid under the numbering plans."""
    import phonenumbers

    p = make_people(1500, 9, {"en": 0.5, "fa": 0.3, "ja": 0.2}, pd.Timestamp("2023-01-01"),
                    pd.Timestamp("2024-12-31")).frame
    land = p.dropna(subset=["landline_local"])
    mob = p.dropna(subset=["mobile_nsn"])
    ok_land = [phonenumbers.is_valid_number(phonenumbers.parse(f"+{c}{a}{b}"))
               for c, a, b in zip(land["phone_cc"], land["landline_area"], land["landline_local"])]
    ok_mob = [phonenumbers.is_valid_number(phonenumbers.parse(f"+{c}{n}"))
              for c, n in zip(mob["phone_cc"], mob["mobile_nsn"])]
    assert np.mean(ok_land) > 0.99 and np.mean(ok_mob) > 0.99
    pc = {"en": r"[A-Z]{1,2}\d{1,2} \d[A-Z]{2}", "fa": r"\d{10}", "ja": r"\d{3}-\d{4}"}
    for loc, pattern in pc.items():
        assert p.loc[p["locale"] == loc, "postcode"].str.fullmatch(pattern).all(), loc


def test_large_populations_are_generated_in_blocks(tmp_path, monkeypatch):
    """Blocks (used above 100,000 persons) keep ids unique and references intact."""
    import cdmkit.generate.company as gen

    monkeypatch.setattr(gen, "BLOCK_SIZE", 100)
    d = gen.generate_demo(tmp_path, n_customers=250, seed=3)
    cfg = load_config(d.config_path)
    tables = {s.name: _read(cfg, s.name) for s in cfg.sources}
    truth = pd.read_csv(d.ground_truth_path, dtype=str)
    assert truth["person_id"].nunique() == 250
    assert not truth.duplicated(["source", "record_id"]).any()
    # households never span blocks: members of one household share the household id only
    assert truth.groupby("person_id")["household_id"].nunique().max() == 1
    for s in cfg.sources_of("customers"):
        ids = tables[s.name][s.mapping["record_id"]].astype(str)
        assert set(ids) == set(truth.loc[truth["source"] == s.name, "record_id"])
    for s in cfg.sources:
        if s.kind == "customers":
            continue
        df = tables[s.name]
        assert df[s.mapping["record_id"]].is_unique, s.name
        keys = set(tables[s.customer_source][cfg.source(s.customer_source).mapping[
            "record_id"]].astype(str))
        assert df[s.mapping["customer_ref"]].astype(str).isin(keys).all(), s.name
    assert tables["web_events"]["session_id"].nunique() > 250
    emails = tables["webshop"]["email"].dropna().str.lower()
    assert d.counts["webshop_customers.csv"] == len(tables["webshop"])
    assert emails.nunique() > 0.8 * len(emails)


def test_bundled_products_are_bought_together(big):
    """The catalogue's bundles show up as high-lift pairs in web baskets."""
    from cdmkit.generate.activity import BUNDLES

    _, tables, _ = big
    o = tables["web_orders"]
    o = o[o["status"] == "sale"][["order_id", "product_name"]].drop_duplicates()
    n = o["order_id"].nunique()
    has = o.groupby("product_name")["order_id"].apply(set)
    lifts = []
    for a, b in BUNDLES:
        both = len(has[a] & has[b])
        lifts.append(both * n / (len(has[a]) * len(has[b])))
    assert min(lifts) > 3
    # an unrelated pair is bought together at about chance level
    both = len(has["Enamel teapot"] & has["Yoga mat"])
    assert both * n / (len(has["Enamel teapot"]) * len(has["Yoga mat"])) < 3


def test_movers_and_second_accounts(big):
    """Some persons have records with different postcodes (moved) or two webshop accounts."""
    import unicodedata

    _, tables, truth = big
    t = truth.set_index(["source", "record_id"])["person_id"]
    parts = []
    for source, key, col in (("webshop", "account_id", "postcode"),
                             ("pos_loyalty", "card_number", "Postcode"),
                             ("crm", "ContactID", "PostalCode")):
        df = tables[source].dropna(subset=[col])
        parts.append(pd.DataFrame({
            "person": [t[(source, str(r))] for r in df[key]],
            "postcode": [unicodedata.normalize("NFKC", str(p)).replace(" ", "").replace("-", "")
                         for p in df[col]]}))
    pc = pd.concat(parts)
    assert (pc.groupby("person")["postcode"].nunique() >= 2).sum() >= 3
    ws = truth[truth["source"] == "webshop"]
    assert (ws.groupby("person_id").size() >= 2).sum() >= 3


def test_persons_truth_matches_the_activity_files(big):
    """The per-person truth agrees with purchases counted from the files themselves."""
    cfg, tables, truth = big
    pt = pd.read_parquet(cfg.resolve_path("persons_truth.parquet"))
    assert pt["person_id"].is_unique and len(pt) == 1000
    t = truth.set_index(["source", "record_id"])["person_id"]
    counted = []
    for name, cust in (("web_orders", "webshop"), ("pos_sales", "pos_loyalty"),
                       ("tehran_sales", "pos_tehran")):
        s = cfg.source(name)
        df = tables[name]
        counted.append(pd.DataFrame({
            "person": [t[(cust, str(r))] for r in df[s.mapping["customer_ref"]]],
            "order": name + df[s.mapping["order_id"]].astype(str)}))
    per_person = pd.concat(counted).groupby("person")["order"].nunique()
    n = pt.set_index("person_id")["n_purchases"]
    assert (per_person.reindex(n.index, fill_value=0) == n).all()
    assert (n[~pt.set_index("person_id")["is_buyer"]] == 0).all()
    # the churn truth: many buyers dropped out, not all
    buyers = pt[pt["n_purchases"] > 0]
    assert 0.3 < buyers["dropped_out"].mean() < 0.95


def test_name_pools_are_wide_enough_for_a_million_customers():
    """Namesakes should be rare at scale, as in real populations (not ~90 per full name)."""
    import re

    from cdmkit.generate.names import build_pools

    fa, ja = build_pools("fa", 1), build_pools("ja", 1)
    assert len(fa.last) >= 300 and len(ja.last) >= 200
    assert min(len(fa.first_m), len(fa.first_f), len(ja.first_m), len(ja.first_f)) >= 50
    # compound Persian family names (root + suffix) with a Latin spelling for each
    assert any(n.endswith("\u200cزاده") for n in fa.last)
    assert all(re.fullmatch(r"[A-Z][a-z]+", x) for x in fa.last_latin)
    assert len(set(fa.last)) == len(fa.last)
    # Japanese: kanji, katakana reading and romaji aligned
    assert all(re.fullmatch(r"[\u30a0-\u30ff]+", k) for k in ja.last_kana)
    assert all(re.fullmatch(r"[A-Z][a-z]+", x) for x in ja.last_latin)
    assert len(set(ja.last)) == len(ja.last)
    # a Windows (cp1256) export, Arabic letters and all, keeps the half-space of compounds
    from cdmkit.generate.names import to_arabic_letters

    arabic = [to_arabic_letters(n) for n in fa.last]
    assert all(a.encode("cp1256").decode("cp1256") == a for a in arabic)
    assert any("\u200c" in a for a in arabic)
