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

# The catalogue and the web events have their own modules; their names stay importable here.
from .catalog import BUNDLE_RATE, BUNDLES, CATALOG
from .people import N_CATEGORIES, TRUE_PARAMETERS, People
from .webevents import EVENT_CHUNK, EventPlan, iter_events, plan_events  # noqa: F401

__all__ = ["CATALOG", "Activity", "EventPlan", "simulate_purchases", "build_activity",
           "plan_events", "iter_events"]

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
    doy = days.day_of_year.to_numpy()
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
    dow = day.dt.day_of_week.to_numpy()
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
    note = progress or (lambda msg: None)
    buys = simulate_purchases(people, seed, start, end, block=block)
    note("purchases simulated")

    # The draws from ``rng`` follow one order (channels, web orders, store sales, tickets):
    # the same seed gives the same company only while that order stays.
    acc, keys = _account_keys(f, accounts)
    is_web, store_key = _channels(buys, f, keys, rng, end_ts)
    orders = _web_orders(buys[is_web].reset_index(drop=True), people.taste, keys, rng, end_ts,
                         off)
    note("web orders built")
    pos_sales, tehran = _store_sales(buys[~is_web].reset_index(drop=True), people, store_key,
                                     rng, off)
    note("store sales built")

    plan = plan_events(f, buys, is_web, keys.web, seed, end_ts, block=block,
                       event_offset=off.get("event", 0), session_offset=off.get("session", 0))
    events = pd.concat(iter_events(plan), ignore_index=True) if with_events else None
    note("web events planned")
    tickets = _tickets(f, buys, orders, keys.web, rng, start, end_ts, acct_map=acc,
                       offset=off.get("ticket", 0))
    note("support tickets built")

    purchases = buys.assign(person_id=f["person_id"].to_numpy()[buys["person_idx"].to_numpy()])
    return Activity(orders=orders, pos_sales=pos_sales, tehran_sales=tehran, events=events,
                    tickets=tickets, purchases=purchases, event_plan=plan)


@dataclass
class _SourceKeys:
    """Each person's record in each source (``None`` without one), by person index."""

    web: np.ndarray  # first webshop account
    web2: np.ndarray  # second webshop account
    web2_created: np.ndarray  # when the second account was created
    pos: np.ndarray  # loyalty card
    tehran: np.ndarray  # Tehran branch customer code


def _account_keys(f: pd.DataFrame, accounts: pd.DataFrame):
    """``(accounts with person_idx, keys)``: first accounts, second webshop accounts apart."""
    n = len(f)
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
    return acc, _SourceKeys(web_key, web_key2, web2_created, pos_key, teh_key)


def _channels(buys: pd.DataFrame, f: pd.DataFrame, keys: _SourceKeys, rng, end_ts):
    """Channel and time of day of each occasion (in ``buys``); ``(is_web, store_key)``.

    Persons without a key for the drawn channel use the other.
    """
    pi = buys["person_idx"].to_numpy()
    web_share = f["web_share"].to_numpy()
    store_key = np.where(pd.notna(keys.pos), keys.pos, keys.tehran)
    is_web = rng.random(len(buys)) < web_share[pi]
    is_web = np.where(pd.isna(keys.web[pi]), False, np.where(pd.isna(store_key[pi]), True,
                                                             is_web))
    buys["channel"] = np.where(is_web, "web", "store")
    ts = buys["timestamp"]
    buys["timestamp"] = np.where(is_web, _web_time(ts, rng), _store_time(ts, rng))
    buys["timestamp"] = pd.to_datetime(buys["timestamp"]).clip(upper=end_ts)
    # a first purchase never precedes the account
    buys["timestamp"] = buys["timestamp"].where(
        buys["k"] > 0, np.maximum(buys["timestamp"], f["acquired"].to_numpy()[pi]))
    return is_web, store_key


def _web_orders(wb: pd.DataFrame, taste: np.ndarray, keys: _SourceKeys, rng, end_ts,
                off: dict) -> pd.DataFrame:
    """Web order lines of the web occasions ``wb``, with returns as later negative lines."""
    wl = _lines(wb, taste, rng, 0.6)
    wpi = wb["person_idx"].to_numpy()
    acct = keys.web[wpi]
    # persons with a second account use it for part of their later orders
    k2 = keys.web2[wpi]
    use2 = pd.notna(k2) & (wb["timestamp"].to_numpy() > keys.web2_created[wpi]) & (
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
    return orders


def _store_sales(sb: pd.DataFrame, people: People, store_key: np.ndarray, rng, off: dict):
    """Receipt lines of the store occasions ``sb``: ``(pos_sales, tehran)`` in their layouts."""
    f = people.frame
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
    return pos_sales, tehran


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
