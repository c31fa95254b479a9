"""What a run's reports say to people: model verdicts, the run overview page, readable tables.

``verdicts`` judges each fitted model from the run's figures (usable, use with care,
do not use) with its evidence; ``overview`` writes ``index.html`` in the run folder,
linking every stage report; ``tables`` turns internal tables into ones people read
(human column names, one missing-value marker, no index, scrolling).

Examples
--------
>>> from cdmkit.report import assess
>>> len(assess({})) >= 5
True
"""

from .blanked import blanked_values
from .overview import write_overview
from .tables import client_currency, display_frame, human_label, money, readable
from .verdicts import AVOID, CARE, NOT_RUN, USABLE, Verdict, all_usable, assess, \
    evidence_figures, verdict_table

__all__ = ["AVOID", "CARE", "NOT_RUN", "USABLE", "Verdict", "all_usable", "assess",
           "evidence_figures", "verdict_table", "write_overview", "display_frame",
           "human_label", "readable", "money", "client_currency", "blanked_values"]
