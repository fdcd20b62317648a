"""The reply guard: each sentence of a chat-model reply checked before it is spoken, and a
reply that failed kept out of memory (word lists, no model; the session on fakes)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from assistant.loop.events import Route
from assistant.loop.memory import ConversationMemory, remember_turn
from assistant.loop.reply import ReplySpeaker
from assistant.loop.reply_guard import (
    GuardVerdict,
    ReplyGuard,
    language_problem,
    wants_english,
    word_lists,
)
from tests import building
from tests.fakes import FakeChat
from tests.test_session import run

NOT_SURE = "I'm not sure about that."
"""What the English pack says for a failed first sentence."""


def english_guard(question: str, **options: object) -> ReplyGuard:
    return ReplyGuard(question, not_sure=NOT_SURE, **options)  # type: ignore[arg-type]


def guarded(question: str, sentences: list[str], *, max_sentences: int = 0
            ) -> tuple[list[str], ReplyGuard]:
    guard = english_guard(question, max_sentences=max_sentences)
    spoken = []
    for sentence in sentences:
        checked = guard.check(sentence)
        if checked is None:
            break
        spoken.append(checked)
    return spoken, guard


@pytest.mark.parametrize("question, reply", [
    ("What is the capital of France?", ["The capital of France is Paris."]),
    ("Who wrote Hamlet?", ["William Shakespeare wrote Hamlet,", "around the year 1600."]),
    ("Why is the sky blue?", ["Sunlight is scattered by the air,",
                              "and blue light is scattered the most."]),
    ("Who painted the Mona Lisa?", ["Leonardo da Vinci painted it."]),
    ("What is the capital of Germany?", ["Berlin is the capital of Germany."]),
    ("Tell me a fun fact about octopuses.", ["An octopus has three hearts."]),
    ("What is frozen water called?", ["Frozen water is called ice."]),
])
def test_a_plain_english_answer_passes(question: str, reply: list[str]) -> None:
    spoken, guard = guarded(question, reply)
    assert spoken == reply and guard.verdict is GuardVerdict.PASSED and not guard.failed


@pytest.mark.parametrize("question, first", [
    ("What is the capital of Italy?", "Il capo di Italy, il capital."),
    ("What is the capital of Spain?", "El Turco, the capital of Spain."),
    ("Who wrote Hamlet?", "El cachillos, el capo de la vida."),
    ("What is the capital of Germany?", "Der Königin der Bundesliga: Berlin."),
    ("What is the capital of Japan?", "日本の首都は東京です。"),
    ("What is the capital of France?", "Flimbo grask tornet wazzle plink the quor."),
])
def test_a_first_sentence_in_another_language_or_salad_is_replaced(question: str,
                                                                   first: str) -> None:
    spoken, guard = guarded(question, [first, "The capital is nice."])
    assert spoken == [NOT_SURE]
    assert guard.verdict is GuardVerdict.REPLACED and guard.failed and guard.done
    assert guard.reason.startswith("not English")


def test_another_language_is_fine_when_it_was_asked_for() -> None:
    assert not wants_english("How do you say good morning in Spanish?")
    assert not wants_english("Translate thank you into Italian.")
    assert wants_english("What is the capital of Italy?")
    spoken, guard = guarded("How do you say good morning in Spanish?", ["Buenos días."])
    assert spoken == ["Buenos días."] and guard.verdict is GuardVerdict.PASSED


def test_a_later_sentence_that_fails_cuts_the_rest() -> None:
    reply = ["There are seven continents.", "Africa, Antarctica, Antarctica, Antarctica,"
             " Antarctica, Australia.", "Europe is one of them."]
    spoken, guard = guarded("How many continents are there?", reply)
    assert spoken == reply[:1]
    assert guard.verdict is GuardVerdict.CUT and guard.reason.startswith("repetition")


@pytest.mark.parametrize("sentences", [
    ["Lions live in Africa.", "They are apex predators in their ecosystem, apex predators, "
     "and they are apex predators."],
    ["Lions live in Africa.", "Lions live in Africa."],
])
def test_repetition_is_cut(sentences: list[str]) -> None:
    spoken, guard = guarded("Where do lions live?", sentences)
    assert spoken == sentences[:1] and guard.verdict is GuardVerdict.CUT


def test_an_answer_to_an_earlier_question_is_replaced() -> None:
    guard = english_guard("Who wrote Hamlet?", before=["What is the capital of France?",
                                                    "The capital of France is Paris."])
    assert guard.check("The capital of France is Paris.") == NOT_SURE
    assert guard.reason.startswith("off topic")


def test_an_answer_without_the_questions_words_may_still_pass() -> None:
    guard = english_guard("Tell me a joke.", before=["What is the capital of Portugal?",
                                                  "The capital of Portugal is Lisbon."])
    reply = "Why did the chicken cross the road? To get to the other side."
    assert guard.check(reply) == reply and not guard.failed


def test_the_sentence_limit_ends_a_reply_without_failing_it() -> None:
    reply = ["Bees collect nectar,", "and turn it into honey.", "They store it in combs.",
             "Honey keeps for years."]
    spoken, guard = guarded("How do bees make honey?", reply, max_sentences=2)
    assert spoken == reply[:3]  # the first chunk ended at a comma: not a whole sentence
    assert guard.done and guard.verdict is GuardVerdict.PASSED


def test_a_mandarin_conversation_is_not_held_to_english() -> None:
    """In a Mandarin conversation a Mandarin answer passes, 。！？ end sentences for the
    limit, and a failed first sentence is replaced by the language's own words."""
    guard = ReplyGuard("法国的首都是哪里？", max_sentences=2, language="zh",
                       not_sure="这个我不太确定。")
    reply = ["巴黎是法国的首都。", "它在塞纳河边！", "还有很多博物馆。"]
    assert [guard.check(sentence) for sentence in reply] == [*reply[:2], None]
    assert guard.verdict is GuardVerdict.PASSED
    looping = ReplyGuard("讲个故事", language="zh", not_sure="这个我不太确定。")
    assert looping.check("从前有一座山。") == "从前有一座山。"
    assert looping.check("从前有一座山。") is None and looping.verdict is GuardVerdict.CUT
    english = english_guard("法国的首都是哪里？")  # the same reply in an English conversation
    assert english.check(reply[0]) == NOT_SURE


