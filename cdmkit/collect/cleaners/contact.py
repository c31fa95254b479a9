"""Contact details: e-mail addresses and phone numbers (E.164, type, extension)."""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd

from ...registry import cleaners
from ..textnorm import (
    _SPACES,
    normalize_digits,
)
from .base import Cleaner, _apply_unique, _missing_mask, _nfkc, to_text
from .vector import fullmatch_many, plain_ascii_mask, to_arrow

_EMAIL_FAST = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")


@lru_cache(maxsize=1)
def _special_tlds() -> frozenset:
    import email_validator

    names = getattr(email_validator, "SPECIAL_USE_DOMAIN_NAMES", ["test", "invalid", "local",
                                                                 "localhost", "onion", "arpa"])
    return frozenset(n.rsplit(".", 1)[-1].lower() for n in names)


@cleaners.register("email")
class EmailCleaner(Cleaner):
    """E-mail addresses: trimmed, domain lower-cased, syntax-checked (no DNS look-ups).

    The standardised value is the whole address in lower case, which is what
    matching needs (virtually every mail provider ignores case). The extra
    output ``std`` keeps the local part's case (the RFC form, domain in lower
    case); ``valid`` is ``False`` for addresses that fail
    :mod:`email_validator`'s syntax rules. Invalid addresses are kept (flagged,
    not dropped). Plain ASCII addresses matching a strict pattern skip the
    validator (same verdict, far faster).

    Examples
    --------
    >>> v, x = EmailCleaner().transform_full(pd.Series(["mailto:Ann.Lee@Mail.EXAMPLE.org",
    ...                                                 "no-at.example.org"]))
    >>> v.tolist(), x["std"].tolist(), x["valid"].tolist()
    (['ann.lee@mail.example.org', 'no-at.example.org'], ['Ann.Lee@mail.example.org', \
'no-at.example.org'], [True, False])
    """

    outputs = ("valid", "std")

    def _fast_column(self, values):
        # Addresses that already match the strict pattern (no spaces, no "mailto:", ASCII):
        # _clean_one's fast branch, in Arrow's string kernels.
        arr = to_arrow(values)
        if arr is None:
            return None
        import pyarrow as pa
        import pyarrow.compute as pc

        done = plain_ascii_mask(arr, _EMAIL_FAST.pattern)
        sub = arr.filter(pa.array(done))
        parts = pc.extract_regex(sub, r"^(?P<local>[^@]*)@(?P<domain>.*)$")
        local, domain = parts.field("local"), pc.ascii_lower(parts.field("domain"))
        tld = pc.extract_regex(domain, r"(?P<tld>[^.]*)$").field("tld")
        keep = pc.and_(pc.and_(pc.less_equal(pc.utf8_length(sub), 254),
                               pc.less_equal(pc.utf8_length(local), 64)),
                       pc.invert(pc.is_in(tld, value_set=pa.array(sorted(_special_tlds()),
                                                                     type=tld.type))))
        keep = keep.to_numpy(zero_copy_only=False)
        std = pc.binary_join_element_wise(local, domain, pa.scalar("@", local.type)) \
            .filter(pa.array(keep))
        idx = np.flatnonzero(done)
        done[idx[~keep]] = False
        lower = pc.ascii_lower(std)
        return done, [lower.to_numpy(zero_copy_only=False), np.full(len(std), True, dtype=object),
                      std.to_numpy(zero_copy_only=False)]

    def _clean_one(self, value, *context):
        if value is None:
            return None, None, None
        s = (value if value.isascii() else _nfkc(value)).strip().strip("<>").strip()
        if s.lower().startswith("mailto:"):
            s = s[7:]
        s = _SPACES.sub("", s)
        if not s:
            return None, None, None
        local, at, domain = s.rpartition("@")
        if at and _EMAIL_FAST.fullmatch(s) and len(s) <= 254 and len(local) <= 64 \
                and domain.rsplit(".", 1)[-1].lower() not in _special_tlds():
            std = f"{local}@{domain.lower()}"
            return std.lower(), True, std
        import email_validator

        try:
            std = email_validator.validate_email(s, check_deliverability=False).normalized
            return std.lower(), True, std
        except email_validator.EmailNotValidError:
            std = f"{local}@{domain.lower()}" if at else s
            return std.lower(), False, std


# -- phones ------------------------------------------------------------------------------
_PHONE_TYPES = None


