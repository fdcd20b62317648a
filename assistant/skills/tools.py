"""Skills as LLM tools: JSON schemas, a llama.cpp GBNF grammar, and argument checking.

A tool call is `{"name": "<Intent>", "arguments": {<slot>: <value>, ...}}`. The
schemas and the grammar are built from the same `ToolSpec`s, with the allowed device
and room names taken from the home config, so a grammar-constrained model can only
produce calls that `validate` accepts. Yes/no answers are never tools: a model cannot
confirm a sensitive action on the user's behalf.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assistant.errors import AssistantError
from assistant.skills.home_state import SWITCHABLE, HomeConfig
from assistant.skills.math_units import BINARY, UNARY, UNITS
from assistant.skills.timers import MAX_TIMER_S, clean_timer_name


class ToolCallError(AssistantError, ValueError):
    """A tool call names an unknown tool or has arguments that cannot be used."""


@dataclass(frozen=True)
class Param:
    """One argument of a tool: a JSON type plus the values it may take."""

    name: str
    type: str
    """"string", "integer" or "number"."""
    description: str
    required: bool = False
    enum: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    free_text: bool = False
    """A string with no fixed choices (a timer name); other strings need `enum`."""
    max_length: int = 40
    """Longest free-text string."""

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": self.type, "description": self.description}
        if self.enum:
            schema["enum"] = list(self.enum)
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        if self.free_text:
            schema["maxLength"] = self.max_length
        return schema


@dataclass(frozen=True)
class ToolSpec:
    name: str
    """The intent the call runs."""
    description: str
    params: tuple[Param, ...] = ()

    def schema(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": {
                    "type": "object",
                    "properties": {p.name: p.schema() for p in self.params},
                    "required": [p.name for p in self.params if p.required],
                    "additionalProperties": False,
                },
            },
        }


def tool_specs(home: HomeConfig) -> tuple[ToolSpec, ...]:
    """The callable intents for this home. Empty name lists drop the parameter, or the
    whole tool when the parameter is required."""

    def names(*kinds: str) -> tuple[str, ...]:
        return tuple(d.name for d in home.devices if d.kind in kinds)

    areas = tuple(a.name for a in home.areas)
    thermostats = [d for d in home.devices if d.kind == "thermostat"]
    low = min((d.min_temperature for d in thermostats), default=10.0)
    high = max((d.max_temperature for d in thermostats), default=30.0)

    def device(kinds: Sequence[str], *, required: bool = False) -> Param:
        return Param("name", "string", "The device", required=required, enum=names(*kinds))

    area = Param("area", "string", "A room or group of rooms", enum=areas)
    everything = Param("scope", "string", "all = every matching device in the home",
                       enum=("all",))
    timer_name = Param("name", "string", "The timer's name, e.g. pasta", free_text=True,
                       max_length=30)
    timer_length = Param("duration", "number", "The timer's length in seconds",
                         minimum=1, maximum=MAX_TIMER_S)
    specs = [
        ToolSpec("GetTime", "Say the current time."),
        ToolSpec("GetDate", "Say today's date and day of the week."),
        ToolSpec("TimerSet", "Start a timer.", (
            Param("duration", "number", "Length in seconds", required=True, minimum=1,
                  maximum=MAX_TIMER_S), timer_name)),
        ToolSpec("TimerCancel", "Cancel one timer.", (timer_name, timer_length)),
        ToolSpec("TimerCancelAll", "Cancel every timer."),
        ToolSpec("TimerStatus", "Say how long a timer has left.", (timer_name, timer_length)),
        ToolSpec("TimerList", "List the running timers."),
        ToolSpec("HomeTurnOn", "Switch on lights or plugs.", (
            device(SWITCHABLE), area, Param("domain", "string", "Kind of device",
                                            enum=SWITCHABLE), everything)),
        ToolSpec("HomeTurnOff", "Switch off lights or plugs.", (
            device(SWITCHABLE), area, Param("domain", "string", "Kind of device",
                                            enum=SWITCHABLE), everything)),
        ToolSpec("HomeSetBrightness", "Set the brightness of lights.", (
            Param("brightness", "integer", "Percent", required=True, minimum=0, maximum=100),
            device(("light",)), area, everything)),
        ToolSpec("HomeSetTemperature", "Set the thermostat's target temperature.", (
            Param("temperature", "number", "Degrees Celsius", required=True, minimum=low,
                  maximum=high), device(("thermostat",)))),
        ToolSpec("HomeTemperatureStep", "Make it warmer or cooler.", (
            Param("direction", "string", "up = warmer", required=True, enum=("up", "down")),
            Param("amount", "number", "Degrees", minimum=0.5, maximum=10),
            device(("thermostat",)))),
        ToolSpec("HomeGetTemperature", "Say what the thermostat is set to.",
                 (device(("thermostat",)),)),
        ToolSpec("HomeGetState", "Say whether a device is on, open or locked.", (
            device(tuple(d.kind for d in home.devices), required=True),
            Param("state", "string", "The state asked about",
                  enum=("on", "off", "open", "closed", "locked", "unlocked")))),
        ToolSpec("HomeOpen", "Open blinds.", (device(("blinds",)), area, everything)),
        ToolSpec("HomeClose", "Close blinds.", (device(("blinds",)), area, everything)),
        ToolSpec("HomeLock", "Lock a door.", (device(("lock",)), everything)),
        ToolSpec("HomeUnlock", "Unlock a door (the user is asked to confirm).",
                 (device(("lock",), required=True),)),
        ToolSpec("MathCalculate", "Do arithmetic.", (
            Param("operator", "string", "The operation", required=True,
                  enum=(*BINARY, *UNARY)),
            Param("x", "number", "First number", required=True),
            Param("y", "number", "Second number (binary operations)"))),
        ToolSpec("UnitConvert", "Convert an amount between units.", (
            Param("value", "number", "The amount", required=True),
            Param("from_unit", "string", "Unit of the amount", required=True,
                  enum=tuple(UNITS)),
            Param("to_unit", "string", "Unit wanted", required=True, enum=tuple(UNITS)))),
        ToolSpec("VolumeUp", "Speak louder."),
        ToolSpec("VolumeDown", "Speak more quietly."),
        ToolSpec("VolumeSet", "Set the speaking volume.", (
            Param("percent", "integer", "Volume in percent", required=True, minimum=0,
                  maximum=100),)),
        ToolSpec("VolumeGet", "Say the current volume."),
    ]
    usable = []
    for spec in specs:
        params = tuple(p for p in spec.params if p.type != "string" or p.free_text or p.enum)
        if any(p.required and p not in params for p in spec.params):
            continue
        usable.append(ToolSpec(spec.name, spec.description, params))
    return tuple(usable)


def validate(specs: Sequence[ToolSpec], name: Any, arguments: Any) -> dict[str, Any]:
    """Checked slots for a call of tool `name` (raises ToolCallError naming the problem)."""
    spec = next((s for s in specs if s.name == name), None)
    if spec is None:
        known = ", ".join(s.name for s in specs)
        raise ToolCallError(f"unknown tool {name!r} (known: {known})")
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        raise ToolCallError(f"{name}: arguments must be a JSON object")
    params = {p.name: p for p in spec.params}
    slots: dict[str, Any] = {}
    for key, value in arguments.items():
        param = params.get(key)
        if param is None:
            raise ToolCallError(f"{name}: unknown argument {key!r} "
                                f"(known: {', '.join(params) or 'none'})")
        slots[key] = _check(name, param, value)
    for param in spec.params:
        if param.required and param.name not in slots:
            raise ToolCallError(f"{name}: missing argument {param.name!r}")
    if name.startswith("Timer") and "name" in slots:
        cleaned = clean_timer_name(slots["name"])
        if cleaned is None:
            raise ToolCallError(f"{name}.name: {slots['name']!r} is not a usable timer name")
        slots["name"] = cleaned
    if slots.get("operator") in BINARY and "y" not in slots:
        raise ToolCallError(f"{name}: operator {slots['operator']!r} needs a second number y")
    return slots


def _check(tool: str, param: Param, value: Any) -> Any:
    where = f"{tool}.{param.name}"
    if param.type == "string":
        if not isinstance(value, str) or not value.strip():
            raise ToolCallError(f"{where} must be a non-empty string")
        value = " ".join(value.lower().split())
        if param.enum and value not in param.enum:
            raise ToolCallError(f"{where} must be one of {', '.join(param.enum)}; got {value!r}")
        if len(value) > param.max_length:
            raise ToolCallError(f"{where} is longer than {param.max_length} characters")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ToolCallError(f"{where} must be a number, got {json.dumps(value)}")
    if param.type == "integer":
        if float(value) != int(value):
            raise ToolCallError(f"{where} must be a whole number, got {value}")
        value = int(value)
    if value != value or value in (float("inf"), float("-inf")):
        raise ToolCallError(f"{where} must be a finite number")
    if param.minimum is not None and value < param.minimum:
        raise ToolCallError(f"{where} must be at least {param.minimum:g}, got {value}")
    if param.maximum is not None and value > param.maximum:
        raise ToolCallError(f"{where} must be at most {param.maximum:g}, got {value}")
    return value


def grammar(specs: Sequence[ToolSpec]) -> str:
    """A llama.cpp GBNF grammar accepting exactly one call of one of `specs`.

    Arguments appear in the order of the spec; optional ones may be left out.
    """
    lines = [
        'root ::= "{" ws "\\"name\\"" ws ":" ws call ws "}"',
        "call ::= " + " | ".join(f"call-{s.name}" for s in specs),
        'ws ::= [ \\t\\n]{0,2}',
        'number ::= "-"? [0-9]{1,9} ("." [0-9]{1,4})?',
        'integer ::= "-"? [0-9]{1,9}',
    ]
    for spec in specs:
        rule = f"call-{spec.name}"
        lines.append(f'{rule} ::= {_literal(json.dumps(spec.name))} ws "," ws '
                     f'"\\"arguments\\"" ws ":" ws args-{spec.name}')
        alternatives = []
        optional = [p for p in spec.params if not p.required]
        for size in range(len(optional) + 1):
            for chosen in itertools.combinations(optional, size):
                present = [p for p in spec.params if p.required or p in chosen]
                pairs = ' ws "," ws '.join(f"arg-{spec.name}-{_rule(p.name)}" for p in present)
                alternatives.append(f'"{{" ws {pairs} ws "}}"' if pairs else '"{" ws "}"')
        lines.append(f"args-{spec.name} ::= " + " | ".join(alternatives))
        for param in spec.params:
            lines.append(f"arg-{spec.name}-{_rule(param.name)} ::= "
                         f'{_literal(json.dumps(param.name))} ws ":" ws {_value(param)}')
    return "\n".join(lines) + "\n"


def _rule(name: str) -> str:
    return name.replace("_", "-")


def _value(param: Param) -> str:
    if param.enum:
        return "(" + " | ".join(_literal(json.dumps(v)) for v in param.enum) + ")"
    if param.free_text:
        return f"\"\\\"\" [a-z] [a-z ']{{0,{param.max_length - 1}}} \"\\\"\""
    return "integer" if param.type == "integer" else "number"


def _literal(text: str) -> str:
    """`text` as a GBNF string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
