"""Cross-field name evidence: a person's name inside another record's e-mail address.

Sign-up forms (a newsletter) often keep only an e-mail address and perhaps a
first name, while the shop or the till knows the full name, sometimes in
another script (``بهاره کامرانی`` vs ``bahareh.kamrani@...``). Field-by-field
comparisons see nothing in common there. This module derives, once per record,

* a **consonant skeleton** of each name (:func:`skeleton`): Latin letters without
  vowels and doubled letters, with Persian letters and Japanese kana transliterated
  first, so ``Kamrani``, ``کامرانی`` and ``kamrani`` in an e-mail all give ``kmrn``;
* ``_lk_email_name``: first-name skeleton, last-name skeleton, e-mail local-part
  skeleton and name script, the input of the ``email_name`` comparator
  (:class:`EmailNameComparator`): is the other record's name inside this record's
  e-mail address (or, across scripts, its name)?
* blocking keys: ``_lk_name_skel`` (both names; an exact rule pairs the same
  person written in two scripts) and the token lists ``_lk_name_tokens`` /
  ``_lk_email_tokens`` paired by a ``cross`` blocking rule (a surname token of one
  record equals a token of another record's e-mail local part).

Everything is computed once per distinct value; comparisons run on distinct value
pairs with rapidfuzz's C++ pairwise functions.

Examples
--------
>>> skeleton("Kamrani"), skeleton("کامرانی"), skeleton("カミヤ")
('kmrn', 'kmrn', 'km')
>>> import pandas as pd
>>> rec = pd.DataFrame({"first_name": ["Edgar", None], "last_name": ["Oliver", None],
...                     "email": [None, "edgar_oliver92@gmail.com"]})
>>> c = EmailNameComparator("_lk_email_name")
>>> v = add_name_keys(rec)["_lk_email_name"]
>>> c.compare(v.iloc[[0]], v.iloc[[1]]).tolist()
[0]
"""

from __future__ import annotations

import functools
import re

import numpy as np
import pandas as pd
from rapidfuzz import fuzz
from rapidfuzz.process import cpdist

from ..registry import comparators as _registry
from .comparators import Comparator
from .normalize import map_unique, name_key
from .scripts import _DOUBLE, _JP, _KANJI, _NOT_LOWER, name_script, romanise, skeleton

__all__ = ["name_script", "skeleton", "add_name_keys", "EmailNameComparator", "DERIVED_COLUMNS",
           "kanji_readings", "learn_name_readings"]

#: Columns :func:`add_name_keys` adds (never part of outputs).
DERIVED_COLUMNS = ("_lk_email_name", "_lk_name_skel", "_lk_name_tokens", "_lk_email_tokens",
                   "_lk_joined")

def _local_tokens(email) -> list[str]:
    if email is None or (isinstance(email, float) and np.isnan(email)):
        return []
    local = str(email).split("@")[0].split("+")[0].lower()
    return [t for t in re.split(r"[^a-z]+", local) if t]


def _email_skel(email) -> str:
    return skeleton("".join(_local_tokens(email)))


def _is_latin(s: str) -> bool:
    return bool(s) and _NOT_LOWER.search(s) is None


def _col(df, name):
    return df[name] if name in df.columns else pd.Series(None, index=df.index, dtype=object)


def learn_name_readings(records: pd.DataFrame) -> dict:
    """Readings of kanji names learned from the records (:func:`kanji_readings`).

    Returns ``{"surnames": {...}, "given": {...}}`` (empty without kanji names). A saved
    linkage model keeps the readings it was trained with
    (:attr:`cdmkit.link.settings.LinkageSettings.name_readings`): read again from new
    data, they could change how an existing customer's records compare.

    Examples
    --------
    >>> import pandas as pd
    >>> learn_name_readings(pd.DataFrame({"first_name": ["Ann"], "last_name": ["Lee"],
    ...                                   "email": ["ann@x.org"]}))
    {'surnames': {}, 'given': {}}
    """
    if "email" not in records or "last_name" not in records:
        return {"surnames": {}, "given": {}}
    raw_first = map_unique(_col(records, "first_name").astype(object), name_key).fillna("")
    raw_last = map_unique(records["last_name"].astype(object), name_key).fillna("")
    sur, given = kanji_readings(raw_first, raw_last, records["email"])
    return {"surnames": sur, "given": given}


