# The two commands a newcomer runs: `make demo` (train a model end to end) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
STAMP := $(VENV)/.installed

.PHONY: demo test install clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(STAMP): $(PY) pyproject.toml $(wildcard */pyproject.toml) $(wildcard */*/pyproject.toml)
	$(PIP) install -e nr_core -e nr_backends/cpu $(foreach d,$(wildcard nr_autograd nr_nn nr_optim nr_data nr_backends/opencl nr_backends/cuda plugins/*),-e $(d))
	$(PIP) install -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) examples/demo.py

test: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider tests
	$(PY) -m pytest -q -p no:cacheprovider --pyargs nr_core.testing --nr-device cpu

clean:
	rm -rf $(VENV)
