"""The true persons and households of the fictional company (before any source distorts them).

One row per real person: identity, household, address history, contacts,
consent and the behaviour parameters that drive the activity simulation
(BG/NBD purchase rate and dropout, Gamma-Gamma spend, channel mix, category
taste). Everything is drawn with one ``numpy.random.Generator`` over whole
arrays, so the cost grows linearly and stays small up to a million persons.

Examples
--------
>>> import pandas as pd
>>> people = make_people(200, seed=1, locales={"en": 0.5, "fa": 0.3, "ja": 0.2},
...                      start=pd.Timestamp("2023-01-01"), end=pd.Timestamp("2024-12-31"))
>>> len(people.frame), people.frame["person_id"].is_unique
(200, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import pandas as pd

from .names import LANDLINE_LEADS, LocalePools, build_pools

__all__ = ["People", "make_people", "N_CATEGORIES", "TRUE_PARAMETERS"]

#: Number of product categories (taste vectors have this length).
N_CATEGORIES = 8

#: The behaviour model's true parameters (what CLV models should roughly recover).
#: BG/NBD: purchase rate per year while active ~ Gamma(shape r, rate alpha) and dropout
#: probability after each purchase ~ Beta(a, b). Gamma-Gamma: order value ~ Gamma(p, rate nu),
#: nu ~ Gamma(shape q, rate gamma), so the mean order value is p * gamma / (q - 1).
TRUE_PARAMETERS = {
    "bgnbd": {"r": 0.9, "alpha_years": 0.9 / 3.5, "alpha_days": 0.9 / 3.5 * 365.25,
              "alpha_weeks": 0.9 / 3.5 * 365.25 / 7, "a": 1.2, "b": 4.0},
    "gamma_gamma": {"p": 6.0, "q": 4.0, "gamma": 30.0},
    "buyer_share": 0.9,
}

_UK_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"), dtype=object)


@dataclass
class People:
    """The simulated persons.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per person (see :func:`make_people` for the columns).
    taste : numpy.ndarray
        ``(n, N_CATEGORIES)`` category preference of each person (rows sum to 1).
    pools : dict of str to LocalePools
        The pools the persons were drawn from (reused by the source writers).

    Examples
    --------
    >>> p = make_people(120, seed=2, locales={"en": 1.0},
    ...                 start=pd.Timestamp("2023-01-01"), end=pd.Timestamp("2023-12-31"))
    >>> p.taste.shape
    (120, 8)
    """

    frame: pd.DataFrame
    taste: np.ndarray
    pools: dict


def _digits(rng, n, k, first_low=0):
    """n random digit strings of length k (first digit >= first_low)."""
    if k == 0:
        return np.full(n, "", dtype=object)
    first = rng.integers(first_low, 10, n)
    rest = rng.integers(0, 10 ** (k - 1), n) if k > 1 else np.zeros(n, dtype=np.int64)
    s = pd.Series(first).astype(str)
    if k > 1:
        s = s + pd.Series(rest).astype(str).str.zfill(k - 1)
    return s.to_numpy(dtype=object)


def _postcodes(rng, loc: str, pools: LocalePools, city_idx: np.ndarray) -> np.ndarray:
    n = len(city_idx)
    if loc == "en":
        prefix_lists = pools.postcode_prefixes
        choice = rng.random(n)
        area = np.array([lst[int(c * len(lst))] for lst, c in
                         zip((prefix_lists[i] for i in city_idx), choice)], dtype=object)
        district = rng.integers(1, 21, n).astype(str).astype(object)
        sector = rng.integers(0, 10, n).astype(str).astype(object)
        unit = rng.choice(_UK_LETTERS, n) + rng.choice(_UK_LETTERS, n)
        return area + district + " " + sector + unit
    if loc == "fa":
        first = np.array([pools.postcode_prefixes[i][0] for i in city_idx], dtype=object)
        mid = rng.choice(np.array(list("13456789"), dtype=object), (n, 4))
        mid = mid[:, 0] + mid[:, 1] + mid[:, 2] + mid[:, 3]
        return first + mid + _digits(rng, n, 5)
    pre = np.array([pools.postcode_prefixes[i][0] for i in city_idx], dtype=object)
    return pre + _digits(rng, n, 1) + "-" + _digits(rng, n, 4)


def _addresses(rng, loc: str, pools: LocalePools, n: int) -> dict:
    """n random addresses of a locale: street (two spellings), city, region, postcode."""
    city_idx = rng.choice(len(pools.city), n, p=pools.city_weight)
    street = rng.choice(pools.streets, n)
    num = rng.integers(1, 240, n).astype(str).astype(object)
    if loc == "en":
        flat = rng.random(n) < 0.15
        flatno = rng.integers(1, 30, n).astype(str).astype(object)
        main = num + " " + street
        main = np.where(flat, "Flat " + flatno + ", " + main, main)
        alt = (pd.Series(main).str.replace(r"\bRoad\b", "Rd", regex=True)
               .str.replace(r"\bStreet\b", "St", regex=True)
               .str.replace(r"\bAvenue\b", "Ave", regex=True)
               .str.replace("Flat ", "", regex=False).to_numpy(dtype=object))
    elif loc == "fa":
        from .names import to_persian_digits

        alley = rng.integers(1, 40, n).astype(str).astype(object)
        has_alley = rng.random(n) < 0.6
        main = np.where(has_alley, street + "، کوچه " + alley + "، پلاک " + num,
                        street + "، پلاک " + num)
        alt = np.array([to_persian_digits(s) for s in main], dtype=object) if n else main
    else:
        chome = rng.integers(1, 9, n).astype(str).astype(object)
        ban = rng.integers(1, 30, n).astype(str).astype(object)
        gou = rng.integers(1, 25, n).astype(str).astype(object)
        main = street + chome + "丁目" + ban + "番" + gou + "号"
        alt = street + chome + "-" + ban + "-" + gou
    return {"street": main.astype(object), "street_alt": np.asarray(alt, dtype=object),
            "city": pools.city[city_idx], "region": pools.region[city_idx],
            "postcode": _postcodes(rng, loc, pools, city_idx), "city_idx": city_idx}


def _households(rng, n: int, share: float):
    """Household number (0..H-1, ordered) and role (0 = first member) for n persons."""
    order = rng.permutation(n)
    sizes = rng.choice([2, 3, 4], size=max(1, int(n * share / 2.5) + 1), p=[0.6, 0.25, 0.15])
    cum = np.cumsum(sizes)
    sizes = sizes[cum <= int(n * share)]
    members = int(sizes.sum())
    singles = n - members
    all_sizes = np.concatenate([sizes, np.ones(singles, dtype=int)]).astype(int)
    hh = np.repeat(np.arange(len(all_sizes)), all_sizes)
    starts = np.repeat(np.cumsum(all_sizes) - all_sizes, all_sizes)
    role = np.arange(n) - starts
    size = np.repeat(all_sizes, all_sizes)
    out_hh, out_role, out_size = (np.empty(n, dtype=np.int64) for _ in range(3))
    out_hh[order], out_role[order], out_size[order] = hh, role, size
    return out_hh, out_role, out_size


def _email_local(rng, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    f = pd.Series(first).str.lower().str.replace(r"[^a-z]", "", regex=True)
    lname = pd.Series(last).str.lower().str.replace(r"[^a-z]", "", regex=True)
    n = len(f)
    pat = rng.integers(0, 5, n)
    num = pd.Series(rng.integers(1, 99, n)).astype(str)
    variants = [f + "." + lname, f + lname, f.str[:1] + "." + lname, f + "_" + lname + num,
                lname + "." + f + num]
    out = variants[0].copy()
    for k in range(1, 5):
        out = out.where(pat != k, variants[k])
    return out.to_numpy(dtype=object)


def make_people(n: int, seed: int, locales: dict, start: pd.Timestamp, end: pd.Timestamp,
                household_share: float = 0.30, block: int = 0, pools: Optional[dict] = None,
                person_offset: int = 0, household_offset: int = 0,
                taken_emails: Optional[set] = None) -> People:
    """Draw ``n`` persons with households, addresses, contacts, consent and behaviour.

    Parameters
    ----------
    n : int
        Number of persons.
    seed : int
        Seed of all random draws.
    locales : dict of str to float
        Locale mix, e.g. ``{"en": 0.6, "fa": 0.25, "ja": 0.15}`` (normalised).
    start, end : pandas.Timestamp
        Observation window; acquisitions fall inside it.
    household_share : float
        Share of persons living in a multi-person household.
    block : int
        Number of this block of persons (large populations are drawn in blocks; each
        block has its own random stream).
    pools : dict, optional
        Locale pools to reuse (default: built from ``seed``).
    person_offset, household_offset : int
        Persons and households drawn in earlier blocks (ids continue after them).
    taken_emails : set, optional
        Private e-mails used by earlier blocks; updated in place.

    Returns
    -------
    People
        ``frame`` columns: ``person_id``, ``household_id``, ``hh_role``, ``hh_size``,
        ``locale``, ``country``, ``gender``, ``first_name``, ``first_name_latin``,
        ``first_name_kana``, ``middle_name``, ``last_name``, ``last_name_latin``,
        ``last_name_kana``, ``birth_date``, ``street``, ``street_alt``, ``city``, ``region``,
        ``postcode``, ``moved_at``, ``prev_street``, ``prev_city``, ``prev_postcode``,
        ``mobile_nsn``, ``landline_area``, ``landline_local``, ``phone_cc``,
        ``email_private``, ``email_family``, ``email_work``, ``company``, ``acquired``,
        ``consent_email``, ``consent_email_date``, ``consent_profiling``, ``consent_sms``,
        ``is_buyer``, ``web_share``, ``lam``, ``p_drop``, ``spend_nu``.

    Examples
    --------
    >>> p = make_people(300, 5, {"en": 0.5, "ja": 0.5}, pd.Timestamp("2023-01-01"),
    ...                 pd.Timestamp("2024-12-31"))
    >>> multi = p.frame[p.frame["hh_size"] > 1]
    >>> bool((multi.groupby("household_id")["last_name"].nunique() == 1).all())
    True
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    codes = [k for k, v in locales.items() if v > 0]
    probs = np.array([locales[k] for k in codes], dtype=float)
    probs = probs / probs.sum()
    rng = np.random.default_rng([seed, 11, block])
    pools = pools or {}
    pools = {k: pools[k] if k in pools else build_pools(k, seed) for k in codes}

    # Persons are numbered locale by locale (contiguous blocks make the fills vectorised).
    counts = rng.multinomial(n, probs)
    loc_of = np.repeat(np.array(codes, dtype=object), counts)

    cols = {name: np.empty(n, dtype=object) for name in (
        "first_name", "first_name_latin", "first_name_kana", "middle_name", "last_name",
        "last_name_latin", "last_name_kana", "street", "street_alt", "city", "region",
        "postcode", "prev_street", "prev_city", "prev_postcode", "mobile_nsn", "landline_area",
        "landline_local", "email_private", "email_family", "email_work", "company",
        "country", "phone_cc", "gender")}
    hh_global = np.empty(n, dtype=np.int64)
    role_all = np.empty(n, dtype=np.int64)
    size_all = np.empty(n, dtype=np.int64)
    age = np.empty(n, dtype=float)
    moved_at = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    window_days = max(int((end - start).days), 30)
    hh_offset = 0

    # One locale at a time, one attribute family after the other: the order of the draws
    # from ``rng`` is what makes a seed give the same company, so it must not change.
    for loc in codes:
        idx = np.flatnonzero(loc_of == loc)
        m = len(idx)
        if m == 0:
            continue
        P = pools[loc]
        h = _homes(rng, m, household_share)
        hh_global[idx] = h.hh + hh_offset
        hh_offset += h.H
        role_all[idx], size_all[idx] = h.role, h.size
        g = _draw_gender(rng, cols, idx, h)
        _draw_ages(rng, age, idx, h)
        li = _draw_names(rng, loc, P, cols, idx, g, h)
        addr = _draw_addresses(rng, loc, P, cols, moved_at, idx, h, start, window_days)
        _draw_phones(rng, loc, P, cols, idx, h, addr)
        _draw_emails(rng, loc, P, cols, idx, h, li)

    _dedupe_emails(cols, taken_emails, person_offset)
    frame = _people_frame(rng, cols, loc_of, hh_global, role_all, size_all, age, moved_at,
                          end, person_offset, household_offset)
    _draw_acquisition(rng, frame, start, window_days)
    taste = _draw_behaviour(rng, frame)
    return People(frame=frame, taste=taste, pools=pools)


