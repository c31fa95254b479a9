"""The demo company: :func:`generate_demo` and the pieces it assembles (see the package face)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd

from .activity import build_activity
from .catalog import CATALOG
from .names import build_pools
from .people import TRUE_PARAMETERS, make_people
from .sources import build_customer_sources
from .webevents import iter_events
from .writer import FILE_SPECS, TableSink

__all__ = ["generate_demo", "GeneratedDemo", "DEFAULT_LOCALES", "CATALOG", "parse_locales",
           "persons_truth", "TRUE_PARAMETERS", "MIN_CUSTOMERS", "MAX_CUSTOMERS"]

#: Default locale mix of the demo persons.
DEFAULT_LOCALES = {"en": 0.6, "fa": 0.25, "ja": 0.15}
MIN_CUSTOMERS, MAX_CUSTOMERS = 100, 1_000_000


@dataclass
class GeneratedDemo:
    """What :func:`generate_demo` wrote.

    Attributes
    ----------
    out_dir : pathlib.Path
        Folder of the data files.
    config_path : pathlib.Path
        The client YAML reading them.
    ground_truth_path : pathlib.Path
        ``ground_truth.csv``: ``source, record_id, person_id, household_id``.
    files : dict of str to pathlib.Path
        File name -> path of every written file.
    n_persons : int
        Real persons simulated.
    n_records : int
        Distinct customer records over all customers sources (rows of the ground truth).
    counts : dict of str to int
        File name -> rows written (exact duplicate rows included).

    Examples
    --------
    >>> GeneratedDemo(Path("."), Path("c.yaml"), Path("g.csv")).n_records
    0
    """

    out_dir: Path
    config_path: Path
    ground_truth_path: Path
    files: dict = field(default_factory=dict)
    n_persons: int = 0
    n_records: int = 0
    counts: dict = field(default_factory=dict)

    def summary(self) -> str:
        """One line: persons, records, files.

        Examples
        --------
        >>> GeneratedDemo(Path("."), Path("c.yaml"), Path("g.csv"), n_persons=5).summary()
        '5 persons, 0 customer records, 0 files in .'
        """
        return (f"{self.n_persons:,} persons, {self.n_records:,} customer records, "
                f"{len(self.files)} files in {self.out_dir}")


def parse_locales(text: str) -> dict:
    """Parse ``en=0.6,fa=0.25,ja=0.15`` into a locale mix.

    Examples
    --------
    >>> parse_locales("en=0.7, ja=0.3")
    {'en': 0.7, 'ja': 0.3}
    >>> parse_locales("en")
    {'en': 1.0}
    """
    out = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        name, _, weight = part.partition("=")
        try:
            out[name.strip()] = float(weight) if weight else 1.0
        except ValueError:
            raise ValueError(f"locale weight {weight!r} of {name!r} is not a number") from None
    return out


def _check_args(n_customers, locales, start, end, client="demo"):
    import re

    from .names import LOCALES

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", client):
        raise ValueError(f"client name {client!r} must start with a letter or digit and hold "
                         "only letters, digits, '_', '.' and '-'")

    if not (MIN_CUSTOMERS <= n_customers <= MAX_CUSTOMERS):
        raise ValueError(f"n_customers must be between {MIN_CUSTOMERS:,} and "
                         f"{MAX_CUSTOMERS:,} (got {n_customers:,})")
    unknown = sorted(set(locales) - set(LOCALES))
    if unknown:
        raise ValueError(f"unknown locale(s) {', '.join(unknown)}; valid locales: "
                         f"{', '.join(LOCALES)}")
    if not locales or sum(locales.values()) <= 0 or min(locales.values()) < 0:
        raise ValueError("locale weights must be non-negative and not all zero")
    if (end - start).days < 90:
        raise ValueError(f"the window {start.date()}..{end.date()} must span at least 90 days")


def generate_demo(out_dir, n_customers: int = 2000, seed: int = 42,
                  locales: Optional[dict] = None, start: str = "2023-01-01",
                  end: str = "2025-12-31", client: str = "demo", config_path=None,
                  progress: bool = False, output_dir: Optional[str] = None) -> GeneratedDemo:
    """Generate the demo company's files, ground truth and client config.

    Parameters
    ----------
    out_dir : str or path
        Folder for the data files (created if needed).
    n_customers : int
        Number of real persons (100 .. 1,000,000); each appears in 1-4 customers
        sources, so there are more customer records than persons.
    seed : int
        Seed of every random draw; the same seed gives byte-identical files.
    locales : dict of str to float, optional
        Locale mix of the persons, default ``{"en": 0.6, "fa": 0.25, "ja": 0.15}``.
    start, end : str
        Observation window (ISO dates) of acquisitions and activity.
    client : str
        Client name written into the config.
    config_path : str or path, optional
        Where to write the client YAML (default ``out_dir / "client.yaml"``). Paths
        inside it are relative to its folder.
    progress : bool
        Show a progress bar.
    output_dir : str, optional
        ``output_dir`` of the config (report runs); default ``reports`` next to the config.

    Returns
    -------
    GeneratedDemo

    Raises
    ------
    ValueError
        On a size outside 100..1,000,000, an unknown locale or a window under 90 days.

    Examples
    --------
    >>> import tempfile
    >>> from cdmkit.config import load_config
    >>> demo = generate_demo(tempfile.mkdtemp(), n_customers=120, seed=7,
    ...                      locales={"en": 1.0}, start="2024-01-01", end="2024-12-31")
    >>> [s.name for s in load_config(demo.config_path).sources_of("customers")]
    ['webshop', 'pos_loyalty', 'crm', 'newsletter']
    """
    locales = dict(DEFAULT_LOCALES if locales is None else locales)
    start_ts, end_ts = pd.Timestamp(start), pd.Timestamp(end)
    _check_args(int(n_customers), locales, start_ts, end_ts, client)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    config_path = Path(config_path) if config_path else out_dir / "client.yaml"

    sizes = _block_sizes(int(n_customers))
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=8 * len(sizes) + 1, desc="generate", unit="step")

    def step(msg):
        if bar is not None:
            bar.set_postfix_str(msg)
            bar.update(1)

    names = list(FILE_SPECS)
    sinks = {name: TableSink(out_dir / name, **FILE_SPECS[name]) for name in names}
    pools = {k: build_pools(k, seed) for k in locales if locales[k] > 0}
    taken: set = set()
    off = {"person": 0, "household": 0, "order": 0, "receipt": 0, "ticket": 0, "event": 0,
           "session": 0}
    n_records = 0
    for block, size in enumerate(sizes):
        n_records += _write_block(sinks, block, size, seed, locales, start_ts, end_ts, pools,
                                  taken, off, step)
        step("block written")
    files, counts = _close_sinks(sinks, out_dir)

    from .clientfile import client_config, write_config

    data = client_config(client=client, seed=seed, data_dir=out_dir, config_path=config_path,
                         output_dir=output_dir, locales=locales, n_customers=int(n_customers),
                         start=str(start_ts.date()), end=str(end_ts.date()), files=set(files))
    write_config(data, config_path)
    step("config written")
    if bar is not None:
        bar.close()
    return GeneratedDemo(out_dir=out_dir, config_path=config_path,
                         ground_truth_path=files["ground_truth.csv"], files=files,
                         n_persons=int(n_customers), n_records=n_records, counts=counts)


def _write_block(sinks: dict, block: int, size: int, seed: int, locales: dict, start_ts, end_ts,
                 pools: dict, taken: set, off: dict, step) -> int:
    """Simulate one block of persons and append its rows to every file; its customer records.

    ``off`` (ids used so far) is advanced, so the next block's ids continue after this one's.
    """
    people = make_people(size, seed, locales, start_ts, end_ts, block=block, pools=pools,
                         person_offset=off["person"], household_offset=off["household"],
                         taken_emails=taken)
    step("persons")
    cs = build_customer_sources(people, seed, end_ts, block=block, offsets=off)
    step("customer sources")
    act = build_activity(people, cs.accounts, seed, start_ts, end_ts, progress=step,
                         with_events=False, block=block, offsets=off)
    blocks = {
        "webshop_customers.csv": cs.frames["webshop"],
        "pos_loyalty.csv": cs.frames["pos_loyalty"],
        "crm_contacts.xlsx": cs.frames["crm"],
        "newsletter.jsonl": cs.frames["newsletter"],
        "pos_tehran_branch.csv": cs.frames["pos_tehran"],
        "webshop_orders.parquet": act.orders,
        "pos_sales.csv": act.pos_sales,
        "pos_tehran_sales.csv": act.tehran_sales,
        "support_tickets.csv": act.tickets,
        "ground_truth.csv": cs.ground_truth,
        "persons_truth.parquet": persons_truth(people, act.purchases),
    }
    for name, df in blocks.items():
        sinks[name].write(df)
    n_events = 0
    for chunk in iter_events(act.event_plan):
        sinks["web_events.jsonl"].write(chunk)
        n_events += len(chunk)
    # ids of the next block continue after this one's
    off["person"] += size
    off["household"] += int(people.frame["household_id"].nunique())
    for src, k in cs.accounts.groupby("source").size().items():
        off[src] = off.get(src, 0) + int(k)
    off["order"] += int(act.orders["order_id"].nunique())
    off["receipt"] += int(act.pos_sales["receipt_no"].nunique()
                          + act.tehran_sales["receipt_no"].nunique())
    off["ticket"] += len(act.tickets)
    off["event"] += n_events
    off["session"] += act.event_plan.n_sessions
    return len(cs.ground_truth)


def _close_sinks(sinks: dict, out_dir: Path) -> tuple[dict, dict]:
    """Close every file: ``(files, counts)`` of those with rows; empty ones removed."""
    files, counts = {}, {}
    for name, sink in sinks.items():
        rows = sink.close()
        if rows:
            files[name], counts[name] = out_dir / name, rows
        else:  # e.g. no Persian persons: no Tehran branch files, no such sources
            (out_dir / name).unlink(missing_ok=True)
    return files, counts


def persons_truth(people, purchases: pd.DataFrame) -> pd.DataFrame:
    """One row per person: the behaviour behind the data (for teaching and model checks).

    Parameters
    ----------
    people : People
        The simulated persons.
    purchases : pandas.DataFrame
        The true purchase occasions (``Activity.purchases``).

    Returns
    -------
    pandas.DataFrame
        ``person_id, household_id, locale, is_buyer, web_share, purchase_rate_per_year,
        dropout_probability, expected_order_value, acquired, n_purchases, first_purchase,
        last_purchase, dropped_out, consent_email, consent_profiling``. ``dropped_out``
        is True when the person became inactive before the end of the window (the
        churn truth); ``expected_order_value`` is the person's Gamma-Gamma mean.

    Examples
    --------
    >>> from cdmkit.generate.people import make_people
    >>> from cdmkit.generate.activity import simulate_purchases
    >>> p = make_people(100, 1, {"en": 1.0}, pd.Timestamp("2023-01-01"), pd.Timestamp("2023-12-31"))
    >>> t = persons_truth(p, simulate_purchases(p, 1, "2023-01-01", "2023-12-31"))
    >>> len(t), bool((t["n_purchases"] > 0).sum() <= t["is_buyer"].sum())
    (100, True)
    """
    from .people import TRUE_PARAMETERS

    f = people.frame
    g = purchases.groupby("person_idx")
    idx = np.arange(len(f))
    n = g.size().reindex(idx, fill_value=0).to_numpy()
    first = g["timestamp"].min().reindex(idx)
    last = g["timestamp"].max().reindex(idx)
    dropped = g["dropped"].any().reindex(idx, fill_value=False).to_numpy(dtype=bool)
    return pd.DataFrame({
        "person_id": f["person_id"].to_numpy(), "household_id": f["household_id"].to_numpy(),
        "locale": f["locale"].to_numpy(), "is_buyer": f["is_buyer"].to_numpy(),
        "web_share": f["web_share"].to_numpy().round(4),
        "purchase_rate_per_year": f["lam"].to_numpy().round(4),
        "dropout_probability": f["p_drop"].to_numpy().round(4),
        "expected_order_value": (TRUE_PARAMETERS["gamma_gamma"]["p"]
                                 / f["spend_nu"].to_numpy()).round(2),
        "acquired": f["acquired"].to_numpy(), "n_purchases": n,
        "first_purchase": first.to_numpy(), "last_purchase": last.to_numpy(),
        "dropped_out": dropped,
        "consent_email": f["consent_email"].to_numpy(),
        "consent_profiling": f["consent_profiling"].to_numpy(),
    })


#: Persons per block: larger populations are generated block by block (bounded memory).
BLOCK_SIZE = 100_000


def _block_sizes(n: int) -> list:
    """Split ``n`` persons into near-equal blocks of at most :data:`BLOCK_SIZE`.

    Examples
    --------
    >>> _block_sizes(250_001)
    [83334, 83334, 83333]
    >>> _block_sizes(2000)
    [2000]
    """
    k = -(-n // BLOCK_SIZE)
    return [n // k + (1 if i < n % k else 0) for i in range(k)]

