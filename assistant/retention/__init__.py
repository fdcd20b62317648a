"""What the assistant keeps about the user on disk, only when asked: the transcript log and
utterance recordings, and their deletion."""
