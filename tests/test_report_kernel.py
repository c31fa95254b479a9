"""One kernel per run: each notebook gets a fresh namespace and its own cell numbers.

Real kernels (the ``cdmkit`` kernel spec, IPC sockets), real papermill.
"""

from __future__ import annotations

import nbformat
import pytest
from papermill.exceptions import PapermillExecutionError

from cdmkit.report.kernel import BackgroundExports, SharedKernel
from cdmkit.report.runner import ensure_kernel


def _notebook(path, *cells):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("tag = None")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params] + [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": "cdmkit", "display_name": "cdmkit", "language": "python"}
    nbformat.write(nb, str(path))
    return path


def _outputs(path):
    nb = nbformat.read(str(path), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    texts = ["".join(o.get("text", "") for o in c.outputs) for c in code]
    return [c.execution_count for c in code], texts


def test_notebooks_share_a_kernel_but_not_a_namespace(tmp_path):
    kernel = ensure_kernel()
    first = _notebook(tmp_path / "a.ipynb", "import os, sys\nleft_over = os.getpid()",
                      "print(os.getpid())")
    second = _notebook(tmp_path / "b.ipynb",
                       "print('left_over' in globals(), 'os' in globals())",
                       "import os\nprint(os.getpid())", "print(tag)")
    with SharedKernel(kernel, tmp_path) as shared:
        shared.execute(first, tmp_path / "a.out.ipynb", {"tag": "A"})
        shared.execute(second, tmp_path / "b.out.ipynb", {"tag": "B"})
    counts_a, out_a = _outputs(tmp_path / "a.out.ipynb")
    counts_b, out_b = _outputs(tmp_path / "b.out.ipynb")
    # cell numbers restart at 1 (the injected parameters cell included), as in a new kernel
    assert counts_a == [1, 2, 3, 4] and counts_b == [1, 2, 3, 4, 5]
    assert out_b[2] == "False False\n"  # nothing of the first notebook's namespace is left
    assert out_a[-1].strip() == out_b[3].strip()  # ... but it ran in the same process
    assert out_b[4] == "B\n"


def test_a_failing_cell_is_named_by_its_own_number_and_the_kernel_can_go_on(tmp_path):
    kernel = ensure_kernel()
    ok = _notebook(tmp_path / "ok.ipynb", "x = 1", "y = 2", "z = 3")
    bad = _notebook(tmp_path / "bad.ipynb", "a = 1", "1 / 0", "b = 2")
    with SharedKernel(kernel, tmp_path) as shared:
        shared.execute(ok, tmp_path / "ok.out.ipynb", {})
        with pytest.raises(PapermillExecutionError) as err:
            shared.execute(bad, tmp_path / "bad.out.ipynb", {})
        assert err.value.exec_count == 3  # parameters cell, a = 1, 1 / 0 (none injected)
        assert err.value.ename == "ZeroDivisionError"
        shared.execute(ok, tmp_path / "ok2.out.ipynb", {})
    assert _outputs(tmp_path / "ok2.out.ipynb")[0] == [1, 2, 3, 4]
    assert shared.km is None  # shut down on leaving


def test_a_kernel_per_notebook_when_asked(tmp_path):
    kernel = ensure_kernel()
    nb = _notebook(tmp_path / "p.ipynb", "import os\nprint(os.getpid())")
    with SharedKernel(kernel, tmp_path, per_notebook=True) as shared:
        shared.execute(nb, tmp_path / "p1.ipynb", {})
        shared.execute(nb, tmp_path / "p2.ipynb", {})
    assert _outputs(tmp_path / "p1.ipynb")[1][-1] != _outputs(tmp_path / "p2.ipynb")[1][-1]


def test_background_exports_report_the_first_error_on_wait():
    def export(nb, html, title):
        if html == "bad.html":
            raise OSError("disk full")

    ex = BackgroundExports(export)
    ex.submit("a.ipynb", "a.html", "A")
    ex.submit("f.ipynb", "bad.html", "F", must_succeed=False)  # a failed stage's report
    ex.wait()
    ex.submit("b.ipynb", "bad.html", "B")
    with pytest.raises(OSError, match="disk full"):
        ex.wait()
    inline = BackgroundExports(export, inline=True)
    inline.submit("b.ipynb", "bad.html", "B")
    with pytest.raises(OSError):
        inline.wait()


def test_a_kernel_that_dies_leaves_the_cells_that_ran(tmp_path):
    kernel = ensure_kernel()
    nb = _notebook(tmp_path / "die.ipynb", "print('before')", "import os\nos._exit(3)",
                   "print('never')")
    with SharedKernel(kernel, tmp_path) as shared:
        with pytest.raises(Exception) as err:
            shared.execute(nb, tmp_path / "die.out.ipynb", {})
    assert "Dead" in type(err.value).__name__ or "died" in str(err.value).lower()
    counts, texts = _outputs(tmp_path / "die.out.ipynb")
    assert texts[1] == "before\n"  # the cell before the crash, kept
    assert counts[3] is None and texts[3] == ""  # the cell after it never ran
