"""Skills as LLM tools: JSON schemas, a llama.cpp GBNF grammar, and argument checking.

A tool call is `{"name": "<Intent>", "arguments": {<slot>: <value>, ...}}`. The
schemas, the grammar (llama.cpp's JSON-schema converter) and the argument check
(jsonschema) are built from the same `ToolSpec`s, with the allowed device and room
names taken from the home, so a grammar-constrained model can only produce
calls that `validate` accepts. Yes/no answers are never tools: a model cannot
confirm a sensitive action on the user's behalf.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jsonschema

from assistant.errors import AssistantError
from assistant.home import model
from assistant.home.model import Home
from assistant.skills.math_units import BINARY, UNARY, UNITS
from assistant.skills.timers import MAX_TIMER_S, NameRules


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
            schema["minLength"] = 1
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


def tool_specs(home: Home) -> tuple[ToolSpec, ...]:
    """The callable intents for this home. Empty name lists drop the parameter, or the
    whole tool when the parameter is required."""
    specs = [*_clock_specs(), *_home_specs(home), *_number_specs(), *_volume_specs()]
    usable = []
    for spec in specs:
        params = tuple(p for p in spec.params if p.type != "string" or p.free_text or p.enum)
        if any(p.required and p not in params for p in spec.params):
            continue
        usable.append(ToolSpec(spec.name, spec.description, params))
    return tuple(usable)


def _clock_specs() -> list[ToolSpec]:
    timer_name = Param("name", "string", "The timer's name, e.g. pasta", free_text=True,
                       max_length=30)
    timer_length = Param("duration", "number", "The timer's length in seconds",
                         minimum=1, maximum=MAX_TIMER_S)
    return [
        ToolSpec("GetTime", "Say the current time."),
        ToolSpec("GetDate", "Say today's date and day of the week."),
        ToolSpec("TimerSet", "Start a timer.", (
            Param("duration", "number", "Length in seconds", required=True, minimum=1,
                  maximum=MAX_TIMER_S), timer_name)),
        ToolSpec("TimerCancel", "Cancel one timer.", (timer_name, timer_length)),
        ToolSpec("TimerCancelAll", "Cancel every timer."),
        ToolSpec("TimerStatus", "Say how long a timer has left.", (timer_name, timer_length)),
        ToolSpec("TimerList", "List the running timers."),
    ]


def _home_specs(home: Home) -> list[ToolSpec]:
    def device(*able: str, required: bool = False) -> Param:
        names = tuple(dict.fromkeys(d.name for d in home.devices
                                    if not able or any(d.can(c) for c in able)))
        return Param("name", "string", "The device", required=required, enum=names)

    thermostats = [d for d in home.devices if d.can(model.TARGET_TEMPERATURE)]
    low = min((d.min_temperature for d in thermostats if d.min_temperature is not None),
              default=5.0)
    high = max((d.max_temperature for d in thermostats if d.max_temperature is not None),
               default=35.0)
    area = Param("area", "string", "A room or floor",
                 enum=tuple([a.name for a in home.areas] + [f.name for f in home.floors]))
    everything = Param("scope", "string", "all = every matching device in the home",
                       enum=("all",))
    domain = Param("domain", "string", "Kind of device", enum=(model.LIGHT, model.SWITCH))
    switchable = device(model.ON_OFF)
    return [
        ToolSpec("HomeTurnOn", "Switch on lights or switches.",
                 (switchable, area, domain, everything)),
        ToolSpec("HomeTurnOff", "Switch off lights or switches.",
                 (switchable, area, domain, everything)),
        ToolSpec("HomeSetBrightness", "Set the brightness of lights.", (
            Param("brightness", "integer", "Percent", required=True, minimum=0, maximum=100),
            device(model.BRIGHTNESS), area, everything)),
        ToolSpec("HomeSetColor", "Set the colour of lights.", (
            Param("color", "string", "The colour", required=True, enum=tuple(model.COLORS)),
            device(model.COLOR), area, everything)),
        ToolSpec("HomeSetTemperature", "Set a thermostat's target temperature.", (
            Param("temperature", "number", "Degrees Celsius", required=True, minimum=low,
                  maximum=high), device(model.TARGET_TEMPERATURE), area)),
        ToolSpec("HomeTemperatureStep", "Make it warmer or cooler.", (
            Param("direction", "string", "up = warmer", required=True, enum=("up", "down")),
            Param("amount", "number", "Degrees", minimum=0.5, maximum=10),
            device(model.TARGET_TEMPERATURE), area)),
        ToolSpec("HomeGetTemperature", "Say the temperature measured somewhere, or (what = "
                 "target) what a thermostat is set to.", (
                     Param("what", "string", "measured or target",
                           enum=("measured", "target")), device(), area)),
        ToolSpec("HomeGetState", "Say whether a device is on, open or locked, or what a "
                 "sensor reads.", (
                     device(required=True),
                     Param("state", "string", "The state asked about",
                           enum=("on", "off", "open", "closed", "locked", "unlocked")))),
        ToolSpec("HomeOpen", "Open blinds or covers.", (device(model.OPEN_CLOSE), area,
                                                        everything)),
        ToolSpec("HomeClose", "Close blinds or covers.", (device(model.OPEN_CLOSE), area,
                                                          everything)),
        ToolSpec("HomeSetPosition", "Open blinds or covers part way.", (
            Param("position", "integer", "Percent open", required=True, minimum=0,
                  maximum=100), device(model.POSITION), area, everything)),
        ToolSpec("HomeLock", "Lock a door.", (device(model.LOCKING), everything)),
        ToolSpec("HomeUnlock", "Unlock a door (the user is asked to confirm).",
                 (device(model.LOCKING, required=True),)),
        ToolSpec("HomeActivate", "Start a scene or script (good night, movie time).",
                 (device(model.ACTIVATE, required=True),)),
    ]


def _number_specs() -> list[ToolSpec]:
    return [
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
    ]


def _volume_specs() -> list[ToolSpec]:
    return [
        ToolSpec("VolumeUp", "Speak louder."),
        ToolSpec("VolumeDown", "Speak more quietly."),
        ToolSpec("VolumeSet", "Set the speaking volume.", (
            Param("percent", "integer", "Volume in percent", required=True, minimum=0,
                  maximum=100),)),
        ToolSpec("VolumeGet", "Say the current volume."),
    ]


def validate(specs: Sequence[ToolSpec], name: Any, arguments: Any, *,
             names: NameRules | None = None) -> dict[str, Any]:
    """Checked slots for a call of tool `name` (raises ToolCallError naming the problem);
    a timer name is cleaned by the language's `names` rules.

    Strings are compared lowercase with single spaces ("Kitchen  Light" is the kitchen
    light); whole numbers written as 12.0 become 12."""
    spec = next((s for s in specs if s.name == name), None)
    if spec is None:
        known = ", ".join(s.name for s in specs)
        raise ToolCallError(f"unknown tool {name!r} (known: {known})")
    params = {p.name: p for p in spec.params}
    if arguments is None:
        arguments = {}
    if isinstance(arguments, dict):
        arguments = {key: " ".join(value.lower().split())
                     if key in params and params[key].type == "string"
                     and isinstance(value, str) else value
                     for key, value in arguments.items()}
    schema = spec.schema()["function"]["parameters"]
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(schema).iter_errors(arguments))
    if error is not None:
        raise ToolCallError(_explain(name, error, params))
    slots = {key: int(value) if params[key].type == "integer" else value
             for key, value in arguments.items()}
    for key, value in slots.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise ToolCallError(f"{name}.{key} must be a finite number")
    if name.startswith("Timer") and "name" in slots:
        cleaned = (names or NameRules()).clean(slots["name"])
        if cleaned is None:
            raise ToolCallError(f"{name}.name: {slots['name']!r} is not a usable timer name")
        slots["name"] = cleaned
    if slots.get("operator") in BINARY and "y" not in slots:
        raise ToolCallError(f"{name}: operator {slots['operator']!r} needs a second number y")
    return slots


def _explain(tool: str, error: jsonschema.ValidationError, params: dict[str, Param]) -> str:
    """jsonschema's finding as one line the model (or a reader of the log) can act on."""
    value, kind = error.instance, error.validator
    if not error.path:  # the arguments object itself
        if kind == "required":
            missing = next(p for p in error.validator_value if p not in value)
            return f"{tool}: missing argument {missing!r}"
        if kind == "additionalProperties":
            unknown = next(key for key in value if key not in params)
            return f"{tool}: unknown argument {unknown!r} (known: {', '.join(params) or 'none'})"
        return f"{tool}: arguments must be a JSON object"
    param = params[str(error.path[0])]
    where = f"{tool}.{param.name}"
    if kind == "enum":
        return f"{where} must be one of {', '.join(param.enum)}; got {value!r}"
    if kind == "type" and param.type == "string":
        return f"{where} must be a string, got {json.dumps(value)}"
    if kind == "type" and param.type == "integer" and isinstance(value, float):
        return f"{where} must be a whole number, got {value}"
    if kind == "type":
        return f"{where} must be a number, got {json.dumps(value)}"
    if kind == "minimum":
        return f"{where} must be at least {param.minimum:g}, got {value}"
    if kind == "maximum":
        return f"{where} must be at most {param.maximum:g}, got {value}"
    if kind == "minLength":
        return f"{where} must not be empty"
    if kind == "maxLength":
        return f"{where} is longer than {param.max_length} characters"
    return f"{where}: {error.message}"


