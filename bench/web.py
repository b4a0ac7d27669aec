"""The web chat under load: N simulated chats at once against the running app.

Part 1 (fake backend, fast): the app is built by `build_app` over the real retriever on a
temporary index of the bundled digest (fake embedder) and the extractive fake chat model,
served on a free loopback port, and driven through gradio's own client by 10 and then 20
concurrent chats of 3 questions each. Prints requests completed, errors, end-to-end p50/p95,
the time spent in the answer service itself, the time waiting in the queue, and what the
web layer adds (end-to-end minus queue minus service).

Part 2 (--local, slow): `assistant serve` with the default local models as a subprocess;
Q questions sent by C concurrent chats; prints the server's peak resident memory (sampled
from /proc, children included) and, per chat, when it was queued, when its answer began and
ended, so the queue order and the waiting are visible.

    .venv/bin/python bench/web.py                      # part 1
    flock /tmp/cpu-heavy.lock .venv/bin/python bench/web.py --local -q 20 -c 4
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTIONS = [
    "哪些论文研究了 KV cache 压缩？",
    "Which paper scales test-time compute with a recurrent depth model?",
    "GuardSpace 如何在微调时保持安全对齐？",
    "What does budget forcing do in the s1 paper?",
    "有哪些关于推测解码的工作？",
    "Which papers study reward models for reasoning?",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    data = sorted(values)
    if not data:
        return float("nan")
    k = (len(data) - 1) * q / 100
    low = int(k)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (k - low)


class TimedService:
    """Wraps the answer service to record when each answer started and ended."""

    def __init__(self, service) -> None:
        self.service = service
        self.spans: dict[str, tuple[float, float]] = {}
        self.lock = threading.Lock()

    def stream(self, question, **kwargs):
        started = time.perf_counter()
        yield from self.service.stream(question, **kwargs)
        with self.lock:
            self.spans[question] = (started, time.perf_counter())


def fake_app(concurrency: int):
    from assistant.config import load_settings
    from assistant.digest import load_digests
    from assistant.runtime import Runtime
    from assistant.web.app import build_app, launch_options

    folder = tempfile.mkdtemp(prefix="bench-web-")
    settings = load_settings(
        {
            "embedder": {"backend": "fake"},
            "llm": {"backend": "fake"},
            "paths": {"vectorstore": folder, "conversations": f"{folder}/conversations.sqlite"},
            "web": {"port": free_port(), "concurrency": concurrency},
        }
    )
    runtime = Runtime(settings)  # the fake embedder and the extractive fake chat model
    runtime.ingest(load_digests(settings.paths.digests))
    service = TimedService(runtime.service)
    app = build_app(settings, service, categories=runtime.retriever.categories())
    app.launch(prevent_thread_lock=True, quiet=True, **launch_options(settings))
    return app, service, f"http://127.0.0.1:{settings.web.port}/"


def run_chats(url: str, chats: int, per_chat: int, tag: str):
    """`chats` clients at once, each asking `per_chat` questions in turn; latencies."""
    from gradio_client import Client

    def one_chat(n: int) -> list[tuple[str, float, float, bool]]:
        client = Client(url, verbose=False)
        out = []
        for i in range(per_chat):
            question = f"{QUESTIONS[(n + i) % len(QUESTIONS)]} ({tag} chat {n} turn {i})"
            sent = time.perf_counter()
            try:
                client.predict(question, [], [], api_name="/ask")
                ok = True
            except Exception:
                ok = False
            out.append((question, sent, time.perf_counter(), ok))
        return out

    with ThreadPoolExecutor(max_workers=chats) as pool:
        results = [r for chat in pool.map(one_chat, range(chats)) for r in chat]
    return results


def part_fake(concurrency: int) -> None:
    app, service, url = fake_app(concurrency)
    print(f"fake backend, web.concurrency={concurrency}")
    for chats in (10, 20):
        results = run_chats(url, chats, 3, f"c{chats}")
        ok = [r for r in results if r[3]]
        e2e, queue, inside, added = [], [], [], []
        for question, sent, done, _ in ok:
            span = service.spans.get(question)
            if span is None:
                continue
            e2e.append(done - sent)
            queue.append(max(0.0, span[0] - sent))
            inside.append(span[1] - span[0])
            added.append(max(0.0, (done - sent) - (span[1] - span[0]) - max(0.0, span[0] - sent)))
        print(
            f"{chats:2} chats x 3 questions: {len(ok)}/{len(results)} completed, "
            f"{len(results) - len(ok)} errors | end-to-end p50 {pct(e2e, 50) * 1000:.0f} ms "
            f"p95 {pct(e2e, 95) * 1000:.0f} ms | service p50 {pct(inside, 50) * 1000:.0f} ms | "
            f"queue p50 {pct(queue, 50) * 1000:.0f} ms p95 {pct(queue, 95) * 1000:.0f} ms | "
            f"added by the web layer p50 {pct(added, 50) * 1000:.0f} ms "
            f"p95 {pct(added, 95) * 1000:.0f} ms"
        )
    app.close()


def rss_of_tree(pid: int) -> int:
    """Resident memory (bytes) of a process and its children, from /proc."""
    total = 0
    pids = [pid]
    try:
        children = subprocess.run(
            ["pgrep", "-P", str(pid)], capture_output=True, text=True
        ).stdout.split()
        pids += [int(c) for c in children]
    except FileNotFoundError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def part_local(questions: int, chats: int) -> None:
    port = free_port()
    env = {**os.environ, "ASSISTANT_WEB__PORT": str(port)}
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "assistant"), "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, rss_of_tree(server.pid))
            time.sleep(0.5)

    threading.Thread(target=sample, daemon=True).start()
    url = f"http://127.0.0.1:{port}/"
    started = time.perf_counter()
    while True:
        try:
            from gradio_client import Client

            Client(url, verbose=False)
            break
        except Exception:
            if server.poll() is not None or time.perf_counter() - started > 900:
                raise SystemExit("assistant serve did not come up") from None
            time.sleep(2)
    print(
        f"assistant serve ready in {time.perf_counter() - started:.0f} s; "
        f"RSS {rss_of_tree(server.pid) / 1e9:.2f} GB"
    )
    per_chat = max(1, questions // chats)
    t0 = time.perf_counter()
    results = run_chats(url, chats, per_chat, "local")
    stop.set()
    for question, sent, done, ok in sorted(results, key=lambda r: r[1]):
        print(
            f"  sent {sent - t0:6.1f} s  answered {done - t0:6.1f} s  "
            f"waited+answered {done - sent:5.1f} s  ok={ok}  {question[:50]}"
        )
    print(
        f"{sum(r[3] for r in results)}/{len(results)} answered; "
        f"peak RSS of assistant serve: {peak / 1e9:.2f} GB (target <= 5 GB)"
    )
    server.terminate()
    server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--local", action="store_true", help="Run part 2 (real models).")
    parser.add_argument("-q", type=int, default=20, help="Questions in part 2.")
    parser.add_argument("-c", type=int, default=4, help="Concurrent chats in part 2.")
    parser.add_argument("--concurrency", type=int, default=1, help="web.concurrency, part 1.")
    args = parser.parse_args()
    if args.local:
        part_local(args.q, args.c)
    else:
        part_fake(args.concurrency)


if __name__ == "__main__":
    main()
