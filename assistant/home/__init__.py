"""The home: devices, areas and floors behind one interface, whoever runs them.

- `model`: floors, areas, devices, states (backend-independent);
- `backend`: the `DeviceBackend` protocol, its commands, changes and typed errors;
- `simulated` (with `home_file` and `state_file`): the built-in TOML home;
- `homeassistant`: Home Assistant over its WebSocket API;
- `mqtt`: devices announced by Home Assistant's MQTT discovery convention;
- `assemble`: the backend the configuration asks for.
"""
