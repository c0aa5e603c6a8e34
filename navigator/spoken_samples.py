"""Spoken visitor questions for benchmarks and tests, in a voice unlike the kiosk's own.

No second Japanese voice exists on the registries this project can reach, so the visitor
is OpenJTalk shifted far from the kiosk's settings (+5 semitones, 15% faster), with room
noise and silence around, as a microphone would hear a question.
"""

from __future__ import annotations

import numpy as np

from voice.audio import RATE, Audio

# (question, expected service): everyday phrasing, as in ../shared/eval/dev.jsonl.
VISITOR_QUESTIONS: tuple[tuple[str, str], ...] = (
    ("住民票の写しがほしいです", "residence-certificate"),
    ("子どもを保育園に入れたいです", "daycare-application"),
    ("粗大ごみを出したいんですが", "oversized-garbage"),
    ("マイナンバーカードを作りたい", "mynumber-card"),
    ("引っ越してきたので転入届を出したい", "move-in"),
    ("国民健康保険に入りたいです", "national-health-insurance"),
    ("母の介護認定を申請したい", "long-term-care"),
    ("児童手当の申請をしたいです", "child-allowance"),
    ("印鑑登録をしたいです", "seal-registration"),
    ("市役所は何時まで開いていますか", "city-hall-access"),
)


def visitor_audio(text: str, seed: int = 0, lead_s: float = 0.8, tail_s: float = 1.0) -> Audio:
    """`text` spoken by the test visitor: silence, the question, silence, low room noise throughout."""
    from voice.tts_openjtalk import OpenJTalkTts

    speech = OpenJTalkTts(speed=1.15, half_tone=5.0).synthesize(text, "ja").audio.resampled(RATE)
    samples = np.concatenate([np.zeros(int(lead_s * RATE), np.float32), speech.samples,
                              np.zeros(int(tail_s * RATE), np.float32)])
    noise = np.random.default_rng(seed).normal(0.0, 0.002, len(samples)).astype(np.float32)
    return Audio(samples + noise)
