"""Plugin registries: built-ins and entry points through one path, clear unknown-name errors."""

from __future__ import annotations

import pytest

from cdmkit.errors import UnknownPluginError
from cdmkit.registry import REGISTRIES, Registry, get_registry


def test_every_kind_has_a_registry_with_its_entry_point_group():
    assert set(REGISTRIES) == {"loaders", "cleaners", "comparators", "segmenters", "validators",
                               "exporters", "stages"}
    for kind, reg in REGISTRIES.items():
        assert reg.group == f"cdmkit.{kind}"


@pytest.mark.parametrize("kind", sorted(REGISTRIES))
def test_builtins_are_registered(kind):
    assert get_registry(kind).names(), f"no built-in {kind}"


def test_unknown_name_lists_valid_ones():
    with pytest.raises(UnknownPluginError) as info:
        get_registry("stages").get("segmentaton")
    msg = str(info.value)
    assert "segmentaton" in msg and "segmentation" in msg and "collection" in msg


def test_unknown_kind():
    with pytest.raises(UnknownPluginError, match="valid names"):
        get_registry("widgets")


def test_double_registration_by_another_object_is_refused():
    reg = Registry("demo_kind")
    reg.register("a", int)
    reg.register("a", int)  # same object: fine (idempotent imports)
    with pytest.raises(ValueError, match="already registered"):
        reg.register("a", float)


def test_entry_points_are_loaded_through_register(monkeypatch):
    from importlib.metadata import EntryPoint

    import cdmkit.registry as registry_module

    ep = EntryPoint(name="fake", value="collections:OrderedDict", group="cdmkit.demo_ep")

    class FakeEPs(list):
        pass

    monkeypatch.setattr(registry_module, "entry_points",
                        lambda group: FakeEPs([ep]) if group == "cdmkit.demo_ep" else FakeEPs())
    reg = Registry("demo_ep")
    import collections

    assert reg.get("fake") is collections.OrderedDict
    assert [n for n, _, _ in reg.items()] == ["fake"]


def test_broken_plugin_warns_instead_of_breaking(monkeypatch):
    from importlib.metadata import EntryPoint

    import cdmkit.registry as registry_module

    ep = EntryPoint(name="broken", value="no_such_module_xyz:thing", group="cdmkit.demo_broken")
    monkeypatch.setattr(registry_module, "entry_points",
                        lambda group: [ep] if group == "cdmkit.demo_broken" else [])
    reg = Registry("demo_broken")
    with pytest.warns(UserWarning, match="could not load"):
        assert reg.names() == []
