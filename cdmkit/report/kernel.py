"""One kernel for all the stage notebooks of a run, and HTML reports written in the background.

Starting a Jupyter kernel and importing pandas, scikit-learn, matplotlib and cdmkit
into it costs seconds; a run of five notebooks paid it five times. A
:class:`SharedKernel` starts one kernel per run and runs every notebook in it through
papermill's engine registry (the ``cdmkit-shared-kernel`` engine: papermill's own
nbclient engine given a running kernel manager). Before each notebook the kernel's
namespace is cleared (``%reset -f``), open figures are closed and the execution
counter is set back to 1, so a notebook sees a fresh namespace and its cell numbers
are what they would be in a kernel of its own; the imported modules stay loaded,
which is the saving. What survives the reset (modules, their functions and caches:
some 230,000 objects) is then moved out of the garbage collector's sight
(``gc.freeze()``): ``%reset`` runs two full collections, and every full collection
walked all of them again (0.1 s each, ~1 s CPU per run); the next reset frees the
next notebook's objects as before.

:class:`BackgroundExports` writes a stage's HTML report in a worker thread while the
next notebook runs (the driver process only waits for the kernel meanwhile).

Examples
--------
>>> ENGINE_NAME
'cdmkit-shared-kernel'
>>> RESET_CODE.splitlines()[0]
'import sys as _cdmkit_sys'
"""

from __future__ import annotations

import os
import tempfile
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Sequence

__all__ = ["SharedKernel", "BackgroundExports", "ENGINE_NAME", "RESET_CODE",
           "notebook_imports", "warm_up_code", "lean_jsonschema"]

#: Name of the papermill engine that runs a notebook in an already running kernel.
ENGINE_NAME = "cdmkit-shared-kernel"

#: Run (silently, outside the history) before each notebook in the shared kernel.
RESET_CODE = """import sys as _cdmkit_sys
if "matplotlib.pyplot" in _cdmkit_sys.modules:
    _cdmkit_sys.modules["matplotlib.pyplot"].close("all")
del _cdmkit_sys
get_ipython().run_line_magic("reset", "-f")
get_ipython().execution_count = 1
import gc as _cdmkit_gc
_cdmkit_gc.freeze()
del _cdmkit_gc
"""

#: Run after the warm-up imports: what they loaded stays for the run (see RESET_CODE).
FREEZE_CODE = "import gc as _cdmkit_gc\n_cdmkit_gc.freeze()\ndel _cdmkit_gc\n"


def notebook_imports(notebooks: Sequence[str | os.PathLike]) -> list[str]:
    """Modules the notebooks import at the top level of their code cells, in first-seen order.

    ``from m import n`` gives ``"m:n"`` (see :func:`warm_up_code`); ``%matplotlib`` adds
    ``matplotlib.pyplot`` and the inline backend.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "n.ipynb"
    >>> _ = p.write_text(json.dumps({"cells": [{"cell_type": "code", "source":
    ...     "%matplotlib inline\\nimport pandas as pd\\nfrom cdmkit.context import open_stage"}]}))
    >>> notebook_imports([p])
    ['matplotlib.pyplot', 'matplotlib_inline.backend_inline', 'pandas', 'cdmkit.context:open_stage']
    """
    import ast
    import json

    found: dict[str, None] = {}
    for path in notebooks:
        try:
            cells = json.loads(Path(path).read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError):
            continue
        for cell in cells:
            if cell.get("cell_type") != "code":
                continue
            src = cell.get("source", "")
            src = "".join(src) if isinstance(src, list) else src
            lines = []
            for line in src.splitlines():
                if line.lstrip().startswith("%matplotlib"):
                    found.update(dict.fromkeys(["matplotlib.pyplot",
                                                "matplotlib_inline.backend_inline"]))
                lines.append("" if line.lstrip().startswith(("%", "!")) else line)
            try:
                tree = ast.parse("\n".join(lines))
            except SyntaxError:
                continue
            for node in tree.body:
                if isinstance(node, ast.Import):
                    found.update(dict.fromkeys(a.name for a in node.names))
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    # "module:name" also loads the name (lazy package faces load on access)
                    found.update(dict.fromkeys(f"{node.module}:{a.name}" for a in node.names
                                               if a.name != "*"))
    return list(found)


