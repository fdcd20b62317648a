"""The benchmark (`assistant bench`, scripts/benchmark.py): its pure parts, then one smoke
run with the real models. No timing is asserted anywhere: speed is what the benchmark
reports, not what a test checks."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.audio import Audio, from_float
from assistant_bench.asr import librivox_set
from assistant_bench.cli import add_arguments
from assistant_bench.machine import available_cpus, check_cpus, cpu_budget
from assistant_bench.report import REQUIRED_KEYS, missing_keys, table_markdown
from assistant_bench.results import STAGES, latency_figures, stage_times, wer_table
from assistant_bench.stats import summarize
from assistant_bench.suite import Options, new_results, write_outputs
from assistant_bench.text import normalize, word_errors
from assistant_bench.wakeword import at_level, pink_noise

ROOT = Path(__file__).resolve().parent.parent


# -- summaries ----------------------------------------------------------------------------

def test_summary_ignores_missing_values() -> None:
    summary = summarize([1.0, None, 2.0, 3.0, 4.0])
    assert summary == {"n": 4, "p50": 2.5, "p90": 3.7, "mean": 2.5, "min": 1.0, "max": 4.0}
    assert summarize([None]) == {"n": 0, "p50": None, "p90": None, "mean": None, "min": None,
                                 "max": None}
    assert summarize([4.0])["p90"] == 4.0
    # linear between closest ranks: the 90th of ten values lies a tenth past the ninth
    deciles = summarize(range(10, 101, 10))
    assert (deciles["p50"], deciles["p90"]) == (55.0, 91.0)


# -- text normalization and word error rate -----------------------------------------------

@pytest.mark.parametrize(("written", "spoken"), [
    ("Set a timer for 10 minutes.", "set a timer for ten minutes"),
    ("What is 17 times 23?", "what is seventeen times twenty-three"),
    ("It's 3.5 degrees, 50% humidity.", "its three point five degrees fifty percent humidity"),
    ("Mr. Dashwood paid $1,000 on the 21st.", "mister dashwood paid one thousand dollars on "
     "the twenty first"),
    ("Go forward 10 meters.", "go forward ten meters"),
    ("In 1811, the family moved.", "in eighteen eleven the family moved"),
    ("Born in 1805.", "born in eighteen oh five"),
    ("3.14 and 2,500 and the 40th", "three point one four and two thousand five hundred and "
     "the fortieth"),
])
def test_digits_and_words_normalize_to_the_same_text(written: str, spoken: str) -> None:
    assert normalize(written) == normalize(spoken)


def test_normalize_lowercases_and_drops_punctuation() -> None:
    assert normalize("  Hello, World!  Cold-hearted… \"yes\"") == "hello world cold hearted yes"


def test_word_errors_counts_each_kind() -> None:
    errors = word_errors("he was not an ill disposed young man",
                         "He was not an illness, those young man.")
    assert (errors.substitutions, errors.deletions, errors.insertions) == (2, 0, 0)
    assert errors.rate == pytest.approx(2 / 8)
    deleted = word_errors("turn on the kitchen light", "turn on kitchen light")
    assert (deleted.deletions, deleted.rate) == (1, pytest.approx(0.2))
    inserted = word_errors("stop", "stop it now")
    assert (inserted.insertions, inserted.rate) == (2, 2.0)
    assert word_errors("Go forward ten meters", "go forward 10 meters.").errors == 0


def test_word_errors_add_up_over_a_set() -> None:
    total = word_errors("a b c d", "a b x d") + word_errors("e f", "")
    assert (total.errors, total.reference_words) == (3, 6)
    assert total.rate == pytest.approx(0.5)
    assert word_errors("", "").rate == 0.0
    assert word_errors("", "noise").rate == 1.0


def test_only_english_spells_numbers() -> None:
    assert normalize("오후 [9] 시", language="ko") == "오후 9 시"
    assert normalize("At 9 PM.", language="de") == "at 9 pm"


def test_character_error_rate_ignores_spacing() -> None:
    assert word_errors("불 좀 꺼 주세요", "불좀 꺼주세요", units="chars").errors == 0
    assert word_errors("안녕하세요", "안녕하세오", units="chars").substitutions == 1


# -- labelled data ------------------------------------------------------------------------

def test_librivox_references_are_read(tmp_path: Path) -> None:
    from assistant.wav import write_wav

    write_wav(tmp_path / "clip-1.wav", Audio(b"\x00\x00" * 1600, 16000))
    (tmp_path / "transcription").write_text(
        "<s> he was not an ill disposed young man </s> (clip-1)\n"
        "<s> a clip without audio </s> (clip-2)\n", encoding="utf-8")
    found = librivox_set(tmp_path)
    assert found is not None
    assert [(c.name, c.reference) for c in found.clips] == [
        ("clip-1", "he was not an ill disposed young man")]
    assert librivox_set(tmp_path / "absent") is None


# -- latency figures ----------------------------------------------------------------------

def _record(route: str, e2e_ms: float, *, rep: int = 1, ok: bool = True,
            lag_ms: float | None = 30.0) -> dict[str, Any]:
    token = 300.0 if route == "llm" else 202.0
    latency = {"eos_delay": 500.0, "stt": 200.0, "intent": 202.0, "first_token": token,
               "first_synth": e2e_ms - 502.0, "first_audio": e2e_ms - 500.0,
               "end_of_speech_to_first_audio": e2e_ms}
    if lag_ms is not None:  # a spoken turn (a recording or typed text has no known end)
        latency.update(vad_lag=lag_ms, audible_end_to_first_audio=e2e_ms + lag_ms)
    return {"rep": rep, "expected": route, "said": "x", "heard": "x", "wake_detected": True,
            "route": route, "intent": "GetTime" if route == "skill" else None, "reply": "y",
            "ok": ok, "latency_ms": latency, "tokens": 40 if route == "llm" else 0,
            "tokens_per_s": 30.0 if route == "llm" else None}


def test_stages_add_up_to_the_end_to_end_latency() -> None:
    record = _record("llm", 1500.0)
    stages = stage_times(record["latency_ms"])
    assert stages is not None and list(stages) == [key for key, _ in STAGES]
    assert sum(stages.values()) == pytest.approx(1500.0)
    assert stages["first_token"] == pytest.approx(98.0)


def test_a_stage_the_turn_did_not_have_adds_nothing() -> None:
    latency = {"eos_delay": 400.0, "stt": 100.0, "intent": 110.0, "first_token": None,
               "first_synth": 500.0, "first_audio": 501.0, "end_of_speech_to_first_audio": 901.0}
    stages = stage_times(latency)
    assert stages is not None and stages["first_token"] == 0.0
    assert sum(stages.values()) == pytest.approx(901.0)
    assert stage_times({**latency, "first_audio": None,
                        "end_of_speech_to_first_audio": None}) is None


def test_latency_figures_split_by_route() -> None:
    records = [_record("skill", 1000.0 + i, lag_ms=10.0 * i) for i in range(10)] + \
        [_record("llm", 2000.0 + 10 * i) for i in range(5)] + \
        [_record("llm", 3000, ok=False, lag_ms=None)]
    figures = latency_figures(records)
    e2e = figures["end_of_speech_to_first_audio_ms"]
    assert e2e["skill"]["n"] == 10 and e2e["skill"]["p50"] == 1004.5
    assert e2e["llm"]["n"] == 6
    audible = figures["audible_end_to_first_audio_ms"]
    assert (audible["skill"]["n"], audible["skill"]["p50"]) == (10, 1004.5 + 45.0)
    assert (audible["llm"]["n"], audible["llm"]["p50"]) == (5, 2020.0 + 30.0)
    lag = figures["vad_lag_ms"]
    assert lag["n"] == 15 and lag["p50"] == 30.0 and lag["p90"] == pytest.approx(81.0, abs=9)
    assert figures["stages_ms"]["skill"]["eos"]["p50"] == 500.0
    assert figures["tokens_per_s"]["p50"] == 30.0
    assert figures["turns"]["as_expected"] == 15
    assert len(figures["turns"]["not_as_expected"]) == 1


# -- the outputs --------------------------------------------------------------------------

def _fake_results() -> dict[str, Any]:
    options = Options(reps=2, quick=True)
    results = new_results(options, {"label": "test", "cpu": "fake", "cores_used": 2,
                                    "logical_cores": 2, "git": None}, load_before=[1.0, 1.0, 1.0])
    figures = latency_figures([_record("skill", 1000.0), _record("skill", 1200.0),
                               _record("llm", 2000.0), _record("llm", 2600.0)])
    results["end_of_speech_to_first_audio_ms"] = figures["end_of_speech_to_first_audio_ms"]
    results["latency"] = figures
    results["peak_rss_mb"] = 700.0
    results["memory"] = {"turns": 5}
    results["cold_start_s"] = 6.0
    asr = {"engines": {"whisper-tiny-en": {"sets": {"librivox": {
        "wer": 0.05, "clips": 5, "audio_s": 30.0, "rtf": 0.1}}, "wer_overall": 0.05}}}
    results["asr"] = asr
    results["wer"] = wer_table(asr, "whisper-tiny-en")
    results["load_average"]["after"] = [2.0, 1.5, 1.0]
    return results


def test_results_have_every_required_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                         ) -> None:
    results = _fake_results()
    assert missing_keys(results) == []
    write_outputs(results, tmp_path)
    written = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert set(REQUIRED_KEYS) <= set(written)
    for route in ("skill", "llm"):
        assert {"p50", "p90"} <= set(written["end_of_speech_to_first_audio_ms"][route])
    assert written["wer"]["librivox"] == 0.05 and written["wer"]["overall"] == 0.05
    table = (tmp_path / "table.md").read_text(encoding="utf-8")
    assert "End of speech to first audio" in table and "first synthesis" in table
    assert "from the last sound" in table and "30 ms p50 (30 p90)" in table
    # p50 and p90, then the same from the last sound (30 ms earlier)
    assert "| skill | 2 | 1100 | 1180 | 1130 | 1210 |" in table
    assert table.strip() in capsys.readouterr().out


def test_without_spoken_turns_the_table_claims_no_lag(tmp_path: Path) -> None:
    results = _fake_results()
    figures = latency_figures([_record("skill", 1000.0, lag_ms=None),
                               _record("llm", 2000.0, lag_ms=None)])
    results["latency"] = figures
    results["end_of_speech_to_first_audio_ms"] = figures["end_of_speech_to_first_audio_ms"]
    write_outputs(results, tmp_path)
    table = (tmp_path / "table.md").read_text(encoding="utf-8")
    assert "End of speech is where the voice activity detector heard it" in table
    assert "last sound (its last" not in table and "| skill | 1 | 1000 | 1000 | - | - |" in table


def test_chart_is_written_for_fake_data(tmp_path: Path) -> None:
    write_outputs(_fake_results(), tmp_path)
    chart = tmp_path / "chart.png"
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert chart.stat().st_size > 5000


def test_incomplete_results_are_refused(tmp_path: Path) -> None:
    results = _fake_results()
    del results["cold_start_s"]
    results["end_of_speech_to_first_audio_ms"]["llm"].pop("p90")
    assert missing_keys(results) == ["cold_start_s", "end_of_speech_to_first_audio_ms.llm.p90"]
    with pytest.raises(ValueError, match="cold_start_s"):
        write_outputs(results, tmp_path)


def test_skipped_parts_still_give_a_table() -> None:
    results = new_results(Options(skip=("latency",)), {"label": "x"}, load_before=None)
    assert missing_keys(results) == []
    assert "part latency (--skip)" in table_markdown(results)


# -- options ------------------------------------------------------------------------------

def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench")
    add_arguments(parser)
    return parser


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5"])
def test_cpus_must_be_a_whole_number_of_cores(value: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="--cpus"):
        check_cpus(value)


def test_cpus_within_the_usable_cores_is_accepted() -> None:
    usable = len(available_cpus())
    assert check_cpus("1") == 1
    assert check_cpus(str(usable)) == usable
    assert _parser().parse_args(["--cpus", "1"]).cpus == 1
    assert cpu_budget(None) == (None, None) and cpu_budget(usable) == (usable, None)


def test_more_cpus_than_the_machine_has_is_a_note_not_an_error() -> None:
    """`bench --cpus 4 --profile pi` on a 2-core machine measures on 2 and says so."""
    usable = len(available_cpus())
    assert check_cpus(str(usable + 2)) == usable + 2
    cores, note = cpu_budget(usable + 2)
    assert cores == usable and note is not None
    assert f"--cpus {usable + 2} asked for more cores" in note
    assert f"the figures are for {usable} cores, not {usable + 2}" in note


def test_the_profile_flag_goes_before_or_after_the_command() -> None:
    from assistant.cli import build_parser

    parser = build_parser()
    after = parser.parse_args(["bench", "--cpus", "4", "--profile", "pi"])
    before = parser.parse_args(["--profile", "pi", "bench", "--cpus", "4"])
    assert after.profile == before.profile == "pi" and after.cpus == before.cpus == 4
    assert parser.parse_args(["bench"]).profile is None


def test_options_and_their_defaults() -> None:
    args = _parser().parse_args(["--quick", "--reps", "3", "--out", "x", "--realtime",
                                 "--skip", "wake", "--skip", "asr"])
    assert (args.quick, args.reps, args.out, args.realtime) == (True, 3, "x", True)
    assert args.skip == ["wake", "asr"]
    defaults = _parser().parse_args([])
    assert (defaults.reps, defaults.out, defaults.cpus, defaults.skip) == (None, None, None, [])
    with pytest.raises(SystemExit):
        _parser().parse_args(["--reps", "0"])


def test_bench_is_a_subcommand_of_assistant() -> None:
    from assistant.cli import build_parser

    args = build_parser().parse_args(["bench", "--quick", "--reps", "1", "--out", "o"])
    assert (args.command, args.quick, args.reps, args.out) == ("bench", True, 1, "o")


# -- wake word test audio -----------------------------------------------------------------

def test_loudness_levels_and_noise_are_what_they_say() -> None:
    def dbfs(samples: np.ndarray) -> float:
        return float(20 * np.log10(np.sqrt(np.mean(samples**2))))

    assert dbfs(pink_noise(2.0, dbfs=-40.0, seed=1)) == pytest.approx(-40.0, abs=0.1)
    assert np.array_equal(pink_noise(1.0, dbfs=-30, seed=3), pink_noise(1.0, dbfs=-30, seed=3))
    tone = from_float(0.5 * np.sin(np.linspace(0, 400 * np.pi, 16000)), 16000)
    assert dbfs(at_level(tone, -25.0)) == pytest.approx(-25.0, abs=0.1)


# -- the whole benchmark, with the real models ----------------------------------------------

@pytest.mark.slow
def test_quick_benchmark_end_to_end(real_store: object, tmp_path: Path) -> None:
    """As for a Raspberry Pi: the `pi` profile and more cores than this machine has."""
    out = tmp_path / "bench"
    usable = len(available_cpus())
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "bench", "--quick", "--reps", "1", "--out",
         str(out), "--cpus", str(usable + 2), "--profile", "pi", "--live"], capture_output=True,
        text=True, timeout=900, cwd=tmp_path, env=os.environ.copy())
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert missing_keys(results) == []
    assert results["options"]["profile"] == "pi" and results["options"]["cpus"] == usable + 2
    assert results["machine"]["cores_used"] == usable
    assert any(f"measured on {usable}" in note for note in results["notes"])
    assert any(note.startswith("profile pi") for note in results["notes"])
    assert "## Notes" in (out / "table.md").read_text(encoding="utf-8")
    e2e = results["end_of_speech_to_first_audio_ms"]
    # 3 commands and 2 questions; a misheard command may go to the chat model instead
    assert e2e["skill"]["n"] + e2e["llm"]["n"] == 5, results["latency"]["turns"]
    assert e2e["skill"]["p50"] > 0 and e2e["llm"]["p90"] > 0
    assert results["peak_rss_mb"] > 100 and results["cold_start_s"] > 0
    assert {"librivox", "piper", "espeak", "overall"} <= set(results["wer"])
    assert results["wake"]["detection"]["overall"]["samples"] > 0
    qa = results["qa"]
    assert qa["sets"]["general"]["questions"] == qa["sets"]["heldout"]["questions"] == 4
    assert sum(qa["overall"][k] for k in ("right", "not_sure", "wrong")) == 8  # English
    assert qa["sets"]["zh"]["questions"] == 4  # played to the Mandarin engines
    assert {r["set"] for r in qa["records"]} == {"general", "heldout", "zh"}
    assert "Questions through the whole loop" in (out / "table.md").read_text(encoding="utf-8")
    assert results["machine"]["models"] and results["load_average"]["after"] is not None
    # outside in: the audio lab's daemon was started before the network policy
    assert results["live"]["figures"]["skill"]["outside_in_ms"]["p50"] > 0, results["skipped"]
    assert (out / "chart.png").stat().st_size > 5000
    assert "End of speech to first audio" in (out / "table.md").read_text(encoding="utf-8")
    assert "End of speech to first audio" in result.stdout


def test_the_home_table_sets_each_home_beside_the_simulated_one() -> None:
    from assistant_bench.home import _compare, home_table

    def home(spoken: float, typed: float) -> dict[str, Any]:
        return {"spoken_ms": {"p50": spoken, "p90": spoken + 100},
                "skill_ms": {"p50": typed, "p90": typed + 5}, "ok": 25, "turns": 25}

    results = {"homes": {"simulated": home(650.0, 24.0), "mqtt": home(690.5, 3.0)},
               "notes": ["homeassistant: not measured: no Python 3.13"], "reps": 5,
               "cores": 2, "load_average": {"before": [1.0], "after": [1.2]}}
    _compare(results)
    assert results["homes"]["mqtt"]["spoken_ms_over_simulated"] == 40.5
    assert results["homes"]["mqtt"]["skill_ms_over_simulated"] == -21.0
    table = home_table(results)
    assert "| mqtt | 690.5 (790.5) | +40.5 ms | 3.0 (8.0) | -21.0 ms | 25/25 |" in table
    assert "homeassistant: not measured" in table


def test_bench_home_may_reach_exactly_its_broker_and_home_assistant() -> None:
    from assistant.config import Config
    from assistant_bench.allowance import bench_allowance

    allowed = bench_allowance(argparse.Namespace(home=True, satellites=None), Config())
    assert allowed is not None
    assert allowed.describe() == ("listen on 127.0.0.1:10711, 127.0.0.1:10712; connect to "
                                  "127.0.0.1:10711, 127.0.0.1:10712")
    assert bench_allowance(argparse.Namespace(home=False, satellites=None), Config()) is None
