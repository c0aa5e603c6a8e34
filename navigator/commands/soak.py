"""`navigator soak --turns N`: many voice turns in one process; failed turns and memory growth."""

from __future__ import annotations

import json
import sys

from navigator.errors import UserError

MAX_GROWTH_PCT = 10.0


def run(args) -> int:
    from navigator.brain.answerer import Answerer
    from navigator.catalog import load_catalog
    from navigator.config import load_config
    from navigator.ops.soak import Soak, make_clips
    from navigator.speech import CatalogAnswer, build_engines, languages_for_stt, pipeline_config, warm_up

    if args.turns < 1:
        raise UserError("soak: --turns must be 1 or more")
    config = load_config(args.config)
    catalog = load_catalog(config.catalog_dir)
    engines = build_engines(config, catalog)
    warm_up(engines, languages_for_stt(config))
    answer = CatalogAnswer(Answerer(catalog, config.language.default))
    clips = make_clips()

    def progress(done: int, result) -> None:
        print(f"soak: {done}/{args.turns} turns, {result.failed} failed, RSS {result.rss_trend_mb[-1]:.0f} MB",
              file=sys.stderr, flush=True)

    soak = Soak(engines, answer, pipeline_config(config), clips, progress)
    result = soak.run(args.turns)
    data = result.to_json() | {"max_growth_pct": MAX_GROWTH_PCT}
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(f"{result.turns} turns in {result.seconds:.0f} s ({result.turns_per_s:.2f}/s): {result.failed} failed; "
              f"questions routed right {result.routed_right}/{result.questions}; barge-ins {result.barge_ins}; "
              f"no-speech {result.no_speech}; RSS {result.rss_start_mb:.0f} → {result.rss_warm_mb:.0f} (warm) → "
              f"{result.rss_end_mb:.0f} MB ({result.rss_growth_pct:+.1f}% after warm-up); threads {result.threads_start} → {result.threads_end}")
        for failure in result.failures:
            print(f"  turn {failure['turn']} ({failure['kind']}): {'; '.join(failure['problems'])}")
    return 0 if result.failed == 0 and result.rss_growth_pct < MAX_GROWTH_PCT else 1
