# Two commands a clinic needs: `make demo` tries the intake in the terminal,
# `make test` runs every test. Both create a local virtual environment first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test run crash bench diagram lint clean

$(BIN)/intake-bot: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/intake-bot
	$(BIN)/intake-bot demo

run: $(BIN)/intake-bot
	$(BIN)/intake-bot run

test: $(BIN)/intake-bot
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 3 --dist loadgroup

# Kill the real bot with SIGKILL at random moments during intakes, 50 times on SQLite and 50 on
# PostgreSQL (127.0.0.1:5432), and count what was lost, misfiled, missing or doubled.
crash: $(BIN)/intake-bot
	$(BIN)/python bench/crash.py

# Safety replies, other patients' replies and the whole fan-out while 1,000 reminders go out
# (bench/load.py, about 5 minutes); 40 patients answering at once (bench/answering.py, about 3
# minutes); loop stalls during a submit and a sweep, and the first reply after a start with
# 1,000 reminders overdue (bench/stalls.py, about 3 minutes); start-up time and memory with 0,
# 10,000 and 50,000 patients (bench/startup.py, about 3 minutes); SQL statements and CPU per
# answered question (bench/answer_cost.py); the whole bot's CPU per answer through a backlog
# (bench/backlog.py, about 2 minutes). Each next to a bare python-telegram-bot bot started by
# the same script in the same run.
bench: $(BIN)/intake-bot
	$(BIN)/python bench/load.py
	$(BIN)/python bench/answering.py
	$(BIN)/python bench/stalls.py
	$(BIN)/python bench/startup.py --patients 0,10000,50000 --runs 3
	$(BIN)/python bench/answer_cost.py
	$(BIN)/python bench/backlog.py

diagram: $(BIN)/intake-bot
	$(BIN)/intake-bot diagram

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
