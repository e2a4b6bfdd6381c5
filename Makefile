# The two commands a newcomer runs: `make demo` (train a model end to end) and `make test` (the whole suite).
# Each creates .venv and installs what it needs; the first run takes a few minutes.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
STAMP := $(VENV)/.installed
# every distribution of the monorepo, installed editable (their third-party dependencies come from requirements);
# "." is the umbrella, whose package `neurarust` assembles the others in PyTorch's layout
LOCAL := nr_core nr_backends/cpu $(wildcard nr_autograd nr_nn nr_optim nr_data nr_distributed nr_models nr_train nr_backends/opencl nr_backends/cuda nr_backends/metal plugins/*) .

.PHONY: demo test kit kit-metal-shim bench install clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(STAMP): $(PY) requirements.txt requirements-dev.txt $(foreach d,$(LOCAL),$(d)/pyproject.toml)
	$(PIP) install -r requirements.txt -r requirements-dev.txt
	$(PIP) install --no-deps $(foreach d,$(LOCAL),-e $(d))
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) examples/demo.py

test: $(STAMP)
	$(VENV)/bin/pytest -p no:cacheprovider -n 2 tests
	$(MAKE) kit

# the backend test kit on every device this machine has (a missing GPU backend skips itself); on dask the kit's
# gradients are compared with the CPU's (the dask backend declares finite differences unaffordable: one computed
# graph per difference); the longer probe time limit because importing dask on a loaded 2-core machine can take
# more than the default 10 s
kit: $(STAMP)
	$(VENV)/bin/pytest -q -p no:cacheprovider -n 2 --pyargs nr_core.testing --nr-device cpu
	$(VENV)/bin/pytest -q -p no:cacheprovider -n 2 --pyargs nr_core.testing --nr-device example
	$(VENV)/bin/pytest -q -p no:cacheprovider -n 2 --pyargs nr_core.testing --nr-device opencl
	NR_PLUGIN_TIMEOUT=60 $(VENV)/bin/pytest -q -p no:cacheprovider -n 2 --pyargs nr_core.testing --nr-device dask

# the kit on metal:0 through the MSL shim (kernels compiled by g++ and run on the host; the first run compiles
# every kernel, about 0.2 s each, into ~/.cache/nr-metal-shim)
kit-metal-shim: $(STAMP)
	NR_METAL_RUNTIME=shim $(VENV)/bin/pytest -q -p no:cacheprovider -n 2 --pyargs nr_core.testing --nr-device metal

bench: $(STAMP)
	$(PY) asv_bench/compare_core.py

clean:
	rm -rf $(VENV)
