# The two commands of the README: `make demo` and `make test`.
# Both create .venv when it is missing and install the package with its dev extras.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The PyTorch builds pinned for this install path; the package itself asks only for ranges.
TORCH_PINS ?= torch==2.14.1 torchvision==0.29.1
STAMP  := $(VENV)/.installed

.PHONY: install demo test lab nbtest pytest export clean-nbs check-clean figures

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

# JupyterLab (the `lab` extra) at the repository root, for the notebooks and the explorer.
lab: $(STAMP)
	$(BIN)/python -m pip install -q -e ".[lab]"
	$(BIN)/jupyter lab --notebook-dir=.

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

# The CPU-scale reproduction committed under figures/ (see figures/README.md): sweeps, collected tables,
# then every table and figure. Hours on 2 cores; rerunning skips finished runs.
SWEEPS := table1_digits table1_fashion table2_digits table2_fashion rlnl_study_digits rlnl_study_fashion
figures: $(STAMP)
	for g in $(SWEEPS); do OMP_NUM_THREADS=1 $(BIN)/bual sweep figures/grids/$$g.yaml --out runs/cpu/$$g --workers 2 || exit 1; \
	  $(BIN)/bual collect runs/cpu/$$g && gzip -nc runs/cpu/$$g/results.csv > figures/results/$$g.csv.gz || exit 1; \
	  if [ -f runs/cpu/$$g/nl_trace.csv ]; then gzip -nc runs/cpu/$$g/nl_trace.csv > figures/results/$${g}_trace.csv.gz; fi; done
	for e in tables fig6_fig7_curves fig1_confidence fig5_tsne_rlnl fig8_query_tsne rlnl_study; do \
	  $(BIN)/bual experiment $$e --save nbs/experiments/$$e.ipynb || exit 1; done
	$(BIN)/bual experiment tables -p dataset fashion_mnist -p sources '[figures/results/table1_fashion.csv.gz, figures/results/table2_fashion.csv.gz]'
	$(BIN)/bual experiment fig6_fig7_curves -p dataset fashion_mnist -p sources '[figures/results/table1_fashion.csv.gz]'
	$(BIN)/bual experiment fig1_confidence -p dataset fashion_mnist -p sweep '[figures/results/table1_fashion.csv.gz]'
	$(BIN)/bual experiment fig5_tsne_rlnl -p dataset fashion_mnist
	$(BIN)/bual experiment fig8_query_tsne -p dataset fashion_mnist
	$(BIN)/bual experiment rlnl_study -p dataset fashion_mnist -p sources '[figures/results/rlnl_study_fashion.csv.gz]' \
	  -p traces '[figures/results/rlnl_study_fashion_trace.csv.gz]' \
	  -p references '[figures/results/table1_fashion.csv.gz, figures/results/table2_fashion.csv.gz]'
	$(BIN)/nbdev-clean
