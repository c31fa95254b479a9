"""A transactions-only client (a shop export with a customer column, no customers file)."""

from __future__ import annotations

import json

from cdmkit.config import ClientConfig
from cdmkit.registry import stages
from cdmkit.report.stages import skip_reason


def _config(tmp_path, kinds):
    sources = "".join(f"  - name: s{i}\n    kind: {k}\n    path: s{i}.csv\n"
                      for i, k in enumerate(kinds))
    path = tmp_path / "shop.yaml"
    path.write_text(f"client: shop\noutput_dir: reports\nsources:\n{sources}", encoding="utf-8")
    return path


def test_linkage_is_skipped_only_without_a_customers_source(tmp_path):
    from cdmkit.config import load_config

    shop = load_config(_config(tmp_path, ["transactions", "events"]))
    assert "no customers source" in skip_reason(stages.get("linkage"), shop)
    assert all(skip_reason(stages.get(n), shop) is None
               for n in ("collection", "segmentation", "analysis", "validation"))
    crm = load_config(_config(tmp_path, ["customers", "transactions"]))
    assert skip_reason(stages.get("linkage"), crm) is None
    assert skip_reason(stages.get("linkage"), ClientConfig(client="x")) is None  # no sources yet


def test_run_records_why_linkage_was_skipped(tmp_path):
    from cdmkit.report.runner import run_client

    events = []
    result = run_client(_config(tmp_path, ["transactions"]), ["linkage"], html=False,
                        on_event=lambda e, s, info: events.append((e, s.name, info)))
    assert result.error is None and result.ok
    summary = json.loads((result.run_dir / "summary.json").read_text(encoding="utf-8"))
    assert "linkage" not in summary["status"]
    assert "customer_ref" in summary["stages"]["linkage"]["skipped"]
    assert [(e, n) for e, n, _ in events] == [("skipped", "linkage")]
    assert not (result.run_dir / "15-linkage.ipynb").exists()
