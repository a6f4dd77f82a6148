# gan-study: `make book` renders the report, `make test` runs the tests.
# Both create the virtual environment (.venv) and install what they need first,
# and download HAM10000 into the data root when it is not complete there.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# TensorFlow build: the CUDA one where an NVIDIA driver is present, else the CPU one.
TF_EXTRA ?= $(shell command -v nvidia-smi >/dev/null 2>&1 && echo gpu || echo cpu)
PROFILE ?= standard
MATHJAX_DIR := book/_mathjax

.PHONY: setup data book pdf test test-unit lint bench clean

setup: $(VENV)/.installed-$(TF_EXTRA) $(MATHJAX_DIR)/tex-chtml.js

$(VENV)/.installed-$(TF_EXTRA): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[$(TF_EXTRA),dev]"
	touch $@

# MathJax 3 from npm, served locally so equations render without internet.
$(MATHJAX_DIR)/tex-chtml.js:
	rm -rf $(MATHJAX_DIR) .mathjax-npm.tmp && mkdir -p .mathjax-npm.tmp
	cd .mathjax-npm.tmp && npm install --no-save --silent --no-audit --no-fund mathjax@3
	mv .mathjax-npm.tmp/node_modules/mathjax/es5 $(MATHJAX_DIR).tmp && mv $(MATHJAX_DIR).tmp $(MATHJAX_DIR)
	rm -rf .mathjax-npm.tmp

# HAM10000 from the Harvard Dataverse into $$GAN_STUDY_DATA_DIR (default data/raw): about
# 2.8 GB, resumable, MD5-checked; nothing is downloaded when the data is already complete.
data: setup
	$(BIN)/gan-study data --download

book: data
	$(BIN)/gan-study book --profile $(PROFILE)

# The book and, besides its HTML, the whole report as one PDF (_build/pdf/gan-study.pdf),
# printed by headless Chromium: apt-get install chromium chromium-driver.
pdf: data
	$(BIN)/gan-study book --profile $(PROFILE) --pdf

# The unit tests run a second time under another BLAS kernel family (AVX2's
# Haswell kernels, unless the machine already pins OPENBLAS_CORETYPE) and one
# thread everywhere, so that a test which depends on the kernel or the thread
# count fails on the developer's machine too, not only on someone else's.
OTHER_NUMERICS := OPENBLAS_CORETYPE=$${OPENBLAS_CORETYPE:-Haswell} OPENBLAS_NUM_THREADS=1 \
	OMP_NUM_THREADS=1 TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1

test: data
	$(BIN)/python -m pytest
	env $(OTHER_NUMERICS) $(BIN)/python -m pytest tests/unit

test-unit: setup
	$(BIN)/python -m pytest tests/unit

lint: setup
	$(BIN)/ruff check src tests notebooks bench

bench: setup
	$(BIN)/python bench/train_throughput.py

clean:
	rm -rf _build book/_build
