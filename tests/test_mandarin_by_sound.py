"""Mandarin that holds on what the recognizer does to it (issue 26): homophones and tone
slips, particles, a misheard number or unit asked about instead of guessed, the
recognizer's other readings, and a yes or no never taken by sound."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.language.zh import sounds
from assistant.language.zh.intents import request_readings
from assistant.skills.registry import heard_command
from tests import building
from tests.fakes import MemoryControls


@pytest.fixture(scope="module")
def engine():  # type: ignore[no-untyped-def]
    return building.skills_engine("zh")


def assert_command(engine, text: str, intent: str,  # type: ignore[no-untyped-def]
                   slots: dict[str, object]) -> None:
    """`text` is the command `intent` with `slots`, taken without asking."""
    match = engine.recognizer.recognize(text)
    assert match is not None and match.intent == intent, match
    assert {k: match.slots.get(k) for k in slots} == slots
    assert not match.doubtful


def test_syllables_that_sound_alike_are_near() -> None:
    assert sounds.distance("deng", "deng") == 0
    assert sounds.distance("guan", "gua") < sounds.distance("guan", "ba") <= 1
    assert sounds.distance("shi", "si") < 0.5
    assert sounds.distance("25", "ershiwu") == 1


@pytest.mark.parametrize(("heard", "intent", "slots"), [
    ("帮我把厨房的登官轮。", "HomeTurnOff", {"name": "厨房灯"}),  # 灯关了, the issue's
    ("即便了。", "GetTime", {}),  # 几点了
    ("温度掉到20度面。", "HomeSetTemperature", {"temperature": 20}),
    ("时器成以二十三等于多少。", "MathCalculate", {"x": 17, "y": 23, "operator": "multiply"}),
])
def test_near_homophones_are_the_command(engine, heard: str, intent: str,  # type: ignore[no-untyped-def]
                                         slots: dict[str, object]) -> None:
    assert_command(engine, heard, intent, slots)


@pytest.mark.parametrize("heard", ["天空为什么是蓝色的？", "给我讲个笑话。", "北京是中国的首都。",
                                   "推荐一本好书。", "长城有多长？",
                                   "一年有几个月？"])  # not "一码有几个克": its units unheard
def test_questions_are_not_commands(engine, heard: str) -> None:  # type: ignore[no-untyped-def]
    assert engine.recognizer.recognize(heard) is None


def test_a_yes_is_never_taken_by_sound(engine) -> None:  # type: ignore[no-untyped-def]
    assert engine.recognizer.recognize("是的") is not None  # as written (or its homophones)
    near = engine.recognizer.recognize("起的")
    assert near is None or near.intent not in ("Confirm", "Deny")


def test_a_device_misheard_as_an_unknown_one_is_asked_about(engine) -> None:  # type: ignore[no-untyped-def]
    match = engine.recognizer.recognize("关掉咖啡器")
    assert match is not None and match.slots.get("name") == "咖啡机"
    assert match.doubtful == ("name",) and match.heard_as == "关掉咖啡机"
    unknown = engine.recognizer.recognize("打开电视")
    assert unknown is not None and unknown.slots == {"unknown": "电视"}


def test_a_misheard_number_is_asked_about(tmp_path: Path) -> None:
    controls = MemoryControls()
    skills = building.skills("zh", state_file=tmp_path / "state.json", controls=controls)
    question = skills.respond("把音量调到乳。", now=1.0)  # 五 heard as 乳
    assert question is not None and question.expects_reply
    assert question.text == "你是说“把音量调到五”吗？"
    done = skills.respond("是的", now=2.0)
    assert done is not None and done.text == "好的，音量五。"
    assert controls.volume() == pytest.approx(0.5)


def test_no_to_a_question_about_hearing_does_nothing(tmp_path: Path) -> None:
    controls = MemoryControls()
    skills = building.skills("zh", state_file=tmp_path / "state.json", controls=controls)
    before = controls.volume()
    assert skills.respond("把音量调到乳。", now=1.0) is not None
    refused = skills.respond("不", now=2.0)
    assert refused is not None and refused.text == "好的，那就不做了。"
    assert controls.volume() == before


def test_saying_it_again_replaces_the_question(tmp_path: Path) -> None:
    skills = building.skills("zh", state_file=tmp_path / "state.json")
    assert skills.respond("一公里是多少名？", now=1.0).expects_reply  # type: ignore[union-attr]
    again = skills.respond("一公里是多少米？", now=2.0)
    assert again is not None and again.intent == "UnitConvert"
    assert again.text == "一公里等于一千米。"


def test_readings_that_disagree_on_a_slot_are_asked_about(engine) -> None:  # type: ignore[no-untyped-def]
    # "二十五加十七" written as "25×17" by the best reading, as 加 by another (the issue's)
    match = heard_command(engine.recognizer, "25×17等于几。", ["25加17等于几。"])
    assert match is not None and match.intent == "MathCalculate"
    assert match.doubtful == ("operator",)
    agreeing = heard_command(engine.recognizer, "把温度调到24度。", ["把温度调到二十四度。"])
    assert agreeing is not None and not agreeing.doubtful


def test_an_alternative_reading_that_is_a_command_is_taken(engine) -> None:  # type: ignore[no-untyped-def]
    match = heard_command(engine.recognizer, "起点咱们。", ["几点了。"])
    assert match is not None and match.intent == "GetTime" and not match.doubtful


def test_a_command_heard_unclearly_is_asked_about_and_a_doubtful_yes_answers_nothing(
        tmp_path: Path) -> None:
    skills = building.skills("zh", state_file=tmp_path / "state.json")
    asked = skills.respond("打开咖啡机。", now=1.0, sure=False)
    assert asked is not None and asked.text == "你是说“打开咖啡机”吗？"
    assert skills.respond("是的", now=2.0, sure=False) is None  # not an answer
    done = skills.respond("是的", now=3.0)
    assert done is not None and done.text == "好的，咖啡机已打开。"
    assert skills.respond("天空为什么是蓝色的？", now=4.0, sure=False) is None


def test_a_command_heard_with_a_final_ma_is_asked_about_not_run(tmp_path: Path) -> None:
    # 卧室的灯关着吗 ("is the bedroom light off?") heard as 卧室灯关上吗: the pinyin pass
    # hears 吗 as the skip word 嘛, but a yes/no question never switches a light as heard
    skills = building.skills("zh", state_file=tmp_path / "state.json")
    skills.respond("打开卧室的灯。", now=1.0)
    asked = skills.respond("卧室灯关上吗。", now=2.0)
    assert asked is not None and asked.expects_reply
    assert asked.text == "你是说“卧室灯关上”吗？"
    refused = skills.respond("不", now=3.0)
    assert refused is not None and refused.text == "好的，那就不做了。"
    state = skills.respond("卧室的灯开着吗？", now=4.0)
    assert state is not None and state.intent == "HomeGetState" and "开着" in state.text


@pytest.mark.parametrize("heard", ["卧室的灯关着吗？", "前门锁好了吗？", "今天会下雨吗？"])
def test_questions_asked_with_ma_are_answered_as_asked(engine, heard: str) -> None:  # type: ignore[no-untyped-def]
    match = engine.recognizer.recognize(heard)
    assert match is not None and not match.doubtful


@pytest.mark.parametrize(("said", "intent", "slots"), [
    ("你能帮我打开客厅的灯吗？", "HomeTurnOn", {"name": "客厅灯"}),
    ("可以把温度调到二十度吗？", "HomeSetTemperature", {"temperature": 20}),
    ("帮我设一个五分钟的定时器好吗？", "TimerSet", {"duration": 300}),
    ("请关掉卧室的灯，好不好？", "HomeTurnOff", {"name": "卧室灯"}),
    ("你能做什么吗？", "Help", {}),
    ("你能不能打开客厅的灯？", "HomeTurnOn", {"name": "客厅灯"}),
    ("可不可以把卧室的灯关掉", "HomeTurnOff", {"name": "卧室灯"}),
])
def test_polite_requests_are_commands(engine, said: str, intent: str,  # type: ignore[no-untyped-def]
                                      slots: dict[str, object]) -> None:
    assert_command(engine, said, intent, slots)


def test_request_readings() -> None:
    assert request_readings("打开客厅的灯。") == ["打开客厅的灯。"]
    assert request_readings("你能帮我打开客厅的灯吗？") == [
        "你能帮我打开客厅的灯", "打开客厅的灯", "你能帮我打开客厅的灯吗？"]
    assert request_readings("打开客厅的灯好吗") == ["打开客厅的灯", "打开客厅的灯好吗"]
    assert request_readings("卧室灯关上吗") == ["卧室灯关上吗"]  # no request: a question
    assert request_readings("卧室的灯关好吗") == ["卧室的灯关好吗"]  # 关好: a state
    assert request_readings("能不能打开客厅的灯") == ["能不能打开客厅的灯", "打开客厅的灯"]


def test_another_reading_without_the_ma_leaves_the_question_open(engine) -> None:  # type: ignore[no-untyped-def]
    # beam readings often differ in the final particle only: the best one's 吗 still asks,
    # and about the best one's own slots
    match = heard_command(engine.recognizer, "卧室灯关上吗。", ["卧室灯关上。", "卧室灯开着吗。"])
    assert match is not None and match.intent == "HomeTurnOff" and match.doubtful
    other = heard_command(engine.recognizer, "把温度调到二十度吗", ["把温度调到二十五度。"])
    assert other is not None and other.slots == {"temperature": 20} and other.doubtful
    assert other.heard_as == "把温度调到二十度"


@pytest.mark.parametrize("heard", ["温度可以吗？", "声音可以吗？", "可以吗", "是吗？"])
def test_a_bare_word_asked_with_a_request_frame_is_no_command(engine, heard: str) -> None:  # type: ignore[no-untyped-def]
    match = engine.recognizer.recognize(heard)
    assert match is None or match.doubtful, match


@pytest.mark.parametrize("heard", ["卧室的灯关好吗？", "声音行吗"])
def test_a_state_question_with_hao_ma_is_never_run(engine, heard: str) -> None:  # type: ignore[no-untyped-def]
    # 关好吗: is it properly off? (好 completes the verb: no polite 好吗)
    match = engine.recognizer.recognize(heard)
    assert match is None or match.doubtful or match.intent == "HomeGetState", match


def test_really_is_no_yes_to_unlocking_a_door(tmp_path: Path) -> None:
    skills = building.skills("zh", state_file=tmp_path / "state.json")
    asked = skills.respond("打开前门。", now=1.0)
    assert asked is not None and asked.text == "确定要打开前门吗？"
    skills.respond("是吗？", now=2.0)  # "really?"
    state = skills.respond("前门锁好了吗？", now=3.0)
    assert state is not None and "锁着" in state.text, state.text