@dataclass
class _Homes:
    """The households of one locale's persons (indices local to the locale)."""

    hh: np.ndarray  # household number of each person (0..H-1)
    role: np.ndarray  # 0 = first member (head), 1 = partner, 2+ = children
    size: np.ndarray  # size of each person's household
    H: int  # number of households
    head: np.ndarray  # local index of each person's household head


def _homes(rng, m: int, household_share: float) -> _Homes:
    """Households of ``m`` persons, with each person's household head."""
    hh, role, size = _households(rng, m, household_share)
    H = int(hh.max()) + 1
    head_of_hh = np.full(H, -1)
    head_of_hh[hh[role == 0]] = np.flatnonzero(role == 0)
    head = head_of_hh[hh]  # local index of each person's household head
    return _Homes(hh, role, size, H, head)


def _draw_gender(rng, cols: dict, idx: np.ndarray, h: _Homes) -> np.ndarray:
    """Gender (``True`` = F): partners mostly of the other gender, children at random."""
    m = len(idx)
    g = rng.random(m) < 0.5
    partner = h.role == 1
    g = np.where(partner & (rng.random(m) < 0.9), ~g[h.head], g)
    cols["gender"][idx] = np.where(g, "F", "M")
    return g


def _draw_ages(rng, age: np.ndarray, idx: np.ndarray, h: _Homes) -> None:
    """Ages: heads 20-85; partners close; children 20-35 years younger (adults only)."""
    m, role, head, hh, size = len(idx), h.role, h.head, h.hh, h.size
    head_age = np.clip(20 + rng.gamma(3.0, 8.0, m), 20, 88)
    a = head_age.copy()
    a = np.where(role == 0, head_age, a[head] + rng.normal(0, 4, m))
    child = role >= 2
    child_age = head_age[head] - rng.uniform(20, 35, m)
    a = np.where(child & (child_age >= 17), child_age, a)
    a = np.where(role == 0, head_age, a)
    age[idx] = np.clip(a, 17, 95)
    # Twins (rare): the third and fourth members of some four-person households.
    twin = (role == 3) & (size == 4) & (rng.random(m) < 0.15)
    if twin.any():
        third = np.flatnonzero(role == 2)
        third_of_hh = np.full(h.H, -1)
        third_of_hh[hh[third]] = third
        age[idx[twin]] = age[idx[third_of_hh[hh[twin]]]]