def add_name_keys(records: pd.DataFrame, readings: dict | None = None) -> pd.DataFrame:
    """Add the derived columns of :data:`DERIVED_COLUMNS` (when e-mail and names exist).

    ``readings``: Latin readings of kanji names (:func:`learn_name_readings`; default:
    learned from ``records``).

    Examples
    --------
    >>> import pandas as pd
    >>> rec = pd.DataFrame({"first_name": ["Miki", None], "last_name": ["Hasegawa", None],
    ...                     "email": [None, "mikihasegawa@docomo.ne.jp"]})
    >>> out = add_name_keys(rec)
    >>> out["_lk_name_tokens"].tolist(), out["_lk_email_tokens"].tolist()
    (['hsg mkhsg hsgmk 0im 0smk', None], [None, 'mkhsg 0im 0smk'])
    """
    if "email" not in records or not ({"first_name", "last_name"} & set(records.columns)):
        return records
    out = records.copy(deep=False)  # new columns only: the caller's frame is untouched
    first = map_unique(_col(out, "first_name").astype(object), skeleton)
    first = first.fillna("").astype(str).str.split(" ").str[0]  # the given name, not a middle
    last = map_unique(_col(out, "last_name").astype(object), skeleton).fillna("").astype(str)
    em = map_unique(out["email"].astype(object), _email_skel).fillna("").astype(str)
    raw_first = map_unique(_col(out, "first_name").astype(object), name_key).fillna("")
    raw_last = map_unique(_col(out, "last_name").astype(object), name_key).fillna("")
    own_src = _col(out, "first_name").astype(object)
    if readings is None:
        readings = learn_name_readings(out)
    first, last, own_src = _apply_readings(first, last, raw_first, raw_last, readings, own_src)
    fl = map_unique(first, lambda x: "1" if _is_latin(x) else "0").eq("1").to_numpy()
    ll = map_unique(last, lambda x: "1" if _is_latin(x) else "0").eq("1").to_numpy()
    script = np.where((raw_first.astype(str) + raw_last.astype(str)).str.contains(r"^[a-z]+$"),
                      "L", "O")
    script = np.where((first == "") & (last == ""), "", script)
    # Japanese full names sometimes arrive unsplit in one field ("岡本桃子"): surname
    # and given name joined, to be compared with the other record's unsplit name
    jp = (raw_first.astype(str) + raw_last.astype(str)).str.contains(_JP.pattern)
    joined = (raw_last.astype(str) + raw_first.astype(str)).where(jp & (raw_last != ""), "")
    val = first + "\x1f" + last + "\x1f" + em + "\x1f" + script + "\x1f" + joined
    empty = (first == "") & (last == "") & (em == "")
    # object columns: missing is None on pandas 2 and 3 (pandas 3's str dtype would give NaN)
    out["_lk_email_name"] = val.astype(object).where(~empty, None)
    both = fl & ll
    out["_lk_name_skel"] = (first + " " + last).astype(object).where(both, None)
    out["_lk_joined"] = joined.astype(object).where(joined.str.len() >= 2, None)
    # surname alone (3+ letters) and both names joined in either order; doubled letters
    # at the seam collapse as in a joined e-mail local part
    # (a two-letter surname skeleton only together with a first-name key: "1" tokens)
    sur = last.where(ll & (last.str.len() >= 3), "")
    sur = sur.where(sur != "", ("1" + last).where(ll & (last.str.len() == 2), ""))
    fl_ok = fl & ll & (first != "")
    j1 = (first + last).str.replace(_DOUBLE, r"\1", regex=True).where(fl_ok, "")
    j2 = (last + first).str.replace(_DOUBLE, r"\1", regex=True).where(fl_ok, "")
    ntok = (sur + " " + j1 + " " + j2).str.split().str.join(" ")
    own = map_unique(own_src, _first_name_keys).fillna("")
    ntok = ntok.where(ntok.str.len() == 0, (ntok + " " + own).str.strip())
    out["_lk_name_tokens"] = ntok.astype(object).where(ntok.str.len() > 0, None)
    # e-mail tokens only for records without a surname (the sign-up kind)
    no_last = (last == "").to_numpy()
    toks = np.full(len(out), None, dtype=object)
    etok = map_unique(out["email"].astype(object)[no_last], _email_tokens_key).fillna("")
    etok = pd.Series(etok.to_numpy(object), dtype=object).astype(str)
    ekeys = (etok + " " + own[no_last].to_numpy(object)).str.split().str.join(" ")
    has = etok.str.len().to_numpy() > 0
    toks[no_last] = np.where(has, ekeys.to_numpy(object), None)
    out["_lk_email_tokens"] = pd.Series(toks, index=out.index, dtype=object)
    return out


