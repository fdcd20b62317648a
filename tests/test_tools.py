"""The optional LLM tool-call path: schemas, a GBNF grammar (llama.cpp's converter), and
strict validation (jsonschema, with our messages)."""

import codecs
import contextlib
import glob
import json
import os
import re
from pathlib import Path

import pytest

from assistant.home.home_file import load_home
from assistant.home.simulated import home_of
from assistant.skills import Skills, ToolCallError
from assistant.skills.tools import ToolSpec, grammar, tool_specs, validate
from tests import building
from tests.fakes import MemoryControls


def make_skills(tmp_path: Path, *, tool_calls: bool = True) -> Skills:
    return building.skills(state_file=tmp_path / "state.json", tool_calls=tool_calls,
                           controls=MemoryControls())


@pytest.fixture
def skills(tmp_path: Path) -> Skills:
    return make_skills(tmp_path)


# A GBNF -> Python regex translation for the non-recursive grammars built here, so tests
# can check which outputs the grammar lets a model produce.
_TOKEN = re.compile(r'\s*(?:(?P<lit>"(?:\\.|[^"\\])*")|(?P<cls>\[(?:\\.|[^\]\\])*\])'
                    r"|(?P<ref>[a-zA-Z][a-zA-Z0-9-]*)|(?P<op>[()|?*+])|(?P<rep>\{\d+(?:,\d*)?\}))")


def grammar_regex(text: str) -> re.Pattern[str]:
    rules = dict(line.split(" ::= ", 1) for line in text.strip().splitlines())

    def expand(name: str) -> str:
        body, out, pos = rules[name].strip(), [], 0
        while pos < len(body):
            token = _TOKEN.match(body, pos)
            assert token is not None, f"cannot parse {body[pos:]!r}"
            pos = token.end()
            if token["lit"]:
                out.append(re.escape(codecs.decode(token["lit"][1:-1], "unicode_escape")))
            elif token["cls"]:
                out.append(token["cls"])
            elif token["ref"]:
                out.append(f"(?:{expand(token['ref'])})")
            elif token["op"]:
                out.append("(?:" if token["op"] == "(" else token["op"])
            else:
                out.append(token["rep"])
        return "".join(out)

    return re.compile(expand("root"))


def answer(skills: Skills, text: str, now: float) -> str:
    reply = skills.respond(text, now=now)
    assert reply is not None, text
    return reply.text


def call(name: str, arguments: dict) -> str:
    return json.dumps({"name": name, "arguments": arguments})


def test_off_by_default(tmp_path: Path) -> None:
    skills = make_skills(tmp_path, tool_calls=False)
    assert skills.tools() == [] and skills.tool_grammar() == ""
    with pytest.raises(ToolCallError, match="skills.tool_calls"):
        skills.call_tool("GetTime", {}, now=0.0)


def test_schemas_carry_the_home_names(skills: Skills) -> None:
    tools = {t["function"]["name"]: t["function"] for t in skills.tools()}
    turn_on = tools["HomeTurnOn"]["parameters"]
    assert turn_on["properties"]["name"]["enum"] == [
        "kitchen light", "living room light", "bedroom light", "hallway light", "coffee machine"]
    assert "downstairs" in turn_on["properties"]["area"]["enum"]
    assert turn_on["additionalProperties"] is False
    unlock = tools["HomeUnlock"]["parameters"]
    assert unlock["required"] == ["name"] and unlock["properties"]["name"]["enum"] == [
        "front door"]
    temperature = tools["HomeSetTemperature"]["parameters"]["properties"]["temperature"]
    assert (temperature["minimum"], temperature["maximum"]) == (10.0, 30.0)


def test_yes_no_and_memory_are_never_tools(skills: Skills) -> None:
    names = {t["function"]["name"] for t in skills.tools()}
    assert not names & {"Confirm", "Deny", "Forget", "Repeat", "Help"}
    with pytest.raises(ToolCallError, match="unknown tool 'Confirm'"):
        skills.call_tool("Confirm", {}, now=0.0)


def test_a_tool_call_runs_the_skill(skills: Skills) -> None:
    reply = skills.call_tool("HomeTurnOn", {"name": "Kitchen Light"}, now=0.0)
    assert (reply.intent, reply.slots, reply.text) == (
        "HomeTurnOn", {"name": "kitchen light"}, "Okay, the kitchen light is on.")
    assert answer(skills, "is the kitchen light on", 1.0).startswith("Yes")
    reply = skills.call_tool("TimerSet", {"duration": 480, "name": "pasta"}, now=0.0)
    assert reply.text == "Okay, pasta timer set for eight minutes."
    assert skills.due_announcements(480.0) == ["Your pasta timer is done."]


def test_unlocking_by_tool_still_needs_the_spoken_yes(skills: Skills) -> None:
    question = skills.call_tool("HomeUnlock", {"name": "front door"}, now=0.0)
    assert question.expects_reply
    assert question.text == "Are you sure you want to unlock the front door?"
    # Anything but yes refuses, even a question.
    assert answer(skills, "is the front door locked", 1.0) == "Okay, the front door stays locked."
    assert answer(skills, "is the front door locked", 2.0) == "Yes, the front door is locked."
    skills.call_tool("HomeUnlock", {"name": "front door"}, now=3.0)
    assert answer(skills, "yes", 4.0) == "Okay, the front door is unlocked."


