"""What keeps the user's words on the device: the network guard, opt-in logs and recordings."""
