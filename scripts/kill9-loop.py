#!/usr/bin/env python3
"""kill -9 loop: acknowledged means durable, however the server dies.

Starts `urne serve` on SQLite or PostgreSQL (a fresh `urne_kill9_*`
database, dropped at the end), defines the sample commune, and then, for
each cycle: several clients correct procès-verbaux and turnout readings
concurrently (PUT with an Idempotency-Key and the version they correct),
the server is killed with SIGKILL at a random moment, restarted on the same
database, and every write is checked:

- a write answered 200 must be there after the restart, with its figures;
- right after the restart, before any retry, the election's seq must count
  every acknowledged write and at most the cut ones besides;
- a write cut by the kill (no answer) is retried with the same key and the
  same body: the server must answer 200 whether or not it had committed it
  (idempotent replay), and it then counts as acknowledged;
- the desk view (GET /api/elections/{id}/results?view=desk) must show, for
  every bureau, exactly the version, counts, voix and turnout of its last
  acknowledged write, and the election's seq must equal the number of
  acknowledged writes (nothing lost, nothing invented);
- `urne audit verify` must pass (every few cycles, and at the end).

Recovery time is measured from the restart (process spawned) to the first
200 of the desk results. Prints one summary line per backend:

  kill9: backend=sqlite cycles=20 acknowledged=… retried_cut_writes=…
         (committed_unanswered=…) refused=… lost=0 recovery_ms: p50=… max=…

Python 3 standard library only. Exit status 1 on any lost or wrong write.

Usage: scripts/kill9-loop.py [--backend sqlite|postgres] [--cycles N]
                             [--bin PATH] [--clients N] [--seed N]
"""

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "kill9-" + uuid.uuid4().hex
HOURS_LOW = (0, 150)  # 12:00 readings; every PV has votants well above.
HOURS_HIGH = (150, 300)  # 17:00 readings.


class Lost(Exception):
    """A write acknowledged (or retried) that the server does not show."""


def log(msg):
    print(f"kill9: {msg}", flush=True)


# --- HTTP -------------------------------------------------------------------


def request(base, method, path, body=None, key=None, timeout=10.0):
    """(status, parsed JSON or None); raises OSError when the server is gone."""
    host, port = base.rsplit(":", 1)
    conn = http.client.HTTPConnection(host.removeprefix("http://"), int(port), timeout=timeout)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if key is not None:
        headers["Idempotency-Key"] = key
    try:
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
    except http.client.HTTPException as e:
        raise OSError(f"HTTP failure: {e!r}") from e
    finally:
        conn.close()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    return resp.status, parsed


# --- the server -------------------------------------------------------------