def kanji_readings(first: pd.Series, last: pd.Series, email: pd.Series,
                   min_count: int = 2, min_share: float = 0.6) -> tuple[dict, dict]:
    """Latin readings of kanji surnames and given names, learned from the records.

    Kanji carry no spelling, but customers who give a kanji name often give an e-mail
    address that spells it (``西田 美加子``, ``mikako.nishida@...``). Over the distinct
    (given name, surname, address) triples of records with both names in kanji, the
    reading of a name is the e-mail token that comes with it in at least ``min_count``
    triples and a ``min_share`` of them (a surname comes with many given names, so only
    its own reading is shared by most of them). Names without such evidence have none.

    Parameters
    ----------
    first, last : Series
        Name keys (:func:`cdmkit.link.normalize.name_key`) of the given and family names.
    email : Series
        E-mail addresses.

    Returns
    -------
    surnames, given : dict
        Kanji name -> Latin token.

    Examples
    --------
    >>> import pandas as pd
    >>> la, fi = kanji_readings(pd.Series(["美加子", "康介", "美加子"]),
    ...                         pd.Series(["西田", "西田", "杉本"]),
    ...                         pd.Series(["mikako.nishida@x.jp", "nishida_kosuke@y.jp",
    ...                                    "mikako.sugimoto@z.jp"]))
    >>> la, fi
    ({'西田': 'nishida'}, {'美加子': 'mikako'})
    """
    f = pd.Series(first, dtype=object).fillna("").astype(str).to_numpy(object)
    la = pd.Series(last, dtype=object).fillna("").astype(str).to_numpy(object)
    em = pd.Series(email, dtype=object).to_numpy(object)
    kan = np.array([bool(_KANJI.search(a)) and bool(_KANJI.search(b)) and e is not None
                    and e == e for a, b, e in zip(f, la, em)], dtype=bool)
    if not kan.any():
        return {}, {}
    tri = pd.DataFrame({"f": f[kan], "l": la[kan], "e": em[kan]}).drop_duplicates()
    tri["tok"] = [list(dict.fromkeys(t for t in _local_tokens(e) if len(t) >= 2))
                  for e in tri["e"]]
    tri = tri[tri["tok"].str.len() > 0]
    out = []
    for col in ("l", "f"):
        n = tri.groupby(col).size()
        c = tri[[col, "tok"]].explode("tok").groupby([col, "tok"]).size()
        c = c.reset_index(name="c").sort_values([col, "c", "tok"], ascending=[True, False, True])
        top = c.drop_duplicates(col)
        # a unique best token (the runner-up less frequent)
        second = c.groupby(col)["c"].nth(1)
        top = top.set_index(col)
        top["second"] = second.reindex(top.index).fillna(0).to_numpy() if len(second) else 0
        top["n"] = n.reindex(top.index)
        ok = (top["c"] >= min_count) & (top["c"] >= min_share * top["n"]) & \
            (top["c"] > top["second"])
        out.append(dict(zip(top.index[ok], top["tok"][ok])))
    return out[0], out[1]


