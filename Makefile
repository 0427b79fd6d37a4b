# The two commands of the README: `make demo` and `make test`.
# Both create .venv when it is missing and install the package with its dev extras.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The PyTorch builds pinned for this install path; the package itself asks only for ranges.
TORCH_PINS ?= torch==2.14.1 torchvision==0.29.1
STAMP  := $(VENV)/.installed

.PHONY: install demo test nbtest pytest export clean-nbs check-clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q $(TORCH_PINS)
	$(BIN)/python -m pip install -q -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/bual demo --out figures

test: $(STAMP)
	$(BIN)/nbdev-test --n-workers 2
	$(BIN)/python -m pytest -q

export: $(STAMP)
	$(BIN)/nbdev-export

clean-nbs: $(STAMP)
	$(BIN)/nbdev-clean

# Fails when the notebooks and the exported library (or cleaned notebooks) disagree.
check-clean: $(STAMP)
	$(BIN)/nbdev-export
	$(BIN)/nbdev-clean
	git status --porcelain -- nbs bual
	test -z "$$(git status --porcelain -- nbs bual)"