def warm_up_code(modules: Sequence[str]) -> str:
    """Code that imports ``modules`` quietly (a module that fails is left to its notebook).

    ``"m:n"`` imports ``m`` and reads its attribute ``n``.

    Examples
    --------
    >>> exec(warm_up_code(["json:dumps", "no_such_module_xyz", "json:nothing"]))
    """
    return ("def _cdmkit_warm_up(names):\n"
            "    import importlib\n"
            "    for name in names:\n"
            "        module, _, attr = name.partition(':')\n"
            "        try:\n"
            "            m = importlib.import_module(module)\n"
            "            if attr:\n"
            "                getattr(m, attr)\n"
            "        except BaseException:\n"
            "            pass\n"
            f"_cdmkit_warm_up({list(modules)!r})\n"
            "del _cdmkit_warm_up\n")


def _ipc_kernel_manager(**kwargs):
    """An async kernel manager whose kernel talks over local IPC sockets, never TCP."""
    from jupyter_client.manager import AsyncKernelManager

    kwargs.setdefault("transport", "ipc")
    kwargs.setdefault("ip", os.path.join(tempfile.gettempdir(),
                                         f"cdmkit-kernel-{uuid.uuid4().hex}"))
    return AsyncKernelManager(**kwargs)


def lean_jsonschema() -> None:
    """Keep jsonschema (imported by nbformat and papermill) from importing ``rfc3987_syntax``.

    When that optional package is installed (JupyterLab's event schemas pull it in),
    ``import jsonschema`` compiles its 38 Lark grammars: 1.5-5 s per run, for an IRI
    format check that notebook validation never uses. Without it jsonschema leaves that
    one format check out. Only in this process, and only if nothing imported it yet.

    Examples
    --------
    >>> lean_jsonschema()
    """
    import sys

    sys.modules.setdefault("rfc3987_syntax", None)


