# Set-up and everyday tasks. On a fresh machine `make run` installs everything and starts
# the assistant; `make test` installs everything and runs the checks and tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# llama-cpp-python compiles on install; the multimodal part is not used.
export CMAKE_ARGS ?= -DLLAVA_BUILD=OFF

.PHONY: install run test lint format bench clean browser

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
	  echo "Could not create a virtualenv: on Debian/Ubuntu run 'apt-get install python3-venv'."; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24.3"
	$(BIN)/python -m pip install --progress-bar on -c requirements.lock -e ".[local,dev]"
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/assistant serve

# The small real models the smoke tests load; cached in the user's cache dir, quick when present.
TEST_MODELS := tokenizer smollm2-135m-instruct embeddinggemma-300m

# The real-browser test drives Debian's chromium (and a CJK font for its screenshots).
browser:
	@command -v chromium >/dev/null && fc-list :lang=zh | grep -q . || { \
	  SUDO=$$(test "$$(id -u)" = 0 || echo sudo); PKGS="chromium fonts-wqy-zenhei"; \
	  $$SUDO apt-get install -y --no-install-recommends $$PKGS || \
	  { $$SUDO apt-get update -qq && $$SUDO apt-get install -y --no-install-recommends $$PKGS; }; }

test: install browser
	$(BIN)/assistant models fetch $(TEST_MODELS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -m ""

# Quality and speed figures on the default local models (minutes; CPU-heavy, so serialised
# with other heavy jobs by a lock). Each script's docstring says what it prints.
bench: install
	$(BIN)/assistant ingest --quiet
	flock /tmp/cpu-heavy.lock $(BIN)/python bench/retrieval.py --no-rerank
	flock /tmp/cpu-heavy.lock $(BIN)/python bench/answer.py -n 10

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