def _draw_names(rng, loc: str, P: LocalePools, cols: dict, idx: np.ndarray, g: np.ndarray,
                h: _Homes) -> np.ndarray:
    """First, middle and last names (a household shares its last name); the last-name index."""
    m, role, head = len(idx), h.role, h.head
    fi = np.where(g, rng.integers(0, len(P.first_f), m), rng.integers(0, len(P.first_m), m))
    # avoid twins/siblings with the same first name: shift if equal to the head's
    same = (fi == fi[head]) & (role > 0) & (g == g[head])
    fi = np.where(same, (fi + 1) % np.where(g, len(P.first_f), len(P.first_m)), fi)
    cols["first_name"][idx] = np.where(g, P.first_f[fi % len(P.first_f)],
                                       P.first_m[fi % len(P.first_m)])
    cols["first_name_latin"][idx] = np.where(g, P.first_f_latin[fi % len(P.first_f)],
                                             P.first_m_latin[fi % len(P.first_m)])
    cols["first_name_kana"][idx] = np.where(g, P.first_f_kana[fi % len(P.first_f)],
                                            P.first_m_kana[fi % len(P.first_m)])
    li = rng.integers(0, len(P.last), m)[head]
    cols["last_name"][idx] = P.last[li]
    cols["last_name_latin"][idx] = P.last_latin[li]
    cols["last_name_kana"][idx] = P.last_kana[li]
    if loc == "en":
        has_mid = rng.random(m) < 0.35
        mid = np.where(g, rng.choice(P.first_f, m), rng.choice(P.first_m, m))
        mid = np.where(mid == cols["first_name"][idx], "", mid)
        cols["middle_name"][idx] = np.where(has_mid, mid, "")
    else:
        cols["middle_name"][idx] = ""
    return li


