"""Live latency benchmark, measured from outside the kiosk: `make bench-voice-live`.

Starts a private PulseAudio card (two null sinks), runs `navigator talk --live`, speaks the
standard visitor questions into the kiosk's microphone one after another, records its
speaker, and reports end of speech → first reply audio (median, p95) with the kiosk's own
per-stage timings from its JSON events.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from navigator.spoken_samples import VISITOR_QUESTIONS, visitor_audio  # noqa: E402
from pulse import PulseCard  # noqa: E402
from test_talk import silence_after  # noqa: E402


def main(rounds: int = 1) -> int:
    card = PulseCard()
    process = subprocess.Popen([sys.executable, "-m", "navigator", "talk", "--live", "--json"],
                               stdout=subprocess.PIPE, text=True, cwd=HERE.parent, env=card.kiosk_env())
    lines: list[tuple[float, dict]] = []
    arrived = threading.Condition()

    def read() -> None:
        for line in process.stdout:
            with arrived:
                lines.append((time.monotonic(), json.loads(line)))
                arrived.notify_all()

    threading.Thread(target=read, daemon=True).start()

    def wait_for(event: str, after: int, timeout: float = 90) -> int | None:
        with arrived:
            ok = arrived.wait_for(lambda: any(l["event"] == event for _, l in lines[after:]), timeout)
        return next((i for i in range(after, len(lines)) if lines[i][1]["event"] == event), None) if ok else None

    results = []
    try:
        assert wait_for("ready", 0) is not None, "the kiosk did not start"
        lines[:] = [lines[0]] + lines[1:]
        recording, stop = card.record()
        for _ in range(rounds):
            for question, expected in VISITOR_QUESTIONS:
                mark = len(lines)
                audio = visitor_audio(question)
                speech_end = card.speak(audio) - silence_after(audio)
                done = wait_for("playback_finished", mark)
                if done is None:
                    results.append({"question": question, "latency_ms": None})
                    continue
                first = recording.first_sound_after(speech_end)
                events: dict[str, dict] = {}
                for _, line in lines[mark:done + 1]:
                    events.setdefault(line["event"], line)  # the first of each kind
                answer = events.get("answer", {})
                clock = lines[0][1]["clock"]
                at = lambda name: clock + events[name]["t"] if name in events else None  # noqa: E731
                results.append({"question": question, "ok": answer.get("service_ids", [None])[:1] == [expected],
                                "end_detected_ms": round((at("speech_ended") - speech_end) * 1000),
                                "answer_ms": round((at("answer") - speech_end) * 1000),
                                "first_audio_ms": round((at("speech_audio") - speech_end) * 1000),
                                "playback_started_ms": round((at("playback_started") - speech_end) * 1000),
                                "heard": events.get("transcript", {}).get("text"),
                                "latency_ms": round((first - speech_end) * 1000) if first else None,
                                "stt_ms": events.get("transcript", {}).get("stt_ms")})
                time.sleep(0.5)
        stop()
    finally:
        process.terminate()
        process.wait(timeout=10)
        card.close()
    latencies = sorted(r["latency_ms"] for r in results if r.get("latency_ms") is not None)
    for r in results:
        print(json.dumps(r, ensure_ascii=False))
    summary = {"turns": len(results), "routed_right": sum(r.get("ok", False) for r in results),
               "latency_ms_median": statistics.median(latencies) if latencies else None,
               "latency_ms_p95": latencies[int(0.95 * (len(latencies) - 1))] if latencies else None,
               "stt_ms_median": statistics.median(r["stt_ms"] for r in results if r.get("stt_ms"))}
    for key in ("end_detected_ms", "answer_ms", "first_audio_ms", "playback_started_ms"):
        values = [r[key] for r in results if r.get(key) is not None]
        summary[f"{key.removesuffix('_ms')}_median_ms"] = statistics.median(values) if values else None
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1))