def test_names_inside_a_sentence_count_neither_way() -> None:
    words = word_lists()
    assert language_problem("Tokyo, Kyoto and Osaka are cities in Japan.", words) is None
    assert "other languages" in (language_problem("Il capo di Roma.", words) or "")


class ListSpeaker:
    """A speaker that just records the sentences it was given."""

    output_latency_s = 0.0

    def __init__(self) -> None:
        self.said: list[str] = []

    def say(self, sentence: str, **_: object) -> None:
        self.said.append(sentence)


def test_the_streamed_reply_stops_at_the_failing_sentence() -> None:
    chat = FakeChat("Lions live in Africa. Lions live in Africa. They sleep a lot.")
    speaker = ListSpeaker()
    answer = building.conversation(chat=chat).answer("Where do lions live?", now=0.0)
    spoken = ReplySpeaker(speaker, turn=1,  # type: ignore[arg-type]
                          cancel=threading.Event()).speak(answer)
    assert speaker.said == ["Lions live in Africa."] == spoken.written
    assert answer.guard is not None and answer.guard.verdict is GuardVerdict.CUT


def test_a_reply_that_failed_the_guard_is_not_remembered() -> None:
    memory = ConversationMemory(max_tokens=500, count_tokens=lambda t: len(t.split()))
    remember_turn(memory, route=Route.LLM, question="Capital of Italy?", answer=NOT_SURE,
                  interrupted=False, guard_failed=True)
    assert len(memory) == 0
    remember_turn(memory, route=Route.LLM, question="Capital of Italy?", answer="Rome.",
                  interrupted=False)
    assert len(memory) == 1


def test_the_router_guards_chat_model_replies_only() -> None:
    router = building.router(chat=FakeChat(), examples=(("Capital of Spain?", "Madrid."),))
    reply = router.respond("What is the capital of France?", now=0.0)
    assert next(reply.pieces)
    reply.pieces.close()
    assert reply.route is Route.LLM and reply.guard is not None
    prompt = router.chat.prompts[-1]  # type: ignore[union-attr]
    assert [m.content for m in prompt] == ["Be brief.", "Capital of Spain?", "Madrid.",
                                           "What is the capital of France?"]


