"""Mandarin (普通话): the code of the pack (hooks.py: wording, text, intents); its data is
pack.yaml, intents/, responses/ and home.toml next to this file."""
