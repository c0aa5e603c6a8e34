"""Sound: PortAudio devices, the configured microphone (2 s level) and speaker (a short tone)."""

from __future__ import annotations

import shutil
import subprocess
import threading

import numpy as np

from navigator.ops.doctor.base import FAIL, OK, WARN, Check, Context

LEVEL_SECONDS = 2.0
NO_CARD_FIX = "no sound card: plug in a USB microphone and speaker / check `pactl list short sources` and `pactl list short sinks`"
PULSE_FIX = "PulseAudio not running: `pulseaudio --start` (as the kiosk user); if devices are still missing: " + NO_CARD_FIX


def pulse_running(environ: dict) -> bool | None:
    """True/False when pactl can tell, None when pactl is not installed."""
    if not shutil.which("pactl"):
        return None
    try:
        return subprocess.run(["pactl", "info"], capture_output=True, timeout=5, env=environ).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _in_thread(function, timeout: float):
    """(result, error) of `function()`; a device that hangs becomes a TimeoutError."""
    box: dict = {}

    def target() -> None:
        try:
            box["result"] = function()
        except BaseException as exc:  # reported, never raised into the doctor
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        return None, TimeoutError(f"no answer from the device within {timeout:.0f} s")
    return box.get("result"), box.get("error")


def sound(ctx: Context) -> list[Check]:
    from voice.devices import AudioDeviceError, list_devices

    pulse = pulse_running(ctx.environ)
    fix = PULSE_FIX if pulse is False else NO_CARD_FIX
    devices, error = _in_thread(list_devices, 15)
    if error is not None:
        return [Check("sound: devices", FAIL, f"cannot list sound devices: {error}",
                      "apt-get install libportaudio2" if isinstance(error, AudioDeviceError) else fix)]
    inputs = [d for d in devices if d["inputs"] > 0]
    outputs = [d for d in devices if d["outputs"] > 0]
    names = lambda ds: ", ".join(f"{d['index']}: {d['name']}" for d in ds[:4]) + (" …" if len(ds) > 4 else "")  # noqa: E731
    data = {"devices": devices, "pulseaudio": pulse}
    pulse_note = {True: "PulseAudio running", False: "PulseAudio not running", None: "no pactl"}[pulse]
    if not inputs or not outputs:
        missing = " and ".join(kind for kind, found in (("microphone", inputs), ("speaker", outputs)) if not found)
        checks = [Check("sound: devices", FAIL, f"no {missing} found ({len(devices)} devices; {pulse_note})", fix, data)]
        checks.append(Check("sound: microphone", FAIL, "not checked: no input device", "see sound: devices"))
        checks.append(Check("sound: speaker", FAIL, "not checked: no output device", "see sound: devices"))
        return checks
    checks = [Check("sound: devices", OK, f"in: {names(inputs)}; out: {names(outputs)} ({pulse_note})", data=data)]
    checks.append(_microphone(ctx))
    checks.append(_speaker(ctx))
    return checks


def _device_fix(ctx: Context, key: str) -> str:
    return f"set [audio] {key} in {ctx.config_file} to one of the devices listed (a name part or an index)"


def _microphone(ctx: Context) -> Check:
    from voice.devices import AudioDeviceError, MicrophoneSource, find_device

    spec = ctx.config.audio.input_device
    try:
        find_device(spec, "input")
    except AudioDeviceError as exc:
        return Check("sound: microphone", FAIL, str(exc), _device_fix(ctx, "input_device"))
    if ctx.quick:
        return Check("sound: microphone", OK, f"{spec or 'system default'} exists; level not measured (--quick)")

    def measure():
        source = MicrophoneSource(spec)
        try:
            frames = []
            for frame in source.frames():
                frames.append(frame.samples)
                if len(frames) * len(frame.samples) >= LEVEL_SECONDS * 16_000:
                    break
            return source.name, np.concatenate(frames)
        finally:
            source.close()

    result, error = _in_thread(measure, LEVEL_SECONDS + 8)
    if error is not None:
        return Check("sound: microphone", FAIL, f"{spec or 'default'}: no audio in {LEVEL_SECONDS:.0f} s: {error}",
                     "check the cable / `pactl list short sources`; " + _device_fix(ctx, "input_device"))
    name, samples = result
    rms = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))
    peak = float(np.abs(samples).max(initial=0.0))
    level = f"{20 * np.log10(rms):.0f} dBFS" if rms > 0 else "digital silence"
    data = {"device": name, "rms": round(rms, 5), "peak": round(peak, 4)}
    clipped = float(np.mean(np.abs(samples) > 0.99))
    if clipped > 0.01:
        return Check("sound: microphone", WARN, f"{name}: input clips ({clipped:.0%} of samples at full scale)",
                      "lower the microphone gain: `pactl set-source-volume @DEFAULT_SOURCE@ 70%`", data)
    note = "" if rms > 0 else " (a real microphone always hears some room noise: if one is plugged in, unmute it)"
    return Check("sound: microphone", OK, f"{name}: {LEVEL_SECONDS:.0f} s recorded, level {level}{note}", data=data)


def _speaker(ctx: Context) -> Check:
    from voice.audio import tone
    from voice.devices import AudioDeviceError, SpeakerSink, find_device

    spec = ctx.config.audio.output_device
    try:
        find_device(spec, "output")
    except AudioDeviceError as exc:
        return Check("sound: speaker", FAIL, str(exc), _device_fix(ctx, "output_device"))
    if ctx.quick:
        return Check("sound: speaker", OK, f"{spec or 'system default'} exists; tone not played (--quick)")

    def play():
        sink = SpeakerSink(spec, volume=ctx.config.audio.volume)
        try:
            return sink.name, sink.play(tone(0.4))
        finally:
            sink.close()

    result, error = _in_thread(play, 10)
    if error is not None:
        return Check("sound: speaker", FAIL, f"{spec or 'default'}: test tone failed: {error}",
                     "check the speaker is on and plugged in / `pactl list short sinks`; "
                     + _device_fix(ctx, "output_device"))
    name, finished = result
    return Check("sound: speaker", OK if finished else WARN, f"{name}: 0.4 s test tone played"
                 + ("" if finished else " (cut short)"))
