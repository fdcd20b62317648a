"""The smart-home skill answering in Mandarin (卧室灯已打开), over the same home state.

The devices are the Mandarin home's (assistant/data/home.zh.toml): their names are
already Chinese, so a reply only needs the sentence around them.
"""

from __future__ import annotations

from typing import Any

from assistant.home.home_file import SWITCHABLE, Device
from assistant.intents import IntentMatch
from assistant.language.zh.wording import join_words, number_words
from assistant.skills.base import SkillReply, reply
from assistant.skills.home import HomeSkill

_HOW_TO = {
    "thermostat": "可以说：把温度调到二十一度",
    "blinds": "可以说：打开或关上{name}",
    "lock": "可以说：锁上或打开{name}",
    "light": "可以说：打开或关掉{name}",
    "plug": "可以说：打开或关掉{name}",
}
_KIND_NAMES = {"light": "灯", "plug": "插座", "blinds": "窗帘", "lock": "锁",
               "thermostat": "温控器"}
_STATES = {"on": "开着", "off": "关着", "locked": "锁着", "unlocked": "开着",
           "open": "开着", "closed": "关着"}


def _degrees(value: float) -> str:
    return f"{number_words(value, decimals=1)}度"


class MandarinHomeSkill(HomeSkill):
    """`HomeSkill` with Mandarin sentences; targets, state and confirmation are shared."""

    def _switch(self, slots: dict[str, Any], *, on: bool) -> str:
        word = "打开" if on else "关掉"
        targets = self._targets(slots, SWITCHABLE)
        if isinstance(targets, str):
            return targets
        if targets is None:
            return self._ask_which(slots, word)
        changes = {d.id: {"on": on} for d in targets if self.state.get(d.id)["on"] != on}
        state = "开着" if on else "关着"
        if len(targets) == 1 and not changes:
            return f"{targets[0].name}已经{state}了。"
        warning = self._apply(changes)
        done = "已打开" if on else "已关掉"
        return f"好的，{self._what(targets, slots)}{done}。{warning}"

    def _set_brightness(self, slots: dict[str, Any]) -> str:
        level = slots.get("brightness")
        if not isinstance(level, (int, float)) or not 0 <= level <= 100:
            return "亮度可以从零调到百分之一百。"
        targets = self._targets({**slots, "domain": slots.get("domain", "light")}, ("light",))
        if isinstance(targets, str):
            return targets
        if targets is None:
            return self._ask_which({**slots, "domain": "light"}, "调")
        level = int(round(level))
        warning = self._apply({d.id: {"on": level > 0, "brightness": max(level, 1)}
                               for d in targets})
        what = self._what(targets, {**slots, "domain": "light"})
        if level == 0:
            return f"好的，{what}已关掉。{warning}"
        return f"好的，{what}已调到百分之{number_words(level)}。{warning}"

    def _set_temperature(self, slots: dict[str, Any]) -> str:
        device = self._thermostat(slots)
        if isinstance(device, str):
            return "家里没有温控器。"
        target = float(slots.get("temperature", 0))
        if not device.min_temperature <= target <= device.max_temperature:
            return (f"温度可以设在{_degrees(device.min_temperature)}到"
                    f"{_degrees(device.max_temperature)}之间。")
        warning = self._apply({device.id: {"target": target}})
        return f"好的，温度已设为{_degrees(target)}。{warning}"

    def _step_temperature(self, slots: dict[str, Any]) -> str:
        device = self._thermostat(slots)
        if isinstance(device, str):
            return "家里没有温控器。"
        up = slots.get("direction", "up") == "up"
        amount = float(slots.get("amount", 1))
        current = float(self.state.get(device.id)["target"])
        limit = device.max_temperature if up else device.min_temperature
        if current == limit:
            edge = "最高" if up else "最低"
            return f"温度已经是{edge}的{_degrees(limit)}了。"
        target = min(current + amount, limit) if up else max(current - amount, limit)
        warning = self._apply({device.id: {"target": target}})
        verb = "调高" if up else "调低"
        return f"好的，温度已{verb}到{_degrees(target)}。{warning}"

    def _get_temperature(self, slots: dict[str, Any]) -> str:
        device = self._thermostat(slots)
        if isinstance(device, str):
            return "家里没有温控器。"
        return f"温度设定在{_degrees(float(self.state.get(device.id)['target']))}。"

    def _get_state(self, slots: dict[str, Any]) -> str:
        device = self.config.device_named(str(slots.get("name", "")))
        if device is None:
            return "我不认识这个设备。"
        asked = str(slots.get("state", ""))
        actual = self._describe(device)
        if asked in _STATES:
            key = self._state_key(device)
            answer = "是的" if key == asked else "没有"
            return f"{answer}，{device.name}{actual}。"
        return f"{device.name}{actual}。"

    def _state_key(self, device: Device) -> str:
        state = self.state.get(device.id)
        if device.kind == "lock":
            return "locked" if state["locked"] else "unlocked"
        if device.kind == "blinds":
            return "open" if state["open"] else "closed"
        return "on" if state.get("on") else "off"

    def _describe(self, device: Device) -> str:
        state = self.state.get(device.id)
        if device.kind == "thermostat":
            return f"设定在{_degrees(state['target'])}"
        if device.kind == "light" and state["on"] and state["brightness"] < 100:
            return f"开着，亮度百分之{number_words(state['brightness'])}"
        return _STATES[self._state_key(device)]

    def _unlock(self, match: IntentMatch, *, now: float) -> SkillReply:
        targets = self._targets(match.slots, ("lock",))
        if isinstance(targets, str):
            return reply(match, targets)
        if targets is None or len(targets) != 1:
            return reply(match, self._ask_which({**match.slots, "domain": "lock"}, "打开"))
        device = targets[0]
        if not self.state.get(device.id)["locked"]:
            return reply(match, f"{device.name}已经开着了。")

        def unlock() -> str:
            return f"好的，{device.name}已打开。{self._apply({device.id: {'locked': False}})}"

        if not device.sensitive:
            return reply(match, unlock())
        return self._confirmations.ask(
            match, f"确定要打开{device.name}吗？", accept=unlock,
            refusal=f"好的，{device.name}继续锁着。", now=now)

    def _set_flag(self, slots: dict[str, Any], kind: str, key: str, value: bool,
                  word: str, verb: str) -> str:
        targets = self._targets(slots, (kind,))
        if isinstance(targets, str):
            return targets
        said = {"open": "打开", "close": "关上", "lock": "锁上"}[verb]
        if targets is None:
            return self._ask_which({**slots, "domain": kind}, said)
        changes = {d.id: {key: value} for d in targets if self.state.get(d.id)[key] != value}
        if len(targets) == 1 and not changes:
            return f"{targets[0].name}已经{_STATES[word]}了。"
        warning = self._apply(changes)
        return f"好的，{join_words([d.name for d in targets])}已{said}。{warning}"

    def _targets(self, slots: dict[str, Any], kinds: tuple[str, ...]) -> list[Device] | str | None:
        found = super()._targets(slots, kinds)
        if not isinstance(found, str):
            return found
        if "name" in slots:
            device = self.config.device_named(str(slots["name"]))
            if device is None:
                return f"我不认识叫{slots['name']}的设备。"
            return f"{device.name}做不到；{_HOW_TO[device.kind].format(name=device.name)}。"
        if "area" in slots and self.config.area_named(str(slots["area"])) is None:
            return f"我不认识叫{slots['area']}的房间。"
        what = _KIND_NAMES.get(str(slots.get("domain")), "这样的设备")
        where = f"{slots['area']}里" if "area" in slots else "家里"
        return f"{where}没有{what}。"

    def _ask_which(self, slots: dict[str, Any], verb: str) -> str:
        domain = slots.get("domain")
        kinds = (domain,) if domain else SWITCHABLE
        names = [d.name for d in self.config.devices if d.kind in kinds]
        if not names:
            return f"这里没有可以{verb}的设备。"
        return f"要{verb}哪一个？你有{join_words(names, conjunction='或')}。"

    def _what(self, targets: list[Device], slots: dict[str, Any]) -> str:
        """卧室灯, or 客厅的灯, 所有的灯, 楼下的所有设备."""
        if len(targets) == 1:
            return targets[0].name
        things = _KIND_NAMES.get(str(slots.get("domain")), "设备")
        where = f"{slots['area']}的" if "area" in slots else ""
        return f"{where}所有{things}"

    def _apply(self, changes: dict[str, dict[str, Any]]) -> str:
        warning = super()._apply(changes)
        return "但是没能保存，我重启后会忘记。" if warning else ""