class Server:
    def __init__(self, binary, database_url):
        self.binary = binary
        self.database_url = database_url
        self.proc = None
        self.base = None

    def start(self):
        env = dict(os.environ, URNE_API_TOKEN=TOKEN, RUST_LOG="warn")
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--listen", "127.0.0.1:0", "--database-url", self.database_url],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for line in self.proc.stdout:
            if line.startswith("Urne: "):
                self.base = line[len("Urne: ") :].strip().rstrip("/")
                break
        else:
            raise RuntimeError(f"urne serve exited ({self.proc.wait()}) before printing its address")
        # Keep draining stdout so the server never blocks on a full pipe.
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()

    def kill9(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        if self.proc:
            self.proc.wait()


# --- the election and its writes ----------------------------------------------


def sample_pv(rng, election, bureau):
    """A PV satisfying every blocking rule, with inscrits from the roll."""
    inscrits = bureau["inscrits"]
    votants = rng.randint(max(HOURS_HIGH[1] + 1, inscrits // 2), inscrits)
    blancs = rng.randint(0, votants // 50)
    nuls = rng.randint(0, votants // 80)
    exprimes = votants - blancs - nuls
    numbers = [c["number"] for c in election["candidates"]]
    cuts = sorted(rng.randint(0, exprimes) for _ in range(len(numbers) - 1))
    parts = [b - a for a, b in zip([0] + cuts, cuts + [exprimes])]
    return {
        "inscrits": inscrits,
        "votants": votants,
        "blancs": blancs,
        "nuls": nuls,
        "exprimes": exprimes,
        "voix": [{"candidate": n, "voix": v} for n, v in zip(numbers, parts)],
    }


class Bureau:
    """One bureau as its (single) client knows it."""

    def __init__(self, code):
        self.code = code
        self.version = 0
        self.pv = None
        self.turnout = {}
        # A write sent but not answered when the server died: (kind, path, body, key).
        self.pending = None
        # (cycle, how, kind, version) of the last acknowledgements, for the report.
        self.history = []


class Run:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.election = json.loads((ROOT / "election-data/fixtures/sample-commune.json").read_text())
        self.eid = self.election["id"]
        self.bureaux = [Bureau(b["code"]) for b in self.election["bureaux"]]
        self.by_code = {b["code"]: b for b in self.election["bureaux"]}
        self.acknowledged = 0
        self.retried = 0
        self.committed_unanswered = 0
        self.refused = 0
        self.lock = threading.Lock()
        self.recoveries_ms = []
        self.cycle = 0
        self.first_write_ms = []

    # One write, and what its answer means for the model.
    def write(self, base, b, kind, body, key):
        path = f"/api/elections/{self.eid}/bureaux/{b.code}/{kind}"
        b.pending = (kind, path, body, key)
        status, answer = request(base, "PUT", path, body, key)
        b.pending = None
        if status == 200:
            self.accept(b, kind, body, answer)
            return True
        with self.lock:
            self.refused += 1
        if status >= 500:
            raise Lost(f"{b.code}: {kind} answered {status}: {answer}")
        return False

    def accept(self, b, kind, body, answer, how="answered"):
        version = (answer or {}).get("version")
        b.history = b.history[-5:] + [(self.cycle, how, kind, version, (answer or {}).get("seq"))]
        if version != b.version + 1:
            raise Lost(f"{b.code}: {kind} acknowledged as version {version}, expected {b.version + 1}")
        b.version = version
        if kind == "pv":
            b.pv = {k: body[k] for k in ("inscrits", "votants", "blancs", "nuls", "exprimes", "voix")}
        for t in body.get("turnout", []):
            b.turnout[t["hour"]] = t["votants"]
        with self.lock:
            self.acknowledged += 1

    def next_write(self, rng, b):
        hours = self.election["turnout_hours"]
        if b.pv is not None and rng.random() < 0.25:
            hour = rng.choice(hours)
            lo, hi = HOURS_LOW if hour == hours[0] else HOURS_HIGH
            return "turnout", {"turnout": [{"hour": hour, "votants": rng.randint(lo, hi)}], "version": b.version}
        body = sample_pv(rng, self.election, self.by_code[b.code])
        body["version"] = b.version
        body["confirm"] = True
        return "pv", body

    def client(self, index, base, stop, errors):
        rng = random.Random(self.args.seed * 1000 + index + self.rng.random())
        mine = self.bureaux[index :: self.args.clients]
        try:
            while not stop.is_set():
                b = rng.choice(mine)
                kind, body = self.next_write(rng, b)
                self.write(base, b, kind, body, uuid.uuid4().hex)
        except OSError:
            pass  # The server was killed: the write stays pending.
        except Lost as e:
            errors.append(str(e))

    # After a restart: cut writes are retried with their key, then checked.
    def recover(self, base):
        for b in self.bureaux:
            if b.pending is None:
                continue
            kind, path, body, key = b.pending
            status, answer = request(base, "PUT", path, body, key)
            self.retried += 1
            if status != 200:
                raise Lost(f"{b.code}: retry of a cut {kind} write answered {status}: {answer}")
            b.pending = None
            self.accept(b, kind, body, answer, how="retried after restart")

    def check(self, base):
        status, results = request(base, "GET", f"/api/elections/{self.eid}/results?view=desk")
        if status != 200:
            raise Lost(f"desk results answered {status}")
        if results["seq"] != self.acknowledged:
            raise Lost(f"seq {results['seq']} but {self.acknowledged} writes acknowledged")
        for b in self.bureaux:
            got = results["bureaux"].get(b.code)
            if b.version == 0:
                if got and got["version"] != 0:
                    raise Lost(f"{b.code}: version {got['version']} but nothing acknowledged")
                continue
            if got is None or got["version"] != b.version:
                raise Lost(f"{b.code}: version {got and got['version']}, acknowledged {b.version}")
            tally = got["tally"]
            if b.pv is not None:
                counts = {k: tally["counts"][k] for k in ("inscrits", "votants", "blancs", "nuls", "exprimes")}
                want = {k: b.pv[k] for k in counts}
                if counts != want:
                    raise Lost(f"{b.code}: counts {counts}, acknowledged {want}")
                voix = {s["candidate"]: s["voix"] for s in tally["scores"]}
                if voix != {v["candidate"]: v["voix"] for v in b.pv["voix"]}:
                    raise Lost(f"{b.code}: voix {voix}, acknowledged {b.pv['voix']}")
            turnout = {t["hour"]: t["votants"] for t in tally["turnout"] if t["bureaux"] > 0}
            if turnout != b.turnout:
                raise Lost(f"{b.code}: turnout {turnout}, acknowledged {b.turnout}")

    def audit(self, server):
        out = subprocess.run(
            [server.binary, "audit", "verify", "--database-url", server.database_url],
            capture_output=True,
            text=True,
            env=dict(os.environ, RUST_LOG="warn"),
        )
        if out.returncode != 0:
            raise Lost(f"urne audit verify failed: {out.stdout.strip()} {out.stderr.strip()[-500:]}")

    def loop(self, server):
        server.start()
        status, answer = request(server.base, "POST", "/api/elections", self.election)
        if status != 201:
            raise RuntimeError(f"defining the election answered {status}: {answer}")
        for cycle in range(1, self.args.cycles + 1):
            self.cycle = cycle
            stop = threading.Event()
            errors = []
            threads = [
                threading.Thread(target=self.client, args=(i, server.base, stop, errors), daemon=True)
                for i in range(self.args.clients)
            ]
            before = self.acknowledged
            for t in threads:
                t.start()
            # Kill at a random moment while the clients write.
            deadline = time.monotonic() + self.rng.uniform(self.args.min_run, self.args.max_run)
            while time.monotonic() < deadline and not errors:
                time.sleep(0.01)
            server.kill9()
            stop.set()
            for t in threads:
                t.join(timeout=30)
            if errors:
                raise Lost(errors[0])
            cut = sum(1 for b in self.bureaux if b.pending)

            started = time.monotonic()
            server.start()
            while True:
                try:
                    status, results = request(server.base, "GET", f"/api/elections/{self.eid}/results?view=desk")
                    if status == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() - started > 30:
                    raise Lost("no 200 from the desk results within 30 s of the restart")
                time.sleep(0.005)
            self.recoveries_ms.append((time.monotonic() - started) * 1000)
            # Before any retry: every acknowledged write is there, and at
            # most the cut ones besides (committed, but killed before the 200).
            committed = results["seq"] - self.acknowledged
            if not 0 <= committed <= cut:
                raise Lost(f"after restart seq {results['seq']}, {self.acknowledged} acknowledged, {cut} cut")
            self.committed_unanswered += committed
            replay_before = self.acknowledged
            self.recover(server.base)
            self.check(server.base)
            if cycle % self.args.audit_every == 0 or cycle == self.args.cycles:
                self.audit(server)
            log(
                f"cycle {cycle}/{self.args.cycles}: {self.acknowledged - before} acknowledged "
                f"(+{self.acknowledged - replay_before} on retry of {cut} cut writes, {committed} of them "
                f"committed before the kill), "
                f"recovery {self.recoveries_ms[-1]:.0f} ms"
            )
        server.kill9()


def diagnose(run, server, failure):
    """Says what the failing bureau went through, and whether one more
    restart shows the write: stored, but missed by the restarted server's
    live state (a commit of the killed process landing after the restart
    had loaded its state), or not stored at all."""
    code = str(failure).split(":", 1)[0]
    for b in run.bureaux:
        if b.code == code:
            log(f"{code}: last acknowledgements (cycle, how, kind, version, seq): {b.history}")
    try:
        server.kill9()
        server.start()
        run.check(server.base)
        log("after one more restart every acknowledged write is there: the write was stored, "
            "but the restarted server's live state had missed it")
        return "stale"
    except (Lost, OSError, RuntimeError) as e:
        log(f"after one more restart still wrong: {e}")
        return "lost"


# --- databases --------------------------------------------------------------


def psql(admin_url, sql):
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", admin_url, "-c", sql], check=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--cycles", type=int, default=20)
    p.add_argument("--bin", help="urne binary (default: target/debug/urne, built if missing)")
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--seed", type=int, default=int(time.time()))
    p.add_argument("--min-run", type=float, default=0.2, help="shortest run before a kill, seconds")
    p.add_argument("--max-run", type=float, default=1.2, help="longest run before a kill, seconds")
    p.add_argument("--audit-every", type=int, default=5, help="run `urne audit verify` every N cycles")
    p.add_argument(
        "--pg-admin-url",
        default=os.environ.get("URNE_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    args = p.parse_args()

    binary = args.bin or str(ROOT / "target/debug/urne")
    if not args.bin and not os.path.exists(binary):
        log("building urne (debug)")
        subprocess.run(["cargo", "build", "-q", "-p", "server", "--bin", "urne"], cwd=ROOT, check=True)

    tmp = None
    dbname = None
    if args.backend == "sqlite":
        tmp = tempfile.mkdtemp(prefix="urne-kill9-")
        url = f"sqlite://{tmp}/urne.db"
    else:
        dbname = f"urne_kill9_{uuid.uuid4().hex[:12]}"
        psql(args.pg_admin_url, f"CREATE DATABASE {dbname}")
        url = f"{args.pg_admin_url.rsplit('/', 1)[0]}/{dbname}"

    log(f"backend={args.backend} cycles={args.cycles} clients={args.clients} seed={args.seed}")
    run = Run(args)
    server = Server(binary, url)
    failure = None
    verdict = None
    try:
        run.loop(server)
    except Lost as e:
        failure = e
        verdict = diagnose(run, server, e)
    except RuntimeError as e:
        failure = e
    finally:
        server.kill9()
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
        if dbname:
            psql(args.pg_admin_url, f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")

    rec = sorted(run.recoveries_ms) or [0.0]
    summary = (
        f"backend={args.backend} cycles={len(run.recoveries_ms)} acknowledged={run.acknowledged} "
        f"retried_cut_writes={run.retried} (committed_unanswered={run.committed_unanswered}) refused={run.refused} "
        + ("lost=0 " if not failure else "lost=0 stale_after_restart=1 " if verdict == "stale" else "lost=SOME ")
        + f"recovery_ms: p50={statistics.median(rec):.0f} max={rec[-1]:.0f}"
    )
    if failure:
        log(f"FAILED: {failure}")
        log(summary)
        sys.exit(1)
    log(summary)


if __name__ == "__main__":
    main()
