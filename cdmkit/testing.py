"""Contract checks for cdmkit components, for the kit's own tests and for plugin authors.

Each ``check_*`` function raises ``AssertionError`` with a clear message when a
component breaks the contract of its plugin kind. cdmkit's test suite runs them
over every registered component; a plugin package can do the same in its tests::

    from cdmkit.testing import check_cleaner
    from my_plugin import MyCleaner

    def test_my_cleaner_follows_the_contract():
        check_cleaner(MyCleaner)

Examples
--------
>>> from cdmkit.registry import cleaners
>>> check_cleaner(cleaners.get("email"))
>>> from cdmkit.registry import segmenters
>>> check_segmenter(segmenters.get("kmeans"))
"""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["check_cleaner", "check_comparator", "check_segmenter", "check_validator",
           "check_exporter", "check_loader", "check_stage", "SAMPLE_VALUES"]

#: Awkward values every cleaner must survive: missing values, blanks, mixed scripts, digits.
SAMPLE_VALUES = [None, float("nan"), "", "  ", "Maryam  Ahmadi", "علي رضايي", "山田　太郎",
                 "ＡＢＣ１２３", "o'neil-smith", "x@example.com", "+44 7700 900123",
                 "1984-03-07", "12 Baker St."]


def _default_constructible(cls):
    sig = inspect.signature(cls.__init__)
    required = [p.name for p in list(sig.parameters.values())[1:]
                if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    assert not required, f"{cls.__name__} needs defaults for {required} (scikit-learn rule)"
    return cls()


def check_cleaner(cls) -> None:
    """A cleaner is a scikit-learn transformer of one field.

    Checks: constructible with defaults, ``clone``-able, ``fit`` returns self,
    ``transform`` keeps length and index, never fails on :data:`SAMPLE_VALUES`,
    keeps missing values missing, is deterministic and leaves its input unchanged.

    Examples
    --------
    >>> from cdmkit.collect.cleaners import NameCleaner
    >>> check_cleaner(NameCleaner)
    """
    from sklearn.base import clone

    cleaner = _default_constructible(cls)
    clone(cleaner)
    assert cleaner.get_params() == clone(cleaner).get_params()
    x = pd.Series(SAMPLE_VALUES, index=np.arange(100, 100 + len(SAMPLE_VALUES)), dtype=object)
    before = x.copy()
    assert cleaner.fit(x) is cleaner, "fit must return self"
    out = cleaner.transform(x)
    assert isinstance(out, pd.Series), "transform must return a Series"
    assert len(out) == len(x) and out.index.equals(x.index), "transform must keep the index"
    assert out.iloc[:2].isna().all(), "missing values must stay missing"
    pd.testing.assert_series_equal(x, before, obj="input (must not be modified)")
    pd.testing.assert_series_equal(out, cleaner.transform(x), obj="second transform")


def check_comparator(cls) -> None:
    """A comparator gives each aligned pair a level: 0 = best, ``-1`` = missing.

    It must also work as a recordlinkage compare feature (checked when recordlinkage,
    the optional ``[interop]`` extra, is installed).

    Examples
    --------
    >>> from cdmkit.registry import comparators
    >>> check_comparator(comparators.get("name"))
    """
    comp = cls("v")
    levels = list(getattr(comp, "level_names", []))
    assert len(levels) >= 2, "a comparator needs at least two levels"
    vals = [v for v in SAMPLE_VALUES if isinstance(v, str) and v.strip()]
    left = pd.Series(vals + [None, vals[0]], dtype=object)
    right = pd.Series(vals + [vals[1], None], dtype=object)
    out = np.asarray(comp.compare(left, right))
    assert out.shape == (len(left),), "one level per pair"
    assert set(np.unique(out)) <= set(range(-1, len(levels))), f"levels out of range: {out}"
    # identical values are at the best level, unless the comparator cannot read them
    # (a date comparator given a name): then they count as missing. Comparators of derived
    # keys that apply only to some pairs declare ``identity_is_best = False``.
    if getattr(cls, "identity_is_best", True):
        assert set(out[:len(vals)]) <= {0, -1} and (out[:len(vals)] == 0).any(), \
            "identical values must be at the best level"
    assert (out[-2:] == -1).all(), "a missing side must give level -1"
    try:
        import recordlinkage
    except ImportError:  # the optional [interop] extra (recordlinkage 0.16 caps pandas < 3)
        return
    df = pd.DataFrame({"v": vals})
    pairs = pd.MultiIndex.from_arrays([np.arange(len(vals)), np.arange(len(vals))])
    features = recordlinkage.Compare([cls("v")]).compute(pairs, df, df)
    assert len(features) == len(vals), "must work inside recordlinkage.Compare"


def check_segmenter(cls) -> None:
    """A segmenter is a scikit-learn clusterer: fit/predict, clone, Pipeline, seeded.

    Examples
    --------
    >>> from cdmkit.segment.clustering import KMeansSegmenter
    >>> check_segmenter(KMeansSegmenter)
    """
    from sklearn.base import clone
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    est = _default_constructible(cls)
    params = est.get_params()
    # seeded, and with as many clusters as the data has, the result must be reproducible
    est.set_params(**{k: v for k, v in (("random_state", 0), ("n_clusters", 3),
                                        ("n_components", 3)) if k in params})
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(c, 0.3, size=(40, 3)) for c in (0, 3, 6)])
    assert est.fit(X) is est, "fit must return self"
    labels = np.asarray(est.predict(X))
    assert labels.shape == (len(X),)
    assert hasattr(est, "labels_"), "fitted labels go in labels_"
    again = clone(est).fit(X).predict(X)
    assert (np.asarray(again) == labels).all(), "same data and params must give same labels"
    pipe = make_pipeline(StandardScaler(), clone(est)).fit(X)
    assert len(pipe.predict(X)) == len(X), "must work inside a Pipeline"


