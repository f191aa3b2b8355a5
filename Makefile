# scratchgpt — every target that needs Python creates the environment (.venv) on first use.
PYTHON      ?= python3
VENV        ?= .venv
PY          := $(VENV)/bin/python
TORCH_SPEC  ?= torch==2.13.0
TORCH_INDEX ?=
PHASE       ?=

.DEFAULT_GOAL := help
.PHONY: help venv test mutants grade lab nbgrader gradescope release release-check course bench gpu-check data tokens train demo generate clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'
	@echo "  e.g. make grade PHASE=1 [IMPL=solutions] [PRIOR=solutions] [TASK=name] [JSON=out.json] [GRADESCOPE=results.json] [STRICT=1] [VERIFY=1] [ISOLATE=1]"

# The environment: re-created when pyproject.toml changes. PyTorch (the graders' oracle)
# is installed first from TORCH_SPEC; set TORCH_INDEX to pick a CPU-only wheel index.
$(VENV)/.installed: pyproject.toml
	@echo "Setting up $(VENV) (NumPy, PyTorch, JupyterLab, ...): once, or after pyproject.toml changes."
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -qq "$(TORCH_SPEC)" $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(PY) -m pip install -qq -e .
	@touch $@

$(VENV)/.installed-instructor: $(VENV)/.installed
	$(PY) -m pip install -qq -e ".[instructor]"
	@touch $@

venv: $(VENV)/.installed  ## create the environment (done for you by the other targets)

grade: $(VENV)/.installed  ## grade a phase: make grade PHASE=N
	@test -n "$(PHASE)" || { echo "Say which phase: make grade PHASE=1"; exit 2; }
	@$(PY) -m grader $(PHASE) $(if $(IMPL),--impl $(IMPL)) $(if $(PRIOR),--prior $(PRIOR)) \
		$(if $(TASK),--task $(TASK)) $(if $(JSON),--json $(JSON)) $(if $(GRADESCOPE),--gradescope $(GRADESCOPE)) \
		$(if $(STRICT),--strict) $(if $(VERIFY),--verify) $(if $(ISOLATE),--isolate) $(if $(HIDDEN),--hidden $(HIDDEN))

train: $(VENV)/.installed  ## train a GPT: make train CONFIG=configs/demo.toml [IMPL=solutions] [SET="lr=1e-3 max_steps=500"] [RESUME=1]
	@test -n "$(CONFIG)" || { echo "Say which config: make train CONFIG=configs/demo.toml"; exit 2; }
	@$(PY) -m common.train $(CONFIG) $(if $(IMPL),--impl $(IMPL)) $(if $(PRIOR),--prior $(PRIOR)) \
		$(if $(SET),--set "$(SET)") $(if $(RESUME),--resume)

demo: $(VENV)/.installed  ## the reference GPT trained on the TinyStories sample (CPU, about 5 minutes), then a story
	@$(PY) -m common.train configs/demo.toml --impl solutions

CKPT   ?= runs/demo
PROMPT ?= Once upon a time
generate: $(VENV)/.installed  ## a story from a run or llama2.c's model: make generate [CKPT=runs/demo] [PROMPT="..."] [ARGS="--temperature 0.8 --seed 7"]
	@$(PY) -m common.generate "$(CKPT)" --prompt "$(PROMPT)" $(if $(IMPL),--impl $(IMPL)) $(if $(PRIOR),--prior $(PRIOR)) $(ARGS)

lab: $(VENV)/.installed  ## open JupyterLab on the phase notebooks [ARGS="--no-browser --port 8890"]; as root add ARGS=--allow-root
	$(PY) -m jupyter lab --notebook-dir=phases $(ARGS)

COURSE ?= ../course
nbgrader: $(VENV)/.installed-instructor  ## nbgrader in the course folder: make nbgrader ARGS="generate_assignment 01_foundations" [COURSE=../course]
	@test -f "$(COURSE)/nbgrader_config.py" || { echo "no course in $(COURSE): make course DEST=$(COURSE) first"; exit 2; }
	cd "$(COURSE)" && PATH="$(abspath $(VENV))/bin:$$PATH" "$(abspath $(VENV))/bin/python" -m nbgrader $(ARGS)

TEST_JOBS ?= auto
mutants: $(VENV)/.installed-instructor  ## the catalogue of learner bugs alone: each must fail its task, named [PHASE=N] [ISOLATE=1]
	SCRATCHGPT_MUTANTS=all $(if $(ISOLATE),SCRATCHGPT_MUTANTS_ISOLATE=1) $(PY) -m pytest tests/test_mutants.py $(if $(filter 1,$(TEST_JOBS)),,-n $(TEST_JOBS)) $(if $(PHASE),-k "p$(shell printf %02d $(PHASE))_")

test: $(VENV)/.installed-instructor  ## the repository's own tests, on every core (TEST_JOBS=1: one process)
	$(PY) -m pytest $(if $(filter 1,$(TEST_JOBS)),,-n $(TEST_JOBS)) --durations=12

release: $(VENV)/.installed  ## regenerate phases/ (skeletons, notebooks) from solutions/
	$(PY) -m grader.release

release-check: $(VENV)/.installed  ## fail if phases/ is out of sync with solutions/
	$(PY) -m grader.release --check

course: $(VENV)/.installed-instructor  ## lay out an nbgrader course: make course DEST=../course
	@test -n "$(DEST)" || { echo "Say where: make course DEST=../course"; exit 2; }
	$(PY) -m grader.course $(DEST) $(PHASE)

gradescope: $(VENV)/.installed  ## a Gradescope autograder for a phase: make gradescope PHASE=N [HIDDEN=dir] (writes gradescope/NN_name.zip)
	@test -n "$(PHASE)" || { echo "Say which phase: make gradescope PHASE=1"; exit 2; }
	@$(PY) -m grader.gradescope $(PHASE) $(if $(HIDDEN),--hidden $(HIDDEN))

bench: $(VENV)/.installed  ## benchmarks against named peers (ratios from one run): make bench [BENCH=name] [IMPL=phases]
	@set -e; for f in $(if $(BENCH),bench/$(BENCH).py,$(filter-out bench/gpu_check.py bench/peak.py,$(wildcard bench/*.py))); do \
		echo "== $$f"; $(PY) $$f $(if $(IMPL),--impl $(IMPL)); done

gpu-check: $(VENV)/.installed  ## on a GPU: its tests, benchmarks against PyTorch and cuBLAS, a TinyStories run, the GPU tasks of phases 08-09
	@$(PY) bench/gpu_check.py $(ARGS)

data: $(VENV)/.installed  ## download the full TinyStories (2 GB) into datasets/full/: make data [ONLY=train|valid]
	@$(PY) datasets/fetch.py $(if $(ONLY),--only $(ONLY))

tokens: $(VENV)/.installed  ## tokenize TinyStories with GPT-2's BPE into datasets/tokens/: make tokens [IMPL=solutions]
	@set -e; for split in train valid; do \
		src=$$($(PY) -c "from common.data import tinystories; print(tinystories('$$split'))"); \
		$(PY) datasets/encode_corpus.py "$$src" datasets/tokens/$$split.gpt2.u16 $(if $(IMPL),--impl $(IMPL)); \
	done

clean:  ## remove the environment and caches
	rm -rf $(VENV) build *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
