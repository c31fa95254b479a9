"""Redaction of secrets in connection strings: one function for every form.

Whatever reaches ``summary.json``, ``config.resolved.json``, a notebook, an
HTML report or the terminal goes through :func:`redact_secrets`, which hides

* the password of a URL (``postgresql://user:pw@host``), also when it holds an
  ``@`` or when there is no user name (``redis://:pw@host``); a user part
  without a colon (``https://TOKEN@host``) is hidden whole, being as likely a token;
* secret query parameters (``?password=``, ``&pwd=``, ``sslpassword``, ``token``,
  ``api_key``, ``access_token``, ``secret``, ...);
* ``key=value`` connection strings (libpq ``password=pw``, ODBC/ADO
  ``Pwd={pw};``, quoted values).

Examples
--------
>>> redact_secrets("postgresql://ana:s3cr@t@db.local:5432/crm")
'postgresql://ana:***@db.local:5432/crm'
>>> redact_secrets("mysql://db/crm?user=ana&password=s3cret&ssl=1")
'mysql://db/crm?user=ana&password=***&ssl=1'
>>> redact_secrets("host=db user=ana password='pa ss' dbname=crm")
'host=db user=ana password=*** dbname=crm'
"""

from __future__ import annotations

import re

__all__ = ["redact_secrets", "redact_data", "secret_from_env", "MASK"]

#: What a secret is replaced with.
MASK = "***"

_SECRET_KEYS = (r"password|passwd|pass|pwd|sslpassword|secret|client_secret|token|"
                r"access_token|auth_token|api_?key|apikey|private_key")
# Only as URL query parameters (Azure SAS signatures...): as plain words they are too common.
_QUERY_KEYS = _SECRET_KEYS + r"|sig|signature|sas|key"

_URL = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<rest>[^\s\"'<>]+)")
_QUERY = re.compile(rf"(?i)([?&;](?:{_QUERY_KEYS})=)[^&;#\s\"'<>]*")
_KV = re.compile(rf"(?i)(?<![\w.\-])((?:{_SECRET_KEYS})\s*=\s*)"
                 r"('[^']*'|\"[^\"]*\"|\{[^}]*\}|[^\s;&,\"'<>]*)")


def _redact_authority(m: re.Match) -> str:
    scheme, rest = m.group("scheme"), m.group("rest")
    # The user part ends at the last '@' before the host (a password may hold '@' or '/');
    # the host part holds neither '@' nor a path.
    at = rest.rfind("@")
    if at < 0:
        return scheme + rest
    host_start = at + 1
    q = re.search(r"[?#]", rest)
    if q is not None and q.start() < at and "@" not in rest[:q.start()]:
        return scheme + rest  # the '@' are in the query (an e-mail address as a parameter)
    slash = rest.find("/")
    if 0 <= slash < at and "@" not in rest[:slash] and \
            re.fullmatch(r"[^:]*(:\d*)?", rest[:slash]):
        return scheme + rest  # host[:port]/path/with@sign: no password before the path
    userinfo = rest[:at]
    user, colon, _ = userinfo.partition(":")
    shown = f"{user}:{MASK}" if colon else MASK
    return f"{scheme}{shown}@{rest[host_start:]}"


def redact_secrets(text):
    """``text`` with every password, token or key of a connection string replaced by ``***``.

    Non-strings are returned unchanged.

    Examples
    --------
    >>> redact_secrets("redis://:hunter2@cache:6379/0")
    'redis://:***@cache:6379/0'
    >>> redact_secrets("https://ghp_abc123@github.com/x.git")
    'https://***@github.com/x.git'
    >>> redact_secrets("Server=db;Uid=ana;Pwd={p;w};Database=crm")
    'Server=db;Uid=ana;Pwd=***;Database=crm'
    >>> redact_secrets("mailto:ana@example.com and https://site/?email=a@b.co")
    'mailto:ana@example.com and https://site/?email=a@b.co'
    >>> redact_secrets(5)
    5
    """
    if not isinstance(text, str) or not text:
        return text
    out = _URL.sub(_redact_authority, text)
    out = _KV.sub(lambda m: m.group(1) + MASK, out)  # first: it knows quoted/braced values
    return _QUERY.sub(lambda m: m.group(1) + MASK, out)


def redact_data(data):
    """A copy of nested dicts/lists with :func:`redact_secrets` applied to every string.

    Examples
    --------
    >>> redact_data({"sources": [{"options": {"url": "pg://a:b@h/db"}}], "n": 1})
    {'sources': [{'options': {'url': 'pg://a:***@h/db'}}], 'n': 1}
    """
    if isinstance(data, dict):
        return {k: redact_data(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return type(data)(redact_data(v) for v in data)
    return redact_secrets(data)


def secret_from_env(var: str, purpose: str) -> str:
    """Read a secret from the environment variable ``var``.

    Raises
    ------
    ConfigError
        If the variable is unset or empty, naming the variable and what it is for.

    Examples
    --------
    >>> import os
    >>> os.environ["CDMKIT_DOCTEST_KEY"] = "s3cret"
    >>> secret_from_env("CDMKIT_DOCTEST_KEY", "pseudonymisation")
    's3cret'
    """
    import os

    from ..errors import ConfigError

    value = os.environ.get(var)
    if not value:
        raise ConfigError("environment", var, f"set this environment variable to the {purpose} "
                          "(secrets are never read from config files)")
    return value