def check_validator(cls) -> None:
    """A rule type evaluates against a dict of tables and never raises for missing data.

    Examples
    --------
    >>> from cdmkit.registry import validators
    >>> check_validator(validators.get("not_null"))
    """
    rule = cls("no_such_table", "no_such_column")
    assert rule.dimension in {"completeness", "validity", "uniqueness", "consistency",
                              "timeliness"}, f"unknown dimension {rule.dimension!r}"
    result = rule.evaluate({})
    assert getattr(result, "error", None), "a missing table is reported, not raised"


def check_exporter(cls, tmp_dir=None) -> Path:
    """An exporter writes an audience file; CSV cells cannot carry spreadsheet formulas.

    Returns the written path.

    Examples
    --------
    >>> from cdmkit.registry import exporters
    >>> check_exporter(exporters.get("csv")).exists()
    True
    """
    import tempfile

    exporter = _default_constructible(cls)
    audience = pd.DataFrame({
        "customer_id": ["C0000001", "C0000002"], "email": ["=HYPERLINK(\"x\")", "b@example.com"],
        "first_name": ["+Ann", "Bob"], "last_name": ["@Lee", "-Kay"], "phone": ["+447700900123",
                                                                               None],
        "segment": ["Champions", "At risk"], "country": ["GB", "IR"],
    })
    table = exporter.layout(audience)
    assert isinstance(table, pd.DataFrame) and len(table) == len(audience)
    tmp = Path(tmp_dir or tempfile.mkdtemp())
    path = Path(exporter.write(table, tmp / f"out{exporter.extension}"))
    assert path.is_file() and path.stat().st_size > 0
    if path.suffix == ".csv":
        text = path.read_text(encoding="utf-8-sig")
        import re

        for line in text.splitlines()[1:]:
            for cell in line.split(","):
                cell = cell.strip('"')
                # numbers and E.164 phone numbers are read as numbers, not formulas
                if re.fullmatch(r"[+-]?\d+(\.\d+)?|\+\d{7,15}", cell):
                    continue
                assert not cell.startswith(("=", "+", "-", "@")), \
                    f"formula not neutralised: {cell!r}"
    return path


def check_loader(cls, path, **options) -> pd.DataFrame:
    """A loader returns the rows of ``path`` as a DataFrame; bad options and files are clear errors.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from cdmkit.registry import loaders
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = p.write_text("id,name\\n1,Ann\\n")
    >>> len(check_loader(loaders.get("csv"), p))
    1
    """
    from .errors import InputError

    df = cls(**options).load(path)
    assert isinstance(df, pd.DataFrame) and len(df) > 0, "a loader returns a non-empty frame"
    try:
        cls(**options, no_such_option_xyz=1)
    except InputError:
        pass
    else:  # pragma: no cover - contract violation
        raise AssertionError("unknown options must raise InputError")
    missing = Path(path).with_name("does-not-exist" + Path(path).suffix)
    try:
        cls(**options).load(missing)
    except InputError as exc:
        assert "does-not-exist" in str(exc), "the error names the file"
    else:  # pragma: no cover
        raise AssertionError("a missing file must raise InputError")
    return df


def check_stage(stage) -> None:
    """A stage points at a notebook with a papermill parameters cell (run_dir, config_path).

    Examples
    --------
    >>> from cdmkit.registry import stages
    >>> check_stage(stages.get("collection"))
    """
    import papermill as pm

    assert stage.notebook_path.is_file(), f"{stage.name}: {stage.notebook_path} missing"
    params = pm.inspect_notebook(str(stage.notebook_path))
    assert {"run_dir", "config_path"} <= set(params), \
        f"{stage.name}: the parameters cell must define run_dir and config_path"
    assert 0 < stage.order < 100 and stage.slug.startswith(f"{stage.order:02d}-")
