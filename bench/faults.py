"""Faults, provoked on purpose, and what a user sees.

1. The llama.cpp server (llm.local_mode=server, SmolLM2-135M for speed) is killed while it
   writes an answer in the web chat: prints the message the chat shows, and whether the
   next question is answered (the server is started again) and how long that took.
2. 20 chats at once on the fake model through the running web app (Gradio's client): prints
   questions sent, answers received, lost ones, and answers that came back to another chat
   or out of order.
3. Ctrl-C during an ingest of the bundled digest (fake embedder, so the run is short):
   prints how far the first run got, what the second run did, and papers in the index.

    flock /tmp/cpu-heavy.lock .venv/bin/python bench/faults.py [--skip-server]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SAMPLES = [ROOT / "tests" / "data" / "sample_a.md", ROOT / "tests" / "data" / "sample_b.txt"]


def server_killed_mid_answer() -> None:
    from assistant.config import load_settings
    from assistant.digest import load_digests
    from assistant.runtime import Runtime
    from assistant.web.chat import ChatHandlers

    folder = Path(tempfile.mkdtemp(prefix="bench-faults-"))
    settings = load_settings(
        {
            "paths": {"vectorstore": str(folder / "index")},
            "embedder": {"backend": "fake"},
            "llm": {
                "backend": "local",
                "model": "smollm2-135m-instruct",
                "local_mode": "server",
                "context_size": 2048,
                "max_answer_tokens": 96,
            },
        },
        env_file=None,
    )
    with Runtime(settings, model_progress=False) as runtime:
        runtime.ingest(load_digests(SAMPLES))
        handlers = ChatHandlers(runtime.service, folder / "conversations.sqlite")
        server = runtime.chat_model._keep_alive[0]
        shown = ""
        for update in handlers.respond("How much memory does KVZip save?", [], [], {}, []):
            content = update[1][-1]["content"]
            if content.endswith("▌") and server.running:
                server._process.kill()  # dies mid-answer
            shown = content
        print(f"1. server killed mid-answer; the chat shows: {shown[:160]!r}")
        started = time.perf_counter()
        final = list(handlers.respond("What does KVZip evict?", [], [], {}, []))[-1]
        answered = not final[1][-1]["content"].startswith("⚠️")
        seconds = time.perf_counter() - started
        print(
            f"   next question answered: {answered} in {seconds:.1f} s (server restarted: "
            f"{server.running}); answer: {final[1][-1]['content'][:100]!r}"
        )


def concurrent_chats(chats: int = 20) -> None:
    spec = importlib.util.spec_from_file_location("web_bench", ROOT / "bench" / "web.py")
    web = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(web)
    from gradio_client import Client

    app, _service, url = web.fake_app(concurrency=1)
    lost, crossed = [], []

    def one_chat(n: int) -> int:
        client = Client(url, verbose=False)
        done = 0
        for turn in range(3):
            question = f"{web.QUESTIONS[(n + turn) % len(web.QUESTIONS)]} (chat {n} turn {turn})"
            try:
                _, chat, *_ = client.predict(question, [], [], api_name="/ask")
            except Exception as exc:  # a lost answer is what this bench counts
                lost.append(f"chat {n} turn {turn}: {type(exc).__name__}")
                continue
            asked = chat[-2]["content"] if len(chat) >= 2 else ""
            if f"chat {n} turn {turn}" not in json.dumps(asked, ensure_ascii=False):
                crossed.append(f"chat {n} turn {turn}")
            done += 1
        return done

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=chats) as pool:
        received = sum(pool.map(one_chat, range(chats)))
    app.close()
    print(
        f"2. {chats} chats x 3 questions on the fake model: {received}/{chats * 3} answered, "
        f"{len(lost)} lost, {len(crossed)} answered to the wrong question, "
        f"{time.perf_counter() - started:.1f} s"
    )
    for line in lost + crossed:
        print(f"   {line}")


def interrupted_ingest() -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-faults-ingest-"))
    args = [
        sys.executable, "-m", "assistant", "--set", "embedder.backend=fake",
        "--set", "llm.backend=fake", "--set", f"paths.vectorstore={folder}", "ingest",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    first = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )

    def interrupt_once_writing() -> None:
        # Ctrl-C once the index has its first batches: a fixed delay can come after the end.
        deadline = time.monotonic() + 120
        while first.poll() is None and time.monotonic() < deadline:
            if any(path.stat().st_size > 1_000_000 for path in folder.rglob("*.sqlite3")):
                first.send_signal(signal.SIGINT)
                return
            time.sleep(0.05)

    threading.Thread(target=interrupt_once_writing, daemon=True).start()
    _, err = first.communicate(timeout=600)
    stopped = "Stopped." in err.decode() or first.returncode == 130
    second = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    count = subprocess.run(
        [*args[:-1], "papers", "stats", "--json"], cwd=ROOT, capture_output=True, text=True
    )
    print(f"3. Ctrl-C during ingest: first run stopped={stopped} (exit {first.returncode})")
    print(f"   second run: {second.stdout.strip()[:200]}")
    from assistant.config import load_settings
    from assistant.index.store import IndexStore

    settings = load_settings({"paths": {"vectorstore": str(folder)}}, env_file=None)
    with IndexStore.open(settings) as store:
        stored = len(store.papers())
    expected = json.loads(count.stdout)["papers"] if count.returncode == 0 else "?"
    print(f"   papers in the index: {stored} of {expected} in the digest")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-server", action="store_true", help="Skip part 1 (SmolLM2).")
    args = parser.parse_args()
    if not args.skip_server:
        server_killed_mid_answer()
    concurrent_chats()
    interrupted_ingest()


if __name__ == "__main__":
    main()
