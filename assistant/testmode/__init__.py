"""The test mode: a script of utterances drives one session; a JSON Lines report comes out."""
