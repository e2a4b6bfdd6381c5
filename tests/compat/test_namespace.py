"""What the PyTorch spellings must not change (nr_core's namespace stays the standard's), and what is neurarust's
own: the import layout, the install hints of missing distributions, errors that teach, map_location."""
import importlib
import re
import subprocess
import sys

import numpy as np
import pytest
import safetensors.numpy

import neurarust
import nr_core as nr
import nr_nn
import nr_optim
from neurarust import _layout

A = np.array([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]], dtype=np.float32)


def test_size_is_the_element_count_and_callable():
    x = nr.asarray(A)
    assert x.size == 6 and isinstance(x.size, int) and x.size + 1 == 7 and type(x.size + 1) is int
    assert np.zeros(x.size).shape == (6,) and list(range(x.size))[-1] == 5 and f"{x.size}" == "6"
    assert x.size() == (2, 3) and x.size(1) == 3 and x.size(-2) == 2
    with pytest.raises(IndexError, match="dimension 2 is out of range for shape"):
        x.size(2)


def test_standard_spellings_keep_the_standards_results():
    x = nr.asarray(A)
    np.testing.assert_allclose(nr.std(x).numpy(), A.std())  # correction=0
    np.testing.assert_allclose(nr.var(x, axis=1).numpy(), A.var(axis=1))
    assert isinstance(nr.max(x, axis=1), nr.Tensor) and isinstance(nr.min(x, axis=0, keepdims=True), nr.Tensor)
    np.testing.assert_array_equal(nr.sort(x).numpy(), np.sort(A))  # values only
    np.testing.assert_array_equal(nr.argsort(x).numpy(), np.argsort(A, kind="stable"))
    with pytest.raises(ValueError, match="has size 3, not 1"):
        nr.squeeze(x, axis=1)
    np.testing.assert_array_equal(nr.squeeze(nr.ones((1, 3)), 0).numpy(), np.ones(3))


def test_torch_spellings_give_torch_results_on_the_same_functions():
    x = nr.asarray(A)
    values, indices = nr.max(x, 1)
    np.testing.assert_array_equal(values.numpy(), A.max(1))
    np.testing.assert_array_equal(indices.numpy(), A.argmax(1))
    np.testing.assert_allclose(nr.std(x, dim=1).numpy(), A.std(axis=1, ddof=1), rtol=1e-6)
    assert nr.squeeze(x, dim=0).shape == (2, 3)  # PyTorch leaves a dimension that is not of size 1 alone
    with pytest.raises(TypeError, match="both axis=1 and dim=0"):
        nr.sum(x, dim=0, axis=1)


def _shown(code: str) -> str:
    """The error as Python itself prints it, "Did you mean" included (computed by the interpreter)."""
    r = subprocess.run([sys.executable, "-c", f"import nr_core as nr, nr_nn\n{code}"], capture_output=True,
                       text=True, timeout=120)
    return r.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("code,suggested", [("nr.ones(2).dat", "data"), ("nr.ones(2).devcie", "device"),
                                            ("nr.ones(2)._dta", None), ("nr_nn.Linear(2, 3).weigth", "weight"),
                                            ("nr_nn.Linear(2, 3)._module", None)])
def test_attribute_errors_never_suggest_private_fields(code, suggested):
    shown = _shown(code)
    offered = re.findall(r"Did you mean: '([^']+)'\?", shown)
    assert shown.startswith("AttributeError") and not [n for n in offered if n.startswith("_")], shown
    if suggested:
        assert offered == [suggested], shown


def test_attribute_errors_name_nrs_spelling_where_pytorchs_differs():
    x = nr.asarray(A)
    with pytest.raises(AttributeError, match=r"nr arrays have no strides"):
        x.stride()
    assert not [n for n in dir(x) if n.startswith("_") and not n.startswith("__")]


def test_one_module_object_per_distribution_module():
    import neurarust.nn.functional as F
    import neurarust.optim.lr_scheduler as sched
    from neurarust.utils.data import DataLoader
    assert F is nr_nn.functional and sched is nr_optim.lr_scheduler and neurarust.optim is nr_optim
    assert DataLoader is sys.modules["nr_data"].DataLoader
    aliases = {n: m for n, m in sys.modules.items() if n.startswith("neurarust.") and m is not None}
    files = [getattr(m, "__file__", "") or "" for n, m in aliases.items()]
    # every neurarust.* name that is a distribution's file is that distribution's own module object
    for (name, mod), path in zip(aliases.items(), files):
        if "/neurarust/" not in path and path:
            assert sys.modules[mod.__name__] is mod, name


