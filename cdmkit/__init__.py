"""cdmkit — customer data management kit.

One public module per stage, each with an explicit ``__all__``:

- :mod:`cdmkit.collect` — load, map, standardise and catalogue sources
- :mod:`cdmkit.link` — identity resolution, stable global IDs, golden records
- :mod:`cdmkit.segment` — RFM and clustering segments with profiles
- :mod:`cdmkit.analyze` — cohorts, CLV models, churn, purchase patterns
- :mod:`cdmkit.validate` — quality rules, scorecards, linkage/model quality, drift
- :mod:`cdmkit.privacy` — masking, PII detection, pseudonymisation, erasure
- :mod:`cdmkit.activate` — consent-aware exports

plus :mod:`cdmkit.generate` (demo data), :mod:`cdmkit.config` (client configs) and
:mod:`cdmkit.report.runner` (papermill reports). Submodules are imported on first use.

Examples
--------
>>> import cdmkit
>>> cdmkit.__version__
'0.1.0'
>>> cdmkit.config.ClientConfig(client="acme").seed
42
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = ("activate", "analyze", "collect", "config", "context", "generate", "link",
               "model", "privacy", "registry", "runner", "segment", "stages", "tables", "testing",
               "validate")

__all__ = ["__version__", *_SUBMODULES]


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'cdmkit' has no attribute {name!r}")
