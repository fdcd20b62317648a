"""Configuration: the example file, search order, and errors that name the key."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.config import (
    CONFIG_SECTIONS,
    Config,
    ConfigError,
    config_from_dict,
    find_config,
    load_config,
    with_overrides,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

EXAMPLE = Path(__file__).parent.parent / "assistant.example.toml"


def test_the_example_config_lists_every_key_with_its_default() -> None:
    """Every key is in the example with its default; a key whose default is unset (the
    language's, resolved at start-up) is there as a comment, `# key = ...`, since TOML
    has no "unset"."""
    text = EXAMPLE.read_text()
    data = tomllib.loads(text)
    assert set(data) == {*CONFIG_SECTIONS, "profile", "language"}
    for name, cls in CONFIG_SECTIONS.items():
        fields = dataclasses.fields(cls)
        assert set(data[name]) == {f.name for f in fields if f.default is not None}, name
        section = text.split(f"\n[{name}]\n", 1)[1].split("\n[", 1)[0]
        for unset in (f.name for f in fields if f.default is None):
            assert f"\n# {unset} = " in section, f"[{name}] {unset}: no `# {unset} = ` line"
    assert dataclasses.replace(config_from_dict(data), source="") == Config()


def test_a_profile_fills_in_keys_and_the_file_wins(tmp_path: Path) -> None:
    pi = config_from_dict({}, profile="pi")
    assert pi.profile == "pi" and pi.llm.threads == 2 and pi.llm.context_tokens == 1024
    assert pi.vad.silence_ms == 600 and pi.stt.threads == 2
    assert pi.wake == Config().wake  # what the profile leaves alone keeps its default
    path = tmp_path / "assistant.toml"
    path.write_text('profile = "pi"\n[llm]\nthreads = 1\n[vad]\nthreshold = 0.6\n')
    config = load_config(path)
    assert config.profile == "pi" and config.llm.threads == 1  # the file's key wins
    assert config.llm.context_tokens == 1024 and config.vad.silence_ms == 600
    assert config.vad.threshold == 0.6
    assert load_config(path, profile="").llm.context_tokens == Config().llm.context_tokens
    assert load_config(path, profile="").llm.threads == 1


def test_every_built_in_profile_is_a_valid_config() -> None:
    from assistant.profiles import profile_names, profile_overrides

    assert "pi" in profile_names()
    for name in profile_names():
        config = config_from_dict({}, profile=name)
        for section, values in profile_overrides(name).items():
            for key, value in values.items():
                assert getattr(getattr(config, section), key) == value, (name, section, key)


def test_an_unknown_profile_names_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown profile 'rpi' \(built in: pi\)"):
        config_from_dict({}, profile="rpi")
    path = tmp_path / "assistant.toml"
    path.write_text("profile = 4\n")
    with pytest.raises(ConfigError, match="profile must be a string"):
        load_config(path)


def test_search_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert find_config() is None and load_config() == Config()
    user = tmp_path / "xdg" / "assistant" / "assistant.toml"
    user.parent.mkdir(parents=True)
    user.write_text("[wake]\nfollow_up_ms = 1000\n")
    assert load_config().wake.follow_up_ms == 1000
    (tmp_path / "assistant.toml").write_text("[wake]\nfollow_up_ms = 2000\n")
    assert load_config().wake.follow_up_ms == 2000
    explicit = tmp_path / "other.toml"
    explicit.write_text("[wake]\nfollow_up_ms = 3000\n")
    config = load_config(explicit)
    assert config.wake.follow_up_ms == 3000 and config.source == str(explicit)


@pytest.mark.parametrize(("text", "message"), [
    ("[wake]\nfollow_up_ms = 'soon'\n", "wake.follow_up_ms must be an integer, got str 'soon'"),
    ("[wake]\nfolow_up_ms = 1\n", "unknown key wake.folow_up_ms"),
    ("[waek]\nfollow_up_ms = 1\n", "unknown section [waek]"),
    ("[vad]\nsilence_ms = 5\n", "vad.silence_ms must be >= 100"),
    ("[audio]\nbarge_in = 'always'\n", "audio.barge_in must be one of wake, speech, off"),
    ("[stt]\nshort_context = 1\n", "stt.short_context must be true or false"),
    ("[llm]\ntemperature = true\n", "llm.temperature must be a number"),
    ("[tts]\nspeed = nan\n", "tts.speed must be a finite number"),
    ("wake = 3\n", "[wake] must be a table"),
    ("[wake\n", "line 1"),
    ("[serve]\nsatellites = [5]\n", "serve.satellites[0] must be a string, got int 5"),
    ("[serve]\nsatellites = ['192.168.1.30:10700', {a = 1}]\n",
     "serve.satellites[1] must be a string, got dict {'a': 1}"),
    ("[serve]\nclients = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    ("[serve]\nclients = '" + "x" * 5000 + "'\n", "must be a list, got str 'xxxx"),
])
def test_errors_name_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert message in str(error.value) and str(path) in str(error.value)


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\xfa")
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(binary)


def test_overrides_are_validated_like_the_file() -> None:
    config = with_overrides(Config(), {"wake": {"follow_up_ms": 1234}}, where="s.yaml")
    assert config.wake.follow_up_ms == 1234 and config.vad == Config().vad
    with pytest.raises(ConfigError, match="s.yaml: unknown key wake.nope"):
        with_overrides(Config(), {"wake": {"nope": 1}}, where="s.yaml")
    with pytest.raises(ConfigError, match="unknown section"):
        with_overrides(Config(), {"nope": {}})


def test_an_integer_is_accepted_for_a_number() -> None:
    assert config_from_dict({"tts": {"speed": 2}}).tts.speed == 2.0


values = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True) \
    | st.text(max_size=10) | st.lists(st.integers(), max_size=3)


@settings(max_examples=400, deadline=None)
@given(section=st.sampled_from([*CONFIG_SECTIONS, "other"]),
       table=st.dictionaries(st.sampled_from(
           ["dir", "engine", "threads", "temperature", "follow_up_ms", "barge_in", "volume",
            "network_guard", "word", "silence_ms", "x"]), values, max_size=4))
def test_any_table_is_accepted_or_refused_with_config_error(section: str,
                                                            table: dict[str, object]) -> None:
    try:
        config = config_from_dict({section: table})
    except ConfigError:
        return
    assert isinstance(config, Config)
