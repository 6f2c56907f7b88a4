# Two commands on a fresh machine: `make demo` (the main job) and `make test`.
# Each creates .venv and installs the package with what it needs on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test test-slow test-backends test-all bench clean

$(INSTALLED): setup.cfg setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	# TV-L1 is in OpenCV's contrib build: swap it in for the plain one, as keras_video_zoo.opencv tells users to.
	$(BIN)/pip install --quiet --force-reinstall --no-deps \
		"opencv-contrib-python-headless==$$($(BIN)/python -c 'import importlib.metadata as m; print(m.version("opencv-python-headless"))')"
	touch $(INSTALLED)

demo: $(INSTALLED)
	$(BIN)/kvz demo

test: $(INSTALLED)
	$(BIN)/python -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

test-slow: $(INSTALLED)
	$(BIN)/python -m pytest -m slow -n 2 --dist loadfile $(PYTEST_ARGS)

# The layer, model, training (fit, transfer), Hub, evaluation (multi-view protocols), CLI, command and conversion tests
# again on JAX and PyTorch (KERAS_BACKEND).
BACKEND_TESTS ?= tests/layers tests/models/test_every_registered_model.py tests/models/test_karpathy_models.py \
	tests/models/test_two_stream.py tests/models/test_clip_wrappers.py tests/training/test_fit.py tests/models/test_transfer.py tests/hub/test_end_to_end.py \
	tests/test_cli.py tests/commands/test_train_evaluate_predict.py tests/evaluation/test_video_evaluation.py \
	tests/evaluation/test_multi_view_end_to_end.py tests/convert/test_convert.py
# Parameter counts and layer sizes are Keras' shape arithmetic, the same on every backend: checked once, on
# TensorFlow (building the paper-size nets on JAX alone took 75 s of the run).
BACKEND_SKIP ?= not parameter_counts and not conv1_sizes
test-backends: $(INSTALLED)
	for backend in jax torch; do \
		KERAS_BACKEND=$$backend $(BIN)/python -m pytest -n 2 --dist loadfile $(BACKEND_TESTS) -k "$(BACKEND_SKIP)" $(PYTEST_ARGS) || exit 1; \
	done

test-all: test test-slow test-backends

bench: $(INSTALLED)
	$(BIN)/python benchmarks/models.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
