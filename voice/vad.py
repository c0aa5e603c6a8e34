"""Streaming Silero VAD: one speech probability per 32 ms frame, state carried across frames.

Uses the Silero VAD v6 ONNX model that faster-whisper ships in its `assets` folder, run with
onnxruntime. faster-whisper's own `SileroVADModel` resets its LSTM state on every call, so it
cannot be fed a live microphone frame by frame; `SileroVad` keeps the state (h, c) and the
64-sample context between calls instead. This is the only module that imports onnxruntime.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from voice.audio import FRAME

if TYPE_CHECKING:
    import onnxruntime

CONTEXT = 64                     # samples of the previous frame the model sees before each frame
STATE_SHAPE = (1, 1, 128)        # LSTM hidden/cell state
MODEL_FILE = "silero_vad_v6.onnx"


class VadModelMissing(FileNotFoundError):
    """The Silero VAD ONNX model is not where faster-whisper should have installed it."""


def default_model_path() -> Path:
    """Where faster-whisper keeps the Silero VAD model (the file may still be missing)."""
    spec = importlib.util.find_spec("faster_whisper")
    if spec is None or spec.origin is None:
        raise VadModelMissing(f"faster-whisper is not installed, so {MODEL_FILE} cannot be found")
    return Path(spec.origin).parent / "assets" / MODEL_FILE


def _session(path: Path) -> onnxruntime.InferenceSession:
    """One CPU session with a single thread: a frame is tiny, threads only add latency."""
    import onnxruntime

    opts = onnxruntime.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    return onnxruntime.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])


class SileroVad:
    """Streaming Silero VAD v6 over 512-sample (32 ms) frames of 16 kHz mono float32.

    Each instance has its own ONNX session and its own state; use one instance per stream and
    one thread at a time. Measured on the 2-core dev machine over ~2,000 real speech frames:
    0.12 ms median, 0.13 ms mean, 0.2-0.25 ms p99 per 32 ms frame (~0.4% of real time).
    """

    def __init__(self, model_path: Path | str | None = None) -> None:
        path = Path(model_path) if model_path is not None else default_model_path()
        if not path.is_file():
            raise VadModelMissing(f"Silero VAD model not found at {path} (it ships with faster-whisper)")
        self.model_path = path
        self._session = _session(path)
        self.reset()
        self._input = np.zeros((1, CONTEXT + FRAME), np.float32)

    def reset(self) -> None:
        """Forget everything heard so far (start of a new stream)."""
        self._h = np.zeros(STATE_SHAPE, np.float32)
        self._c = np.zeros(STATE_SHAPE, np.float32)
        self._context = np.zeros(CONTEXT, np.float32)

    def probability(self, frame: np.ndarray) -> float:
        """Speech probability (0..1) of the next 512-sample frame of the stream."""
        samples = _checked_frame(frame)
        self._input[0, :CONTEXT] = self._context
        self._input[0, CONTEXT:] = samples
        probs, self._h, self._c = self._session.run(None, {"input": self._input, "h": self._h, "c": self._c})
        self._context = samples[-CONTEXT:].copy()
        return float(np.ravel(probs)[0])


def _checked_frame(frame: np.ndarray) -> np.ndarray:
    """The frame as a flat float32 array of exactly FRAME samples, or a ValueError."""
    samples = np.asarray(frame, dtype=np.float32).reshape(-1)
    if samples.shape[0] != FRAME:
        raise ValueError(f"SileroVad needs frames of exactly {FRAME} samples, got {samples.shape[0]}")
    return samples
