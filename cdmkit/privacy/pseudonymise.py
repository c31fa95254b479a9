"""Keyed pseudonymisation (HMAC-SHA-256) of identifiers for exports shared outside.

The key comes from the environment variable named by
``privacy.pseudonym_key_env`` (default ``CDMKIT_PSEUDONYM_KEY``), read with
:func:`cdmkit.config.secret_from_env`; it is never written to outputs, configs
or logs, and :class:`Pseudonymiser` hides it from its ``repr``. The same key
and value always give the same pseudonym, so exports of different runs can be
joined by the receiver without ever seeing the real identifier; without the
key the pseudonym cannot be recomputed from a guessed identifier.

Examples
--------
>>> p = Pseudonymiser(key="s3cret")
>>> p("C000001") == p("C000001"), len(p("C000001"))
(True, 64)
>>> "s3cret" in repr(p)
False
"""

from __future__ import annotations

import hashlib
import hmac

import pandas as pd

__all__ = ["Pseudonymiser", "pseudonymise", "pseudonymise_frame", "key_from_config",
           "check_key", "KEY_PURPOSE", "MIN_KEY_BYTES"]

KEY_PURPOSE = "HMAC key for pseudonymised exports"

#: Shortest key accepted for exports (HMAC-SHA-256: 32 bytes = the hash size; a short key can
#: be guessed, and with it every pseudonym reversed by hashing candidate IDs).
MIN_KEY_BYTES = 32


def check_key(key, where: str = "the pseudonymisation key") -> None:
    """Refuse a key shorter than :data:`MIN_KEY_BYTES` bytes (UTF-8).

    Raises
    ------
    CdmkitError
        Naming where the key came from and how to make a good one.

    Examples
    --------
    >>> check_key("x" * 32)
    >>> check_key("k")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cdmkit.errors.CdmkitError: the pseudonymisation key is 1 bytes long; use at least 32 ...
    """
    from ..errors import CdmkitError

    n = len(key.encode("utf-8") if isinstance(key, str) else bytes(key or b""))
    if n < MIN_KEY_BYTES:
        raise CdmkitError(f"{where} is {n} bytes long; use at least {MIN_KEY_BYTES} random "
                          "bytes (e.g. the output of `python -c \"import secrets; "
                          "print(secrets.token_hex(32))\"`)")


def key_from_config(config) -> str:
    """The pseudonymisation key from the environment variable the config names.

    Raises
    ------
    ConfigError
        Naming the variable when it is unset.
    CdmkitError
        When the key is shorter than :data:`MIN_KEY_BYTES` bytes.

    Examples
    --------
    >>> import os
    >>> from cdmkit.config import ClientConfig
    >>> os.environ["CDMKIT_PSEUDONYM_KEY"] = "doctest-key-" + "0" * 32
    >>> key_from_config(ClientConfig(client="a")).startswith("doctest-key")
    True
    >>> del os.environ["CDMKIT_PSEUDONYM_KEY"]
    """
    from .secrets import secret_from_env

    var = config.privacy.pseudonym_key_env
    key = secret_from_env(var, KEY_PURPOSE)
    check_key(key, f"the key in ${var}")
    return key


class Pseudonymiser:
    """HMAC-SHA-256 of identifiers with a secret key (hex digest, 64 characters).

    Parameters
    ----------
    key : str or bytes
        The secret key.
    prefix : str
        Prepended to every pseudonym (e.g. ``"P"``), empty by default.

    Examples
    --------
    >>> Pseudonymiser(key=b"secret")("42")[:12]
    '93c121e7aa43'
    """

    def __init__(self, key, prefix: str = ""):
        if not key:
            raise ValueError("the pseudonymisation key is empty")
        self._key = key.encode("utf-8") if isinstance(key, str) else bytes(key)
        self.prefix = prefix

    def __repr__(self):
        return f"Pseudonymiser(key=<hidden>, prefix={self.prefix!r})"

    def __call__(self, value):
        if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
            return value
        digest = hmac.new(self._key, str(value).encode("utf-8"), hashlib.sha256).hexdigest()
        return self.prefix + digest

    def series(self, values: pd.Series) -> pd.Series:
        """Pseudonymise a Series (missing values stay missing).

        Examples
        --------
        >>> import pandas as pd
        >>> Pseudonymiser(key="k").series(pd.Series(["a", None])).isna().tolist()
        [False, True]
        """
        # Hash each distinct value once: IDs repeat across rows of activity tables.
        uniq = pd.unique(values.dropna())
        lookup = {v: self(v) for v in uniq}
        return values.map(lookup).astype(object).where(values.notna(), None)


def pseudonymise(values, key) -> pd.Series:
    """HMAC-SHA-256 pseudonyms of ``values`` with ``key``.

    Examples
    --------
    >>> pseudonymise(["C1", "C1", "C2"], "k").nunique()
    2
    """
    return Pseudonymiser(key).series(pd.Series(values, dtype=object))


def pseudonymise_frame(df: pd.DataFrame, columns, key) -> pd.DataFrame:
    """Copy of ``df`` with ``columns`` replaced by their pseudonyms.

    Examples
    --------
    >>> import pandas as pd
    >>> out = pseudonymise_frame(pd.DataFrame({"customer_id": ["C1"], "n": [1]}),
    ...                          ["customer_id"], "k")
    >>> bool(out["customer_id"][0] != "C1"), int(out["n"][0])
    (True, 1)
    """
    p = Pseudonymiser(key)
    out = df.copy()
    for c in columns:
        if c in out:
            out[c] = p.series(out[c])
    return out