def _draw_addresses(rng, loc: str, P: LocalePools, cols: dict, moved_at: np.ndarray,
                    idx: np.ndarray, h: _Homes, start: pd.Timestamp, window_days: int) -> dict:
    """Addresses per household; some households moved during the window (previous kept)."""
    hh, H = h.hh, h.H
    addr = _addresses(rng, loc, P, H)
    prev = _addresses(rng, loc, P, H)
    moved = rng.random(H) < 0.12
    for k in ("street", "street_alt", "city", "region", "postcode"):
        cols[k][idx] = addr[k][hh]
    for k in ("street", "city", "postcode"):
        cols["prev_" + k][idx] = np.where(moved[hh], prev[k][hh], None)
    move_day = rng.integers(60, window_days - 30, H) if window_days > 120 else \
        np.full(H, window_days // 2)
    moved_at[idx] = np.where(moved[hh], np.datetime64(start.date(), "D")
                             + move_day[hh].astype("timedelta64[D]"), np.datetime64("NaT"))
    return addr


def _draw_phones(rng, loc: str, P: LocalePools, cols: dict, idx: np.ndarray, h: _Homes,
                 addr: dict) -> None:
    """Phones: a mobile per person, a landline per household (shared by its members)."""
    m, hh, H, head = len(idx), h.hh, h.H, h.head
    nsn_len = 10
    mp = rng.choice(P.mobile_prefixes, m)
    plen = np.array([len(x) for x in mp])
    mob = np.empty(m, dtype=object)
    for L in np.unique(plen):
        sel = plen == L
        mob[sel] = mp[sel] + _digits(rng, int(sel.sum()), nsn_len - int(L), 1)
    has_mobile = rng.random(m) < 0.95
    cols["mobile_nsn"][idx] = np.where(has_mobile, mob, None)
    city_idx = addr["city_idx"][hh]
    land_share = {"en": 0.65, "fa": 0.7, "ja": 0.5}[loc]
    has_land = (rng.random(H) < land_share)[hh]
    local = np.empty(m, dtype=object)
    ld = P.local_digits[city_idx]
    for L in np.unique(ld):
        sel = ld == L
        local[sel] = _digits(rng, int(sel.sum()), int(L) - 1)
    # the first local digit comes from the ranges the area's numbering plan allocates
    area = P.area_code[city_idx]
    u = rng.random(m)
    lead = np.empty(m, dtype=object)
    for a in np.unique(area):
        sel = area == a
        leads = LANDLINE_LEADS.get(a, "23456789")
        lead[sel] = np.array(list(leads), dtype=object)[(u[sel] * len(leads)).astype(int)]
    local = (lead + local)[head]  # one number per household
    cols["landline_area"][idx] = np.where(has_land, P.area_code[city_idx], None)
    cols["landline_local"][idx] = np.where(has_land, local, None)
    cols["country"][idx] = P.country
    cols["phone_cc"][idx] = P.phone_cc


def _draw_emails(rng, loc: str, P: LocalePools, cols: dict, idx: np.ndarray, h: _Homes,
                 li: np.ndarray) -> None:
    """E-mails: private (unique), a family address for some households, work for some."""
    m, hh, H, role, size = len(idx), h.hh, h.H, h.role, h.size
    local_part = _email_local(rng, cols["first_name_latin"][idx], cols["last_name_latin"][idx])
    dom = rng.choice(P.email_domains, m)
    cols["email_private"][idx] = local_part + "@" + dom
    fam_local = np.where(rng.random(H) < 0.5,
                         "the" + pd.Series(P.last_latin[li[np.flatnonzero(role == 0)]]
                                           ).str.lower().to_numpy(dtype=object) + "s",
                         pd.Series(P.last_latin[li[np.flatnonzero(role == 0)]]
                                   ).str.lower().to_numpy(dtype=object) + ".family")
    fam_hh = np.full(H, None, dtype=object)
    fam_hh[hh[role == 0]] = fam_local + "@" + rng.choice(P.email_domains, len(fam_local))
    shares = rng.random(H) < 0.35
    cols["email_family"][idx] = np.where(shares[hh] & (size > 1), fam_hh[hh], None)
    has_company = rng.random(m) < 0.3
    comp = rng.choice(P.companies, m)
    cols["company"][idx] = np.where(has_company, comp, None)
    slug = pd.Series(comp).str.lower().str.replace(r"[^a-z]", "", regex=True)
    tld = {"en": ".co.uk", "fa": ".ir", "ja": ".co.jp"}[loc]
    work = (pd.Series(cols["first_name_latin"][idx]).str.lower().str.replace(
        r"[^a-z]", "", regex=True) + "." + pd.Series(cols["last_name_latin"][idx]).str.lower()
        .str.replace(r"[^a-z]", "", regex=True) + "@" + slug + tld)
    cols["email_work"][idx] = np.where(has_company, work.to_numpy(dtype=object), None)


def _dedupe_emails(cols: dict, taken_emails: Optional[set], person_offset: int) -> None:
    """Private e-mails that collide by chance made unique (different persons must differ)."""
    em = pd.Series(cols["email_private"])
    dup = em.duplicated(keep="first").to_numpy(copy=True)  # writable under pandas 3 copy-on-write
    if taken_emails:
        dup |= em.isin(taken_emails).to_numpy()
    if dup.any():
        parts = em[dup].str.split("@", n=1)
        em[dup] = parts.str[0] + "." + pd.Series(np.flatnonzero(dup) + person_offset + 1,
                                                 index=em.index[dup]).astype(str) \
            + "@" + parts.str[1]
        cols["email_private"] = em.to_numpy(dtype=object)
    if taken_emails is not None:
        taken_emails.update(cols["email_private"])


def _people_frame(rng, cols: dict, loc_of, hh_global, role_all, size_all, age, moved_at,
                  end: pd.Timestamp, person_offset: int, household_offset: int) -> pd.DataFrame:
    """The persons' frame: ids, household, locale, the drawn columns, birth date, move date."""
    n = len(loc_of)
    ref = np.datetime64(end.date(), "D")
    days = (age * 365.25).astype(np.int64) + rng.integers(0, 365, n)
    birth = ref - days.astype("timedelta64[D]")
    frame = pd.DataFrame(cols)
    frame.insert(0, "person_id", [f"P{i:07d}" for i in range(person_offset + 1,
                                                              person_offset + n + 1)])
    frame.insert(1, "household_id", [f"H{h:07d}" for h in hh_global + household_offset + 1])
    frame.insert(2, "hh_role", role_all)
    frame.insert(3, "hh_size", size_all)
    frame.insert(4, "locale", loc_of)
    frame["birth_date"] = pd.to_datetime(birth)
    # twins: ages were equalised above; here they also get the same birth day
    key = frame["household_id"] + "|" + pd.Series(age.round(6)).astype(str)
    twin_pair = key.duplicated(keep=False) & (frame["hh_size"] == 4)
    if twin_pair.any():
        first_bd = frame[twin_pair].groupby(key[twin_pair])["birth_date"].transform("first")
        frame.loc[twin_pair, "birth_date"] = first_bd
    frame["moved_at"] = pd.to_datetime(moved_at)
    return frame


def _draw_acquisition(rng, frame: pd.DataFrame, start: pd.Timestamp, window_days: int) -> None:
    """Acquisition (a quarter is the existing base, the rest arrives over time) and consent."""
    n = len(frame)
    early = rng.random(n) < 0.25
    acq_days = np.where(early, rng.integers(0, 90, n),
                        rng.integers(0, max(window_days - 30, 1), n))
    acq_sec = rng.integers(8 * 3600, 22 * 3600, n)
    frame["acquired"] = (start + pd.to_timedelta(acq_days, unit="D")
                         + pd.to_timedelta(acq_sec, unit="s"))
    frame["consent_email"] = rng.random(n) < 0.6
    frame["consent_email_date"] = frame["acquired"] + pd.to_timedelta(
        rng.integers(0, 30 * 86400, n), unit="s")
    frame["consent_profiling"] = rng.random(n) < 0.45
    frame["consent_sms"] = rng.random(n) < 0.3


def _draw_behaviour(rng, frame: pd.DataFrame) -> np.ndarray:
    """BG/NBD purchase rate (per year) and dropout, Gamma-Gamma spend, channels; the taste."""
    n = len(frame)
    bg, gg = TRUE_PARAMETERS["bgnbd"], TRUE_PARAMETERS["gamma_gamma"]
    frame["is_buyer"] = rng.random(n) < TRUE_PARAMETERS["buyer_share"]
    kind = rng.choice(3, n, p=[0.40, 0.35, 0.25])  # web only, store only, both
    frame["web_share"] = np.where(kind == 0, 1.0, np.where(kind == 1, 0.0,
                                                           rng.beta(2, 2, n).clip(0.1, 0.9)))
    frame["lam"] = rng.gamma(bg["r"], 1.0 / bg["alpha_years"], n)
    frame["p_drop"] = rng.beta(bg["a"], bg["b"], n)
    frame["spend_nu"] = rng.gamma(gg["q"], 1.0 / gg["gamma"], n)
    return rng.dirichlet(np.full(N_CATEGORIES, 0.6), n)
