"""Shared fixtures.

`model_kit`: for the model-manager tests, a local HTTP server on 127.0.0.1 serving files
the test creates, a registry written by the test, and a models folder in tmp_path.
`home_assistant`: a real Home Assistant core on loopback, one per session.
Nothing reaches the internet.
"""

from __future__ import annotations

import hashlib
import http.server
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from assistant.models import ModelStore, load_registry
from assistant_bench.home_assistant import HomeAssistant, start_home_assistant
from assistant_bench.mosquitto import free_port


@dataclass
class ModelKit:
    """Served files live in `served`; `/cut/<name>` announces the full length but sends half,
    `/stall/<name>` sends half and then waits until `release` is set."""

    tmp: Path
    base: str = ""
    requests: list[str] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def served(self) -> Path:
        return self.tmp / "served"

    @property
    def models(self) -> Path:
        return self.tmp / "models"

    @property
    def registry(self) -> Path:
        return self.tmp / "registry.toml"

    def url(self, name: str) -> str:
        return f"{self.base}/{name}"

    def serve(self, name: str, data: bytes) -> str:
        path = self.served / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return self.url(name)

    def store(self, *models: str) -> ModelStore:
        """Write a registry of these [[model]] texts; a store over tmp/models."""
        self.registry.write_text("\n".join(models), encoding="utf-8")
        return ModelStore(root=self.models, registry=load_registry(self.registry))

    @staticmethod
    def files(files: dict[str, bytes], *, pin: bool = True) -> str:
        """The `files = [...]` line of a model with these contents (sha256 only if `pin`)."""
        rows = []
        for path, data in files.items():
            pinned = f', sha256 = "{hashlib.sha256(data).hexdigest()}"' if pin else ""
            rows.append(f'  {{ path = "{path}", size = {len(data)}{pinned} }},')
        return "files = [\n" + "\n".join(rows) + "\n]\n"

    @staticmethod
    def model(model_id: str, *sources: str, files: str, main: str = ".",
              extra: str = "") -> str:
        """One [[model]]; `sources` are the bodies of its [[model.source]] tables."""
        text = (f'[[model]]\nid = "{model_id}"\nrole = "stt"\nengine = "vosk"\n'
                f'language = "en"\nlicence = "MIT"\ndescription = "test model"\n'
                f'default = true\nmain = "{main}"\n{extra}{files}')
        for source in sources:
            text += f"\n[[model.source]]\n{source}\n"
        return text + "\n"


@pytest.fixture
def model_kit(tmp_path: Path) -> Iterator[ModelKit]:
    kit = ModelKit(tmp=tmp_path)
    kit.served.mkdir()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            kit.requests.append(self.path)
            name = urllib.parse.unquote(self.path.lstrip("/"))
            mode, _, rest = name.partition("/")
            if mode in ("cut", "stall"):
                name = rest
            path = kit.served / name
            if not path.is_file():
                self.send_error(404, "Not Found")
                return
            data = path.read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if mode in ("cut", "stall"):
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                if mode == "stall":
                    kit.release.wait(20)
                return
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    kit.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield kit
    finally:
        kit.release.set()
        server.shutdown()
        server.server_close()


# -- the real models --------------------------------------------------------------------

DEFAULT_MODELS = ("smollm2-135m-instruct-q4_1", "qwen2.5-coder-1.5b-instruct-q4_k_m",
                  "whisper-tiny-en", "whisper-base", "piper-en_US-joe-medium")


@pytest.fixture(scope="session")
def real_store() -> ModelStore:
    """The real model store (ASSISTANT_MODELS_DIR or models/ of the checkout).

    Tests that use real models need the default set installed (`scripts/test.sh` fetches
    it). Without them the tests are skipped, unless ASSISTANT_REQUIRE_MODELS=1 (set by
    scripts/test.sh and CI), where a missing model is a failure.
    """
    from assistant.config import ModelsConfig

    store = ModelStore.from_config(ModelsConfig())
    require_models(store, *DEFAULT_MODELS)
    return store


def require_models(store: ModelStore, *ids: str) -> None:
    import os

    missing = [i for i in ids if not store.is_installed(i)]
    if missing:
        message = f"models not installed: {', '.join(missing)} (run scripts/test.sh)"
        if os.environ.get("ASSISTANT_REQUIRE_MODELS") == "1":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def home_assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HomeAssistant]:
    """One real Home Assistant core for the session (see assistant_bench/home_assistant.py):
    its venv is made by scripts/home_assistant.sh on first use and cached."""
    ha = start_home_assistant(tmp_path_factory.mktemp("home-assistant"), free_port())
    try:
        yield ha
    finally:
        ha.stop()
