"""Real audio devices (sounddevice/PortAudio): microphone, speaker, device lookup."""
