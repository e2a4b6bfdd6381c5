"""Plugin discovery: third-party backends join without edits to nr_core; broken plugins are listed, never fatal."""
import importlib.metadata as md
import os
import subprocess
import sys

import numpy as np
import pytest

import nr_core as nr
from nr_core.backend import Capabilities
from nr_core.devices import Device
from nr_core.ndarray_backend import NdarrayBackend
from nr_core.plugins import REGISTRY, Registry


class ToyBackend(NdarrayBackend):
    """A throwaway backend over NumPy that counts the kernels it runs."""

    name = "toy"
    device_kind = "toy"
    install_hint = "pip install nr-toy"

    def __init__(self):
        super().__init__(np)
        self.calls = []
        for op in ("add", "multiply"):
            kern = self.kernels[op]
            self.kernels[op] = (lambda k, o: lambda *a: (self.calls.append(o), k(*a))[1])(kern, op)

    def devices(self):
        return [Device("toy", 0)]

    def from_host(self, array, device):
        return np.array(array, copy=True)


class ToyPlugin:
    def __init__(self):
        self.backend = ToyBackend()

    @nr.hookimpl
    def nr_register_backends(self, register):
        register(self.backend)


class RaisingPlugin:
    @nr.hookimpl
    def nr_register_backends(self, register):
        raise RuntimeError("this plugin is broken on purpose")


class UnprobeableBackend(ToyBackend):
    name = "flaky"
    device_kind = "flaky"

    def probe(self):
        raise OSError("driver not found")


class UnprobeablePlugin:
    @nr.hookimpl
    def nr_register_backends(self, register):
        register(UnprobeableBackend())


def test_registered_backend_is_listed_and_dispatched_to():
    plugin = ToyPlugin()
    nr.plugins.register(plugin, name="toy")
    try:
        names = {s.name: s for s in nr.backends()}
        assert names["toy"].available and names["toy"].devices == [Device("toy", 0)]
        a = nr.asarray([1.0, 2.0], device="toy")
        out = a * 3 + a
        assert str(out.device) == "toy:0"
        assert plugin.backend.calls == ["multiply", "add"]
        np.testing.assert_allclose(out.numpy(), [4.0, 8.0])
        assert Device("toy", 0) in nr.__array_namespace_info__().devices()
    finally:
        nr.plugins.unregister("toy")
    with pytest.raises(nr.DeviceUnavailableError):
        nr.ones(2, device="toy")


def test_broken_plugins_are_listed_and_the_rest_keeps_working():
    nr.plugins.register(RaisingPlugin(), name="broken")
    nr.plugins.register(UnprobeablePlugin(), name="flaky")
    try:
        by_name = {s.name: s for s in nr.backends()}
        assert not by_name["broken"].available
        assert "this plugin is broken on purpose" in by_name["broken"].reason
        assert not by_name["flaky"].available and "driver not found" in by_name["flaky"].reason
        with pytest.raises(nr.DeviceUnavailableError, match="flaky.*driver not found"):
            nr.ones(2, device="flaky")
        assert (nr.ones(2) + 1).tolist() == [2.0, 2.0]  # the CPU backend is unaffected
    finally:
        nr.plugins.unregister("broken")
        nr.plugins.unregister("flaky")


class _FakeDist:
    def __init__(self, name):
        self.metadata = {"Name": name}
        self.version = "9.9"


class _FakeEntryPoint:
    def __init__(self, name, target, dist):
        self.name, self._target, self.dist = name, target, _FakeDist(dist)

    def load(self):
        if isinstance(self._target, Exception):
            raise self._target
        return self._target


def _fake_entry_points(monkeypatch, eps):
    monkeypatch.setattr(md, "entry_points", lambda group=None: [e for e in eps] if group == "nr.backends" else [])