def _phone_type_names():
    global _PHONE_TYPES
    if _PHONE_TYPES is None:
        import phonenumbers

        _PHONE_TYPES = {v: k.lower() for k, v in vars(phonenumbers.PhoneNumberType).items()
                        if k.isupper() and isinstance(v, int)}
    return _PHONE_TYPES


# Vectorised fast path for the common case: a national number written as plain ASCII digits.
# It replays, on whole arrays, the steps ``phonenumbers.parse`` + ``number_type`` take for such
# a string (same metadata, same regular expressions, same order of tests); every value whose
# route through the library is not one of the simple ones modelled here (IDD prefix, leading
# country code, national prefix with a transform, ambiguous region) is left to the library.
_PHONE_FAST_INPUT = re.compile(r"[0-9]{2,17}")
#: An extension written after a number: "x123", "ext. 4", "extension 12", "#12", ";ext=5".
_PHONE_EXTENSION = re.compile(r"(?:[;,]?\s*(?:ext(?:ension|n)?\.?|x\.?|#|;\s*ext=|内線|داخلی)"
                              r"\s*[:=]?\s*)(\d{1,7})\s*#?\s*$", re.IGNORECASE)


#: From this many values on, pattern tests run in Arrow's RE2 kernels (tests lower it to 0).
_ARROW_MIN_VALUES = 256


def _phone_match(values: list, pattern: str | None) -> np.ndarray:
    """``phonenumbers``' ``_match_national_number(v, desc, False)`` for many strings."""
    if not pattern:
        return np.zeros(len(values), dtype=bool)
    if len(values) >= _ARROW_MIN_VALUES:
        # The metadata's patterns are regular (no back-references): RE2 gives the same verdicts.
        hit = fullmatch_many(values, pattern)
        if hit is not None:
            return hit
    fm = re.compile(pattern).fullmatch
    return np.fromiter((fm(v) is not None for v in values), dtype=bool, count=len(values))


def _phone_desc_match(values: list, desc) -> np.ndarray:
    """``phonenumbers``' ``_is_number_matching_desc`` for many strings."""
    if desc is None or not values:
        return np.zeros(len(values), dtype=bool)
    if len(desc.possible_length) == 0:
        return _phone_match(values, desc.national_number_pattern)
    # The length test first: the pattern only for numbers of a possible length.
    lengths = set(desc.possible_length)
    ok = np.fromiter((len(v) in lengths for v in values), dtype=bool, count=len(values))
    idx = np.flatnonzero(ok)
    if len(idx):
        ok[idx] = _phone_match([values[i] for i in idx], desc.national_number_pattern)
    return ok


_PHONE_CASCADE_CACHE: dict = {}


def _phone_cascade(md, length: int):
    """One pattern for the type tests of ``_number_type_helper`` at one number length.

    The alternatives are the descriptions (premium rate ... voicemail, fixed line, mobile)
    that allow ``length``, in the library's order; a full match takes the first alternative
    that matches the whole number, which is the library's first hit. Returns the compiled
    pattern and the type codes of its groups, or ``None`` (patterns with back-references
    cannot be combined).
    """
    key = (id(md), length)
    if key in _PHONE_CASCADE_CACHE:
        return _PHONE_CASCADE_CACHE[key]
    import phonenumbers

    T = phonenumbers.PhoneNumberType
    steps = [(md.premium_rate, T.PREMIUM_RATE), (md.toll_free, T.TOLL_FREE),
             (md.shared_cost, T.SHARED_COST), (md.voip, T.VOIP),
             (md.personal_number, T.PERSONAL_NUMBER), (md.pager, T.PAGER),
             (md.uan, T.UAN), (md.voicemail, T.VOICEMAIL), (md.fixed_line, T.FIXED_LINE)]
    if not md.same_mobile_and_fixed_line_pattern:
        steps.append((md.mobile, T.MOBILE))
    parts, codes = [], {}
    for desc, typ in steps:
        if desc is None or not desc.national_number_pattern:
            continue
        if len(desc.possible_length) > 0 and length not in desc.possible_length:
            continue
        if re.search(r"\\[1-9]|\(\?P", desc.national_number_pattern):
            _PHONE_CASCADE_CACHE[key] = None
            return None
        name = f"t{len(parts)}"
        parts.append(f"(?P<{name}>{desc.national_number_pattern})")
        codes[name] = typ
    try:
        compiled = re.compile("|".join(parts)) if parts else None
    except re.error:
        _PHONE_CASCADE_CACHE[key] = None
        return None
    _PHONE_CASCADE_CACHE[key] = (compiled, codes)
    return compiled, codes


