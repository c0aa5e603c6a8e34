"""LLM mode in the voice loop: the first guarded sentence is spoken while the model still writes.

Real VAD, Whisper and OpenJTalk (as in test_pipeline), a real chat-completions server on 127.0.0.1.
"""

from __future__ import annotations

import pytest

from llm_server import Behaviour, FakeChatServer, stream
from navigator.brain.conversation import Conversation
from navigator.speech import CatalogAnswer
from navigator.spoken_samples import visitor_audio
from test_llm import DAYCARE_Q, model
from test_pipeline import Events
from voice import events as ev
from voice.files import BufferSink, BufferSource
from voice.pipeline import VoicePipeline

FIRST, SECOND = "保育園はまちドアから申し込めます。", "わからないことは保育・幼稚園課に相談してください。"


@pytest.fixture(scope="module")
def engines(kiosk_voice):
    """(engines, pipeline settings) of the shipped config, shared with the other voice tests (conftest)."""
    loaded, _, settings = kiosk_voice
    loaded.stt.warm_up()
    return loaded, settings


def spoken_turn(engines, answerer, behaviour: Behaviour, timeout_s: float = 6) -> Events:
    loaded, settings = engines
    events = Events()
    with FakeChatServer(behaviour) as server:
        answer = CatalogAnswer(answerer, conversation=Conversation(answerer, model=model(server, timeout_s)))
        VoicePipeline(BufferSource(visitor_audio(DAYCARE_Q)), BufferSink(), loaded.vad_factory(), loaded.stt,
                      loaded.tts, answer, events, settings).run(turns=1)
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


def kiosk_answer(answerer, catalog, server):
    from navigator.app import SharedConversation, VoiceAnswer

    shared = SharedConversation(Conversation(answerer, model=model(server, 6)), catalog)
    return shared, VoiceAnswer(shared, current_lang=lambda: "ja", offered=("ja", "en"))


def test_the_kiosk_streams_spoken_answers_and_typing_waits_only_for_the_stream(engines, answerer, catalog):
    """The kiosk's voice answer streams (first sentence at once) and frees the conversation when spoken."""
    loaded, settings = engines
    events = Events()
    with FakeChatServer(stream(f"[daycare-application]\n{FIRST}{SECOND}", pause_at=SECOND, pause_s=1.5)) as server:
        shared, answer = kiosk_answer(answerer, catalog, server)
        VoicePipeline(BufferSource(visitor_audio(DAYCARE_Q)), BufferSink(), loaded.vad_factory(), loaded.stt,
                      loaded.tts, answer, events, settings).run(turns=1)
    assert events.of(ev.AnswerReady)[0].sentences == (FIRST,)
    assert [s.sentence for s in events.of(ev.SpeechAudio)] == [FIRST, SECOND]
    assert shared._lock.acquire(timeout=1)      # released once the stream was spoken
    shared._lock.release()


@pytest.mark.parametrize("drop", ["closed_unread", "closed_midway", "exhausted"])
def test_a_streamed_answer_always_frees_the_conversation(answerer, catalog, drop):
    """Interrupted before or while it is spoken, the stream never keeps typing answers waiting."""
    with FakeChatServer(stream(f"[daycare-application]\n{FIRST}{SECOND}")) as server:
        shared, answer = kiosk_answer(answerer, catalog, server)
        ready = answer(DAYCARE_Q, "ja")
        assert not shared._lock.acquire(blocking=False)   # the stream holds the conversation
        if drop == "closed_midway":
            next(ready.more)
        if drop == "exhausted":
            assert list(ready.more) == [SECOND]
        ready.more.close()
        assert shared._lock.acquire(timeout=1)
        shared._lock.release()
        assert shared.ask("住民票がほしい", "ja").service_ids[0] == "residence-certificate"


def test_a_reset_during_a_streamed_answer_does_not_wait_and_forgets_the_visitor(answerer, catalog):
    with FakeChatServer(stream(f"[daycare-application]\n{FIRST}{SECOND}")) as server:
        shared, answer = kiosk_answer(answerer, catalog, server)
        ready = answer(DAYCARE_Q, "ja")
        shared.reset()                                   # the idle reset, on the UI thread: returns at once
        assert list(ready.more) == [SECOND]              # the stream ends (and records its turn) ...
        assert not shared.conversation.history           # ... and the visitor is forgotten as it lets go
        assert shared.ask("住民票がほしい", "ja").service_ids[0] == "residence-certificate"
        assert len(shared.conversation.history) == 1


def test_a_reset_that_comes_as_a_turn_lets_go_is_applied_before_the_next_question(answerer, catalog):
    from navigator.app import SharedConversation

    shared = SharedConversation(Conversation(answerer), catalog)
    shared.ask(DAYCARE_Q, "ja")
    shared._lock.acquire()        # a turn holds the conversation and has already looked for a pending reset ...
    shared.reset()                # ... when the idle reset comes (it cannot take the lock) ...
    shared._lock.release()        # ... and then lets go
    assert shared.ask("住民票がほしい", "ja").service_ids[0] == "residence-certificate"
    assert [turn.question for turn in shared.conversation.history] == ["住民票がほしい"]   # the last visitor is gone
