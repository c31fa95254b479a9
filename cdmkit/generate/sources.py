"""Customer sources of the fictional company: how each system distorts the true persons.

Each builder takes the true persons (:class:`~cdmkit.generate.people.People`)
and returns one DataFrame in the source's own layout (column names, formats,
scripts) plus the ground-truth rows linking every record to its person and
household. Variations are drawn per record: typos, transposed letters,
nicknames, dropped middle names, old addresses of movers, missing fields,
phone and date formats, e-mail case, work versus private e-mail, a few exact
duplicate rows, placeholder and future birth dates, invalid e-mails and phones.

Examples
--------
>>> import pandas as pd
>>> from cdmkit.generate.people import make_people
>>> people = make_people(150, 1, {"en": 0.6, "fa": 0.25, "ja": 0.15},
...                      pd.Timestamp("2023-01-01"), pd.Timestamp("2024-12-31"))
>>> built = build_customer_sources(people, seed=1, end=pd.Timestamp("2024-12-31"))
>>> sorted(built.frames)[:2]
['crm', 'newsletter']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import pandas as pd

from .names import NICKNAMES, PERSIAN_NICKNAMES, to_arabic_letters, to_fullwidth, \
    to_persian_digits
from .people import People

__all__ = ["CustomerSources", "build_customer_sources", "format_phone", "to_jalali"]


@dataclass
class CustomerSources:
    """The customer tables of every source and their ground truth.

    Attributes
    ----------
    frames : dict of str to pandas.DataFrame
        Source name -> table as it will be written (one row per file row).
    ground_truth : pandas.DataFrame
        ``source, record_id, person_id, household_id`` (one row per distinct record).
    accounts : pandas.DataFrame
        ``person_id, source, record_id, created`` of every record: the keys activity
        tables refer to.

    Examples
    --------
    >>> CustomerSources({}, pd.DataFrame(), pd.DataFrame()).frames
    {}
    """

    frames: dict
    ground_truth: pd.DataFrame
    accounts: pd.DataFrame


# -- small vectorised helpers --------------------------------------------------------------

def _s(x) -> pd.Series:
    return pd.Series(np.asarray(x, dtype=object))


def _typo(values: np.ndarray, rate: float, rng) -> np.ndarray:
    """Apply one random edit (substitute, delete, insert, transpose) to a share of strings."""
    out = np.asarray(values, dtype=object).copy()
    hit = np.flatnonzero(rng.random(len(out)) < rate)
    ops = rng.integers(0, 4, len(hit))
    pos = rng.random(len(hit))
    letters = rng.integers(0, 26, len(hit))
    for i, op, p, c in zip(hit, ops, pos, letters):
        s = out[i]
        if not isinstance(s, str) or len(s) < 3:
            continue
        k = 1 + int(p * (len(s) - 2))  # never touch the first letter (as people rarely do)
        if op == 0:  # transposition
            s = s[:k] + s[k + 1] + s[k] + s[k + 2:] if k + 1 < len(s) else s
        elif op == 1:  # deletion
            s = s[:k] + s[k + 1:]
        elif op == 2:  # doubled letter
            s = s[:k] + s[k] + s[k:]
        else:  # substitution by a neighbour (Latin) or a repeated letter (other scripts)
            ch = chr(ord("a") + int(c)) if s[k].isascii() else s[k - 1]
            s = s[:k] + ch + s[k + 1:]
        out[i] = s
    return out


def _nickname(first: np.ndarray, rate: float, rng) -> np.ndarray:
    out = np.asarray(first, dtype=object).copy()
    hit = np.flatnonzero(rng.random(len(out)) < rate)
    pick = rng.random(len(hit))
    table = {**NICKNAMES, **PERSIAN_NICKNAMES}
    for i, p in zip(hit, pick):
        options = table.get(out[i])
        if options:
            out[i] = options[int(p * len(options))]
    return out


def _blank(values, rate: float, rng) -> np.ndarray:
    out = np.asarray(values, dtype=object).copy()
    out[rng.random(len(out)) < rate] = None
    return out


def format_phone(area, local, cc, locale, style) -> np.ndarray:
    """Format phone numbers (given as area part and local part) in one of several styles.

    Parameters
    ----------
    area, local : array of str or None
        Leading part of the national significant number (area code or mobile prefix)
        and the rest.
    cc, locale : array of str
        Country calling code (``44``) and locale (``en``, ``fa``, ``ja``) per number.
    style : array of str
        ``e164`` (+447700900123), ``intl`` (+44 7700 900123), ``national``
        (07700 900123), ``compact`` (07700900123) or ``00`` (0044 7700900123).

    Returns
    -------
    numpy.ndarray of str (None where area or local is missing)

    Examples
    --------
    >>> format_phone(["7700"], ["900123"], ["44"], ["en"], ["intl"]).tolist()
    ['+44 7700 900123']
    >>> format_phone(["90"], ["12345678"], ["81"], ["ja"], ["national"]).tolist()
    ['090-1234-5678']
    """
    area, local, cc = _s(area), _s(local), _s(cc)
    loc, style = _s(locale), _s(style)
    missing = area.isna() | local.isna()
    area, local = area.fillna(""), local.fillna("")
    sep = pd.Series(np.where(loc == "ja", "-", np.where(loc == "fa", " ", " ")))
    lf = local.where(loc != "ja", local.str[:-4] + "-" + local.str[-4:])
    lf = lf.where(~((loc == "fa") & (local.str.len() == 7)), local.str[:3] + " " + local.str[3:])
    national = "0" + area + sep + lf
    variants = {
        "e164": "+" + cc + area + local,
        "intl": "+" + cc + " " + area + sep + lf,
        "national": national,
        "compact": "0" + area + local,
        "00": "00" + cc + " " + area + local,
    }
    out = variants["national"].copy()
    for name, v in variants.items():
        out = out.where(style != name, v)
    out[missing] = None
    return out.to_numpy(dtype=object)


def _mobile_parts(f: pd.DataFrame):
    nsn = f["mobile_nsn"]
    k = f["locale"].map({"en": 4, "fa": 3, "ja": 2}).fillna(3).astype(int)
    area = pd.Series([s[:i] if isinstance(s, str) else None for s, i in zip(nsn, k)],
                     index=f.index, dtype=object)
    local = pd.Series([s[i:] if isinstance(s, str) else None for s, i in zip(nsn, k)],
                      index=f.index, dtype=object)
    return area.to_numpy(dtype=object), local.to_numpy(dtype=object)


def _choice_style(rng, n, styles, p):
    return rng.choice(np.array(styles, dtype=object), n, p=p)


def to_jalali(dates: pd.Series, fmt: str = "%Y/%m/%d") -> pd.Series:
    """Write Gregorian dates as Solar Hijri (Jalali) date strings.

    Conversion runs once per distinct date, so long columns stay fast.

    Examples
    --------
    >>> to_jalali(pd.Series(pd.to_datetime(["2024-03-20", None]))).tolist()
    ['1403/01/01', None]
    """
    import jdatetime

    uniq = pd.Series(dates.dropna().unique())
    table = {d: jdatetime.date.fromgregorian(date=d.date()).strftime(fmt) for d in uniq}
    return dates.map(table).astype(object).where(dates.notna(), None)


def _strftime(dates: pd.Series, fmt: str) -> np.ndarray:
    out = dates.dt.strftime(fmt).astype(object)
    return out.where(dates.notna(), None).to_numpy(dtype=object)


def _bad_birth_dates(bd: pd.Series, rng, placeholder=0.01, future=0.003) -> pd.Series:
    """Placeholder (1900-01-01) and future birth dates: what careless forms collect."""
    bd = bd.copy()
    u = rng.random(len(bd))
    if len(u) >= 20:  # small demos still show each trap at least once
        u[rng.choice(len(u), 2, replace=False)] = [0.0, placeholder + future / 2]
    bd[u < placeholder] = pd.Timestamp("1900-01-01")
    fut = (u >= placeholder) & (u < placeholder + future)
    bd[fut] = bd[fut] + pd.DateOffset(years=100)
    return bd


def _bad_emails(emails: np.ndarray, rate: float, rng) -> np.ndarray:
    out = np.asarray(emails, dtype=object).copy()
    u = rng.random(len(out))
    if len(u) >= 20:
        u[rng.integers(0, len(u))] = 0.0
    hit = np.flatnonzero((u < rate) & pd.notna(out))
    kind = rng.integers(0, 4, len(hit))
    for i, k in zip(hit, kind):
        e = out[i]
        local, _, dom = e.partition("@")
        out[i] = [local + "@" + dom.rsplit(".", 1)[0],     # no top-level domain
                  local + "." + dom,                       # @ lost
                  local + "@@" + dom,                      # double @
                  local.replace(".", " ") + "@" + dom][k]  # space inside
    return out


def _address_at(f: pd.DataFrame, when: pd.Series):
    """Street, city and postcode valid at ``when`` (movers' old address before the move)."""
    old = f["moved_at"].notna() & (when < f["moved_at"]) & f["prev_street"].notna()
    street = f["street"].where(~old, f["prev_street"])
    city = f["city"].where(~old, f["prev_city"])
    postcode = f["postcode"].where(~old, f["prev_postcode"])
    street_alt = f["street_alt"].where(~old, f["prev_street"])
    return street, street_alt, city, postcode


def _rand_between(rng, a: pd.Series, b: pd.Timestamp | pd.Series) -> pd.Series:
    span = (pd.Series(b, index=a.index) - a).dt.total_seconds().clip(lower=0).to_numpy()
    return a + pd.to_timedelta((rng.random(len(a)) * span).astype(np.int64), unit="s")


def _duplicate_rows(df: pd.DataFrame, rate: float, rng) -> pd.DataFrame:
    """Append exact copies of a few rows (an export run twice), then restore id order."""
    u = rng.random(len(df))
    if len(u) >= 20:
        u[rng.integers(0, len(u))] = 0.0
    dup = df[u < rate]
    return pd.concat([df, dup]).sort_index(kind="stable").reset_index(drop=True)


# -- sources ---------------------------------------------------------------------------------

COUNTRY_VARIANTS = {"GB": ["GB", "UK", "United Kingdom"], "IR": ["IR", "Iran"],
                    "JP": ["JP", "Japan"]}
COUNTRY_NAMES = {"GB": "United Kingdom", "IR": "Iran", "JP": "Japan"}


def _membership(people: People, rng):
    f = people.frame
    n = len(f)
    buyer = f["is_buyer"].to_numpy()
    web = f["web_share"].to_numpy()
    loc = f["locale"].to_numpy()
    u = rng.random(n)
    in_web = np.where(buyer, web > 0, u < 0.6)
    in_store = buyer & (web < 1)
    in_pos = in_store & (loc != "fa")
    in_teh = in_store & (loc == "fa")
    has_company = f["company"].notna().to_numpy()
    in_crm = (has_company & (rng.random(n) < 0.55)) | (rng.random(n) < 0.04)
    in_news = (f["consent_email"].to_numpy() & (rng.random(n) < 0.55)) | (~buyer & ~in_web)
    return in_web, in_pos, in_teh, in_crm, in_news


def build_customer_sources(people: People, seed: int, end: pd.Timestamp, block: int = 0,
                           offsets: Optional[dict] = None) -> CustomerSources:
    """Build every customers source with its ground truth.

    Parameters
    ----------
    people : People
        The true persons.
    seed : int
        Seed of the per-record variations.
    end : pandas.Timestamp
        End of the observation window (no record is created or updated after it).
    block : int
        Block number (own random stream per block of persons).
    offsets : dict, optional
        Source name -> records written by earlier blocks (ids continue after them).

    Returns
    -------
    CustomerSources

    Examples
    --------
    >>> from cdmkit.generate.people import make_people
    >>> p = make_people(120, 3, {"en": 1.0}, pd.Timestamp("2023-01-01"),
    ...                 pd.Timestamp("2023-12-31"))
    >>> cs = build_customer_sources(p, 3, pd.Timestamp("2023-12-31"))
    >>> set(cs.ground_truth["person_id"]) == set(p.frame["person_id"])
    True
    """
    rng = np.random.default_rng([seed, 23, block])
    off = dict(offsets or {})
    f = people.frame
    end_ts = pd.Timestamp(end) + pd.Timedelta(hours=23, minutes=59)
    in_web, in_pos, in_teh, in_crm, in_news = _membership(people, rng)
    frames, accounts = {}, []

    # webshop: one account per person, plus a second account for a few (registered twice).
    ws = f[in_web].copy()
    second = ws[rng.random(len(ws)) < 0.03].copy()
    ws["_second"] = False
    second["_second"] = True
    ws["_created"] = ws["acquired"] - pd.to_timedelta(rng.integers(0, 3600, len(ws)), unit="s")
    second["_created"] = _rand_between(rng, second["acquired"], end_ts)
    ws = pd.concat([ws, second])
    frames["webshop"], acc = _webshop(ws, rng, end_ts, off.get("webshop", 0))
    accounts.append(acc)

    pos = f[in_pos].copy()
    pos["_created"] = pos["acquired"] + pd.to_timedelta(rng.integers(0, 600, len(pos)), unit="s")
    frames["pos_loyalty"], acc = _pos_loyalty(pos, rng, off.get("pos_loyalty", 0))
    accounts.append(acc)

    crm = f[in_crm].copy()
    crm["_created"] = _rand_between(rng, pd.Series(pd.Timestamp(end) - pd.Timedelta(days=900),
                                                   index=crm.index), end_ts)
    frames["crm"], acc = _crm(crm, rng, end_ts, off.get("crm", 0))
    accounts.append(acc)

    news = f[in_news].copy()
    news["_created"] = news["consent_email_date"].where(news["consent_email"], news["acquired"])
    frames["newsletter"], acc = _newsletter(news, rng, end_ts, off.get("newsletter", 0))
    accounts.append(acc)

    teh = f[in_teh].copy()
    teh["_created"] = teh["acquired"] + pd.to_timedelta(rng.integers(0, 600, len(teh)), unit="s")
    frames["pos_tehran"], acc = _pos_tehran(teh, rng, off.get("pos_tehran", 0))
    accounts.append(acc)

    accounts = pd.concat(accounts, ignore_index=True)
    hh = f.set_index("person_id")["household_id"]
    truth = accounts[["source", "record_id", "person_id"]].copy()
    truth["household_id"] = truth["person_id"].map(hh).to_numpy()
    return CustomerSources(frames=frames, ground_truth=truth.reset_index(drop=True),
                           accounts=accounts)


def _ids_in_order(df: pd.DataFrame, make, offset: int = 0) -> pd.DataFrame:
    """Sort records by creation time and give them ascending ids (like a real system)."""
    df = df.sort_values(["_created", "person_id"], kind="stable").reset_index(drop=True)
    df["_id"] = make(np.arange(offset, offset + len(df)))
    return df


def _accounts(df, source, key="_id"):
    return pd.DataFrame({"person_id": df["person_id"].to_numpy(), "source": source,
                         "record_id": df[key].astype(str).to_numpy(),
                         "created": df["_created"].to_numpy(),
                         "second": df.get("_second", pd.Series(False, index=df.index))
                         .to_numpy()})


def _country_text(country: pd.Series, rng, variant_rate=0.12) -> np.ndarray:
    out = country.to_numpy(dtype=object).copy()
    hit = np.flatnonzero(rng.random(len(out)) < variant_rate)
    pick = rng.random(len(hit))
    for i, p in zip(hit, pick):
        v = COUNTRY_VARIANTS[out[i]]
        out[i] = v[int(p * len(v))]
    return out


def _webshop(ws: pd.DataFrame, rng, end_ts, offset=0):
    ws = _ids_in_order(ws, lambda i: np.char.add("WS", (100001 + i).astype(str)), offset)
    n = len(ws)
    loc = ws["locale"].to_numpy()
    first = ws["first_name"].to_numpy(dtype=object)
    first = _nickname(first, 0.2, rng)
    mid = ws["middle_name"].fillna("").to_numpy(dtype=object)
    with_mid = (mid != "") & (rng.random(n) < 0.4)
    first = np.where(with_mid, first + " " + mid, first)
    first = _typo(first, 0.03, rng)
    last = _typo(ws["last_name"].to_numpy(dtype=object), 0.03, rng)
    lower = (rng.random(n) < 0.03) & (loc == "en")
    first = np.where(lower, _s(first).str.lower(), first)
    last = np.where(lower, _s(last).str.lower(), last)

    email = ws["email_private"].to_numpy(dtype=object)
    fam = ws["email_family"].to_numpy(dtype=object)
    email = np.where(pd.notna(fam) & (rng.random(n) < 0.45), fam, email)
    sec = ws["_second"].to_numpy()
    work = ws["email_work"].to_numpy(dtype=object)
    alt = _s(email).str.replace("@", "2@", n=1, regex=False).to_numpy(dtype=object)
    email = np.where(sec, np.where(pd.notna(work), work, alt), email)
    caps = rng.random(n) < 0.05
    email = np.where(caps, _s(email).str.title(), email)
    email = _bad_emails(email, 0.01, rng)

    area, local = _mobile_parts(ws)
    style = _choice_style(rng, n, ["e164", "intl", "national", "compact", "00"],
                          [0.35, 0.25, 0.2, 0.15, 0.05])
    # Only UK customers may type a national number: the shop's phone region is GB.
    style = np.where((loc != "en") & np.isin(style, ["national", "compact"]), "intl", style)
    mobile = format_phone(area, local, ws["phone_cc"], loc, style)
    mobile = _blank(mobile, 0.05, rng)

    updated = _rand_between(rng, ws["_created"], end_ts)
    never = rng.random(n) < 0.4
    updated = updated.where(~never, ws["_created"])
    street, street_alt, city, postcode = _address_at(ws, updated)
    bd = _bad_birth_dates(ws["birth_date"], rng)
    dob = _blank(_strftime(bd, "%Y-%m-%d"), 0.10, rng)

    # Japanese forms: full-width digits and hyphens; Persian keyboards: Persian digits.
    fw = (loc == "ja") & (rng.random(n) < 0.25)
    mobile = np.array([to_fullwidth(m) if w and isinstance(m, str) else m
                       for m, w in zip(mobile, fw)], dtype=object)
    postcode = postcode.to_numpy(dtype=object)
    fw2 = (loc == "ja") & (rng.random(n) < 0.2)
    postcode = np.array([to_fullwidth(p) if w and isinstance(p, str) else p
                         for p, w in zip(postcode, fw2)], dtype=object)
    pd_ = (loc == "fa") & (rng.random(n) < 0.25)
    mobile = np.array([to_persian_digits(m) if w and isinstance(m, str) else m
                       for m, w in zip(mobile, pd_)], dtype=object)
    bad = rng.random(n) < 0.01
    if n >= 20:
        bad[rng.integers(0, n)] = True
    mobile = np.where(bad, np.where(rng.random(n) < 0.5, "12345", "0000000000"), mobile)
    street = np.where((loc != "en") & (rng.random(n) < 0.3), street_alt, street)
    postcode = _blank(postcode, 0.04, rng)

    opt = ws["consent_email"].to_numpy()
    out = pd.DataFrame({
        "account_id": ws["_id"],
        "first_name": first, "last_name": last,
        # Japanese forms ask for the reading (furigana) of the name
        "first_name_kana": _blank(np.where(loc == "ja", ws["first_name_kana"], None), 0.1, rng),
        "last_name_kana": np.where(loc == "ja", ws["last_name_kana"], None),
        "email": email, "mobile": mobile, "date_of_birth": dob,
        "gender": _blank(np.where(ws["gender"] == "F", "female", "male"), 0.25, rng), "street": street, "city": city.to_numpy(dtype=object),
        "postcode": postcode, "country": _country_text(ws["country"], rng),
        "created_at": _strftime(ws["_created"], "%Y-%m-%d %H:%M:%S"),
        "updated_at": _strftime(updated, "%Y-%m-%d %H:%M:%S"),
        "newsletter_opt_in": np.where(opt, "true", "false"),
        "opt_in_date": np.where(opt, _strftime(ws["consent_email_date"].clip(
            upper=end_ts), "%Y-%m-%d %H:%M:%S"), None),
        "profiling_consent": np.where(ws["consent_profiling"], "yes", "no"),
    })
    acc = _accounts(ws, "webshop")
    return _duplicate_rows(out, 0.005, rng), acc


def _pos_name(df: pd.DataFrame, rng) -> np.ndarray:
    n = len(df)
    loc = df["locale"].to_numpy()
    first = _nickname(df["first_name"].to_numpy(dtype=object), 0.15, rng)
    first = _typo(first, 0.03, rng)
    last = _typo(df["last_name"].to_numpy(dtype=object), 0.03, rng)
    style = rng.choice(4, n, p=[0.45, 0.3, 0.2, 0.05])
    g = df["gender"].to_numpy()
    title = np.where(g == "M", "Mr", rng.choice(np.array(["Mrs", "Ms", "Miss"], dtype=object), n))
    title = np.where(style == 3, "Dr", title)
    fs, ls = _s(first), _s(last)
    en = np.select([style == 0, style == 1],
                   [fs + " " + ls, ls.str.upper() + ", " + fs], title + " " + fs + " " + ls)
    ja = np.where(rng.random(n) < 0.5, ls + " " + fs, ls + fs)  # family name first
    fa = fs + " " + ls
    return np.select([loc == "ja", loc == "fa"], [ja, fa], en)


def _pos_loyalty(pos: pd.DataFrame, rng, offset=0):
    pos = _ids_in_order(pos, lambda i: (6330000000000 + 7 * i + 1000).astype(str), offset)
    n = len(pos)
    loc = pos["locale"].to_numpy()
    area, local = _mobile_parts(pos)
    use_land = pos["landline_local"].notna().to_numpy() & (rng.random(n) < 0.5)
    area = np.where(use_land, pos["landline_area"], area)
    local = np.where(use_land, pos["landline_local"], local)
    # The UK till system writes numbers nationally; the Tokyo store keeps the +81 prefix.
    style = np.where(loc == "ja", "intl", np.where(rng.random(n) < 0.6, "national", "compact"))
    phone = _blank(format_phone(area, local, pos["phone_cc"], loc, style), 0.08, rng)
    street, _, city, postcode = _address_at(pos, pos["_created"])
    bd = _bad_birth_dates(pos["birth_date"], rng, placeholder=0.02, future=0.002)
    dob = _blank(_strftime(bd, "%d.%m.%Y"), 0.15, rng)
    out = pd.DataFrame({
        "card_number": pos["_id"],
        "Name": _pos_name(pos, rng),
        "Phone": phone,
        "Postcode": _blank(postcode.to_numpy(dtype=object), 0.06, rng),
        "Birth date": dob,
        "Member since": _strftime(pos["_created"], "%d.%m.%Y"),
        "Country": np.where(loc == "ja", "Japan", np.where(rng.random(n) < 0.5, "UK",
                                                           "United Kingdom")),
    })
    return _duplicate_rows(out, 0.005, rng), _accounts(pos, "pos_loyalty")


def _crm(crm: pd.DataFrame, rng, end_ts, offset=0):
    crm = _ids_in_order(crm, lambda i: np.char.add("CRM-", (i + 1).astype(str)), offset)
    crm["_id"] = _s(crm["_id"]).str.replace(r"^CRM-(\d+)$", lambda m: f"CRM-{int(m[1]):06d}",
                                            regex=True).to_numpy()
    n = len(crm)
    loc = crm["locale"].to_numpy()
    latin = (loc != "en") & (rng.random(n) < 0.2)  # typed in Latin script by UK staff
    first = np.where(latin, crm["first_name_latin"], crm["first_name"])
    last = np.where(latin, crm["last_name_latin"], crm["last_name"])
    first = _typo(_nickname(first, 0.25, rng), 0.04, rng)
    last = _typo(last, 0.04, rng)
    work = crm["email_work"].to_numpy(dtype=object)
    email = np.where(pd.notna(work), work, crm["email_private"])
    email = np.where(rng.random(n) < 0.1, _s(email).str.upper(), email)
    email = _bad_emails(email, 0.01, rng)
    area, local = _mobile_parts(crm)
    style = _choice_style(rng, n, ["intl", "e164", "00"], [0.6, 0.3, 0.1])
    phone = _blank(format_phone(area, local, crm["phone_cc"], loc, style), 0.15, rng)
    updated = _rand_between(rng, crm["_created"], end_ts)
    street, street_alt, city, postcode = _address_at(crm, updated)
    out = pd.DataFrame({
        "ContactID": crm["_id"], "FirstName": first, "LastName": last, "Email": email,
        "Phone": phone, "Company": crm["company"].to_numpy(dtype=object),
        "Address": _blank(street.to_numpy(dtype=object), 0.1, rng),
        "City": city.to_numpy(dtype=object),
        "PostalCode": _blank(postcode.to_numpy(dtype=object), 0.1, rng),
        "Country": crm["country"].map(COUNTRY_NAMES).to_numpy(dtype=object),
        "UpdatedAt": updated.dt.floor("s").to_numpy(),
    })
    return out, _accounts(crm, "crm")


def _newsletter(news: pd.DataFrame, rng, end_ts, offset=0):
    news = _ids_in_order(news, lambda i: 50001 + 3 * i, offset)
    n = len(news)
    loc = news["locale"].to_numpy()
    email = news["email_private"].to_numpy(dtype=object)
    fam, work = news["email_family"].to_numpy(dtype=object), news["email_work"].to_numpy(
        dtype=object)
    u = rng.random(n)
    email = np.where(pd.notna(fam) & (u < 0.4), fam, email)
    email = np.where(pd.notna(work) & (u > 0.9), work, email)
    email = np.where(rng.random(n) < 0.1, _s(email).str.lower().str.capitalize(), email)
    email = _bad_emails(email, 0.01, rng)
    first = _nickname(news["first_name"].to_numpy(dtype=object), 0.3, rng)
    first = np.where((loc == "ja") & (rng.random(n) < 0.3), news["first_name_kana"], first)
    first = np.where((loc == "en") & (rng.random(n) < 0.2), _s(first).str.lower(), first)
    first = _blank(first, 0.1, rng)
    consent = news["consent_email"].to_numpy() & (rng.random(n) > 0.08)  # some unsubscribed
    ts = news["_created"].where(consent, _rand_between(rng, news["_created"], end_ts))
    out = pd.DataFrame({
        "subscriber_id": news["_id"].astype(np.int64), "email": email, "first_name": first,
        "consent": consent, "consent_ts": _strftime(ts.clip(upper=end_ts), "%Y-%m-%dT%H:%M:%S"),
        "language": loc,
    })
    return out, _accounts(news, "newsletter")


def _pos_tehran(teh: pd.DataFrame, rng, offset=0):
    teh = _ids_in_order(teh, lambda i: np.char.add("TEH-", (i + 1).astype(str)), offset)
    teh["_id"] = _s(teh["_id"]).str.replace(r"^TEH-(\d+)$", lambda m: f"TEH-{int(m[1]):05d}",
                                            regex=True).to_numpy()
    n = len(teh)
    first = _typo(_nickname(teh["first_name"].to_numpy(dtype=object), 0.08, rng), 0.03, rng)
    last = teh["last_name"].to_numpy(dtype=object)
    # Compound surnames are written with or without a space: رضازاده / رضا زاده.
    last = np.where(rng.random(n) < 0.3, _s(last).str.replace("زاده", " زاده").str.replace(
        "پور", " پور").str.replace("\u200c", " "), last)
    name = _s(first) + " " + _s(last)
    area, local = _mobile_parts(teh)
    use_land = teh["landline_local"].notna().to_numpy() & (rng.random(n) < 0.35)
    area = np.where(use_land, teh["landline_area"], area)
    local = np.where(use_land, teh["landline_local"], local)
    phone = _blank(format_phone(area, local, teh["phone_cc"], teh["locale"],
                                np.where(rng.random(n) < 0.6, "compact", "national")), 0.05, rng)
    street, _, city, postcode = _address_at(teh, teh["_created"])
    bd = teh["birth_date"]
    dob = _blank(to_jalali(bd).to_numpy(dtype=object), 0.1, rng)
    out = pd.DataFrame({
        "customer_code": teh["_id"],
        "name": [to_arabic_letters(s) for s in name],
        "mobile": phone,
        "birth_date": dob,
        "city": [to_arabic_letters(s) for s in city],
        "address": [to_arabic_letters(s) for s in street],
        "postcode": _blank(postcode.to_numpy(dtype=object), 0.05, rng),
    })
    return out, _accounts(teh, "pos_tehran")