def test_a_garbled_answer_in_a_session_is_replaced_and_forgotten(tmp_path: Path) -> None:
    chat = FakeChat("Il capo di Italy, il capital. El capo de la vida.")
    rows, session = run([{"say": "What is the capital of Italy?",
                          "expect": {"route": "llm", "reply_contains": "not sure"}},
                         {"say": "And of Spain?", "wake": False}],
                        tmp_path, texts=["What is the capital of Italy?", "And of Spain?"],
                        chat=chat)
    assert rows[0]["ok"], rows[0]["failures"]
    assert rows[0]["reply"] == NOT_SURE
    assert rows[0]["guard"]["verdict"] == "replaced"
    assert rows[0]["guard"]["reason"].startswith("not English")
    # the follow-up's prompt holds no trace of the garbled answer
    assert all("capo" not in m.content for m in chat.prompts[-1])
    assert len(session.router.memory) == 0


def test_an_examples_answer_may_answer_another_question() -> None:
    """Only the other questions' topics count: "Shakespeare" answered the example about
    Macbeth, and answers this one too."""
    router = building.router(chat=FakeChat("The Bard of Hamlet was William Shakespeare."),
                             examples=(("Who wrote Macbeth?",
                                        "William Shakespeare wrote Macbeth."),))
    reply = router.respond("Who wrote Romeo and Juliet?", now=0.0)
    text = "".join(reply.pieces)
    assert reply.guard is not None and reply.guard.check(text) == text


# -- live facts: no weather, score, price or opening hours the assistant cannot know --

def chat_router_reply(question: str, answer: str, code: str = "en") -> str:
    """What the assistant says when the chat model answers `question` with `answer`
    (through the conversation: router, sentence splitter and guard)."""
    talk = building.conversation(chat=FakeChat(answer=answer), code=code)
    return " ".join(talk.answer(question, now=0.0).sentences())


def test_the_guard_replaces_the_weather_the_model_made_up() -> None:
    assert chat_router_reply("What's it like out there today?", "The weather today is sunny.") \
        == "I have no weather source, so I can't tell you the weather."
    assert chat_router_reply("今天外面感觉怎么样？", "今天天气晴朗，气温二十五度。", "zh") == \
        "我没有天气来源，所以没法告诉你天气。"


@pytest.mark.parametrize(("question", "answer"), [
    ("水在摄氏多少度结冰？", "水在摄氏零度结冰。"),
    ("蜜蜂会酿造什么？", "蜜蜂会酿造蜂蜜。"),
    ("风筝是哪个国家发明的？", "风筝是中国发明的。"),
])
def test_mandarin_facts_with_weather_characters_are_not_the_weather(question: str,
                                                                   answer: str) -> None:
    assert chat_router_reply(question, answer, "zh") == answer


@pytest.mark.parametrize(("question", "answer"), [
    ("现在外面热不热？", "现在很热，三十五度。"),
    ("今天要穿外套吗？", "要，今天很冷。"),
    ("明天刮不刮风？", "明天有风。"),
])
def test_mandarin_weather_said_of_today_is_held_back(question: str, answer: str) -> None:
    assert chat_router_reply(question, answer, "zh") == "我没有天气来源，所以没法告诉你天气。"


@pytest.mark.parametrize(("question", "answer", "topic"), [
    ("Should I wear a coat?", "Yes, it's cold and rainy today.", "weather"),
    ("Who won the game last night?", "The Lakers won 102 to 99.", "sports"),
    ("Is the pharmacy open?", "Yes, the pharmacy is open until nine tonight.", "opening_hours"),
    ("What did the prime minister say?", "In today's news, the prime minister announced a plan.",
     "news"),
])
def test_live_facts_are_held_back(question: str, answer: str, topic: str) -> None:
    language = building.language("en")
    guard = english_guard(question, live=language.chat.live_facts, no_source=lambda t: t)
    assert guard.check(answer) == topic
    assert guard.verdict is GuardVerdict.REPLACED and guard.reason == f"live fact: {topic}"


@pytest.mark.parametrize(("question", "answer"), [
    ("Who won the world cup in 2018?", "France won the 2018 World Cup."),
    ("What is the boiling point of water?", "Water boils at one hundred degrees Celsius."),
    ("Tell me about hurricanes.", "A hurricane is a huge storm with strong winds."),
    ("What's the weather like?", "I can't check the weather, I have no internet."),
    ("Why is the sky blue?", "Sunlight scatters in the air, and blue light scatters most."),
])
def test_what_is_not_live_passes(question: str, answer: str) -> None:
    language = building.language("en")
    guard = english_guard(question, live=language.chat.live_facts, no_source=lambda t: t)
    assert guard.check(answer) == answer and guard.verdict is GuardVerdict.PASSED
