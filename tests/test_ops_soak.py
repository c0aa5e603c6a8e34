"""A short soak: one voice pipeline, mixed turns (questions in two languages, silence, noise,
barge-ins, clipped, 48 kHz stereo, empty audio), no failed turn and bounded memory.
The full 1,000-turn run is `navigator soak --turns 1000` (figures in the README)."""

from __future__ import annotations

import json

from conftest import run_cli


def test_short_soak_has_no_failed_turns_and_bounded_memory(catalog):
    from navigator.brain.answerer import Answerer
    from navigator.config import load_config
    from navigator.ops.soak import Soak, make_clips
    from navigator.speech import CatalogAnswer, build_engines, languages_for_stt, pipeline_config, warm_up

    config = load_config()
    engines = build_engines(config, catalog)
    warm_up(engines, languages_for_stt(config))
    clips = make_clips()
    result = Soak(engines, CatalogAnswer(Answerer(catalog, "ja")), pipeline_config(config), clips).run(30)
    assert result.turns == 30 and result.failed == 0, result.failures
    assert {"question-ja", "question-en", "silence", "noise", "barge-in", "clipped", "stereo-48k", "empty"} <= set(result.kinds)
    assert result.routed_right >= result.questions - 3          # clipped shouting may be misheard; nothing else
    assert result.barge_ins >= 2 and result.spurious_answers == 0
    assert result.rss_growth_pct < 10, result.to_json()          # after the first cycle
    assert result.threads_end <= result.threads_start + 2        # worker and playback, nothing leaked per turn


def test_soak_command_reports_json():
    result = run_cli("soak", "--turns", "3", "--json")
    data = json.loads(result.stdout)
    assert result.returncode == 0 and data["turns"] == 3 and data["failed"] == 0
    assert data["rss_start_mb"] > 0 and data["rss_end_mb"] > 0 and data["turns_per_s"] > 0
