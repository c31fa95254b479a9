"""Client configuration: one YAML file per client, validated into typed per-stage sections.

A client YAML is read with a safe loader and validated with pydantic; every
error names the file and the key (``clients/acme.yaml: sources.1.kind: ...``).
Relative paths are resolved against the folder of the YAML file, so a config
works from any working directory. Secrets never live in the file: keys and
database URLs with passwords are read from environment variables whose *names*
the config holds (``privacy.pseudonym_key_env``, ``options.url_env``).

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "c.yaml").write_text("client: acme\\nsources: []\\n")
>>> cfg = load_config(d / "c.yaml")
>>> cfg.client, cfg.seed
('acme', 42)
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Optional

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from ..errors import ConfigError
from ..privacy.secrets import redact_data, secret_from_env
from .activation import ActivationConfig
from .analysis import AnalysisConfig
from .base import Section
from .collection import CollectionConfig
from .engine import Engine, SparkConfig, run_step
from .linkage import LinkageConfig
from .segmentation import SegmentationConfig
from .sources import SourceConfig, SourceFormats
from .validation import ValidationConfig

__all__ = [
    "ClientConfig", "PrivacyConfig", "StoreConfig", "DatabaseConfig", "PathsConfig",
    "SourceConfig", "SourceFormats", "MAX_CONFIG_BYTES", "MAX_YAML_NODES",
    "CollectionConfig", "LinkageConfig", "SegmentationConfig", "AnalysisConfig",
    "ValidationConfig", "ActivationConfig", "load_config", "config_from_dict",
    "DEFAULT_STAGES", "secret_from_env", "SparkConfig", "run_step",
]

#: Largest config file read (a client YAML is a few kilobytes).
MAX_CONFIG_BYTES = 2_000_000

#: Most values a YAML document may expand to once its aliases are followed (alias bombs).
MAX_YAML_NODES = 200_000

#: Stages run by ``cdmkit run`` when the config names none.
DEFAULT_STAGES = ["collection", "linkage", "segmentation", "analysis", "validation"]


class PrivacyConfig(Section):
    """Who may see what.

    Examples
    --------
    >>> PrivacyConfig().show_raw_pii
    False
    """

    show_raw_pii: bool = Field(False, description="Show raw names, e-mails, phones, birth "
                               "dates and addresses in reports. Only for local, private runs.")
    pseudonym_key_env: str = Field("CDMKIT_PSEUDONYM_KEY", description="Name of the "
                                   "environment variable holding the HMAC key for "
                                   "pseudonymised exports (the key itself never goes in a file).")


class StoreConfig(Section):
    """The customer store (persistent ID registry and customer tables).

    Examples
    --------
    >>> StoreConfig().path is None
    True
    """

    path: Optional[str] = Field(None, description="DuckDB file of the customer store; "
                                "default <output_dir>/<client>/store.duckdb.")


class DatabaseConfig(Section):
    """The customer database (single customer view, history, activity; docs/database.md).

    Examples
    --------
    >>> DatabaseConfig().enabled, DatabaseConfig().url_env is None
    (True, True)
    """

    enabled: bool = Field(True, description="After every successful run, bring the customer "
                          "database up to date (one transaction; only changed rows written).")
    url_env: Optional[str] = Field(None, description="Name of the environment variable "
                                   "holding a PostgreSQL URL (postgresql://user@host/db); "
                                   "default: the client's DuckDB store (store.path).")


class PathsConfig(Section):
    """Where the files of a client may live.

    Examples
    --------
    >>> PathsConfig().confine
    False
    """

    confine: bool = Field(False, description="Refuse any path of the config (sources, ground "
                          "truth, output folder, store, labels) that resolves outside "
                          "``paths.root`` — after following '..', absolute paths and symlinks.")
    root: Optional[str] = Field(None, description="Folder the paths are confined to, relative "
                                "to this file; default: this file's folder.")


class ClientConfig(Section):
    """The whole configuration of one client.

    Examples
    --------
    >>> ClientConfig(client="acme").stages
    ['collection', 'linkage', 'segmentation', 'analysis', 'validation']
    """

    client: str = Field(..., description="Client name; used in report folder names.",
                        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    title: Optional[str] = Field(None, description="Report title.")
    seed: int = Field(42, description="Seed of every random step (sampling, EM start, "
                      "clustering), so reruns give identical results.")
    reference_date: Optional[str] = Field(None, description="ISO date treated as 'today' "
                                          "(end of the observation window); default: the "
                                          "newest transaction date.")
    output_dir: str = Field("reports", description="Folder of report runs, relative to this "
                            "file; runs go to <output_dir>/<client>/<run-id>/.")
    stages: list[str] = Field(default_factory=lambda: list(DEFAULT_STAGES),
                              description="Stages to run, in order (plugins may add more).")
    engine: Engine = Field("local", description="Where the heavy steps run: ``local`` "
                           "(pandas and DuckDB in this process) or ``spark`` (linkage and "
                           "aggregates as Spark jobs; ``pip install cdmkit[spark]``).")
    spark: SparkConfig = Field(default_factory=SparkConfig)
    store: StoreConfig = Field(default_factory=StoreConfig)
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    paths: PathsConfig = Field(default_factory=PathsConfig)
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig)
    sources: list[SourceConfig] = Field(default_factory=list)
    ground_truth: Optional[str] = Field(None, description="CSV of known identities "
                                        "(source, record_id, person_id) for evaluation and "
                                        "teaching; optional.")
    collection: CollectionConfig = Field(default_factory=CollectionConfig)
    linkage: LinkageConfig = Field(default_factory=LinkageConfig)
    segmentation: SegmentationConfig = Field(default_factory=SegmentationConfig)
    analysis: AnalysisConfig = Field(default_factory=AnalysisConfig)
    validation: ValidationConfig = Field(default_factory=ValidationConfig)
    activation: ActivationConfig = Field(default_factory=ActivationConfig)
    extra: dict[str, Any] = Field(default_factory=dict, description="Free-form settings for "
                                  "plugin stages, keyed by stage name.")

    # Where the file was read from; relative paths resolve against it.
    base_dir: Optional[str] = Field(None, description="Folder relative paths resolve "
                                    "against (set automatically to the config file's folder).")
    config_file: Optional[str] = Field(None, description="Path of the YAML this config came "
                                       "from (set automatically).")

    @field_validator("sources")
    @classmethod
    def _unique_source_names(cls, v):
        seen = set()
        for s in v:
            if s.name in seen:
                raise ValueError(f"duplicate source name {s.name!r}")
            seen.add(s.name)
        return v

    @model_validator(mode="after")
    def _refs_point_at_customer_sources(self):
        customer_sources = {s.name for s in self.sources if s.kind == "customers"}
        for i, s in enumerate(self.sources):
            if s.customer_source and s.customer_source not in customer_sources:
                raise ValueError(
                    f"sources.{i}.customer_source: {s.customer_source!r} is not a customers "
                    f"source (customers sources: {', '.join(sorted(customer_sources)) or 'none'})")
        return self

    @model_validator(mode="after")
    def _paths_confined(self):
        if not self.paths.confine:
            return self
        root = self.resolve_path(self.paths.root or ".").resolve()
        named = [("output_dir", self.output_dir), ("store.path", self.store.path),
                 ("ground_truth", self.ground_truth),
                 ("linkage.labels_file", getattr(self.linkage, "labels_file", None))]
        named += [(f"sources.{i}.path", s.path) for i, s in enumerate(self.sources)]
        for key, value in named:
            if not value:
                continue
            # resolve(): '..' and symlinks are followed before the check
            real = self.resolve_path(value).resolve()
            if real != root and root not in real.parents:
                raise ValueError(f"{key}: {value!r} resolves to {real}, outside {root} "
                                 "(paths.confine is on)")
        return self

    # -- paths -----------------------------------------------------------------
    def resolve_path(self, p: str | os.PathLike | None) -> Optional[Path]:
        """Absolute path of ``p`` (relative paths are relative to the config file's folder).

        Examples
        --------
        >>> ClientConfig(client="a", base_dir="/tmp").resolve_path("x.csv").as_posix()
        '/tmp/x.csv'
        """
        if p is None:
            return None
        p = Path(os.path.expanduser(str(p)))
        if p.is_absolute():
            return p
        return (Path(self.base_dir or ".") / p).resolve()

    @property
    def client_dir(self) -> Path:
        """``<output_dir>/<client>``: the client's run folders live here."""
        return self.resolve_path(self.output_dir) / self.client

    @property
    def store_path(self) -> Path:
        """Path of the customer store DuckDB file."""
        if self.store.path:
            return self.resolve_path(self.store.path)
        return self.client_dir / "store.duckdb"

    def source(self, name: str) -> SourceConfig:
        """Return the source called ``name``.

        Examples
        --------
        >>> ClientConfig(client="a").source("x")
        Traceback (most recent call last):
        ...
        KeyError: "no source 'x'; sources: "
        """
        for s in self.sources:
            if s.name == name:
                return s
        raise KeyError(f"no source {name!r}; sources: {', '.join(s.name for s in self.sources)}")

    def sources_of(self, kind: str) -> list[SourceConfig]:
        """Sources of one kind, in config order.

        Examples
        --------
        >>> ClientConfig(client="a").sources_of("customers")
        []
        """
        return [s for s in self.sources if s.kind == kind]

    # -- serialisation -----------------------------------------------------------
    def resolved(self) -> dict:
        """The fully resolved config as plain data: defaults filled in, paths absolute.

        Secrets are never part of it (the config only ever holds variable names);
        passwords inside database URLs are redacted defensively.

        Examples
        --------
        >>> d = ClientConfig(client="a", base_dir="/data").resolved()
        >>> d["output_dir"]
        '/data/reports'
        """
        data = self.model_dump(mode="json")
        data["output_dir"] = str(self.resolve_path(self.output_dir))
        data["store"]["path"] = str(self.store_path)
        if self.ground_truth:
            data["ground_truth"] = str(self.resolve_path(self.ground_truth))
        for s in data["sources"]:
            if s.get("path"):
                s["path"] = str(self.resolve_path(s["path"]))
            # Loader options and plugin settings may hold connection strings (a SQL query is
            # left alone: redacting "password = 'x'" in it would change what it selects).
            s["options"] = {k: v if k == "query" else redact_data(v)
                            for k, v in (s.get("options") or {}).items()}
        data["extra"] = redact_data(data.get("extra") or {})
        data["base_dir"] = str(Path(self.base_dir or ".").resolve())
        return data

    def save_resolved(self, path: str | os.PathLike) -> Path:
        """Write :meth:`resolved` as JSON to ``path`` and return the path.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "config.resolved.json"
        >>> ClientConfig(client="a").save_resolved(p).name
        'config.resolved.json'
        """
        path = Path(path)
        path.write_text(json.dumps(self.resolved(), indent=2, ensure_ascii=False) + "\n",
                        encoding="utf-8")
        return path


def _format_loc(loc) -> str:
    return ".".join(str(x) for x in loc) if loc else ""


def config_from_dict(data: dict, *, file: str | os.PathLike = "<config>",
                     base_dir: str | os.PathLike | None = None) -> ClientConfig:
    """Validate a config mapping; errors name ``file`` and the offending key.

    Parameters
    ----------
    data : dict
        Parsed YAML or JSON.
    file : str or path
        Where the data came from (used in error messages).
    base_dir : str or path, optional
        Folder relative paths resolve against (default: the folder of ``file``).

    Examples
    --------
    >>> config_from_dict({"client": "a", "sedd": 1}, file="a.yaml")
    Traceback (most recent call last):
    ...
    cdmkit.errors.ConfigError: a.yaml: sedd: unknown key (valid keys: activation, analysis, ...)
    """
    if not isinstance(data, dict):
        raise ConfigError(file, "", "the file must hold a mapping (key: value pairs) at the top")
    data = dict(data)
    if base_dir is None and data.get("base_dir") is None:
        base_dir = Path(str(file)).resolve().parent if Path(str(file)).exists() else Path.cwd()
    if base_dir is not None:
        data["base_dir"] = str(base_dir)
    data.setdefault("config_file", str(file))
    try:
        return ClientConfig.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = _format_loc(err["loc"])
        if err["type"] == "extra_forbidden":
            parent = _model_at(err["loc"][:-1])
            valid = sorted(parent.model_fields) if parent else []
            shown = ", ".join(valid[:2]) + (", ..." if len(valid) > 2 else "")
            raise ConfigError(file, key, f"unknown key (valid keys: {shown})") from None
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        more = len(exc.errors()) - 1
        if more:
            msg += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise ConfigError(file, key, msg) from None


def _model_at(loc):
    """The pydantic model class reached by following ``loc`` from ClientConfig."""
    from typing import get_args

    model = ClientConfig
    for part in loc:
        if isinstance(part, int):
            continue
        f = model.model_fields.get(part)
        if f is None:
            return None
        ann = f.annotation
        candidates = [ann, *get_args(ann)]
        for c in list(candidates):
            candidates.extend(get_args(c))
        nxt = next((c for c in candidates if isinstance(c, type) and issubclass(c, Section)), None)
        if nxt is None:
            return None
        model = nxt
    return model


def _safe_yaml(text: str, path) -> Any:
    """``yaml.safe_load`` that refuses documents whose aliases expand too far (alias bombs).

    Examples
    --------
    >>> _safe_yaml("a: &x [1, 2]\\nb: *x\\n", "c.yaml")
    {'a': [1, 2], 'b': [1, 2]}
    >>> bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\\n" + "".join(
    ...     f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\\n" for p, c in zip("abcdef", "bcdefg"))
    >>> _safe_yaml(bomb, "c.yaml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cdmkit.errors.ConfigError: c.yaml: line ...: YAML aliases expand to more than 200,000 values ...
    """
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if node is None:
        return None
    sizes: dict[int, int] = {}

    def expanded(n) -> int:
        # Aliases share their node: memoise by identity, so the walk stays linear.
        key = id(n)
        if key in sizes:
            return sizes[key]
        sizes[key] = 1  # a cycle counts once
        if isinstance(n, yaml.SequenceNode):
            total = 1 + sum(expanded(v) for v in n.value)
        elif isinstance(n, yaml.MappingNode):
            total = 1 + sum(expanded(k) + expanded(v) for k, v in n.value)
        else:
            total = 1
        sizes[key] = total
        if total > MAX_YAML_NODES:
            line = n.start_mark.line + 1
            raise ConfigError(path, "", f"line {line}: YAML aliases expand to more than "
                              f"{MAX_YAML_NODES:,} values (an alias bomb?); write the values "
                              "out or use fewer nested aliases")
        return total

    expanded(node)
    return yaml.safe_load(text)


def load_config(path: str | os.PathLike) -> ClientConfig:
    """Read and validate a client YAML (or a saved ``config.resolved.json``).

    Parameters
    ----------
    path : str or path
        The client file.

    Returns
    -------
    ClientConfig

    Raises
    ------
    ConfigError
        Naming the file and key of the first problem.

    Examples
    --------
    >>> load_config("/nonexistent.yaml")
    Traceback (most recent call last):
    ...
    cdmkit.errors.ConfigError: /nonexistent.yaml: file not found
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(path, "", "file not found")
    size = path.stat().st_size
    if size > MAX_CONFIG_BYTES:
        raise ConfigError(path, "", f"file is {size:,} bytes; a client config may hold at most "
                          f"{MAX_CONFIG_BYTES:,}")
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix == ".json" else _safe_yaml(text, path)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ConfigError(path, "", f"{where}not valid YAML: {getattr(exc, 'problem', exc)}") \
            from None
    if data is None:
        data = {}
    base = data.get("base_dir") if isinstance(data, dict) else None
    return config_from_dict(data, file=path, base_dir=base or path.resolve().parent)