@pytest.mark.parametrize(("name", "arguments", "message"), [
    ("OpenPodBayDoors", {}, "unknown tool 'OpenPodBayDoors'"),
    ("HomeTurnOn", {"name": "tv"}, "HomeTurnOn.name must be one of"),
    ("HomeTurnOn", {"colour": "red"}, "unknown argument 'colour'"),
    ("HomeTurnOn", ["kitchen light"], "arguments must be a JSON object"),
    ("HomeUnlock", {}, "missing argument 'name'"),
    ("HomeSetTemperature", {"temperature": 45}, "must be at most 30"),
    ("HomeSetTemperature", {"temperature": "warm"}, "must be a number"),
    ("HomeSetBrightness", {"brightness": 12.5}, "must be a whole number"),
    ("HomeSetBrightness", {"brightness": True}, "must be a number"),
    ("TimerSet", {"duration": 0}, "must be at least 1"),
    ("TimerSet", {"duration": 60, "name": "timer"}, "not a usable timer name"),
    ("TimerSet", {"duration": float("nan")}, "finite"),
    ("MathCalculate", {"operator": "multiply", "x": 2}, "needs a second number"),
    ("UnitConvert", {"value": 1, "from_unit": "parsec", "to_unit": "meter"}, "must be one of"),
])
def test_bad_calls_are_refused_with_a_clear_error(skills: Skills, name: str, arguments: object,
                                                  message: str) -> None:
    with pytest.raises(ToolCallError, match=re.escape(message)):
        skills.call_tool(name, arguments, now=0.0)  # type: ignore[arg-type]


def _example(spec: ToolSpec) -> dict:
    arguments: dict = {}
    for param in spec.params:
        if not param.required:
            continue
        if param.enum:
            arguments[param.name] = param.enum[0]
        elif param.type == "string":
            arguments[param.name] = "pasta"
        else:
            arguments[param.name] = param.minimum if param.minimum is not None else 2
    if spec.name == "MathCalculate":
        arguments["y"] = 3
    return arguments


def test_the_grammar_accepts_every_valid_call_shape() -> None:
    specs = tool_specs(home_of(load_home(building.language().home_file)))
    pattern = grammar_regex(grammar(specs))
    for spec in specs:
        arguments = _example(spec)
        validate(specs, spec.name, arguments)
        for text in (call(spec.name, arguments),
                     json.dumps({"name": spec.name, "arguments": arguments},
                                separators=(",", ":"))):
            assert pattern.fullmatch(text), text


@pytest.mark.parametrize("text", [
    call("OpenPodBayDoors", {}),
    call("Confirm", {}),
    call("HomeTurnOn", {"name": "tv"}),
    call("HomeUnlock", {}),
    call("HomeTurnOn", {"name": "kitchen light", "colour": "red"}),
    call("TimerSet", {"duration": "ten minutes"}),
    '{"name": "GetTime", "arguments": {}} and also',
])
def test_the_grammar_rejects_calls_outside_the_schemas(text: str) -> None:
    pattern = grammar_regex(grammar(tool_specs(home_of(load_home(building.language().home_file)))))
    assert not pattern.fullmatch(text)


def test_the_router_s_grammar_also_lets_the_model_decline() -> None:
    specs = tool_specs(home_of(load_home(building.language().home_file)))
    declining = grammar_regex(grammar(specs, decline=True))
    assert declining.fullmatch('{"name": "none"}')
    assert declining.fullmatch(call("GetTime", {}))
    assert not grammar_regex(grammar(specs)).fullmatch('{"name": "none"}')
    assert not declining.fullmatch('{"name": "none", "arguments": {}}')


def test_a_free_text_name_is_written_in_plain_words() -> None:
    pattern = grammar_regex(grammar(tool_specs(home_of(load_home(building.language().home_file)))))
    assert pattern.fullmatch(call("TimerSet", {"duration": 60, "name": "mum's pasta"}))
    for name in ("Pasta", "pasta\n", "", "p" * 31, 'pasta\", "x": "y'):
        assert not pattern.fullmatch(call("TimerSet", {"duration": 60, "name": name})), name


def test_a_home_without_locks_offers_no_lock_tools(tmp_path: Path) -> None:
    home = tmp_path / "home.toml"
    home.write_text('[devices.lamp]\nkind = "light"\n')
    names = {spec.name for spec in tool_specs(home_of(load_home(home)))}
    assert "HomeUnlock" not in names and "HomeTurnOn" in names


def _chat_model() -> str | None:
    base = os.environ.get("ASSISTANT_MODELS_DIR", str(Path(__file__).parents[1] / "models"))
    found = sorted(glob.glob(os.path.join(base, "smollm2-135m-instruct-q4_1", "*.gguf")))
    return found[0] if found else None


@pytest.mark.skipif(_chat_model() is None, reason="the smollm2 chat model is not installed")
def test_a_real_model_constrained_by_the_grammar_emits_a_parseable_call(skills: Skills) -> None:
    llama_cpp = pytest.importorskip("llama_cpp")
    llm = llama_cpp.Llama(_chat_model(), n_ctx=1024, verbose=False, seed=1)
    constraint = llama_cpp.LlamaGrammar.from_string(skills.tool_grammar(), verbose=False)
    names = {t["function"]["name"]: t["function"] for t in skills.tools()}
    for request in ("turn on the kitchen light", "set a timer for five minutes"):
        out = llm.create_chat_completion(
            messages=[{"role": "system", "content": "Answer with one JSON tool call."},
                      {"role": "user", "content": request}],
            grammar=constraint, max_tokens=96, temperature=0.0)
        tool_call = json.loads(out["choices"][0]["message"]["content"])
        assert tool_call["name"] in names
        assert set(tool_call["arguments"]) <= set(
            names[tool_call["name"]]["parameters"]["properties"])
        # A 135M model may pick a valid shape with unusable values: an error, never a crash.
        with contextlib.suppress(ToolCallError):
            skills.call_tool(tool_call["name"], tool_call["arguments"], now=0.0)
