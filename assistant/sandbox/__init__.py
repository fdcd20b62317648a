"""The network sandbox: what keeps the user's words on the device (seccomp, Landlock and a
Python guard, installed once per command; see `assistant.sandbox.policy`)."""
