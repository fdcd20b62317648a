"""The voice loop of one conversation: listener, router, responder, speaker, session."""