def test_entry_point_that_fails_to_import_is_recorded_with_its_distribution(monkeypatch):
    good = ToyPlugin()
    _fake_entry_points(monkeypatch, [
        _FakeEntryPoint("bad", ImportError("No module named 'missing_runtime'"), "nr-bad-backend"),
        _FakeEntryPoint("toy", good, "nr-toy"),
    ])
    reg = Registry()
    reg.discover()
    bad = reg.statuses["bad"]
    assert not bad.available and bad.distribution == "nr-bad-backend" and bad.version == "9.9"
    assert "missing_runtime" in bad.reason
    assert reg.backend_for(Device("toy", 0)) is good.backend


def test_strict_mode_reraises(monkeypatch):
    _fake_entry_points(monkeypatch, [_FakeEntryPoint("bad", ImportError("boom"), "nr-bad")])
    monkeypatch.setenv("NR_STRICT_PLUGINS", "1")
    with pytest.raises(nr.PluginError, match="bad.*boom"):
        Registry().discover()


def test_nr_plugins_limits_loading(monkeypatch):
    _fake_entry_points(monkeypatch, [_FakeEntryPoint("bad", ImportError("boom"), "nr-bad"),
                                     _FakeEntryPoint("toy", ToyPlugin(), "nr-toy")])
    monkeypatch.setenv("NR_PLUGINS", "toy")
    reg = Registry()
    reg.discover()
    assert set(reg.statuses) == {"toy"}
    monkeypatch.setenv("NR_PLUGINS", "")
    reg = Registry()
    reg.discover()
    assert reg.statuses == {}
    with pytest.raises(nr.DeviceUnavailableError, match="pip install nr-backend-cpu"):
        reg.backend_for(Device("cpu", 0))


def _run(code, **env):
    full = dict(os.environ, **env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full, timeout=120)


def test_example_plugin_found_through_its_entry_point():
    """plugins/example_backend is installed like a third-party package: only its entry point names it."""
    pytest.importorskip("nr_example_backend")
    r = _run("import nr_core as nr; x = nr.ones(3, device='example'); print(x.device, (x * 2).tolist())")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "example:0 [2.0, 2.0, 2.0]"
    r = _run("import nr_core as nr; nr.ones(3, dtype=nr.float64, device='example')")
    assert "TypeError" in r.stderr and "float64" in r.stderr and "example" in r.stderr


def test_import_does_not_discover_or_import_runtimes():
    r = _run("import sys, nr_core; from nr_core.plugins import REGISTRY; "
             "print(REGISTRY._discovered, 'nr_backend_cpu.backend' in sys.modules)")
    assert r.stdout.strip() == "False False", r.stderr


def test_default_device_from_environment():
    r = _run("import nr_core as nr; print(nr.ones(2).device)", NR_DEFAULT_DEVICE="cpu:1")
    assert r.stdout.strip() == "cpu:1", r.stderr
    r = _run("import nr_core as nr; nr.ones(2)", NR_DEFAULT_DEVICE="nosuch")
    assert "DeviceUnavailableError" in r.stderr and "nosuch" in r.stderr


def test_capabilities_refuse_dtypes_before_any_kernel():
    backend = ToyBackend()
    backend.capabilities = Capabilities(dtypes=frozenset({nr.float32}))

    class P:
        @nr.hookimpl
        def nr_register_backends(self, register):
            register(backend)
    nr.plugins.register(P(), name="toy")
    try:
        with pytest.raises(TypeError, match="int64 is not supported on device toy:0"):
            nr.asarray([1, 2], device="toy")
    finally:
        nr.plugins.unregister("toy")
    assert REGISTRY.by_kind.get("toy") is None


def test_registering_the_same_plugin_twice_is_harmless():
    plugin = ToyPlugin()
    nr.plugins.register(plugin, name="toy")
    try:
        nr.plugins.register(plugin, name="toy")  # a package that also registers itself on import
        assert {s.name: s for s in nr.backends()}["toy"].available
    finally:
        nr.plugins.unregister("toy")


def test_strict_mode_with_every_installed_plugin():
    r = _run("import nr_core as nr; print(nr.ones(2).tolist())", NR_STRICT_PLUGINS="1")
    assert r.returncode == 0 and r.stdout.strip() == "[1.0, 1.0]", r.stderr
