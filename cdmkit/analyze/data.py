"""The CDNOW data set (Fader, Hardie & Lee 2005), for tests, teaching and benchmarks.

The files ship inside the ``lifetimes`` wheel (``lifetimes/datasets/``); cdmkit
does not depend on lifetimes. :func:`cdnow_dir` finds them in, in order: the
folder named by the environment variable ``CDMKIT_CDNOW_DIR``; the cache
``$XDG_CACHE_HOME/cdmkit/cdnow`` (default ``~/.cache/cdmkit/cdnow``); else it
downloads the wheel once with ``pip download lifetimes==0.11.3 --no-deps`` and
extracts the data files into the cache. The data are never stored in the repository.

Examples
--------
>>> sorted(CDNOW_FILES)[:2]
['CDNOW_master.txt', 'CDNOW_sample.txt']
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pandas as pd

from ..errors import CdmkitError

__all__ = ["CDNOW_FILES", "CdnowUnavailable", "cdnow_dir", "cdnow_summary", "cdnow_transactions"]

#: Files taken from ``lifetimes/datasets/`` of the lifetimes wheel.
CDNOW_FILES = ("CDNOW_master.txt", "CDNOW_sample.txt", "cdnow_customers_summary.csv",
               "cdnow_customers_summary_with_transactions.csv")
_WHEEL = "lifetimes==0.11.3"


class CdnowUnavailable(CdmkitError):
    """The CDNOW files could not be found or downloaded."""


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cdmkit" / "cdnow"


def _complete(d: Path) -> bool:
    return all((d / f).is_file() for f in CDNOW_FILES)


def cdnow_dir(download: bool = True) -> Path:
    """Folder holding the CDNOW files (see the module docstring for the search order).

    Parameters
    ----------
    download : bool, default True
        Download the lifetimes wheel into the cache when the files are nowhere else.

    Raises
    ------
    CdnowUnavailable
        If the files are absent and could not be downloaded (the message says how
        to provide them).

    Examples
    --------
    >>> (cdnow_dir() / "CDNOW_sample.txt").exists()
    True
    """
    env = os.environ.get("CDMKIT_CDNOW_DIR")
    if env:
        d = Path(env).expanduser()
        if _complete(d):
            return d
        raise CdnowUnavailable(f"CDMKIT_CDNOW_DIR={env} does not hold {', '.join(CDNOW_FILES)}")
    cache = _cache_dir()
    if _complete(cache):
        return cache
    if not download:
        raise CdnowUnavailable(f"CDNOW data not in {cache}; call cdnow_dir() with download=True "
                               "or set CDMKIT_CDNOW_DIR")
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", _WHEEL, "--no-deps", "--only-binary",
               ":all:", "-d", tmp, "-q"]
        try:
            subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=300)
        except (subprocess.SubprocessError, OSError) as exc:
            detail = getattr(exc, "stderr", "") or str(exc)
            raise CdnowUnavailable(
                f"could not download {_WHEEL} to get the CDNOW data ({detail.strip()[-300:]}); "
                "download the wheel yourself and set CDMKIT_CDNOW_DIR to its "
                "lifetimes/datasets folder") from None
        wheels = list(Path(tmp).glob("*.whl"))
        if not wheels:
            raise CdnowUnavailable(f"pip download {_WHEEL} produced no wheel")
        cache.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheels[0]) as zf:
            for name in CDNOW_FILES:
                data = zf.read(f"lifetimes/datasets/{name}")
                part = cache / (name + ".part")
                part.write_bytes(data)
                part.replace(cache / name)
    return cache


def cdnow_summary(monetary: bool = True) -> pd.DataFrame:
    """The published CDNOW calibration summary: 2,357 customers, 39 weeks, time in weeks.

    Columns ``frequency`` (repeat purchases), ``recency`` and ``T`` (weeks,
    days / 7) and, with ``monetary``, ``monetary_value`` (average value of the
    repeat purchases in the calibration period, 0 for customers without one).
    Index: ``customer_id``. This is the data behind the published BG/NBD,
    Pareto/NBD and Gamma-Gamma estimates.

    Examples
    --------
    >>> cdnow_summary().shape
    (2357, 4)
    """
    d = cdnow_dir()
    if monetary:
        df = pd.read_csv(d / "cdnow_customers_summary_with_transactions.csv")
        df.columns = ["customer_id", "frequency", "recency", "T", "monetary_value"]
    else:
        df = pd.read_csv(d / "cdnow_customers_summary.csv")
        df.columns = ["customer_id", "frequency", "recency", "T"]
    return df.set_index("customer_id")


def cdnow_transactions(sample: bool = True) -> pd.DataFrame:
    """CDNOW purchase records: ``customer_id``, ``date``, ``quantity``, ``amount``.

    ``sample=True`` gives the 1/10 sample of the 23,570-customer cohort (2,357
    customers, 1997-01 to 1998-06) used for the published estimates; ``False``
    the full master file. ``customer_id`` is an integer: in the sample, the
    customer's number *in the sample* (1 to 2,357, the index of
    :func:`cdnow_summary`, so the two join); the sample file's first column, the
    customer's number in the master file, is kept as ``master_id``.

    Examples
    --------
    >>> tx = cdnow_transactions()
    >>> tx["customer_id"].nunique(), int(tx["customer_id"].max())
    (2357, 2357)
    """
    d = cdnow_dir()
    if sample:
        # Columns of CDNOW_sample.txt: master-file ID, sample ID, date, CDs, dollars.
        tx = pd.read_csv(d / "CDNOW_sample.txt", sep=r"\s+", header=None,
                         names=["master_id", "customer_id", "date", "quantity", "amount"],
                         dtype={"master_id": "int64", "customer_id": "int64", "date": str})
        tx = tx[["customer_id", "date", "quantity", "amount", "master_id"]]
    else:
        tx = pd.read_csv(d / "CDNOW_master.txt", sep=r"\s+", header=None, skiprows=1,
                         names=["customer_id", "date", "quantity", "amount"],
                         dtype={"customer_id": "int64", "date": str})
    tx["date"] = pd.to_datetime(tx["date"], format="%Y%m%d")
    return tx
