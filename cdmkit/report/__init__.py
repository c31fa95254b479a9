"""Reports: running the stage notebooks, what a notebook works with, what reports say to people.

Orchestration (above the stages and operations): ``runner`` runs the stage notebooks
through papermill and assembles the run folder; ``stages`` lists the report stages
(built-in and plugin); ``context`` is what a notebook works with (``open_stage``);
``overview`` writes ``index.html`` in the run folder, linking every stage report.

Formatting (below the stages, which may use it): ``verdicts`` judges each fitted model
from the run's figures (usable, use with care, do not use) with its evidence;
``figures`` puts key figures in words. Readable tables (human column names, one
missing-value marker, no index, scrolling) are :mod:`cdmkit.display`, on the ground
floor because the stages' widgets use them too.

Examples
--------
>>> from cdmkit.report import assess
>>> len(assess({})) >= 5
True
"""

import lazy_loader as _lazy

# The face is lazy: `import cdmkit.<pkg>` stays cheap (the CLI and `--help` import it);
# each name loads its submodule on first use.
__getattr__, __dir__, _ = _lazy.attach(__name__, submod_attrs={
    'blanked': ['blanked_values'],
    'context': ['StageContext', 'open_stage'],
    'figures': ['figures_table'],
    'overview': ['write_overview', 'write_run_overview'],
    'runner': ['RunResult', 'run_client'],
    'stages': ['Stage', 'resolve_stages'],
    'verdicts': ['AVOID', 'CARE', 'NOT_RUN', 'USABLE', 'Verdict', 'all_usable', 'assess',
                 'evidence_figures', 'verdict_table'],
})

__all__ = ["AVOID", "CARE", "NOT_RUN", "USABLE", "Verdict", "all_usable", "assess",
           "evidence_figures", "verdict_table", "write_overview", "write_run_overview",
           "figures_table", "StageContext",
           "open_stage", "blanked_values", "RunResult", "run_client", "Stage", "resolve_stages"]
