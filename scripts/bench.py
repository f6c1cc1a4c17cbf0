"""`make bench`: how fast Signpost answers, straight from Rasa and through the API, under load.

Starts its own Rasa server (scripts/rasa.sh, on a copy of the trained model) and the API (uvicorn,
no reload, no access log, log level warning, a temporary SQLite database), each on a free loopback
port; warms both up; then sends the same mix of short conversations (CONVERSATIONS below) straight
to Rasa's REST webhook and through `POST /chat`, at 1, 10 and 50 concurrent conversations. Each
concurrent worker runs whole conversations in order, each with a fresh session id, until the
level's time or turn budget is spent. The two sides alternate in A-B-B-A order within a level so
that a change in the machine's load falls on both alike.

Prints, per level and side, p50/p95/p99 latency, throughput, errors (non-200, no reply, or a /chat
reply marked `degraded`), the CPU time each server spent per turn, and the /chat : Rasa ratios;
then a soak run through /chat (errors, memory growth of the API, p95 drift from the first minute to
the last). Peak memory (VmHWM) of the API and of Rasa. Writes reports/bench.json.

It is a benchmark, not a test: nothing here fails on a figure. Only 127.0.0.1 is ever contacted,
and both servers are stopped at the end, also on Ctrl-C or an error.

    scripts/bench.py               # about 17 minutes: 45 s per level and side, 600 s soak
    scripts/bench.py --quick       # about 5 minutes: 10 s per level and side, no soak
    scripts/bench.py --soak 0      # the levels only
    scripts/bench.py --think 5     # people pause 2.5-7.5 s between turns (default: no pause)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "reports" / "bench.json"
LOGS = ROOT / "var"
HOST = "127.0.0.1"

# Short conversations in the voices people write in: typos, no capitals, buttons pressed. Each is
# sent turn by turn under one session; both sides get exactly the same turns in the same order.
CONVERSATIONS: list[list[str]] = [
    ["help hes here and hes kicking the door in", "i cant talk he'll hear me", "ok"],
    [
        "my boyfriend hit me last night and i dont know what to do",
        "/safe_now",
        '/inform_audience{"audience":"woman"}',
        "who can i ring",
    ],
    [
        "hi",
        "im a bloke and my wife keeps having a go at me, sometimes she throws things",
        "is anyone open now",
        "cheers mate",
    ],
    [
        "my sister's husband controls all her money and won't let her see us",
        '/inform_audience{"audience":"friend_family"}',
        "what can i actually do to help her",
        "ok thank you",
    ],
    [
        "hello are you a real person",
        "ok fair enough",
        "actually he's just come back and he's really drunk and angry",
        "/danger_now",
    ],
    [
        "he chucked me out tonight and ive got nowhere to go with the kids",
        "/safe_now",
        "is there a refuge that can take us tonight",
    ],
    [
        "i want to talk to someone but i cant phone, he checks my calls",
        "/cant_phone",
        "can i email them instead",
    ],
    [
        "my girlfriend keeps threatening to out me to my family if i leave her",
        '/inform_audience{"audience":"lgbt"}',
        "who's open now",
    ],
    [
        "my parents are taking me abroad in the summer to marry someone and i dont want to",
        '/inform_audience{"audience":"forced_marriage"}',
        "will anyone tell my family i asked",
    ],
    [
        "i lost my temper and pushed my partner. i dont want to be like this",
        '/inform_audience{"audience":"perpetrator"}',
        "is there someone i can talk to about it",
    ],
    ["i reported him twice and the police did nothing", "/police_let_down", "so who else is there"],
    [
        "he shouts at the kids and ive seen him grab my son by the arm",
        "will they take my kids off me if i tell someone",
        "thanks",
    ],
    [
        "im in glasgow and my partner wont let me out the house without him",
        '/inform_audience{"audience":"woman"}',
        "who is open now",
    ],
    ["whats the number for the domestic abuse helpline", "thank you", "bye"],
    # A long post: also read in 20-word passages (bot/components/intent_classifier.py).
    [
        "sorry this is a bit of an essay. me and my partner have been together about six years"
        " and we have two kids. it was fine at the start but since covid he has been drinking"
        " most nights and he gets nasty, calls me names, smashes things, and last year he pushed"
        " me down the stairs and i told the hospital i fell. my mum doesnt know any of it. i"
        " have been saving a bit of money in a separate account and looking at flats. i dont"
        " really know what i am asking, i suppose i just want to know what my options are and"
        " whether anyone can help me plan to leave",
        "who is open now",
        "thank you",
    ],
    ["hiya", "/ask_open_now", '/inform_audience{"audience":"man"}'],
    [
        "sorry i dont really know why im writing this",
        "my husband reads all my messages and tracks my phone",
        "i'm ok right now he's at work",
        "/ask_open_now",
    ],
]

LEVELS = (1, 10, 50)
SOAK_CONCURRENCY = 20
MEMORY_EVERY = 10.0  # seconds between memory samples in the soak
CLIENT_TIMEOUT = 30.0  # a turn that takes longer than this counts as an error
START_TIMEOUT = 300  # seconds Rasa may take to load the model on a busy machine
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
SETTLE_LIMIT = 120.0  # seconds to wait for the servers to go idle between phases
IDLE_CPU = 0.2  # CPU seconds per second below which Rasa and the API count as idle


# --- processes ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of a process in kB, from /proc; {} once it is gone."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    out: dict[str, int] = {}
    for line in lines:
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0])
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (0.0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def mb(kb: int | None) -> float | None:
    return None if kb is None else round(kb / 1024, 1)


@dataclass
class Servers:
    """Rasa and the API, on free loopback ports, stopped by stop() whatever happened."""

    workdir: Path
    rasa_url: str = ""
    api_url: str = ""
    rasa: subprocess.Popen[bytes] | None = None
    api: subprocess.Popen[bytes] | None = None
    rasa_log: Path = LOGS / "bench-rasa.log"
    api_log: Path = LOGS / "bench-api.log"

    def start(self) -> None:
        LOGS.mkdir(exist_ok=True)
        token = secrets.token_hex(16)
        # A copy of the model: a retrain during the run cannot change what is measured.
        model = self.workdir / "signpost.tar.gz"
        shutil.copyfile(ROOT / "bot" / "models" / "signpost.tar.gz", model)
        rasa_port, api_port = free_port(), free_port()
        self.rasa_url, self.api_url = f"http://{HOST}:{rasa_port}", f"http://{HOST}:{api_port}"
        print(f"bench: starting Rasa on {self.rasa_url} (log: {self.rasa_log.relative_to(ROOT)})")
        with self.rasa_log.open("w") as log:
            self.rasa = subprocess.Popen(
                [str(ROOT / "scripts" / "rasa.sh"), str(rasa_port)],
                env={**os.environ, "RASA_TOKEN": token, "RASA_MODEL": str(model)},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches only this script, which stops it
            )
        self._wait(f"{self.rasa_url}/status?token={token}", "model_id", self.rasa, self.rasa_log)
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("STORE_TRANSCRIPTS", "RETENTION_DAYS", "SIGNPOST_STAFF_TOKEN")
        }
        env.update(
            DATABASE_URL=f"sqlite:///{self.workdir / 'bench.db'}",
            RASA_URL=self.rasa_url,
            RASA_TOKEN=token,
            SIGNPOST_SECRET=secrets.token_hex(32),
        )
        print(f"bench: starting the API on {self.api_url} (log: {self.api_log.relative_to(ROOT)})")
        with self.api_log.open("w") as log:
            self.api = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "api.main:app",
                    "--host",
                    HOST,
                    "--port",
                    str(api_port),
                    "--no-access-log",
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait(f"{self.api_url}/ready", "", self.api, self.api_log)

    @staticmethod
    def _wait(url: str, key: str, process: subprocess.Popen[bytes], log: Path) -> None:
        waited = subprocess.run(
            [
                sys.executable,
                str(ROOT / "scripts" / "wait_for.py"),
                url,
                str(START_TIMEOUT),
                key,
                str(process.pid),
            ],
            check=False,
        )
        if waited.returncode:
            tail = log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{url.split('?')[0]} did not become ready:\n{tail}")

    def stop(self) -> None:
        # A second Ctrl-C must not leave a server behind: this takes at most half a minute.
        previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in STOP_SIGNALS}
        try:
            self._stop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _stop(self) -> None:
        for process in (self.api, self.rasa):
            if process is not None and process.poll() is None:
                process.terminate()
        for process in (self.api, self.rasa):
            if process is None:
                continue
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@contextmanager
def running_servers() -> Iterator[Servers]:
    with tempfile.TemporaryDirectory(prefix="signpost-bench-") as tmp:
        servers = Servers(Path(tmp))
        try:
            servers.start()
            yield servers
        finally:
            servers.stop()
            print("bench: servers stopped")


# --- load ---------------------------------------------------------------------------------------


@dataclass
class Sample:
    at: float  # seconds since the phase started, when the turn was sent
    latency: float  # seconds
    error: str | None


Turn = Callable[[str, str], Awaitable[str | None]]


def rasa_side(client: httpx.AsyncClient, base: str) -> Turn:
    async def turn(session: str, text: str) -> str | None:
        response = await client.post(
            f"{base}/webhooks/rest/webhook", json={"sender": session, "message": text}
        )
        if response.status_code != 200:
            return f"HTTP {response.status_code}"
        body = response.json()
        # /chat answers an empty Rasa reply with the safety net (degraded): the same error here.
        return None if isinstance(body, list) and body else "empty reply"

    return turn


def chat_side(client: httpx.AsyncClient, base: str) -> Turn:
    async def turn(session: str, text: str) -> str | None:
        response = await client.post(f"{base}/chat", json={"session": session, "text": text})
        if response.status_code != 200:
            return f"HTTP {response.status_code}"
        body = response.json()
        if body.get("degraded"):
            return "degraded"
        return None if body.get("messages") else "empty reply"

    return turn


@dataclass
class Phase:
    samples: list[Sample] = field(default_factory=list)
    seconds: float = 0.0  # wall time, from the first send to the last reply
    api_cpu: float = 0.0
    rasa_cpu: float = 0.0
    client_cpu: float = 0.0  # this script's own CPU time: it must not be the bottleneck
    busy_after: float = 0.0  # seconds the servers kept working after the last reply


async def drive(
    turn: Turn,
    concurrency: int,
    seconds: float,
    max_turns: int,
    seed: int,
    prefix: str,
    think: float = 0.0,
    on_sample: Callable[[Sample], None] | None = None,
) -> Phase:
    """`concurrency` workers, each running whole conversations, until time or turns run out.

    With `think` > 0 a worker pauses 0.5-1.5 x `think` seconds after each reply, as a person
    reading and typing would; 0 keeps every worker's next turn waiting on the server.
    """
    order = list(range(len(CONVERSATIONS)))
    random.Random(seed).shuffle(order)
    phase = Phase()
    left = [max_turns]
    start = time.perf_counter()
    deadline = start + seconds

    async def worker(k: int) -> None:
        n = k
        pauses = random.Random(seed * 1000 + k)
        while time.perf_counter() < deadline and left[0] > 0:
            conversation = CONVERSATIONS[order[n % len(order)]]
            n += concurrency
            session = f"{prefix}{secrets.token_hex(8)}"
            for text in conversation:
                if time.perf_counter() >= deadline or left[0] <= 0:
                    return
                left[0] -= 1
                sent = time.perf_counter()
                try:
                    error = await turn(session, text)
                except httpx.HTTPError as exc:
                    error = type(exc).__name__
                except ValueError:
                    error = "not JSON"
                sample = Sample(sent - start, time.perf_counter() - sent, error)
                phase.samples.append(sample)
                if on_sample is not None:
                    on_sample(sample)
                if think > 0:
                    pause = pauses.uniform(0.5, 1.5) * think
                    await asyncio.sleep(max(0.0, min(pause, deadline - time.perf_counter())))

    await asyncio.gather(*(worker(k) for k in range(concurrency)))
    phase.seconds = time.perf_counter() - start
    return phase


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q) - 1]


def summarise(phases: list[Phase]) -> dict[str, Any]:
    samples = [s for p in phases for s in p.samples]
    seconds = sum(p.seconds for p in phases)
    latencies = [s.latency * 1000 for s in samples]
    errors = Counter(s.error for s in samples if s.error)
    turns = len(samples)

    def ms(q: float) -> float | None:
        value = percentile(latencies, q)
        return None if value is None else round(value, 1)

    def per_turn(cpu: float) -> float | None:
        return round(cpu / turns * 1000, 2) if turns else None

    return {
        "turns": turns,
        "seconds": round(seconds, 2),
        "p50_ms": ms(50),
        "p95_ms": ms(95),
        "p99_ms": ms(99),
        "max_ms": round(max(latencies), 1) if latencies else None,
        "throughput_turns_per_s": round(turns / seconds, 2) if seconds else 0.0,
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "api_cpu_ms_per_turn": per_turn(sum(p.api_cpu for p in phases)),
        "rasa_cpu_ms_per_turn": per_turn(sum(p.rasa_cpu for p in phases)),
        "client_cpu_ms_per_turn": per_turn(sum(p.client_cpu for p in phases)),
        "servers_busy_after_s": round(max((p.busy_after for p in phases), default=0.0), 1),
    }


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


class Bench:
    def __init__(self, servers: Servers, args: argparse.Namespace) -> None:
        self.servers = servers
        self.args = args
        assert servers.api is not None and servers.rasa is not None
        self.api_pid, self.rasa_pid = servers.api.pid, servers.rasa.pid
        limits = httpx.Limits(max_connections=max(LEVELS) + 10, max_keepalive_connections=100)
        timeout = httpx.Timeout(CLIENT_TIMEOUT)
        self.rasa_client = httpx.AsyncClient(limits=limits, timeout=timeout)
        self.chat_client = httpx.AsyncClient(limits=limits, timeout=timeout)
        self.sides: dict[str, Turn] = {
            "rasa": rasa_side(self.rasa_client, servers.rasa_url),
            "chat": chat_side(self.chat_client, servers.api_url),
        }

    async def close(self) -> None:
        await self.rasa_client.aclose()
        await self.chat_client.aclose()

    def check_alive(self) -> None:
        for name, process in (("API", self.servers.api), ("Rasa", self.servers.rasa)):
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode} during the run")

    async def phase(
        self,
        side: str,
        concurrency: int,
        seconds: float,
        max_turns: int,
        seed: int,
        think: float = 0.0,
        on_sample: Callable[[Sample], None] | None = None,
    ) -> Phase:
        self.check_alive()
        api_cpu, rasa_cpu = cpu_seconds(self.api_pid), cpu_seconds(self.rasa_pid)
        client_cpu = time.process_time()
        prefix = f"bench-{side[0]}{concurrency}-"
        phase = await drive(
            self.sides[side], concurrency, seconds, max_turns, seed, prefix, think, on_sample
        )
        # Requests the API gave up on (past RASA_TIMEOUT) may still be running in Rasa: the next
        # phase starts only once both servers are idle, and their CPU counts for this one.
        phase.busy_after = await self.settle()
        phase.api_cpu = cpu_seconds(self.api_pid) - api_cpu
        phase.rasa_cpu = cpu_seconds(self.rasa_pid) - rasa_cpu
        phase.client_cpu = time.process_time() - client_cpu
        return phase

    async def settle(self) -> float:
        """Seconds until Rasa and the API stop working (at most SETTLE_LIMIT)."""
        start = time.perf_counter()
        while time.perf_counter() - start < SETTLE_LIMIT:
            before = cpu_seconds(self.rasa_pid) + cpu_seconds(self.api_pid)
            await asyncio.sleep(1.0)
            if cpu_seconds(self.rasa_pid) + cpu_seconds(self.api_pid) - before < IDLE_CPU:
                break
        return time.perf_counter() - start

    async def warm_up(self) -> None:
        """Every conversation once on each side, then a short burst: first turns are slow."""
        print("bench: warming up", flush=True)
        for side in ("rasa", "chat"):
            turns = sum(len(c) for c in CONVERSATIONS)
            await self.phase(side, 1, 120, turns, seed=0)
            await self.phase(side, 10, 3 if self.args.quick else 8, 10_000, seed=1)

    async def levels(self) -> list[dict[str, Any]]:
        rounds = max(1, self.args.rounds)
        seconds = self.args.seconds / rounds
        max_turns = max(1, self.args.max_turns // rounds)
        results = []
        for concurrency in LEVELS:
            print(f"bench: {concurrency} concurrent", flush=True)
            phases: dict[str, list[Phase]] = {"rasa": [], "chat": []}
            for r in range(rounds):
                # A-B-B-A: the same conversation order (seed) for both sides within a round.
                for side in ("rasa", "chat") if r % 2 == 0 else ("chat", "rasa"):
                    phases[side].append(
                        await self.phase(
                            side, concurrency, seconds, max_turns, 100 + r, self.args.think
                        )
                    )
            rasa, chat = summarise(phases["rasa"]), summarise(phases["chat"])
            results.append(
                {
                    "concurrency": concurrency,
                    "rasa_direct": rasa,
                    "chat": chat,
                    "chat_to_rasa": {
                        "p50": ratio(chat["p50_ms"], rasa["p50_ms"]),
                        "p95": ratio(chat["p95_ms"], rasa["p95_ms"]),
                        "p99": ratio(chat["p99_ms"], rasa["p99_ms"]),
                        "throughput": ratio(
                            chat["throughput_turns_per_s"], rasa["throughput_turns_per_s"]
                        ),
                    },
                    "memory_mb_after": self.memory(),
                }
            )
        return results

    def memory(self) -> dict[str, float | None]:
        api, rasa = proc_status(self.api_pid), proc_status(self.rasa_pid)
        return {
            "api_rss": mb(api.get("VmRSS")),
            "api_peak": mb(api.get("VmHWM")),
            "rasa_rss": mb(rasa.get("VmRSS")),
            "rasa_peak": mb(rasa.get("VmHWM")),
        }

    async def soak(self, seconds: float) -> dict[str, Any]:
        print(f"bench: soak, {SOAK_CONCURRENCY} concurrent through /chat for {seconds:.0f} s")
        memory: list[dict[str, float | None]] = []
        errors: list[dict[str, Any]] = []

        def note(sample: Sample) -> None:
            if sample.error:
                errors.append({"at_s": round(sample.at, 1), "error": sample.error})

        async def sample_memory() -> None:
            start = time.perf_counter()
            while True:
                memory.append({"at_s": round(time.perf_counter() - start, 1), **self.memory()})
                await asyncio.sleep(MEMORY_EVERY)

        sampler = asyncio.create_task(sample_memory())
        try:
            phase = await self.phase(
                "chat",
                SOAK_CONCURRENCY,
                seconds,
                self.args.max_turns * 20,
                seed=7,
                think=self.args.think,
                on_sample=note,
            )
        finally:
            sampler.cancel()
        memory.append({"at_s": round(phase.seconds, 1), **self.memory()})
        window = min(60.0, phase.seconds / 3)
        first = [s.latency * 1000 for s in phase.samples if s.at < window]
        last = [s.latency * 1000 for s in phase.samples if s.at >= phase.seconds - window]
        p95_first, p95_last = percentile(first, 95), percentile(last, 95)
        per_minute = []
        for minute in range(int(phase.seconds // 60) + 1):
            chunk = [
                s.latency * 1000 for s in phase.samples if minute * 60 <= s.at < minute * 60 + 60
            ]
            if chunk:
                value = percentile(chunk, 95)
                per_minute.append({"minute": minute, "turns": len(chunk), "p95_ms": rnd(value)})
        api_start, api_end = memory[0]["api_rss"], memory[-1]["api_rss"]
        rasa_start, rasa_end = memory[0]["rasa_rss"], memory[-1]["rasa_rss"]
        return {
            "concurrency": SOAK_CONCURRENCY,
            "summary": summarise([phase]),
            "errors": len(errors),
            "error_list": errors[:200],
            "api_rss_mb_start": api_start,
            "api_rss_mb_end": api_end,
            "api_rss_growth_mb": rnd(api_end - api_start) if api_start and api_end else None,
            "rasa_rss_mb_start": rasa_start,
            "rasa_rss_mb_end": rasa_end,
            "rasa_rss_growth_mb": rnd(rasa_end - rasa_start) if rasa_start and rasa_end else None,
            "drift_window_s": round(window, 1),
            "p95_ms_first_window": rnd(p95_first),
            "p95_ms_last_window": rnd(p95_last),
            "p95_drift": ratio(p95_last, p95_first),
            "p95_ms_per_minute": per_minute,
            "memory_samples": memory,
        }


def rnd(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def api_log_counts(log: Path) -> dict[str, int]:
    text = log.read_text(errors="replace") if log.exists() else ""
    return {
        "store_failed": text.count("store failed"),
        "rasa_unavailable": text.count("rasa unavailable"),
        "tracebacks": text.count("Traceback"),
    }


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# --- printing -----------------------------------------------------------------------------------


def fmt(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def print_levels(levels: list[dict[str, Any]]) -> None:
    head = (
        f"{'conc':>4}  {'side':<12}{'turns':>6}{'errors':>7}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'p99 ms':>9}{'turns/s':>9}{'API cpu':>9}{'Rasa cpu':>9}{'own cpu':>9}"
    )
    print()
    print(head + "   (cpu: ms of CPU per turn; own: this script)")
    print("-" * len(head))
    for level in levels:
        for side, label in (("rasa_direct", "Rasa direct"), ("chat", "/chat")):
            s = level[side]
            print(
                f"{level['concurrency']:>4}  {label:<12}{s['turns']:>6}{s['errors']:>7}"
                f"{fmt(s['p50_ms']):>9}{fmt(s['p95_ms']):>9}{fmt(s['p99_ms']):>9}"
                f"{fmt(s['throughput_turns_per_s'], '.2f'):>9}"
                f"{fmt(s['api_cpu_ms_per_turn']):>9}{fmt(s['rasa_cpu_ms_per_turn']):>9}"
                f"{fmt(s['client_cpu_ms_per_turn']):>9}"
            )
            if s["error_kinds"]:
                print(f"{'':>6}{'':<12}errors: {s['error_kinds']}")
            if s["servers_busy_after_s"] > 3:
                print(
                    f"{'':>6}{'':<12}the servers kept working {s['servers_busy_after_s']:.0f} s"
                    " after the last reply (turns the API had given up on)"
                )
        r = level["chat_to_rasa"]
        print(
            f"{'':>4}  {'/chat : Rasa':<12}  p50 x{fmt(r['p50'], '.2f')}"
            f"  p95 x{fmt(r['p95'], '.2f')}  p99 x{fmt(r['p99'], '.2f')}"
            f"  throughput x{fmt(r['throughput'], '.2f')}"
        )
        print()


def print_soak(soak: dict[str, Any]) -> None:
    s = soak["summary"]
    print(
        f"soak: {soak['concurrency']} concurrent, {s['seconds']:.0f} s, {s['turns']} turns, "
        f"{s['throughput_turns_per_s']:.2f} turns/s, p50 {fmt(s['p50_ms'])} ms, "
        f"p95 {fmt(s['p95_ms'])} ms, p99 {fmt(s['p99_ms'])} ms"
    )
    print(f"soak errors: {soak['errors']}")
    for error in soak["error_list"][:20]:
        print(f"  at {error['at_s']} s: {error['error']}")
    print(
        f"soak API memory (RSS): {fmt(soak['api_rss_mb_start'])} MB at start, "
        f"{fmt(soak['api_rss_mb_end'])} MB at end ({fmt(soak['api_rss_growth_mb'], '+.1f')} MB); "
        f"Rasa {fmt(soak['rasa_rss_mb_start'])} -> {fmt(soak['rasa_rss_mb_end'])} MB"
    )
    print(
        f"soak p95 drift: {fmt(soak['p95_ms_first_window'])} ms in the first "
        f"{soak['drift_window_s']:.0f} s, {fmt(soak['p95_ms_last_window'])} ms in the last "
        f"(x{fmt(soak['p95_drift'], '.2f')})"
    )


# --- main ---------------------------------------------------------------------------------------


async def run(servers: Servers, args: argparse.Namespace) -> dict[str, Any]:
    # Ctrl-C or SIGTERM cancels the run cleanly (then the servers are stopped).
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, task.cancel)
    bench = Bench(servers, args)
    try:
        await bench.warm_up()
        levels = await bench.levels()
        print_levels(levels)
        soak = None
        if args.soak > 0:
            soak = await bench.soak(args.soak)
            print_soak(soak)
        bench.check_alive()
        ready = (await bench.chat_client.get(f"{servers.api_url}/ready")).json()
        return {
            "levels": levels,
            "soak": soak,
            "memory_mb": bench.memory(),
            "api_ready_at_end": ready,
        }
    finally:
        await bench.close()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 s per level and side, no soak")
    parser.add_argument("--seconds", type=float, help="seconds per level and side (default 45)")
    parser.add_argument(
        "--max-turns", type=int, default=5000, help="at most this many turns per level and side"
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="alternations per level (2: A-B-B-A order)"
    )
    parser.add_argument(
        "--soak", type=float, help="soak seconds at 20 concurrent (default 600; 0 skips)"
    )
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="seconds a person pauses between turns, 0.5-1.5 x this (default 0: no pause)",
    )
    parser.add_argument("--out", type=Path, default=REPORT, help="where to write the JSON")
    args = parser.parse_args(argv)
    if args.seconds is None:
        args.seconds = 10.0 if args.quick else 45.0
    if args.soak is None:
        args.soak = 0.0 if args.quick else 600.0
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def interrupted(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    def handle_signals() -> None:
        # Also when started in the background, where SIGINT is inherited as ignored.
        for sig in STOP_SIGNALS:
            signal.signal(sig, interrupted)

    handle_signals()
    started = datetime.now(timezone.utc)
    load_start = load_average()
    try:
        with running_servers() as servers:
            try:
                results = asyncio.run(run(servers, args))
            finally:
                handle_signals()  # closing the event loop reset them
            api_log = api_log_counts(servers.api_log)
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("bench: interrupted", file=sys.stderr)
        return 130
    report = {
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_average_start": load_start,
            "load_average_end": load_average(),
        },
        "settings": {
            "quick": args.quick,
            "seconds_per_level_and_side": args.seconds,
            "rounds": args.rounds,
            "max_turns_per_level_and_side": args.max_turns,
            "soak_seconds": args.soak,
            "conversations": len(CONVERSATIONS),
            "turns_in_mix": sum(len(c) for c in CONVERSATIONS),
            "think_s": args.think,
            "client_timeout_s": CLIENT_TIMEOUT,
        },
        **results,
        "api_log": api_log,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    memory = results["memory_mb"]
    print(
        f"peak memory (VmHWM): API {fmt(memory['api_peak'])} MB, Rasa {fmt(memory['rasa_peak'])} MB"
    )
    print(f"API log: {api_log}; /ready at end: {results['api_ready_at_end']}")
    print(f"load average: {load_start} at start, {report['machine']['load_average_end']} at end")
    shown = args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out
    print(f"bench: wrote {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