def call_schema(specs: Sequence[ToolSpec], *, decline: bool = False) -> dict[str, Any]:
    """The JSON schema of one call `{"name": ..., "arguments": {...}}` of one of `specs`
    (or, with `decline`, of `{"name": "none"}`). Free-text strings are narrowed to
    lowercase letters, spaces and apostrophes, so a constrained model writes a name and
    nothing else."""
    calls: list[dict[str, Any]] = []
    for spec in specs:
        arguments = spec.schema()["function"]["parameters"]
        for param in spec.params:
            if param.free_text:
                arguments["properties"][param.name]["pattern"] = (
                    f"^[a-z][a-z ']{{0,{param.max_length - 1}}}$")
        calls.append(_object({"name": {"const": spec.name}, "arguments": arguments}))
    if decline:
        calls.append(_object({"name": {"const": "none"}}))
    return {"oneOf": calls}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(properties),
            "additionalProperties": False}


def grammar(specs: Sequence[ToolSpec], *, decline: bool = False) -> str:
    """A llama.cpp GBNF grammar accepting exactly the calls `call_schema` describes
    (llama.cpp's own JSON-schema converter). Arguments come in the order of the spec,
    required ones first; optional ones may be left out."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    return json_schema_to_gbnf(json.dumps(call_schema(specs, decline=decline))) + "\n"
