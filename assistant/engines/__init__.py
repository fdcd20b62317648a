"""The engines: models loaded once and shared by every conversation (session)."""