def _phone_types(values: list, md) -> np.ndarray:
    """``phonenumbers``' ``_number_type_helper`` for many national significant numbers."""
    import phonenumbers

    T = phonenumbers.PhoneNumberType
    out = np.full(len(values), T.UNKNOWN, dtype=np.int64)
    todo = np.flatnonzero(_phone_desc_match(values, md.general_desc))
    if not len(todo):
        return out
    by_length: dict[int, list[int]] = {}
    for i in todo:
        by_length.setdefault(len(values[i]), []).append(i)
    fixed = []
    for length, idx in by_length.items():
        cascade = _phone_cascade(md, length)
        if cascade is None:
            out[idx] = _phone_types_stepwise([values[i] for i in idx], md)
            continue
        pattern, codes = cascade
        if pattern is None:
            continue
        fm = pattern.fullmatch
        for i in idx:
            m = fm(values[i])
            if m is not None:
                typ = codes[m.lastgroup]
                if typ == T.FIXED_LINE:
                    fixed.append(i)
                else:
                    out[i] = typ
    if fixed:
        fixed = np.asarray(fixed)
        if md.same_mobile_and_fixed_line_pattern:
            out[fixed] = T.FIXED_LINE_OR_MOBILE
        else:
            both = _phone_desc_match([values[i] for i in fixed], md.mobile)
            out[fixed[both]] = T.FIXED_LINE_OR_MOBILE
            out[fixed[~both]] = T.FIXED_LINE
    return out


def _phone_types_stepwise(values: list, md) -> np.ndarray:
    """:func:`_phone_types` one description at a time (numbers matching the general one)."""
    import phonenumbers

    T = phonenumbers.PhoneNumberType
    out = np.full(len(values), T.UNKNOWN, dtype=np.int64)
    todo = np.arange(len(values))

    def sub(idx):
        return [values[i] for i in idx]

    for desc, typ in ((md.premium_rate, T.PREMIUM_RATE), (md.toll_free, T.TOLL_FREE),
                      (md.shared_cost, T.SHARED_COST), (md.voip, T.VOIP),
                      (md.personal_number, T.PERSONAL_NUMBER), (md.pager, T.PAGER),
                      (md.uan, T.UAN), (md.voicemail, T.VOICEMAIL)):
        if not len(todo):
            return out
        hit = _phone_desc_match(sub(todo), desc)
        out[todo[hit]] = typ
        todo = todo[~hit]
    fixed = _phone_desc_match(sub(todo), md.fixed_line)
    fl, rest = todo[fixed], todo[~fixed]
    if md.same_mobile_and_fixed_line_pattern:
        out[fl] = T.FIXED_LINE_OR_MOBILE
        return out
    both = _phone_desc_match(sub(fl), md.mobile)
    out[fl[both]] = T.FIXED_LINE_OR_MOBILE
    out[fl[~both]] = T.FIXED_LINE
    mob = _phone_desc_match(sub(rest), md.mobile)
    out[rest[mob]] = T.MOBILE
    return out


def _phone_national_numbers(values: list, md, ok: np.ndarray) -> list:
    """National significant numbers (national prefix stripped as ``parse`` would); clears
    ``ok`` where the library must decide (a transform rule applies, or too short)."""
    from phonenumbers.phonenumberutil import ValidationResult, _test_number_length

    # National prefix (_maybe_strip_national_prefix_carrier_code).
    potential = list(values)
    npp = md.national_prefix_for_parsing
    if npp:
        pm = re.compile(npp).match
        rule = md.national_prefix_transform_rule
        gd_pattern = md.general_desc.national_number_pattern if md.general_desc else None
        strip_idx, strip_rest = [], []
        for i, v in enumerate(values):
            if not ok[i]:
                continue
            m = pm(v)
            if m is None:
                continue
            groups = m.groups()
            if rule:
                if not groups or groups[-1] is not None:
                    ok[i] = False  # a transform applies: leave it to the library
                    continue
            strip_idx.append(i)
            strip_rest.append(v[m.end():])
        if strip_idx:
            orig = [values[i] for i in strip_idx]
            keep = _phone_match(orig, gd_pattern) & ~_phone_match(strip_rest, gd_pattern)
            for i, r, k in zip(strip_idx, strip_rest, keep):
                if not k:
                    potential[i] = r
    # Keep the stripped form only when its length is possible (depends on the length alone).
    length_ok = {}
    nsn = []
    for i, v in enumerate(values):
        p = potential[i]
        if p is not v:
            L = len(p)
            if L not in length_ok:
                length_ok[L] = _test_number_length("0" * L, md) not in (
                    ValidationResult.TOO_SHORT, ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
                    ValidationResult.INVALID_LENGTH)
            if not length_ok[L]:
                p = v
        if len(p) < 2:
            ok[i] = False
        nsn.append(p)
    return nsn


