"""A private PulseAudio sound card for tests: two null sinks, played into and recorded from outside.

`kiosk_mic`: the test speaks into it; the kiosk records its monitor (PULSE_SOURCE=kiosk_mic.monitor).
`kiosk_out`: the kiosk plays into it (PULSE_SINK=kiosk_out); the test records its monitor.
Recipe from DESIGN.md (keep norewinds=1).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from voice.audio import RATE, Audio


@dataclass
class Recording:
    """Audio recorded from a monitor, with the monotonic time each chunk arrived."""

    chunks: list[tuple[float, np.ndarray]] = field(default_factory=list)

    def first_sound_after(self, after: float, threshold: float = 0.02) -> float | None:
        """Monotonic time of the first sample above `threshold` in chunks that arrived after `after`."""
        for arrived, samples in self.chunks:
            if arrived < after:
                continue
            loud = np.flatnonzero(np.abs(samples) > threshold)
            if len(loud):
                return arrived - (len(samples) - loud[0]) / RATE
        return None

    def audio(self) -> Audio:
        return Audio(np.concatenate([c for _, c in self.chunks]) if self.chunks else np.zeros(0, np.float32))


class PulseCard:
    """Starts a PulseAudio server in a private runtime dir and loads the two null sinks."""

    def __init__(self):
        for tool in ("pulseaudio", "pactl", "pacat", "parec"):
            if not shutil.which(tool):
                raise RuntimeError(f"{tool} is missing: `make test` installs it (scripts/system-packages.txt)")
        self.runtime = tempfile.mkdtemp(prefix="kiosk-pulse-")
        os.chmod(self.runtime, 0o700)
        self.env = {**os.environ, "XDG_RUNTIME_DIR": self.runtime, "PULSE_RUNTIME_PATH": f"{self.runtime}/pulse"}
        self.env.pop("PULSE_SERVER", None)
        subprocess.run(["pulseaudio", "-D", "--exit-idle-time=-1", "--disallow-exit", "-n",
                        "--load=module-native-protocol-unix", "--load=module-always-sink"],
                       env=self.env, check=True, capture_output=True, timeout=30)
        deadline = time.monotonic() + 10
        while subprocess.run(["pactl", "info"], env=self.env, capture_output=True).returncode != 0:
            if time.monotonic() > deadline:
                raise RuntimeError("PulseAudio did not start")
            time.sleep(0.1)
        for name in ("kiosk_mic", "kiosk_out"):
            self.pactl("load-module", "module-null-sink", f"sink_name={name}", f"rate={RATE}", "channels=1",
                       "norewinds=1")
        self.pactl("set-default-sink", "kiosk_out")
        self.pactl("set-default-source", "kiosk_mic.monitor")

    def pactl(self, *args: str) -> str:
        return subprocess.run(["pactl", *args], env=self.env, check=True, capture_output=True, text=True).stdout

    def kiosk_env(self) -> dict[str, str]:
        """Environment for a kiosk process that hears kiosk_mic and speaks into kiosk_out."""
        return {**self.env, "PULSE_SOURCE": "kiosk_mic.monitor", "PULSE_SINK": "kiosk_out"}

    def speak(self, audio: Audio, sink: str = "kiosk_mic") -> float:
        """Play `audio` into a sink as a visitor would speak; returns the monotonic time it ended."""
        pcm = audio.resampled(RATE).pcm16()
        subprocess.run(["pacat", "--playback", f"--device={sink}", "--format=s16le", f"--rate={RATE}",
                        "--channels=1", "--latency-msec=20"], input=pcm, env=self.env, check=True, timeout=120)
        return time.monotonic()

    def record(self, source: str = "kiosk_out.monitor") -> tuple[Recording, callable]:
        """Start recording a monitor; returns the recording and a function that stops it."""
        recording = Recording()
        process = subprocess.Popen(["parec", f"--device={source}", "--format=s16le", f"--rate={RATE}", "--channels=1",
                                    "--latency-msec=10"], stdout=subprocess.PIPE, env=self.env)

        def pump() -> None:
            while True:
                data = process.stdout.read(640)  # 20 ms
                if not data:
                    return
                samples = np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0
                recording.chunks.append((time.monotonic(), samples))

        thread = threading.Thread(target=pump, daemon=True)
        thread.start()

        def stop() -> None:
            process.terminate()
            process.wait(timeout=5)
            thread.join(timeout=5)

        return recording, stop

    def close(self) -> None:
        subprocess.run(["pulseaudio", "-k"], env=self.env, capture_output=True, timeout=10)
        shutil.rmtree(self.runtime, ignore_errors=True)