def _register_engine() -> None:
    """Add the shared-kernel engine to papermill's engine registry (once)."""
    lean_jsonschema()
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    if ENGINE_NAME in papermill_engines._engines:
        return

    class _SharedKernelClient(PapermillNotebookClient):
        def papermill_execute_cells(self):
            # A fresh namespace for this notebook in the running kernel, then its cells.
            self.wait_for_reply(self.kc.execute(RESET_CODE, silent=True, store_history=False))
            super().papermill_execute_cells()

        def execute(self, **kwargs):
            try:
                return super().execute(**kwargs)
            finally:  # the kernel stays up for the next notebook; this client's sockets do not
                if self.kc is not None:
                    self.kc.stop_channels()
                    self.kc = None

    class SharedKernelEngine(NBClientEngine):
        """papermill's nbclient engine, in the running kernel of ``km`` (papermill's own API)."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False,
                                     stdout_file=None, stderr_file=None, start_timeout=60,
                                     execution_timeout=None, **kwargs):
            kwargs.pop("input_path", None)
            kwargs.pop("timeout", None)
            kwargs.pop("startup_timeout", None)
            km, save_to = kwargs.pop("km"), kwargs.pop("save_to", None)
            try:
                return _SharedKernelClient(
                    nb_man, km=km, timeout=execution_timeout, startup_timeout=start_timeout,
                    kernel_name=kernel_name, log_output=log_output, stdout_file=stdout_file,
                    stderr_file=stderr_file, **kwargs).execute()
            except BaseException:
                # The kernel died or a cell timed out: keep what ran, for inspection (papermill
                # writes the notebook itself only at the end or on a cell's error).
                if save_to:
                    from papermill.iorw import write_ipynb

                    write_ipynb(nb_man.nb, save_to)
                raise

    papermill_engines.register(ENGINE_NAME, SharedKernelEngine)


class SharedKernel:
    """One running kernel that executes a run's notebooks one after another.

    Parameters
    ----------
    kernel_name : str
        Jupyter kernel spec name.
    cwd : path
        Working folder of the kernel (the run folder).
    per_notebook : bool
        Start a new kernel for every notebook instead (``CDMKIT_KERNEL_PER_NOTEBOOK=1``
        makes the runner do this).

    Examples
    --------
    >>> with SharedKernel("cdmkit", ".") as k:  # doctest: +SKIP
    ...     k.execute("10-collection.ipynb", "out.ipynb", {"run_dir": "."})
    """

    def __init__(self, kernel_name: str, cwd: str | os.PathLike, per_notebook: bool = False):
        self.kernel_name = kernel_name
        self.cwd = str(cwd)
        #: A new kernel for every notebook (the way before; for comparisons and as a way out).
        self.per_notebook = per_notebook
        self.km = None
        self._runs = 0
        self._warm_kc = None

    def start(self, warm_up: Sequence[str] = ()) -> "SharedKernel":
        """Start the kernel (returns at once; the first notebook waits for it to be ready).

        ``warm_up`` modules are imported in the kernel straight away, while the caller
        prepares the run (the notebooks would import them first thing anyway).
        """
        from jupyter_core.utils import run_sync

        _register_engine()
        self.km = _ipc_kernel_manager(kernel_name=self.kernel_name)
        run_sync(self.km.start_kernel)(cwd=self.cwd)
        if warm_up:
            from jupyter_client.blocking import BlockingKernelClient

            self._warm_kc = BlockingKernelClient()
            self._warm_kc.load_connection_info(self.km.get_connection_info())
            self._warm_kc.start_channels()
            self._warm_kc.execute(warm_up_code(warm_up) + FREEZE_CODE, silent=True,
                                  store_history=False)
        return self

    def execute(self, notebook: str | os.PathLike, output: str | os.PathLike,
                parameters: dict, timeout: int | None = None):
        """Run ``notebook`` with ``parameters`` in the kernel and write ``output`` (papermill)."""
        import papermill as pm

        if self.per_notebook and self._runs:
            self.close()
        self._runs += 1
        if self.km is None or not self.km.has_kernel:
            self.start()
        # Written once at the end (or on failure), not after every cell: papermill's per-cell
        # save serialises and schema-validates the whole notebook twice per cell.
        return pm.execute_notebook(
            str(notebook), str(output), parameters=parameters, engine_name=ENGINE_NAME,
            kernel_name=self.kernel_name, cwd=self.cwd, progress_bar=False,
            execution_timeout=timeout, report_mode=False, request_save_on_cell_execute=False,
            km=self.km, save_to=str(output))

    def close(self) -> None:
        """Shut the kernel down (and remove its socket files)."""
        if self._warm_kc is not None:
            self._warm_kc.stop_channels()
            self._warm_kc = None
        if self.km is None:
            return
        from jupyter_core.utils import run_sync

        try:
            run_sync(self.km.shutdown_kernel)(now=True)
        except Exception:  # a kernel already gone has nothing left to shut down
            pass
        self.km = None

    def __enter__(self) -> "SharedKernel":
        return self if self.km is not None else self.start()

    def __exit__(self, *exc) -> None:
        self.close()


def _import_exporter() -> None:
    from nbconvert import HTMLExporter  # noqa: F401


class BackgroundExports:
    """HTML reports written by one worker thread while the next notebook runs.

    Parameters
    ----------
    export : callable
        ``export(notebook, html, title)``, e.g. :func:`cdmkit.report.runner.export_html`.
    inline : bool
        Write each report at once instead (with ``CDMKIT_KERNEL_PER_NOTEBOOK=1``).

    Examples
    --------
    >>> done = []
    >>> with BackgroundExports(lambda nb, html, title: done.append(html)) as ex:
    ...     ex.submit("a.ipynb", "a.html", "A")
    >>> done
    ['a.html']
    """

    def __init__(self, export: Callable, inline: bool = False):
        lean_jsonschema()
        self._export = export
        #: Write each report at once, before the next notebook (the way before).
        self.inline = inline
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cdmkit-html")
        if not inline:  # nbconvert's import, while the first notebook runs
            self._pool.submit(_import_exporter)
        self._pending: list[tuple[Path, Future, bool]] = []

    def submit(self, notebook, html, title: str, *, must_succeed: bool = True) -> None:
        """Queue one export; its error surfaces in :meth:`wait` (unless not ``must_succeed``)."""
        if self.inline:
            fut: Future = Future()
            try:
                fut.set_result(self._export(notebook, html, title=title))
            except Exception as exc:  # reported by wait(), as from the worker thread
                fut.set_exception(exc)
        else:
            fut = self._pool.submit(self._export, notebook, html, title=title)
        self._pending.append((Path(html), fut, must_succeed))

    def wait(self) -> None:
        """Wait until every queued report is written; re-raise the first export error."""
        pending, self._pending = self._pending, []
        first_error = None
        for _, fut, must in pending:
            exc = fut.exception()
            if exc is not None and must and first_error is None:
                first_error = exc
        if first_error is not None:
            raise first_error

    def __enter__(self) -> "BackgroundExports":
        return self

    def __exit__(self, *exc) -> None:
        try:
            if exc[0] is None:
                self.wait()
        finally:
            self._pool.shutdown(wait=True)
