"""MP4 writing with PyAV (its own FFmpeg): H.264 yuv420p video and AAC audio, encoded on a worker thread.

Frames are queued and encoded while the next ones render; the soundtrack is given up front
and interleaved with the video as frames arrive, so players can stream the file.
"""

from __future__ import annotations

import queue
import threading
from fractions import Fraction
from pathlib import Path

import numpy as np

from navigator.errors import UserError
from voice.audio import Audio

AUDIO_RATE = 48_000
AUDIO_CHUNK = 1024          # AAC frame size
QUEUE_FRAMES = 8


class VideoWriteError(UserError):
    """The MP4 could not be written; the message names the file."""


class Mp4Writer:
    """Write RGB frames (H, W, 3 uint8) and a mono soundtrack into an H.264 + AAC MP4 file."""

    def __init__(self, path: Path | str, size: tuple[int, int], fps: int, audio: Audio | None = None,
                 preset: str = "veryfast", crf: int = 22):
        import av

        width, height = size
        if width % 2 or height % 2:
            raise VideoWriteError(f"{path}: width and height must be even for H.264 (got {width}x{height})")
        self.path, self.size, self.fps = Path(path), size, fps
        if not self.path.parent.is_dir():
            raise VideoWriteError(f"{path}: the folder {self.path.parent} does not exist")
        try:
            self._container = av.open(str(path), mode="w", format="mp4")
        except OSError as exc:
            raise VideoWriteError(f"{path}: cannot write: {exc}") from None
        self._video = self._container.add_stream("libx264", rate=fps)
        self._video.width, self._video.height = width, height
        self._video.pix_fmt = "yuv420p"
        self._video.options = {"preset": preset, "crf": str(crf), "movflags": "+faststart"}
        self._video.codec_context.time_base = Fraction(1, fps)
        self._audio_samples = None
        if audio is not None:
            self._audio = self._container.add_stream("aac", rate=AUDIO_RATE, layout="mono")
            self._audio.bit_rate = 128_000
            self._audio_samples = audio.resampled(AUDIO_RATE).samples.astype(np.float32)
            self._audio_done = 0
        self._frames = 0
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUE_FRAMES)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="mp4-encoder", daemon=True)
        self._thread.start()

    # --- producer side ----------------------------------------------------------------------------

    def write(self, frame: np.ndarray) -> None:
        """Queue one frame (blocks while the encoder is QUEUE_FRAMES behind)."""
        if self._error is not None:
            raise VideoWriteError(f"{self.path}: {self._error}")
        self._queue.put(np.ascontiguousarray(frame))

    def close(self) -> None:
        """Flush the encoders and finish the file."""
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise VideoWriteError(f"{self.path}: {self._error}")

    def __enter__(self) -> "Mp4Writer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- encoder thread ---------------------------------------------------------------------------

    def _run(self) -> None:
        frame = ()
        try:
            while (frame := self._queue.get()) is not None:
                self._encode_video(frame)
                self._encode_audio(until=int(self._frames * AUDIO_RATE / self.fps))
            self._finish()
        except BaseException as exc:  # reported to the producer on its next call
            self._error = exc
            while frame is not None:  # unblock the producer until close(); a failed _finish() already had it
                frame = self._queue.get()

    def _encode_video(self, rgb: np.ndarray) -> None:
        import av

        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        frame.pts = self._frames
        frame.time_base = Fraction(1, self.fps)
        self._container.mux(self._video.encode(frame))
        self._frames += 1

    def _encode_audio(self, until: int) -> None:
        import av

        if self._audio_samples is None:
            return
        until = min(until, len(self._audio_samples))
        while self._audio_done + AUDIO_CHUNK <= until or (until == len(self._audio_samples) and self._audio_done < until):
            chunk = self._audio_samples[self._audio_done: self._audio_done + AUDIO_CHUNK]
            frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="fltp", layout="mono")
            frame.sample_rate = AUDIO_RATE
            frame.pts = self._audio_done
            frame.time_base = Fraction(1, AUDIO_RATE)
            self._container.mux(self._audio.encode(frame))
            self._audio_done += len(chunk)

    def _finish(self) -> None:
        if self._audio_samples is not None:
            self._audio_samples = self._audio_samples[: int(round(self._frames * AUDIO_RATE / self.fps))]
            self._encode_audio(until=len(self._audio_samples))
            self._container.mux(self._audio.encode(None))
        self._container.mux(self._video.encode(None))
        self._container.close()


def probe(path: Path | str) -> dict:
    """Streams of a media file: {"video": {...}, "audio": {...}} with codec, size/rate and seconds."""
    import av

    info: dict = {}
    with av.open(str(path)) as container:
        for stream in container.streams:
            seconds = float(stream.duration * stream.time_base) if stream.duration else None
            entry = {"codec": stream.codec_context.name, "seconds": seconds}
            if stream.type == "video":
                entry.update(width=stream.codec_context.width, height=stream.codec_context.height,
                             fps=float(stream.average_rate or 0), frames=stream.frames)
            elif stream.type == "audio":
                entry.update(rate=stream.codec_context.sample_rate, channels=stream.codec_context.channels)
            info.setdefault(stream.type, entry)
    return info
