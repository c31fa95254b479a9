"""Activity of the fictional company: purchases, returns, web events and support tickets.

Purchases follow a BG/NBD-like process per person: while alive, purchases
arrive as a Poisson process with rate ``lam`` (per year, Gamma distributed
over persons) and after every purchase the person drops out with probability
``p_drop`` (Beta distributed). Time runs on a seasonal clock (December peak,
Black Friday, a summer dip), so calendar time stretches where demand is high.
Order values follow a Gamma-Gamma model (``spend_nu`` per person). Products
come from a catalogue of 50 products in 8 categories, chosen by each person's
category taste; channels follow each person's web/store mix, and store visits
lean towards weekends. Web events and support tickets correlate with the
purchases: active web buyers browse more, returns cause return tickets, and
persons who dropped out complained more shortly before their last purchase.

Examples
--------
>>> CATALOG["category"].nunique(), len(CATALOG)
(8, 50)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import pandas as pd

from .people import N_CATEGORIES, TRUE_PARAMETERS, People

__all__ = ["CATALOG", "Activity", "EventPlan", "simulate_purchases", "build_activity",
           "plan_events", "iter_events"]

_PRODUCTS = {
    "Home & Kitchen": [("Enamel teapot", 34.0), ("Linen tea towel set", 14.5),
                       ("Ceramic mug", 9.0), ("Cast iron skillet", 42.0),
                       ("Bamboo chopping board", 18.0), ("Glass storage jars (3)", 21.0),
                       ("Wool throw", 65.0)],
    "Fashion": [("Merino scarf", 39.0), ("Canvas tote bag", 16.0), ("Leather belt", 45.0),
                ("Cotton socks (3 pairs)", 12.0), ("Rain jacket", 89.0), ("Knitted beanie", 19.0)],
    "Beauty": [("Hand cream", 8.5), ("Rose face oil", 26.0), ("Shea soap bar", 5.5),
               ("Lip balm trio", 11.0), ("Bath salts", 15.0), ("Hair brush", 22.0)],
    "Electronics": [("Wireless earbuds", 79.0), ("USB-C charger", 24.0),
                    ("Bluetooth speaker", 59.0), ("E-reader cover", 29.0),
                    ("Desk lamp", 48.0), ("Power bank", 35.0)],
    "Books": [("Cookbook: Persian kitchen", 25.0), ("Novel: The Quiet Harbour", 9.99),
              ("Travel guide: Japan", 18.0), ("Notebook A5 dotted", 12.0),
              ("Children's picture book", 7.99), ("Calligraphy set", 31.0),
              ("Puzzle book", 6.5)],
    "Toys & Games": [("Wooden puzzle", 19.0), ("Card game", 14.0), ("Kite", 23.0),
                     ("Board game: Silk Road", 38.0), ("Plush fox", 17.0), ("Origami kit", 9.0)],
    "Sports & Outdoors": [("Yoga mat", 32.0), ("Water bottle", 15.0), ("Hiking socks", 13.0),
                          ("Picnic blanket", 36.0), ("Camping mug", 11.0),
                          ("Resistance bands", 17.0)],
    "Grocery & Tea": [("Earl Grey tea 250g", 8.0), ("Saffron 2g", 12.5), ("Sencha tea 100g", 11.0),
                      ("Pistachios 500g", 14.0), ("Dark chocolate bar", 3.5),
                      ("Honey 340g", 7.5)],
}

#: The product catalogue: ``product_id``, ``product_name``, ``category``, ``unit_price`` (GBP).
CATALOG = pd.DataFrame(
    [(f"SKU-{100 + 10 * ci + pi}", name, cat, price)
     for ci, (cat, items) in enumerate(_PRODUCTS.items()) for pi, (name, price) in enumerate(items)],
    columns=["product_id", "product_name", "category", "unit_price"])
assert CATALOG["category"].nunique() == N_CATEGORIES

#: Products that are often bought together, and the share of baskets that add such a pair.
BUNDLES = [("Enamel teapot", "Earl Grey tea 250g"), ("Yoga mat", "Water bottle"),
           ("Wireless earbuds", "USB-C charger"), ("Cookbook: Persian kitchen", "Saffron 2g"),
           ("Board game: Silk Road", "Card game"), ("Rain jacket", "Hiking socks"),
           ("Hand cream", "Lip balm trio"), ("Ceramic mug", "Sencha tea 100g")]
BUNDLE_RATE = 0.12

_STORES_GB = np.array(["London Covent Garden", "London Islington", "Manchester Arndale",
                       "Edinburgh Old Town", "Bristol Harbourside"], dtype=object)
_STORES_JP = np.array(["Tokyo Ginza"], dtype=object)
_STORES_IR = np.array(["Tehran Valiasr"], dtype=object)


@dataclass
class Activity:
    """The activity tables in their source layouts.

    Attributes
    ----------
    orders : pandas.DataFrame
        Web order lines (``webshop_orders.parquet``).
    pos_sales : pandas.DataFrame
        Store receipt lines of the loyalty card holders (``pos_sales.csv``).
    tehran_sales : pandas.DataFrame
        Receipt lines of the Tehran branch (``pos_tehran_sales.csv``).
    events : pandas.DataFrame or None
        Web behaviour events (``web_events.jsonl``); None when built with
        ``with_events=False`` (stream them from ``event_plan`` with :func:`iter_events`).
    tickets : pandas.DataFrame
        Support interactions (``support_tickets.csv``).
    purchases : pandas.DataFrame
        The true purchase occasions (person, time, channel, value) for tests and teaching.
    event_plan : EventPlan
        The web sessions the events are expanded from.

    Examples
    --------
    >>> Activity(*(pd.DataFrame() for _ in range(6))).orders.empty
    True
    """

    orders: pd.DataFrame
    pos_sales: pd.DataFrame
    tehran_sales: pd.DataFrame
    events: pd.DataFrame
    tickets: pd.DataFrame
    purchases: pd.DataFrame
    event_plan: Optional["EventPlan"] = None


def _season_clock(start: pd.Timestamp, end: pd.Timestamp):
    """Cumulative seasonal intensity per calendar day (mean 1 per day)."""
    days = pd.date_range(start.normalize(), end.normalize(), freq="D")
    doy = days.dayofyear.to_numpy()
    w = (1.0 + 1.2 * np.exp(-((doy - 350) / 11.0) ** 2)          # December peak
         + 0.6 * ((days.month == 11) & (days.day >= 24)).astype(float)  # Black Friday week
         - 0.2 * np.isin(days.month, [7, 8]).astype(float)           # summer dip
         + 0.4 * ((days.month == 1) & (days.day <= 7)).astype(float))  # January sales
    w = w / w.mean()
    return days, np.concatenate([[0.0], np.cumsum(w)])


def simulate_purchases(people: People, seed: int, start, end, block: int = 0) -> pd.DataFrame:
    """Simulate purchase occasions with a BG/NBD-like process on a seasonal clock.

    Parameters
    ----------
    people : People
        Persons with ``acquired``, ``is_buyer``, ``lam`` (purchases per year while alive),
        ``p_drop`` and ``spend_nu``.
    seed : int
        Random seed.
    start, end : str or pandas.Timestamp
        Observation window.
    block : int
        Block number (own random stream per block of persons).

    Returns
    -------
    pandas.DataFrame
        ``person_idx``, ``k`` (0 = first purchase), ``timestamp``, ``last`` (the person's
        last purchase in the window), ``dropped`` (the person dropped out after it),
        ``value`` (target order value, GBP).

    Examples
    --------
    >>> from cdmkit.generate.people import make_people
    >>> p = make_people(300, 1, {"en": 1.0}, pd.Timestamp("2023-01-01"), pd.Timestamp("2024-12-31"))
    >>> buys = simulate_purchases(p, 1, "2023-01-01", "2024-12-31")
    >>> bool((buys.groupby("person_idx")["k"].min() == 0).all())
    True
    """
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    rng = np.random.default_rng([seed, 31, block])
    f = people.frame
    days, clock = _season_clock(start, end)
    horizon = clock[-1]
    acq = f["acquired"]
    acq_day = (acq.dt.normalize() - start.normalize()).dt.days.to_numpy()
    acq_frac = ((acq - acq.dt.normalize()).dt.total_seconds() / 86400.0).to_numpy()
    day_w = np.diff(clock)
    tau0 = clock[np.clip(acq_day, 0, len(day_w) - 1)] + acq_frac * day_w[
        np.clip(acq_day, 0, len(day_w) - 1)]

    lam_day = f["lam"].to_numpy() / 365.25
    p_drop = f["p_drop"].to_numpy()
    idx = np.flatnonzero(f["is_buyer"].to_numpy() & (tau0 < horizon))
    tau = tau0[idx]
    rec_i, rec_k, rec_tau, rec_drop = [idx], [np.zeros(len(idx), int)], [tau], []
    k = 0
    alive = idx
    while len(alive):
        drop = rng.random(len(alive)) < p_drop[alive]
        rec_drop.append(np.zeros(0, int))  # placeholder to keep lists aligned
        nxt = tau + rng.exponential(1.0, len(alive)) / np.maximum(lam_day[alive], 1e-9)
        keep = (~drop) & (nxt < horizon)
        dropped_now = alive[drop]
        rec_drop[-1] = dropped_now
        alive, tau = alive[keep], nxt[keep]
        k += 1
        rec_i.append(alive)
        rec_k.append(np.full(len(alive), k))
        rec_tau.append(tau)
    person = np.concatenate(rec_i)
    kk = np.concatenate(rec_k)
    tt = np.concatenate(rec_tau)
    dropped = np.zeros(len(f), bool)
    dropped[np.concatenate(rec_drop)] = True

    # Back from the seasonal clock to calendar time.
    d = np.clip(np.searchsorted(clock, tt, side="right") - 1, 0, len(day_w) - 1)
    frac = (tt - clock[d]) / day_w[d]
    ts = days[d] + pd.to_timedelta(np.clip(frac, 0, 0.999) * 86400, unit="s")
    buys = pd.DataFrame({"person_idx": person, "k": kk, "timestamp": ts})
    buys = buys.sort_values(["person_idx", "k"], kind="stable").reset_index(drop=True)
    buys["last"] = ~buys["person_idx"].duplicated(keep="last")
    buys["dropped"] = buys["last"] & dropped[buys["person_idx"].to_numpy()]
    nu = f["spend_nu"].to_numpy()[buys["person_idx"].to_numpy()]
    buys["value"] = rng.gamma(TRUE_PARAMETERS["gamma_gamma"]["p"], 1.0 / nu)
    return buys


def _lines(buys: pd.DataFrame, taste: np.ndarray, rng, extra_lines: float) -> pd.DataFrame:
    """Expand purchase occasions into product lines."""
    nlines = 1 + rng.poisson(extra_lines, len(buys))
    order_idx = np.repeat(np.arange(len(buys)), nlines)
    line_no = np.arange(len(order_idx)) - np.repeat(np.cumsum(nlines) - nlines, nlines) + 1
    person = buys["person_idx"].to_numpy()[order_idx]
    cum = np.cumsum(taste[person], axis=1)
    u = rng.random(len(order_idx))[:, None]
    cat = np.minimum((u > cum).sum(axis=1), N_CATEGORIES - 1)
    cats = CATALOG["category"].unique()
    cat_start = CATALOG.groupby("category", sort=False).indices
    starts = np.array([cat_start[c][0] for c in cats])
    sizes = np.array([len(cat_start[c]) for c in cats])
    prod = starts[cat] + (rng.random(len(order_idx)) * sizes[cat]).astype(int)
    share = rng.gamma(1.0, 1.0, len(order_idx))
    share = share / np.bincount(order_idx, share)[order_idx]
    price = CATALOG["unit_price"].to_numpy()[prod]
    target = buys["value"].to_numpy()[order_idx] * share
    qty = np.clip(np.round(target / price), 1, 12).astype(int)
    lines = pd.DataFrame({"order_idx": order_idx, "line_no": line_no, "person_idx": person,
                          "product_idx": prod, "quantity": qty, "unit_price": price})
    # Some baskets add a pair of products that go together (teapot and tea, ...): the
    # co-purchase patterns the analysis stage should find (high lift).
    with_pair = np.flatnonzero(rng.random(len(buys)) < BUNDLE_RATE)
    if len(with_pair):
        pid = pd.Series(np.arange(len(CATALOG)), index=CATALOG["product_name"])
        a = pid.reindex([x for x, _ in BUNDLES]).to_numpy()
        b = pid.reindex([y for _, y in BUNDLES]).to_numpy()
        k = rng.integers(0, len(BUNDLES), len(with_pair))
        prods = np.stack([a[k], b[k]], axis=1).ravel()
        orders = np.repeat(with_pair, 2)
        extra = pd.DataFrame({"order_idx": orders,
                              "line_no": nlines[orders] + np.tile([1, 2], len(with_pair)),
                              "person_idx": buys["person_idx"].to_numpy()[orders],
                              "product_idx": prods, "quantity": 1,
                              "unit_price": CATALOG["unit_price"].to_numpy()[prods]})
        lines = pd.concat([lines, extra], ignore_index=True).sort_values(
            ["order_idx", "line_no"], kind="stable").reset_index(drop=True)
    return lines


def _store_time(ts: pd.Series, rng) -> pd.Series:
    """Store visits: opening hours, and a share of weekday visits moved to the weekend."""
    day = ts.dt.normalize()
    dow = day.dt.dayofweek.to_numpy()
    move = (dow < 5) & (rng.random(len(ts)) < 0.35)
    shift = np.where(move, 5 - dow + (rng.random(len(ts)) < 0.5), 0)
    day = day + pd.to_timedelta(shift, unit="D")
    minutes = rng.integers(9 * 60, 20 * 60, len(ts))
    return day + pd.to_timedelta(minutes, unit="m") + pd.to_timedelta(
        rng.integers(0, 60, len(ts)), unit="s")


def _web_time(ts: pd.Series, rng) -> pd.Series:
    # evenings busier: hour drawn from a two-bump distribution
    hour = np.clip(np.where(rng.random(len(ts)) < 0.6, rng.normal(20, 2, len(ts)),
                            rng.normal(12, 3, len(ts))), 0, 23.99)
    return ts.dt.normalize() + pd.to_timedelta((hour * 3600).astype(np.int64), unit="s")


def build_activity(people: People, accounts: pd.DataFrame, seed: int, start, end,
                   progress=None, with_events: bool = True, block: int = 0,
                   offsets: Optional[dict] = None) -> Activity:
    """Build orders, store sales, web events and support tickets.

    Parameters
    ----------
    people : People
        The persons.
    accounts : pandas.DataFrame
        ``person_id, source, record_id, created, second`` of the customer records (from
        :func:`cdmkit.generate.sources.build_customer_sources`).
    seed : int
        Random seed.
    start, end : str or pandas.Timestamp
        Observation window.
    progress : callable, optional
        Called with a short message after each step.
    with_events : bool
        Build the events table in memory (False: only plan the sessions, to stream
        the events to a file chunk by chunk).
    block : int
        Block number (own random stream per block of persons).
    offsets : dict, optional
        Ids used by earlier blocks: ``order``, ``receipt``, ``ticket``, ``event``,
        ``session`` (ids continue after them).

    Returns
    -------
    Activity

    Examples
    --------
    >>> from cdmkit.generate.people import make_people
    >>> from cdmkit.generate.sources import build_customer_sources
    >>> p = make_people(200, 4, {"en": 1.0}, pd.Timestamp("2023-01-01"), pd.Timestamp("2023-12-31"))
    >>> cs = build_customer_sources(p, 4, pd.Timestamp("2023-12-31"))
    >>> act = build_activity(p, cs.accounts, 4, "2023-01-01", "2023-12-31")
    >>> bool((act.orders["channel"] == "web").all())
    True
    """
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    end_ts = end.normalize() + pd.Timedelta(hours=23, minutes=59, seconds=59)
    rng = np.random.default_rng([seed, 41, block])
    off = dict(offsets or {})
    f = people.frame
    n = len(f)
    note = progress or (lambda msg: None)
    buys = simulate_purchases(people, seed, start, end, block=block)
    note("purchases simulated")

    # Keys of each person in each source (first account; second webshop accounts separately).
    pid_index = pd.Series(np.arange(n), index=f["person_id"])
    acc = accounts.assign(person_idx=pid_index.reindex(accounts["person_id"]).to_numpy())

    def key_array(source, second=False):
        a = acc[(acc["source"] == source) & (acc["second"] == second)]
        out = np.full(n, None, dtype=object)
        out[a["person_idx"].to_numpy()] = a["record_id"].to_numpy()
        created = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        created[a["person_idx"].to_numpy()] = a["created"].to_numpy()
        return out, created

    web_key, _ = key_array("webshop")
    web_key2, web2_created = key_array("webshop", second=True)
    pos_key, _ = key_array("pos_loyalty")
    teh_key, _ = key_array("pos_tehran")

    # Channel of each occasion; persons without a key for the drawn channel use the other.
    pi = buys["person_idx"].to_numpy()
    web_share = f["web_share"].to_numpy()
    store_key = np.where(pd.notna(pos_key), pos_key, teh_key)
    is_web = rng.random(len(buys)) < web_share[pi]
    is_web = np.where(pd.isna(web_key[pi]), False, np.where(pd.isna(store_key[pi]), True, is_web))
    buys["channel"] = np.where(is_web, "web", "store")
    ts = buys["timestamp"]
    buys["timestamp"] = np.where(is_web, _web_time(ts, rng), _store_time(ts, rng))
    buys["timestamp"] = pd.to_datetime(buys["timestamp"]).clip(upper=end_ts)
    # a first purchase never precedes the account
    buys["timestamp"] = buys["timestamp"].where(
        buys["k"] > 0, np.maximum(buys["timestamp"], f["acquired"].to_numpy()[pi]))

    # -- web orders ------------------------------------------------------------------------
    wb = buys[is_web].reset_index(drop=True)
    wl = _lines(wb, people.taste, rng, 0.6)
    wpi = wb["person_idx"].to_numpy()
    acct = web_key[wpi]
    # persons with a second account use it for part of their later orders
    k2 = web_key2[wpi]
    use2 = pd.notna(k2) & (wb["timestamp"].to_numpy() > web2_created[wpi]) & (
        rng.random(len(wb)) < 0.5)
    acct = np.where(use2, k2, acct)
    order_ids = np.char.add("WO-", (1000001 + off.get("order", 0) + np.argsort(np.argsort(
        wb["timestamp"].to_numpy(), kind="stable"), kind="stable")).astype(str))
    oi = wl["order_idx"].to_numpy()
    orders = pd.DataFrame({
        "order_id": order_ids[oi],
        "line_id": np.char.add(np.char.add(order_ids[oi].astype(str), "-"),
                               wl["line_no"].to_numpy().astype(str)),
        "account_id": acct[oi],
        "ordered_at": wb["timestamp"].to_numpy()[oi],
        "product_id": CATALOG["product_id"].to_numpy()[wl["product_idx"]],
        "product_name": CATALOG["product_name"].to_numpy()[wl["product_idx"]],
        "category": CATALOG["category"].to_numpy()[wl["product_idx"]],
        "quantity": wl["quantity"].to_numpy(),
        "unit_price": wl["unit_price"].to_numpy(),
        "currency": "GBP",
        "channel": "web",
        "status": "sale",
    })
    # returns: a later negative line for ~5% of web lines
    ret = orders[rng.random(len(orders)) < 0.05].copy()
    ret["ordered_at"] = ret["ordered_at"] + pd.to_timedelta(
        rng.integers(3 * 86400, 30 * 86400, len(ret)), unit="s")
    ret = ret[ret["ordered_at"] <= end_ts]
    ret["line_id"] = ret["line_id"] + "-R"
    ret["quantity"] = -ret["quantity"]
    ret["status"] = "return"
    orders = pd.concat([orders, ret], ignore_index=True)
    orders["amount"] = (orders["quantity"] * orders["unit_price"]).round(2)
    orders = orders.sort_values(["ordered_at", "line_id"], kind="stable").reset_index(drop=True)
    orders = orders[["order_id", "line_id", "account_id", "ordered_at", "product_id",
                     "product_name", "category", "quantity", "unit_price", "amount",
                     "currency", "channel", "status"]]
    note("web orders built")

    # -- store receipts ----------------------------------------------------------------------
    sb = buys[~is_web].reset_index(drop=True)
    sl = _lines(sb, people.taste, rng, 0.9)
    spi = sb["person_idx"].to_numpy()
    loc = f["locale"].to_numpy()[spi]
    store = np.where(loc == "ja", rng.choice(_STORES_JP, len(sb)),
                     np.where(loc == "fa", rng.choice(_STORES_IR, len(sb)),
                              rng.choice(_STORES_GB, len(sb))))
    receipts = np.char.add("R", (5000001 + off.get("receipt", 0) + np.argsort(np.argsort(
        sb["timestamp"].to_numpy(), kind="stable"), kind="stable")).astype(str))
    si = sl["order_idx"].to_numpy()
    qty = sl["quantity"].to_numpy()
    price = sl["unit_price"].to_numpy()
    is_ret = rng.random(len(sl)) < 0.02
    sales = pd.DataFrame({
        "receipt_no": receipts[si],
        "line": sl["line_no"].to_numpy(),
        "line_id": np.char.add(np.char.add(receipts[si].astype(str), "-"),
                               np.char.zfill(sl["line_no"].to_numpy().astype(str), 2)),
        "card": store_key[spi][si],
        "sold_at": sb["timestamp"].to_numpy()[si],
        "shop": store[si],
        "sku": CATALOG["product_id"].to_numpy()[sl["product_idx"]],
        "description": CATALOG["product_name"].to_numpy()[sl["product_idx"]],
        "category": CATALOG["category"].to_numpy()[sl["product_idx"]],
        "qty": np.where(is_ret, -qty, qty),
        "price": price,
        "total": (np.where(is_ret, -qty, qty) * price).round(2),
        "type": np.where(is_ret, "RETURN", "SALE"),
        "channel": "store",
        "_locale": loc[si],
        "_person": spi[si],
    }).sort_values(["sold_at", "receipt_no", "line"], kind="stable").reset_index(drop=True)
    tehran = sales[sales["_locale"] == "fa"]
    pos_sales = sales[sales["_locale"] != "fa"]
    pos_sales = pos_sales.drop(columns=["_locale", "_person"]).rename(
        columns={"card": "card_number"}).reset_index(drop=True)
    tehran = tehran.drop(columns=["_locale", "_person"]).rename(
        columns={"card": "customer_code"}).reset_index(drop=True)
    pos_sales["sold_at"] = pos_sales["sold_at"].dt.strftime("%d/%m/%Y %H:%M")
    tehran["sold_at"] = tehran["sold_at"].dt.strftime("%Y-%m-%d %H:%M:%S")
    # the branch till numbers its own receipts
    tehran["receipt_no"] = tehran["receipt_no"].str.replace("R", "TV", n=1, regex=False)
    tehran["line_id"] = tehran["line_id"].str.replace("R", "TV", n=1, regex=False)
    note("store sales built")

    # -- web events -------------------------------------------------------------------------
    plan = plan_events(f, buys, is_web, web_key, seed, end_ts, block=block,
                       event_offset=off.get("event", 0), session_offset=off.get("session", 0))
    events = pd.concat(iter_events(plan), ignore_index=True) if with_events else None
    note("web events planned")
    # -- support tickets --------------------------------------------------------------------
    tickets = _tickets(f, buys, orders, web_key, rng, start, end_ts, acct_map=acc,
                       offset=off.get("ticket", 0))
    note("support tickets built")

    purchases = buys.assign(person_id=f["person_id"].to_numpy()[buys["person_idx"].to_numpy()])
    return Activity(orders=orders, pos_sales=pos_sales, tehran_sales=tehran, events=events,
                    tickets=tickets, purchases=purchases, event_plan=plan)


_PAGES_BY_TYPE = {
    "page_view": ["/", "/product/", "/category/", "/offers", "/basket", "/account"],
    "click": ["/product/", "/basket", "/checkout", "/offers"],
    "download": ["/downloads/catalogue.pdf", "/downloads/size-guide.pdf",
                 "/downloads/invoice.pdf"],
    "search": ["/search?q="],
}
_SEARCH_TERMS = np.array(["tea", "scarf", "gift", "mug", "saffron", "speaker", "yoga", "puzzle",
                          "sale", "book"], dtype=object)


#: Sessions expanded into events per chunk (bounds memory for a million persons).
EVENT_CHUNK = 200_000


@dataclass
class EventPlan:
    """Web sessions of every person, ready to be expanded into events chunk by chunk.

    Attributes
    ----------
    person : numpy.ndarray
        Person index of each session (sessions sorted by start time).
    start_ns : numpy.ndarray
        Session start (ns since epoch).
    account : numpy.ndarray
        Webshop account of each person.
    device : numpy.ndarray
        Preferred device of each person.
    seed : int
        Seed of the event draws.
    end_ns : int
        Last instant of the window.
    block : int
        Block number of the persons.
    event_offset, session_offset : int
        Events and sessions of earlier blocks (ids continue after them).

    Examples
    --------
    >>> EventPlan(np.array([], int), np.array([], int), np.array([]), np.array([]), 1, 0).n_sessions
    0
    """

    person: np.ndarray
    start_ns: np.ndarray
    account: np.ndarray
    device: np.ndarray
    seed: int
    end_ns: int
    block: int = 0
    event_offset: int = 0
    session_offset: int = 0

    @property
    def n_sessions(self) -> int:
        """Number of planned sessions.

        Examples
        --------
        >>> EventPlan(np.array([3]), np.array([0]), np.array([]), np.array([]), 1, 0).n_sessions
        1
        """
        return len(self.person)


def plan_events(f, buys, is_web, web_key, seed, end_ts, block: int = 0, event_offset: int = 0,
                session_offset: int = 0) -> EventPlan:
    """Draw web sessions: active web buyers browse more, browsing stops after they leave.

    Examples
    --------
    >>> from cdmkit.generate.people import make_people
    >>> p = make_people(150, 2, {"en": 1.0}, pd.Timestamp("2023-01-01"), pd.Timestamp("2023-12-31"))
    >>> b = simulate_purchases(p, 2, "2023-01-01", "2023-12-31")
    >>> key = np.array(["A%d" % i for i in range(150)], dtype=object)
    >>> plan = plan_events(p.frame, b, np.ones(len(b), bool), key, 2, pd.Timestamp("2023-12-31"))
    >>> plan.n_sessions > 150
    True
    """
    rng = np.random.default_rng([seed, 43, block])
    n = len(f)
    has = pd.notna(web_key)
    web_orders = np.bincount(buys["person_idx"].to_numpy()[is_web], minlength=n)
    rate = np.where(has, 0.4 + 0.8 * web_orders, 0.0)
    n_sessions = np.minimum(rng.poisson(rate), 40)
    sess_person = np.repeat(np.arange(n), n_sessions)
    # sessions between acquisition and (last purchase + 90 days) or the end
    last_buy = buys.groupby("person_idx")["timestamp"].max().reindex(np.arange(n))
    end_ns = int(pd.Timestamp(end_ts).value)
    stop = np.where(last_buy.notna(), (last_buy + pd.Timedelta(days=90)).to_numpy()
                    .astype("datetime64[ns]").astype(np.int64), end_ns)
    stop = np.minimum(stop.astype(np.int64), end_ns)
    acq = f["acquired"].to_numpy().astype("datetime64[ns]").astype(np.int64)
    a = acq[sess_person]
    b = np.maximum(stop[sess_person], a)
    t = a + (rng.random(len(sess_person)) * (b - a)).astype(np.int64)
    order = np.argsort(t, kind="stable")
    device = rng.choice(np.array(["mobile", "desktop", "tablet"], dtype=object), n,
                        p=[0.55, 0.35, 0.10])
    return EventPlan(person=sess_person[order], start_ns=t[order], account=web_key,
                     device=device, seed=seed, end_ns=end_ns, block=block,
                     event_offset=event_offset, session_offset=session_offset)


def iter_events(plan: EventPlan, chunk: int = EVENT_CHUNK):
    """Expand sessions into events, ``chunk`` sessions at a time (ids continue across chunks).

    Yields
    ------
    pandas.DataFrame
        ``event_id, account_id, timestamp, event_type, page, device, session_id``.

    Examples
    --------
    >>> plan = EventPlan(np.array([0, 0]), np.array([0, 10**12]), np.array(["A1"], dtype=object),
    ...                  np.array(["mobile"], dtype=object), 1, 10**13)
    >>> ev = pd.concat(iter_events(plan))
    >>> set(ev["session_id"]) == {"S700001", "S700002"}
    True
    """
    first_id = plan.event_offset
    cats = CATALOG["category"].str.lower().str.replace(r"[^a-z]+", "-", regex=True).unique()
    for c, lo in enumerate(range(0, plan.n_sessions, chunk)):
        rng = np.random.default_rng([plan.seed, 47, plan.block, c])
        hi = min(lo + chunk, plan.n_sessions)
        sp, t = plan.person[lo:hi], plan.start_ns[lo:hi]
        n_ev = 1 + rng.poisson(1.5, hi - lo)
        ev_sess = np.repeat(np.arange(hi - lo), n_ev)
        m = len(ev_sess)
        offset = np.arange(m) - np.repeat(np.cumsum(n_ev) - n_ev, n_ev)
        ts = t[ev_sess] + offset * rng.integers(5, 240, m) * 1_000_000_000
        etype = rng.choice(np.array(["page_view", "click", "search", "download"], dtype=object),
                           m, p=[0.6, 0.25, 0.11, 0.04])
        page = np.empty(m, dtype=object)
        u = rng.random(m)
        for t_name, pages in _PAGES_BY_TYPE.items():
            sel = etype == t_name
            page[sel] = np.array(pages, dtype=object)[(u[sel] * len(pages)).astype(int)]
        sku = CATALOG["product_id"].to_numpy()[rng.integers(0, len(CATALOG), m)]
        page = np.where(page == "/product/", page + sku, page)
        page = np.where(page == "/category/", page + rng.choice(cats, m), page)
        page = np.where(page == "/search?q=", page + rng.choice(_SEARCH_TERMS, m), page)
        dev = plan.device[sp][ev_sess]
        dev = np.where(rng.random(m) < 0.15, "desktop", dev)
        keep = ts <= plan.end_ns
        ev = pd.DataFrame({"ts": ts, "account_id": plan.account[sp][ev_sess],
                           "event_type": etype, "page": page, "device": dev,
                           "session": ev_sess + lo})[keep]
        ev = ev.sort_values(["ts", "session"], kind="stable")
        ev.insert(0, "event_id", np.char.add("EV", (10000001 + first_id + np.arange(len(ev)))
                                             .astype(str)))
        first_id += len(ev)
        ev["session_id"] = np.char.add("S", (ev["session"].to_numpy() + 700001
                                             + plan.session_offset).astype(str))
        ev["timestamp"] = pd.to_datetime(ev["ts"]).dt.strftime("%Y-%m-%dT%H:%M:%S")
        yield ev[["event_id", "account_id", "timestamp", "event_type", "page", "device",
                  "session_id"]].reset_index(drop=True)


_TOPICS = {
    "call": ["delivery", "payment", "product question", "account"],
    "ticket": ["delivery", "invoice", "account", "product question"],
    "chat": ["delivery", "product question", "discount code"],
    "return": ["wrong size", "damaged item", "changed mind"],
    "complaint": ["late delivery", "damaged item", "rude staff", "refund delay"],
}
_CHANNEL = {"call": "phone", "ticket": "e-mail", "chat": "chat", "return": "web form",
            "complaint": "e-mail"}


def _tickets(f, buys, orders, web_key, rng, start, end_ts, acct_map, offset=0):
    n = len(f)
    has = pd.notna(web_key)
    acct_person = acct_map[acct_map["source"] == "webshop"].set_index("record_id")["person_idx"]
    rows = []
    # returns -> return tickets (60%)
    ret = orders[orders["status"] == "return"]
    ret = ret[rng.random(len(ret)) < 0.6]
    rows.append(pd.DataFrame({"person_idx": acct_person.reindex(ret["account_id"]).to_numpy(),
                              "account_id": ret["account_id"].to_numpy(),
                              "ts": ret["ordered_at"].to_numpy() - np.timedelta64(1, "D"),
                              "type": "return"}))
    # background contacts over the customer's life
    base_n = np.where(has, rng.poisson(0.35, n), 0)
    bp = np.repeat(np.arange(n), base_n)
    acq = f["acquired"].to_numpy().astype("datetime64[ns]").astype(np.int64)
    endi = np.datetime64(end_ts).astype("datetime64[ns]").astype(np.int64)
    t = acq[bp] + (rng.random(len(bp)) * (endi - acq[bp])).astype(np.int64)
    rows.append(pd.DataFrame({"person_idx": bp, "account_id": web_key[bp],
                              "ts": pd.to_datetime(t).to_numpy(),
                              "type": rng.choice(np.array(["call", "ticket", "chat",
                                                           "complaint"], dtype=object),
                                                 len(bp), p=[0.35, 0.3, 0.27, 0.08])}))
    # churners complained shortly before their last purchase (and then left)
    churn = buys[buys["dropped"] & (buys["k"] > 0)]
    churn = churn[has[churn["person_idx"].to_numpy()] & (rng.random(len(churn)) < 0.5)]
    cp = churn["person_idx"].to_numpy()
    rows.append(pd.DataFrame({"person_idx": cp, "account_id": web_key[cp],
                              "ts": (churn["timestamp"] - pd.to_timedelta(
                                  rng.integers(0, 30 * 86400, len(churn)), unit="s")).to_numpy(),
                              "type": "complaint"}))
    t = pd.concat(rows, ignore_index=True)
    t = t[t["account_id"].notna()]
    t["ts"] = pd.to_datetime(t["ts"]).clip(lower=pd.Timestamp(start), upper=end_ts)
    t = t.sort_values(["ts", "account_id"], kind="stable").reset_index(drop=True)
    m = len(t)
    typ = t["type"].to_numpy()
    u = rng.random(m)
    topic = np.empty(m, dtype=object)
    for k, opts in _TOPICS.items():
        sel = typ == k
        topic[sel] = np.array(opts, dtype=object)[(u[sel] * len(opts)).astype(int)]
    mean_sat = np.select([typ == "complaint", typ == "return"], [1.8, 3.2], 4.1)
    sat = np.clip(np.round(rng.normal(mean_sat, 0.9)), 1, 5).astype(int)
    resolved = rng.random(m) < np.where(typ == "complaint", 0.7, 0.92)
    dur = np.round(rng.lognormal(np.where(typ == "call", 2.2, 2.6), 0.6), 1)
    channel = np.array([_CHANNEL[x] for x in typ], dtype=object)
    out = pd.DataFrame({
        "ticket_id": np.char.add("T-", (200001 + offset + np.arange(m)).astype(str)),
        "account_ref": t["account_id"].to_numpy(),
        "opened": t["ts"].dt.strftime("%Y-%m-%d %H:%M"),
        "type": typ, "channel": channel, "topic": topic,
        # survey not answered by some: a missing score, not a zero
        "satisfaction": pd.array(np.where(rng.random(m) < 0.15, -1, sat), dtype="Int64"),
        "resolved": np.where(resolved, "Y", "N"),
        "duration_min": dur,
    })
    out["satisfaction"] = out["satisfaction"].mask(out["satisfaction"] < 0)
    return out
