"""Cutting a streamed reply into speakable sentences (no models)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.sentences import SentenceSplitter, clean_for_speech, split_text


def split(pieces: list[str] | str, **options: int) -> list[str]:
    """Everything the splitter says for these pieces, flush included."""
    splitter = SentenceSplitter(**options)
    out: list[str] = []
    for piece in [pieces] if isinstance(pieces, str) else pieces:
        out += splitter.push(piece)
    return out + splitter.flush()


def tokens(text: str) -> list[str]:
    """Model-like streaming: a word and its leading space at a time."""
    out, word = [], ""
    for char in text:
        if char.isspace() and word.strip():
            out.append(word)
            word = ""
        word += char
    return [*out, word] if word else out


@pytest.mark.parametrize(("text", "expected"), [
    ("Dr. Smith is here. He waits.", ["Dr. Smith is here.", "He waits."]),
    ("Mr. and Mrs. Jones met Prof. Lee at St. Mary's. Then they left.",
     ["Mr. and Mrs. Jones met Prof. Lee at St. Mary's.", "Then they left."]),
    ("It is 3.5 degrees. Cold!", ["It is 3.5 degrees.", "Cold!"]),
    ("Pi is about 3.14159 and e is 2.718. Nice.", ["Pi is about 3.14159 and e is 2.718.",
                                                  "Nice."]),
    ("J. R. R. Tolkien wrote it. Read it.", ["J. R. R. Tolkien wrote it.", "Read it."]),
    ("Bring fruit, e.g. apples, i.e. red ones. Thanks.",
     ["Bring fruit, e.g. apples, i.e. red ones.", "Thanks."]),
    ("The meeting is at 10 a.m. tomorrow. Be early.",
     ["The meeting is at 10 a.m. tomorrow.", "Be early."]),
    ("Really?! Yes... I think so. OK", ["Really?!", "Yes...", "I think so.", "OK"]),
    ('He said "Stop." Then he left.', ['He said "Stop."', "Then he left."]),
    ("(See the map.) Go north.", ["(See the map.)", "Go north."]),
    ("Was it I. Or you?", ["Was it I.", "Or you?"]),
    ("First line\nSecond line\n\nThird", ["First line", "Second line", "Third"]),
    ("No end in sight", ["No end in sight"]),
    ("", []),
    ("   \n  ", []),
])
def test_sentences_end_where_a_reader_would_stop(text: str, expected: list[str]) -> None:
    assert split(text) == expected
    assert split(tokens(text)) == expected
    assert split(list(text)) == expected


def test_a_sentence_waits_until_its_end_is_certain() -> None:
    splitter = SentenceSplitter()
    assert splitter.push("It costs 3.") == []  # 3. could be 3.5
    assert splitter.push("5 euros. And") == ["It costs 3.5 euros."]
    assert splitter.push(" Dr.") == []
    assert splitter.push(" Who arrives") == []  # Dr. is not an end
    assert splitter.flush() == ["And Dr. Who arrives"]
    assert splitter.flush() == []


def test_the_first_chunk_is_cut_at_the_first_pause() -> None:
    text = "Well, the weather in Paris today is sunny, with a light breeze. It is warm, too."
    said = split(tokens(text), first_pause_words=4)
    assert said == ["Well, the weather in Paris today is sunny,", "with a light breeze.",
                    "It is warm, too."]
    # without the option, or when the whole text is there already, sentences stay whole
    assert split(tokens(text)) == ["Well, the weather in Paris today is sunny, with a light "
                                   "breeze.", "It is warm, too."]
    assert split(text, first_pause_words=4)[0].endswith("breeze.")


def test_a_run_on_sentence_is_cut_at_a_space() -> None:
    text = " ".join(["word"] * 40)
    said = split(tokens(text), max_chars=50)
    assert all(len(s) <= 50 for s in said) and len(said) > 1
    assert " ".join(said).split() == text.split()


def test_a_whole_text_is_cut_into_sentences_of_bounded_length() -> None:
    """A full stop far beyond `max_chars` does not make one long sentence of a whole text,
    and a text of nothing but initials ("a. a. a.", each looked back at) is cut as fast as
    any other: each cut looks at the first `max_chars` only."""
    run_on = " ".join(["word"] * 200) + ". Short one."
    said = split_text(run_on)
    assert all(len(s) <= 300 for s in said) and said[-1] == "Short one."
    assert " ".join(said).split() == run_on.split()
    initials = "a. " * 100_000
    pieces = split_text(initials)
    assert all(len(s) <= 308 for s in pieces) and sum(len(p.split()) for p in pieces) == 100_000


def spoken_words(text: str) -> list[str]:
    return re.findall(r"[\w'.!?,]+", text)


@pytest.mark.parametrize(("text", "spoken"), [
    ("This is **bold**, _italic_ and `code`.", "This is bold , italic and code ."),
    ("## A heading\n> quoted | table ~~gone~~", "A heading quoted table gone"),
    ("- first\n+ second\n* third\n  - nested", "first second third nested"),
    ("1. one\n2) two", "one two"),
    ("Read [the docs](https://example.com/a_b) now.", "Read the docs now."),
    ("Great job 😀👍! The 🌞 is out ☀️.", "Great job ! The is out ."),
    ("Family 👨‍👩‍👧 time", "Family time"),
    ("snake_case_name", "snake case name"),
    ("  lots   of\tspace  ", "lots of space"),
])
def test_markdown_links_and_emoji_are_not_read_out(text: str, spoken: str) -> None:
    cleaned = clean_for_speech(text)
    assert cleaned == " ".join(cleaned.split())
    assert not re.search(r"[*_`#>|~\[\]()]", cleaned)
    assert spoken_words(cleaned) == spoken.split()


def test_markdown_is_cleaned_in_every_emitted_sentence() -> None:
    text = "Yes, **really**. The answer is `42`.\n- Also 😀 this [link](http://x.y)."
    said = split(tokens(text))
    assert [spoken_words(s) for s in said] == [["Yes,", "really", "."],
                                               ["The", "answer", "is", "42", "."],
                                               ["Also", "this", "link."]]


def test_a_sentence_of_only_symbols_says_nothing() -> None:
    assert split(tokens("Hello. 😀👍. **")) == ["Hello."]
    assert split("```\n---\n") == []


def test_the_first_chunk_ends_at_a_new_clause() -> None:
    text = "The sky is blue because of Rayleigh scattering. It is blue because of that."
    assert split(tokens(text), first_pause_words=1) == [
        "The sky is blue", "because of Rayleigh scattering.", "It is blue because of that."]
    assert split(tokens("Cats are great but dogs are loyal."), first_pause_words=1) == [
        "Cats are great but dogs are loyal."]  # too short a clause to stand alone
    assert split(tokens("The sky is blue because of it."), first_pause_words=0) == [
        "The sky is blue because of it."]
    bees = "Honey bees fly far when it is warm. They store nectar in a hive."
    assert split(tokens(bees), first_pause_words=1) == [
        "Honey bees fly far", "when it is warm.", "They store nectar in a hive."]
    for whole in ["Romeo and Juliet was written by William Shakespeare.",
                  "We can do it step by step.", "The weather today is so nice outside."]:
        assert split(tokens(whole), first_pause_words=1) == [whole]


def test_numbered_list_markers_are_not_read_out() -> None:
    text = "Steps:\n1. Open the door.\n2. Walk in."
    assert clean_for_speech(text) == "Steps: Open the door. Walk in."
    assert split(tokens(text)) == ["Steps:", "Open the door.", "Walk in."]


# -- property: whatever the pieces, no word is lost or changed --------------------------------

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'éß"
_word = st.text(alphabet=_LETTERS, min_size=1, max_size=9)
_number = st.from_regex(r"\A[0-9]{1,4}(\.[0-9]{1,3})?\Z")
_ENDINGS = ["", "", "", ",", ";", ":", ".", "!", "?", "...", "?!", '."', ".)", "!'"]


@st.composite
def _token(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["word", "word", "word", "number", "abbreviation", "emoji"]))
    if kind == "number":  # no "." after a number: "2." at a line start is a list marker
        return draw(_number) + draw(st.sampled_from(["", ",", "%"]))
    if kind == "abbreviation":
        return draw(st.sampled_from(["Dr.", "Mr.", "e.g.", "i.e.", "etc.", "p.m.", "J.", "St."]))
    if kind == "emoji":
        return draw(st.sampled_from(["😀", "👍", "☀️", "👨‍👩‍👧", "🎉"])) + draw(
            st.sampled_from(["", "!", "."]))
    word = draw(_word)
    mark = draw(st.sampled_from(["", "", "", "**", "_", "`", "#"]))
    if mark == "#":
        return "# " + word
    return mark + word + mark + draw(st.sampled_from(_ENDINGS))


@st.composite
def replies(draw: st.DrawFn) -> str:
    parts = []
    for token in draw(st.lists(_token(), max_size=60)):
        separator = draw(st.sampled_from([" ", " ", " ", "  ", "\n", "\n\n", "\n- "]))
        parts.append(separator + token)
    return "".join(parts).lstrip(" ")


def words_with_sound(text: str) -> list[str]:
    return [w for w in text.split() if any(c.isalnum() for c in w)]


@st.composite
def chunked(draw: st.DrawFn, text: str) -> list[str]:
    cuts = sorted(set(draw(st.lists(st.integers(0, len(text)), max_size=25))))
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


@settings(max_examples=400, deadline=None)
@given(st.data(), replies(), st.sampled_from([0, 3]), st.sampled_from([40, 300]))
def test_no_text_is_lost_whatever_the_pieces(data: st.DataObject, text: str, pause: int,
                                             max_chars: int) -> None:
    pieces = data.draw(chunked(text))
    assert "".join(pieces) == text
    said = split(pieces, first_pause_words=pause, max_chars=max_chars)
    # every word with something to say arrives (a lone "!" or "---" is not spoken)
    assert words_with_sound(" ".join(said)) == words_with_sound(clean_for_speech(text))
    assert all(s and s == clean_for_speech(s) for s in said)


@settings(max_examples=200, deadline=None)
@given(st.data(), replies())
def test_sentences_do_not_depend_on_how_the_text_arrives(data: st.DataObject,
                                                         text: str) -> None:
    """Without the first-pause and length cuts, the pieces change nothing at all."""
    assert split(data.draw(chunked(text)), max_chars=10**6) == split(text, max_chars=10**6)