def _phone_fast(values: list, region: str):
    """Clean distinct plain-digit national numbers of one region without calling ``parse``.

    Returns ``(decided, value, valid, kind)`` arrays; where ``decided`` is False the caller
    asks the library (the route through ``parse`` is not a simple one).
    """
    import phonenumbers
    from phonenumbers.phonemetadata import PhoneMetadata

    n = len(values)
    decided = np.zeros(n, dtype=bool)
    value = np.empty(n, dtype=object)
    valid = np.zeros(n, dtype=bool)
    kind = np.empty(n, dtype=object)
    md = PhoneMetadata.metadata_for_region(region, None) if isinstance(region, str) else None
    if md is None or region not in phonenumbers.SUPPORTED_REGIONS or not n:
        return decided, value, valid, kind
    cc = md.country_code
    # Numbers starting with the region's international prefix or with its country code take
    # other routes through parse().
    ok = np.ones(n, dtype=bool)
    if md.international_prefix:
        idd = re.compile(md.international_prefix).match
        ok &= np.fromiter((idd(v) is None for v in values), dtype=bool, count=n)
    ccs = str(cc)
    ok &= np.fromiter((not v.startswith(ccs) for v in values), dtype=bool, count=n)
    nsn = _phone_national_numbers(values, md, ok)
    # Region of the number (region_code_for_number) and its type (number_type).
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(cc)
    if not regions:
        return decided, value, valid, kind
    types = np.full(n, -1, dtype=np.int64)
    todo = np.flatnonzero(ok)
    if len(regions) == 1:
        rmd = PhoneMetadata.metadata_for_region_or_calling_code(cc, regions[0])
        if rmd is None:
            return decided, value, valid, kind
        types[todo] = _phone_types([nsn[i] for i in todo], rmd)
    else:
        unknown = phonenumbers.PhoneNumberType.UNKNOWN
        for r in regions:
            if not len(todo):
                break
            rmd = PhoneMetadata.metadata_for_region(r.upper(), None)
            if rmd is None:
                continue
            cand = [nsn[i] for i in todo]
            if rmd.leading_digits is not None:
                lm = re.compile(rmd.leading_digits).match
                hit = np.fromiter((lm(v) is not None for v in cand), dtype=bool, count=len(cand))
                if hit.any():
                    types[todo[hit]] = _phone_types([c for c, h in zip(cand, hit) if h], rmd)
            else:
                t = _phone_types(cand, rmd)
                hit = t != unknown
                types[todo[hit]] = t[hit]
            todo = todo[~hit]
        # Numbers of no region of the code: left to the library.
    names = _phone_type_names()
    unknown = phonenumbers.PhoneNumberType.UNKNOWN
    for i in np.flatnonzero(types >= 0):
        decided[i] = True
        if types[i] == unknown:
            value[i], valid[i], kind[i] = values[i], False, None
        else:
            value[i], valid[i], kind[i] = f"+{cc}{nsn[i]}", True, names.get(int(types[i]))
    return decided, value, valid, kind


