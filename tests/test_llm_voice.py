"""LLM mode in the voice loop: the first guarded sentence is spoken while the model still writes.

Real VAD, Whisper and OpenJTalk (as in test_pipeline), a real chat-completions server on 127.0.0.1.
"""

from __future__ import annotations

import pytest

from conftest import ROOT
from llm_server import Behaviour, FakeChatServer, stream
from navigator.brain.conversation import Conversation
from navigator.config import load_config
from navigator.speech import CatalogAnswer, build_engines, pipeline_config
from navigator.spoken_samples import visitor_audio
from test_llm import DAYCARE_Q, model
from test_pipeline import Events
from voice import events as ev
from voice.files import BufferSink, BufferSource
from voice.pipeline import VoicePipeline

FIRST, SECOND = "保育園はまちドアから申し込めます。", "わからないことは保育・幼稚園課に相談してください。"


@pytest.fixture(scope="module")
def engines(catalog):
    config = load_config(ROOT / "kiosk_config.toml")
    loaded = build_engines(config, catalog)
    loaded.stt.warm_up()
    return config, loaded


def spoken_turn(engines, answerer, behaviour: Behaviour, timeout_s: float = 6) -> Events:
    config, loaded = engines
    events = Events()
    with FakeChatServer(behaviour) as server:
        answer = CatalogAnswer(answerer, conversation=Conversation(answerer, model=model(server, timeout_s)))
        VoicePipeline(BufferSource(visitor_audio(DAYCARE_Q)), BufferSink(), loaded.vad_factory(), loaded.stt,
                      loaded.tts, answer, events, pipeline_config(config)).run(turns=1)
    return events


def test_the_first_sentence_is_spoken_while_the_model_still_writes(engines, answerer):
    events = spoken_turn(engines, answerer, stream(f"[daycare-application]\n{FIRST}{SECOND}", pause_at=SECOND,
                                                   pause_s=2.0))
    ready = events.of(ev.AnswerReady)[0]
    assert ready.service_ids[0] == "daycare-application" and ready.sentences == (FIRST,)
    spoken = events.of(ev.SpeechAudio)
    assert [s.sentence for s in spoken] == [FIRST, SECOND]
    times = [t for e, t in zip(events, events.times) if isinstance(e, ev.SpeechAudio)]
    answered = events.time_of(ev.AnswerReady)
    assert times[0] - answered < 1.0           # synthesized at once ...
    assert times[1] - answered >= 1.8          # ... while the second sentence was still being written
    assert events.of(ev.PlaybackFinished) == [ev.PlaybackFinished(interrupted=False)]


def test_a_broken_model_is_not_heard_the_catalog_answer_is(engines, answerer):
    events = spoken_turn(engines, answerer, Behaviour("garbage"))
    spoken = "".join(s.sentence for s in events.of(ev.SpeechAudio))
    assert spoken == "".join(answerer.ask(DAYCARE_Q).sentences)
    assert not events.of(ev.StageError)