def _apply_readings(first, last, raw_first, raw_last, readings, own_src):
    """Skeletons of kanji names replaced by those of their learned readings.

    An unsplit kanji name (``長谷川大介`` as the surname) is split at the longest
    known surname it starts with. Returns ``first``, ``last`` (skeletons) and the first
    names the first-name keys come from.
    """
    kanji_last = raw_last.astype(str).str.contains(_KANJI.pattern).to_numpy()
    if not kanji_last.any():
        return first, last, own_src
    sur, given = readings.get("surnames", {}), readings.get("given", {})
    if not sur:
        return first, last, own_src
    longest = max(map(len, sur))
    combo = pd.DataFrame({"f": raw_first.astype(str).to_numpy(object)[kanji_last],
                          "l": raw_last.astype(str).to_numpy(object)[kanji_last]})
    codes, uniq = pd.factorize(combo["f"] + "\x1f" + combo["l"])
    rf, rl = [], []
    for u in uniq:
        fk, lk = u.split("\x1f")
        if not fk:  # unsplit: the longest known surname it starts with
            for k in range(min(longest, len(lk) - 1), 0, -1):
                if lk[:k] in sur:
                    fk, lk = lk[k:], lk[:k]
                    break
        rl.append(sur.get(lk, ""))
        rf.append(given.get(fk, "") if lk in sur else "")
    rl, rf = np.array(rl, dtype=object)[codes], np.array(rf, dtype=object)[codes]
    idx = np.flatnonzero(kanji_last)
    first, last = first.copy(), last.copy()
    own_src = own_src.copy()
    has_l, has_f = rl != "", rf != ""
    last.iloc[idx[has_l]] = [skeleton(r) for r in rl[has_l]]
    first.iloc[idx[has_f]] = [skeleton(r) for r in rf[has_f]]
    own_src.iloc[idx[has_f]] = rf[has_f]
    return first, last, own_src


def _first_name_keys(name) -> str | None:
    """First-name keys (``0`` tokens) of a first name or of the tokens of an e-mail local part.

    A surname token too common to pair records on its own (``cross_token_pairs``) pairs
    them only when they also share one of these: ``0i`` the initial, ``0s`` the first
    two consonants. A Persian name that starts with a vowel letter (``ا``, ``ع``) has
    any vowel as initial (its Latin spelling may start with a, e, i or o).

    Examples
    --------
    >>> _first_name_keys("Andrea"), _first_name_keys("امید")
    ('0ia 0snd', '0ia 0ie 0ii 0io 0smd')
    """
    keys = []
    for part in str(name).split()[:1] or [""]:
        r, sk = romanise(part), skeleton(part)
        if not r or _NOT_LOWER.search(r):  # no Latin form (kanji)
            continue
        if re.match(r"[\u0627\u0622\u0639\u0623\u0625]", name_key(part) or ""):
            keys += [f"0i{v}" for v in "aeio"]
        else:
            keys.append(f"0i{r[0]}")
        if sk:
            keys.append(f"0s{sk[:2]}")
    return " ".join(keys) or None