@cleaners.register("phone")
class PhoneCleaner(Cleaner):
    """Telephone numbers to E.164 with :mod:`phonenumbers`.

    Numbers without a country code are read in the row's ``country`` (when the
    source has one) or else in ``region`` (the source's ``formats.phone_region``).
    Persian, Arabic-Indic and full-width digits are accepted; ``00`` prefixes
    become ``+``. Invalid numbers keep their best-effort form and get
    ``valid = False``. Extra outputs ``kind``: ``mobile``, ``fixed_line``, ...
    (families share landlines, rarely mobiles), and ``extension``: the digits
    of an extension written after the number (``x123``, ``ext. 4``, ``#12``,
    ``;ext=5``), kept apart instead of dropped.

    Parameters
    ----------
    region : str, optional
        ISO 3166-1 alpha-2 default region.

    Examples
    --------
    >>> v, x = PhoneCleaner(region="GB").transform_full(pd.Series(["07911 123456", "12"]))
    >>> v.tolist(), x["valid"].tolist(), x["kind"].tolist()
    (['+447911123456', '12'], [True, False], ['mobile', None])
    >>> PhoneCleaner().transform(pd.DataFrame({"phone": ["090-1234-5678"], "country": ["JP"]}))\\
    ...     .tolist()
    ['+819012345678']
    >>> v, x = PhoneCleaner(region="GB").transform_full(pd.Series(["020 7946 0018 ext. 4"]))
    >>> v.tolist(), x["extension"].tolist()
    (['+442079460018'], ['4'])
    """

    uses = ("country",)
    outputs = ("valid", "kind", "extension")
    format_params = {"region": "phone_region"}

    def __init__(self, region: str | None = None):
        self.region = region

    def transform_full(self, X):
        frame = X.to_frame() if isinstance(X, pd.Series) else X
        first = to_text(frame.iloc[:, 0])
        missing = _missing_mask(first)
        ctx = [frame.iloc[:, i] for i in range(1, frame.shape[1])]
        work = pd.concat([first.where(~missing, None), *ctx], axis=1)
        n = len(first)
        value = np.empty(n, dtype=object)
        valid = np.empty(n, dtype=object)
        kind = np.empty(n, dtype=object)
        extension = np.full(n, None, dtype=object)
        done = np.zeros(n, dtype=bool)
        # Fast path: plain-digit numbers, grouped by the region they are read in.
        vals = first.to_numpy(dtype=object)
        fast = np.fromiter((isinstance(v, str) and _PHONE_FAST_INPUT.fullmatch(v) is not None
                            and not v.startswith("00") for v in vals), dtype=bool, count=n)
        if fast.any():
            if ctx:
                regions = np.array([c if isinstance(c, str) and c else self.region
                                    for c in ctx[0].to_numpy(dtype=object)], dtype=object)
            else:
                regions = np.full(n, self.region, dtype=object)
            for region in pd.unique(regions[fast]):
                rows = np.flatnonzero(fast & (regions == region) if region is not None
                                      else fast & pd.isna(regions))
                codes, uniques = pd.factorize(vals[rows])
                dec, v_u, ok_u, k_u = _phone_fast(list(uniques), region)
                hit = dec[codes]
                r = rows[hit]
                c = codes[hit]
                value[r], valid[r], kind[r] = v_u[c], ok_u.astype(object)[c], k_u[c]
                done[r] = True
        rest = np.flatnonzero(~done)
        if len(rest):
            outs = _apply_unique(work.iloc[rest], self._clean_one, 4)
            for arr, s in zip((value, valid, kind, extension), outs):
                arr[rest] = s.to_numpy(dtype=object)
        idx = frame.index
        values = pd.Series(value, index=idx, dtype=object)
        extras = {"valid": pd.Series(valid, index=idx, dtype=object).where(~missing, None)
                  .astype("boolean"),
                  "kind": pd.Series(kind, index=idx, dtype=object).where(~missing, None),
                  "extension": pd.Series(extension, index=idx, dtype=object)
                  .where(~missing, None)}
        return values, extras

    def _clean_one(self, value, *context):
        import phonenumbers

        if value is None:
            return None, None, None, None
        s = normalize_digits(_nfkc(value)).strip()
        m = _PHONE_EXTENSION.search(s)
        ext = None
        if m and re.search(r"\d.*\d.*\d", s[:m.start()]):
            s, ext = s[:m.start()].rstrip(" ,;-/"), m.group(1)
        region = (context[0] if context and isinstance(context[0], str) and context[0]
                  else None) or self.region
        digits_only = re.sub(r"[^\d+]", "", s)
        if digits_only.startswith("00"):
            s = "+" + s.lstrip()[2:].lstrip()
        try:
            n = phonenumbers.parse(s, None if s.startswith("+") else (region or None))
        except phonenumbers.NumberParseException:
            return (digits_only or None), False, None, ext
        ext = ext or n.extension or None
        e164 = phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)
        # number_type() is UNKNOWN exactly when is_valid_number() is False; one call does both.
        ntype = phonenumbers.number_type(n)
        if ntype == phonenumbers.PhoneNumberType.UNKNOWN:
            return (digits_only or e164), False, None, ext
        return e164, True, _phone_type_names().get(ntype), ext
