"""`navigator talk`: one spoken turn from a WAV to a WAV, or live on the sound devices."""

from __future__ import annotations

import json
import sys
import threading
import time

from navigator.brain.answerer import Answerer
from navigator.catalog import load_catalog
from navigator.config import load_config
from navigator.errors import UserError
from navigator.speech import CatalogAnswer, build_engines, languages_for_stt, pipeline_config, warm_up
from voice import events as ev
from voice.audio import AudioFileError, write_wav
from voice.pipeline import VoicePipeline


class Timeline:
    """Events with the monotonic time they arrived, for timings and JSON lines."""

    def __init__(self, echo: bool = False):
        self.started = time.monotonic()
        self.items: list[tuple[float, object]] = []
        self._echo = echo
        self._lock = threading.Lock()

    def __call__(self, event) -> None:
        now = time.monotonic()
        with self._lock:
            self.items.append((now, event))
        if self._echo:
            print(json.dumps(event_json(event, now - self.started), ensure_ascii=False), flush=True)

    def first(self, kind) -> tuple[float, object] | None:
        return next(((t, e) for t, e in self.items if isinstance(e, kind)), None)

    def timings_ms(self) -> dict[str, float | None]:
        """Per stage, in milliseconds. End-of-speech detection uses stream time (it is a wait by design)."""
        ended, transcript = self.first(ev.SpeechEnded), self.first(ev.Transcript)
        answer, audio = self.first(ev.AnswerReady), self.first(ev.SpeechAudio)
        ms = lambda a, b: round((a - b) * 1000, 1) if a is not None and b is not None else None  # noqa: E731
        detect = round((ended[1].at_s - ended[1].speech_end_s) * 1000, 1) if ended else None
        result = {
            "end_of_speech_detection": detect,
            "stt": round(transcript[1].seconds * 1000, 1) if transcript else None,
            "answer": ms(answer and answer[0], transcript and transcript[0]),
            "tts_first_audio": ms(audio and audio[0], answer and answer[0]),
        }
        processing = ms(audio and audio[0], ended and ended[0])
        result["end_of_speech_to_first_audio"] = round(detect + processing, 1) if detect is not None and processing else None
        return result


def event_json(event, t: float) -> dict:
    """One event as a JSON object for `talk --live --json` (audio itself is left out)."""
    name = {ev.Ready: "ready", ev.SpeechStarted: "speech_started", ev.SpeechEnded: "speech_ended",
            ev.Transcript: "transcript", ev.AnswerReady: "answer", ev.SpeechAudio: "speech_audio",
            ev.PlaybackStarted: "playback_started", ev.PlaybackFinished: "playback_finished",
            ev.Interrupted: "interrupted", ev.StageError: "error"}[type(event)]
    data: dict = {"event": name, "t": round(t, 3)}
    if isinstance(event, ev.Ready):
        data["clock"] = round(time.monotonic() - t, 4)  # CLOCK_MONOTONIC at t = 0, to line events up with other processes
    if isinstance(event, ev.Transcript):
        data |= {"text": event.text, "lang": event.lang, "stt_ms": round(event.seconds * 1000, 1)}
    elif isinstance(event, ev.AnswerReady):
        data |= {"text": event.text, "lang": event.lang, "service_ids": list(event.service_ids), "urls": list(event.urls)}
    elif isinstance(event, ev.SpeechAudio):
        data |= {"sentence": event.sentence, "seconds": round(event.audio.seconds, 3), "cues": len(event.cues)}
    elif isinstance(event, ev.SpeechEnded):
        data |= {"speech_end_s": round(event.speech_end_s, 3), "seconds": round(event.audio.seconds, 3)}
    elif isinstance(event, ev.StageError):
        data |= {"code": event.code.value, "message": event.message}
    elif isinstance(event, ev.PlaybackFinished):
        data |= {"interrupted": event.interrupted}
    return data


def _setup(args):
    config = load_config(args.config)
    catalog = load_catalog(config.catalog_dir)
    answer = CatalogAnswer.from_config(config, Answerer(catalog, config.language.default))
    engines = build_engines(config, catalog)
    languages = languages_for_stt(config)
    return config, engines, answer, languages, pipeline_config(config)


def run(args) -> int:
    if args.live:
        return live(args)
    if not args.input:
        raise UserError("talk: give --in QUESTION.wav (and --out REPLY.wav), or --live")
    from voice.files import BufferSink, BufferSource

    config, engines, answer, languages, settings = _setup(args)
    try:
        source = BufferSource.from_wav(args.input)
    except AudioFileError as exc:
        raise UserError(str(exc)) from None
    sink = BufferSink()
    timeline = Timeline()
    pipeline = VoicePipeline(source, sink, engines.vad_factory(), engines.stt, engines.tts, answer, timeline,
                             settings)
    pipeline.run(turns=1)
    transcript, ready = timeline.first(ev.Transcript), timeline.first(ev.AnswerReady)
    errors = [e for _, e in timeline.items if isinstance(e, ev.StageError)]
    if args.output:
        try:
            write_wav(args.output, sink.audio())
        except AudioFileError as exc:
            raise UserError(str(exc)) from None
    result = {
        "transcript": transcript[1].text if transcript else "",
        "lang": transcript[1].lang if transcript else None,
        "service_ids": list(ready[1].service_ids) if ready else [],
        "answer": ready[1].text if ready else "",
        "urls": list(ready[1].urls) if ready else [],
        "reply_seconds": round(sink.audio().seconds, 2),
        "timings_ms": timeline.timings_ms(),
        "errors": [{"code": e.code.value, "message": e.message} for e in errors],
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(f"heard: {result['transcript'] or '(nothing)'}\nanswer: {result['answer']}")
        for error in result["errors"]:
            print(f"note: {error['code']}: {error['message']}", file=sys.stderr)
    return 0 if transcript else 1


def live(args) -> int:
    from voice.devices import AudioDeviceError, MicrophoneSource, SpeakerSink

    config, engines, answer, languages, settings = _setup(args)
    warm_up(engines, languages)
    try:
        source = MicrophoneSource(config.audio.input_device)
        sink = SpeakerSink(config.audio.output_device, volume=config.audio.volume)
    except AudioDeviceError as exc:
        raise UserError(f"{exc} (set [audio] input_device / output_device in {config.source})") from None
    timeline = Timeline(echo=args.json)
    pipeline = VoicePipeline(source, sink, engines.vad_factory(), engines.stt, engines.tts, answer, timeline,
                             settings)
    try:
        pipeline.run(turns=args.turns)
    except KeyboardInterrupt:
        pipeline.stop()
    finally:
        sink.close()
    return 0
