"""The demo run's overview page and every stage report, rendered in a real headless Chromium.

Screenshots are not tests: each page is loaded by Chromium (Debian's ``chromium`` package,
installed by ``.ci/run``), its DOM dumped, and the text a reader sees is checked: no "NaN",
"None", "<NA>" or "NaT", verdicts present, no raw postcode of the input data. Without
Chromium the rendering tests skip locally with the reason; in CI (``CI=true``) they fail.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("notebooks")]

STAGE_REPORTS = ["10-collection", "15-linkage", "20-segmentation", "30-analysis",
                 "40-validation"]
# Words that leak from pandas/Python into a report when a missing value is not formatted.
LEAKED_MISSING = re.compile(r"\bNaN\b|\bNone\b|<NA>|\bNaT\b|\bnan\b")


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    reason = "headless Chromium not installed (apt-get install chromium; .ci/run installs it)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: CI must render the reports")
    pytest.skip(reason)


class _VisibleText(HTMLParser):
    """Text a reader sees: everything outside script, style, head and template elements."""

    HIDDEN = {"script", "style", "head", "template", "noscript", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth and data.strip():
            self.parts.append(data.strip())


def visible_text(dom: str) -> str:
    """The visible text of a dumped DOM, one text node per line.

    Examples
    --------
    >>> visible_text("<html><head><style>p{}</style></head><body><p>a</p><script>x</script>"
    ...              "<p>b &lt;NA&gt;</p></body></html>")
    'a\\nb <NA>'
    """
    parser = _VisibleText()
    parser.feed(dom)
    return "\n".join(parser.parts)


def render(page: Path, profile: Path) -> str:
    """The DOM of ``page`` after Chromium loaded it (no network, fresh profile)."""
    chromium = _chromium()
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--no-first-run", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
           "--dump-dom", page.resolve().as_uri()]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)
    assert out.returncode == 0 and "<body" in out.stdout, \
        f"Chromium could not render {page.name}: {out.stderr[-2000:]}"
    return out.stdout


@pytest.fixture(scope="module")
def rendered(demo_run, tmp_path_factory) -> dict[str, str]:
    """Visible text of index.html and of every stage report of the demo run."""
    pages = {"index": demo_run.run_dir / "index.html"}
    pages.update({slug: demo_run.run_dir / f"{slug}.html" for slug in STAGE_REPORTS})
    missing = [p.name for p in pages.values() if not p.is_file()]
    assert not missing, f"pages missing from the run folder: {missing}"
    profile = tmp_path_factory.mktemp("chromium-profile")
    return {name: visible_text(render(p, profile)) for name, p in pages.items()}


def _context(text: str, match: re.Match, width: int = 80) -> str:
    return text[max(0, match.start() - width): match.end() + width].replace("\n", " | ")


@pytest.mark.parametrize("page", ["index"] + STAGE_REPORTS)
def test_no_leaked_missing_value_markers(rendered, page):
    text = rendered[page]
    assert len(text) > 500, f"{page} rendered almost nothing"
    leaks = [_context(text, m) for m in LEAKED_MISSING.finditer(text)]
    assert not leaks, f"{page} shows raw missing values:\n" + "\n".join(leaks[:10])


def test_overview_shows_verdicts_findings_and_links(rendered, demo_run):
    text = rendered["index"]
    for heading in ("Key findings", "Model verdicts", "Figures not to use",
                    "Suggested next actions", "Data-quality warnings", "Stage reports"):
        assert heading in text, heading
    for model in ("BG/NBD", "Gamma-Gamma", "Churn model", "Customer clusters",
                  "Identity linkage"):
        assert model in text, model
    assert re.search(r"\b(usable|use with care|do not use)\b", text)
    html = (demo_run.run_dir / "index.html").read_text(encoding="utf-8")
    for slug in STAGE_REPORTS:
        assert f"href='{slug}.html'" in html, slug


def test_analysis_report_has_verdicts_and_no_blanket_all_fitted(rendered):
    text = rendered["30-analysis"]
    assert "Verdict per model" in text
    assert re.search(r"\b(usable|use with care|do not use)\b", text)
    assert "All models fitted" not in text


def _raw_postcodes(run_dir: Path) -> set[str]:
    """Raw postcodes of every customers source of the run, read with plain pandas."""
    from tests.test_notebook_validation import _read_source
    import json

    cfg = json.loads((run_dir / "config.resolved.json").read_text(encoding="utf-8"))
    found: set[str] = set()
    for src in cfg["sources"]:
        col = (src.get("mapping") or {}).get("postcode")
        if src["kind"] != "customers" or not col:
            continue
        df = _read_source(src)
        if col in df:
            values = df[col].dropna().astype(str).str.strip()
            found.update(v for v in values if len(v) >= 5)
    return found


def test_no_raw_postcode_in_any_rendered_page(rendered, demo_run):
    postcodes = _raw_postcodes(demo_run.run_dir)
    assert len(postcodes) > 50, "the check needs real postcodes to look for"
    for page, text in rendered.items():
        hits = sorted(p for p in postcodes if p in text)
        assert not hits, f"{page} shows raw postcodes: {hits[:5]}"


def test_reports_load_nothing_from_outside(demo_run):
    # Static check (no browser needed): self-contained pages, no CDN script or stylesheet.
    for page in [demo_run.run_dir / "index.html"] + [demo_run.run_dir / f"{s}.html"
                                                     for s in STAGE_REPORTS]:
        html = page.read_text(encoding="utf-8")
        external = re.findall(r"<(?:script|link|img|iframe)[^>]+(?:src|href)=[\"']https?://",
                              html)
        assert not external, f"{page.name} loads {external[:3]}"


@pytest.mark.parametrize("slug", STAGE_REPORTS)
def test_tables_have_no_index_column_and_human_headers(demo_run, slug):
    html = (demo_run.run_dir / f"{slug}.html").read_text(encoding="utf-8")
    bodies = re.findall(r"<tbody>(.*?)</tbody>", html, flags=re.S)
    assert bodies, f"{slug} shows no table"
    # pandas writes the index as <th> cells in the body rows.
    assert not [b for b in bodies if "<th" in b], f"{slug} shows a pandas index"
    heads = re.findall(r"<thead>(.*?)</thead>", html, flags=re.S)
    headers = [re.sub(r"<[^>]+>", "", h).strip() for block in heads
               for h in re.findall(r"<th[^>]*>(.*?)</th>", block, flags=re.S)]
    internal = sorted({h for h in headers if re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", h)})
    assert not internal, f"{slug} shows internal column names: {internal[:10]}"


def _table_cells(html: str) -> tuple[list[str], list[str]]:
    """Header and body cell texts of every table of a page."""
    import html as htmllib

    heads, cells = [], []
    for table in re.findall(r"<table.*?</table>", html, flags=re.S):
        for tag, cell in re.findall(r"<(th|td)[^>]*>(.*?)</t[hd]>", table, flags=re.S):
            text = htmllib.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            (heads if tag == "th" else cells).append(text)
    return heads, cells


def _figure_keys(summary: dict) -> set[str]:
    """Every internal figure key the stages recorded (the keys of nested figures are data:
    source names, blocking rules)."""
    keys = {str(k) for figs in summary["stages"].values() for k in (figs or {})}
    return {k for k in keys if "_" in k}


@pytest.mark.parametrize("slug", STAGE_REPORTS + ["index"])
def test_no_internal_keys_in_any_table(demo_run, slug):
    """Tables an analyst reads carry labels, not keys: no figure key or model id in a cell,
    no snake_case or duplicated ("Cluster (2)") header."""
    from cdmkit.display import MODEL_LABELS

    html = (demo_run.run_dir / f"{slug}.html").read_text(encoding="utf-8")
    heads, cells = _table_cells(html)
    keys = _figure_keys(demo_run.summary) | set(MODEL_LABELS)
    bad_heads = sorted({h for h in heads if re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", h)
                        or re.search(r" \(\d\)$", h)})
    assert not bad_heads, f"{slug} headers: {bad_heads[:10]}"
    bad_cells = sorted({c for c in cells if c in keys})
    assert not bad_cells, f"{slug} shows internal keys in table cells: {bad_cells[:10]}"


def test_shop_report_has_no_subscription_section(demo_run):
    import json

    cfg = json.loads((demo_run.run_dir / "config.resolved.json").read_text(encoding="utf-8"))
    assert cfg["analysis"]["business_model"] == "noncontractual"
    html = (demo_run.run_dir / "30-analysis.html").read_text(encoding="utf-8")
    assert "shifted-beta-geometric" not in html and "Contractual customers" not in html