def test_every_pending_distribution_is_one_entry_that_loads_or_names_its_install():
    for name in ("distributed", "train", "models", "amp", "onnx"):
        assert name in _layout.SUBMODULES and name in _layout.LAZY and name in dir(neurarust)
        try:
            mod = importlib.import_module(f"neurarust.{name}")
        except ModuleNotFoundError as exc:
            assert f"neurarust.{name} is {_layout.SUBMODULES[name].module}" in str(exc) and "pip install" in str(exc)
        else:
            assert mod is importlib.import_module(_layout.SUBMODULES[name].module)


def test_a_missing_distribution_names_the_pip_install(monkeypatch):
    monkeypatch.setitem(_layout.SUBMODULES, "nosuch", _layout.Source("nr_nosuch", "nr-nosuch", "nr-nosuch"))
    monkeypatch.setattr(_layout, "LAZY", _layout.LAZY + ("nosuch",))
    with pytest.raises(ModuleNotFoundError, match=r"neurarust\.nosuch is nr_nosuch .*pip install nr-nosuch"):
        importlib.import_module("neurarust.nosuch")
    with pytest.raises(ModuleNotFoundError, match="pip install nr-nosuch"):
        neurarust.nosuch
    with pytest.raises(AttributeError, match="has no attribute 'nothing_at_all'"):
        neurarust.nothing_at_all
    with pytest.raises(ModuleNotFoundError, match=r"No module named 'neurarust\.optim\.nothing' \(there is no "
                                                  r"nr_optim\.nothing\)"):
        importlib.import_module("neurarust.optim.nothing")  # installed, but no such module: no install hint


def test_saved_files_are_safetensors_with_state_dict_names(tmp_path):
    model = nr_nn.Sequential(nr_nn.Linear(3, 2), nr_nn.ReLU(), nr_nn.Linear(2, 1))
    neurarust.save(model.state_dict(), tmp_path / "m.pt")
    raw = safetensors.numpy.load_file(str(tmp_path / "m.pt"))
    assert sorted(raw) == sorted(model.state_dict())
    np.testing.assert_array_equal(raw["0.weight"], model[0].weight.detach().numpy())
    back = neurarust.load(tmp_path / "m.pt")
    assert list(back) == list(model.state_dict())  # in the state dict's order, not the file's


def test_map_location_forms(tmp_path):
    neurarust.save({"a": nr.ones(2, device="cpu:1"), "b": [nr.zeros(1)]}, tmp_path / "c.pt")
    assert str(neurarust.load(tmp_path / "c.pt")["a"].device) == "cpu:1"  # where it was saved from
    assert str(neurarust.load(tmp_path / "c.pt", map_location="cpu")["a"].device) == "cpu"
    moved = neurarust.load(tmp_path / "c.pt", map_location={"cpu:1": "cpu"})
    assert str(moved["a"].device) == "cpu" and str(moved["b"][0].device) == "cpu"
    seen = []
    kept = neurarust.load(tmp_path / "c.pt", map_location=lambda storage, loc: seen.append(loc) or storage)
    assert sorted(seen) == ["cpu", "cpu:1"] and kept["a"].tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="map_location must be"):
        neurarust.load(tmp_path / "c.pt", map_location=3)


def test_pickled_objects_keep_tied_weights_and_parameters(tmp_path):
    enc, dec = nr_nn.Linear(4, 4, bias=False), nr_nn.Linear(4, 4)
    dec.weight = enc.weight
    neurarust.save(nr_nn.Sequential(enc, dec), tmp_path / "tied.pt")
    back = neurarust.load(tmp_path / "tied.pt", weights_only=False)
    assert back[1].weight is back[0].weight and isinstance(back[0].weight, nr_nn.Parameter)
    assert back[0].weight.requires_grad and [n for n, _ in back.named_parameters()] == ["0.weight", "1.bias"]