@functools.lru_cache(maxsize=1 << 16)
def _token_info(t: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """Skeleton, surname-candidate skeletons and first-name keys of one local-part token
    (cached: tokens repeat across addresses)."""
    sk = skeleton(t)
    parts = [sk]
    # "thesmiths": the family name inside a plural with an article
    if t.startswith("the") and len(t) > 5:
        parts += [skeleton(t[3:])] + ([skeleton(t[3:-1])] if t.endswith("s") else [])
    return sk, tuple(parts), tuple((_first_name_keys(t) or "").split())


def _email_tokens_key(email):
    raw = _local_tokens(email)
    info = [_token_info(t) for t in raw]
    parts = [p for _, ps, _ in info for p in ps]
    keys = [p for p in parts if len(p) >= 3]
    keys += ["1" + p for p in parts if len(p) == 2]
    joined = [sk for sk, _, _ in info if sk]
    keys += [_DOUBLE.sub(r"\1", a + b) for a, b in zip(joined, joined[1:]) if len(a + b) >= 3]
    keys = list(dict.fromkeys(keys))
    if not keys:
        return None
    # first-name keys of every token (which token is the first name is unknown)
    sub = [k for _, _, ks in info for k in ks]
    return " ".join(keys + list(dict.fromkeys(sub)))


@_registry.register("email_name")
class EmailNameComparator(Comparator):
    """Is one record's name inside the other record's e-mail address (or other-script name)?

    Input: the ``_lk_email_name`` column of :func:`add_name_keys`. Applies only to
    pairs where one record lacks a surname or the names are in different scripts
    (elsewhere the name and e-mail comparisons already carry the evidence), so it
    is missing (``-1``) for most pairs.

    Examples
    --------
    >>> import pandas as pd
    >>> rec = pd.DataFrame({"first_name": ["Bahareh", "بهاره", None],
    ...                     "last_name": ["Kamrani", "کامرانی", None],
    ...                     "email": [None, None, "kamrani.z@x.ir"]})
    >>> v = add_name_keys(rec)["_lk_email_name"]
    >>> c = EmailNameComparator("_lk_email_name")
    >>> c.compare(v.iloc[[0, 1]], v.iloc[[1, 2]]).tolist()
    [0, 1]
    >>> c.level_names
    ['full_name', 'surname', 'else']
    """

    kind = "email_name"
    u_exact_prior = 0.001
    #: Identical inputs need not agree: the comparison only applies across scripts or to
    #: records without a surname (see :func:`cdmkit.testing.check_comparator`).
    identity_is_best = False

    @property
    def level_names(self):
        return ["full_name", "surname", "else"]

    def prepare(self, values):
        return values.astype(object).where(values.notna(), None)

    def tf_keys(self, values: pd.Series) -> dict:
        """Values whose frequency adjusts each level's weight: the full-name skeleton
        for ``full_name``, the surname skeleton for ``surname`` (``None`` when absent).

        Examples
        --------
        >>> k = EmailNameComparator("v").tf_keys(pd.Series(["sr\x1fhsn\x1f\x1fO", None]))
        >>> k[0].tolist(), k[1].tolist()
        (['sr hsn', None], ['hsn', None])
        """
        parts = pd.Series(values, dtype=object).str.split("\x1f")
        f, la = parts.str[0].fillna(""), parts.str[1].fillna("")
        return {0: (f + " " + la).where((f != "") & (la != ""), None),
                1: la.where(la != "", None)}

    def levels_from_codes(self, uniques, ci, cj):
        ci = np.asarray(ci, dtype=np.int64)
        cj = np.asarray(cj, dtype=np.int64)
        out = np.full(len(ci), -1, dtype=np.int8)
        ok = np.flatnonzero((ci >= 0) & (cj >= 0))
        if not len(ok) or not len(uniques):
            return out
        def features(us):  # per distinct value, once per vocabulary
            parts = pd.Series(us, dtype=object).str.split("\x1f", expand=True)
            parts = parts.reindex(columns=range(5))
            f, la, em, sc, jn = (parts[k].fillna("").to_numpy(dtype=object) for k in range(5))
            u = {"f": f, "la": la, "em": em, "sc": sc,
                 "lat": np.array([_is_latin(v) for v in la], dtype=bool),
                 "flat": np.array([_is_latin(v) for v in f], dtype=bool),
                 "own": np.array([bool(a) and a in b for a, b in zip(f, la)], dtype=bool),
                 "len_la": np.char.str_len(la.astype(str)),
                 "len_em": np.char.str_len(em.astype(str))}
            return f, la, jn, u

        f, la, jn, u = self._per_unique(uniques, "features", features)
        a, b = ci[ok], cj[ok]
        key = a * (len(uniques) + 1) + b
        ukey, inverse = np.unique(key, return_inverse=True)
        ua, ub = ukey // (len(uniques) + 1), ukey % (len(uniques) + 1)
        lv = self._levels(u, ua, ub)
        # an unsplit Japanese name equal to the other record's surname + given name
        unsplit = (jn[ua] == jn[ub]) & (jn[ua] != "") & ((f[ua] == "") != (f[ub] == ""))
        differ = (jn[ua] != jn[ub]) & (jn[ua] != "") & (jn[ub] != "") & \
            ((f[ua] == "") | (f[ub] == "")) & (la[ua] != "") & (la[ub] != "") & (lv < 0)
        lv = np.where(unsplit, 0, np.where(differ, 2, lv)).astype(np.int8)
        out[ok] = lv[inverse]
        return out

    @staticmethod
    def _direction(u, x, y):
        """Level when record x's name is looked up in record y's e-mail (2 = none, 3 = n/a).

        ``u`` holds per-distinct-value arrays; ``x``, ``y`` index them.
        """
        f, la, em, sc = u["f"], u["la"], u["em"], u["sc"]
        cross = (sc[x] != sc[y]) & (sc[x] != "") & (sc[y] != "")
        need = u["lat"][x] & (u["len_la"][x] >= 2) & \
            ((u["len_em"][y] > 0) | (cross & (u["len_la"][y] > 0)))
        need &= cross | (la[y] == "") | (la[x] == "")
        level = np.full(len(x), 3, dtype=np.int8)
        if not need.any():
            return level
        k = np.flatnonzero(need)
        xk, yk, ck = x[k], y[k], cross[k]
        hay = np.where(ck, em[yk] + "|" + f[yk] + la[yk] + "|" + la[yk] + f[yk], em[yk])
        hl = np.char.str_len(hay.astype(str))
        # partial_ratio 100 = the shorter string occurs in the longer one: the needle
        # must be the shorter
        hit_l = (cpdist(la[xk], hay, scorer=fuzz.partial_ratio) >= 100) & (u["len_la"][xk] <= hl)
        # the full name counts only when first and last name stand together in either
        # order (a short first-name skeleton alone matches too easily)
        flat = u["flat"][xk]
        fx = np.where(flat, f[xk], "#")
        together = np.zeros(len(k), dtype=bool)
        for full in (fx + la[xk], la[xk] + fx):
            full = np.array([_DOUBLE.sub(r"\1", v) for v in full], dtype=object)
            together |= (cpdist(full, hay, scorer=fuzz.partial_ratio) >= 100) & \
                (np.char.str_len(full.astype(str)) <= hl)
        together &= flat & hit_l
        # when the other record has a first name of its own (same script), the first
        # name comparison already weighs it: only the surname is new evidence here
        hit_f = together & ((f[yk] == "") | ck)
        # a surname containing the first name (Farhad Farhadi), or a two-letter
        # skeleton, proves nothing alone (unless it stands beside the first name)
        weak = (u["own"][xk] | (u["len_la"][xk] < 3)) & ~together
        # a weak hit is no evidence either way (missing), not a disagreement
        level[k] = np.where(hit_f, 0, np.where(hit_l & ~weak, 1, np.where(hit_l, 3, 2)))
        return level

    def _levels(self, u, ua, ub):
        l1 = self._direction(u, ua, ub)
        l2 = self._direction(u, ub, ua)
        lv = np.minimum(l1, l2)
        return np.where(lv == 3, -1, lv).astype(np.int8)
