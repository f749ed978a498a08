#!/usr/bin/env python3
"""This policy in the real policy-server, under load from wrk, beside the floor policy-server itself
sets (an allow-all module) and a typical Kubewarden policy (pod-privileged); plus kwctl bench's mean
`validate` time and policy-server's time to readiness for each module.

Tools come from PATH (or KWCTL, POLICY_SERVER); where one is missing the benchmark says so in one
line and exits 0 (`make bench` has then printed the in-process rows only). The floor is the
project's own allow-all module (e2e-tests/bench/allow-all.wasm, annotated here with kwctl); a
pod-privileged row is added when KUBEWARDEN_REFERENCE names a directory with pod-privileged.wasm
and pod-privileged-review.json. Every process listens on 127.0.0.1 and is stopped whatever the
outcome.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
REQUESTS = ROOT / "e2e-tests" / "fixtures" / "requests"
KWCTL = os.environ.get("KWCTL", "kwctl")
POLICY_SERVER = os.environ.get("POLICY_SERVER", "policy-server")
TRUST = os.environ.get("SIGSTORE_TRUST_CONFIG")
DURATION = os.environ.get("BENCH_SECONDS", "5")
# Rounds over every row, interleaved, each row's median kept: one 10 s run on a shared 2-core
# machine moved the ratios by up to 0.1 from run to run.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "9"))
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "8")
WORKERS = os.environ.get("BENCH_WORKERS", "2")


def trust_flags():
    return ["--sigstore-trust-config", TRUST] if TRUST else []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def review(path):
    document = json.loads(Path(path).read_text())
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": document.get("request", document)}


class PolicyServer:
    """One policy-server serving one module as policy `bench`."""

    def __init__(self, module, workdir):
        self.port, probe = free_port(), free_port()
        policies = workdir / f"policies-{self.port}.yml"
        policies.write_text(json.dumps({"bench": {
            "module": f"file://{module}", "policyMode": "protect",
            "allowedToMutate": True, "settings": {}}}))
        self.log = open(workdir / f"policy-server-{self.port}.log", "w")
        started = time.monotonic()
        self.process = subprocess.Popen(
            [POLICY_SERVER, "--addr", "127.0.0.1", "--port", str(self.port),
             "--readiness-probe-port", str(probe), "--policies", str(policies),
             "--policies-download-dir", str(workdir / "downloads"),
             "--ignore-kubernetes-connection-failure", "--workers", WORKERS,
             "--log-level", "warn", *trust_flags()],
            stdout=self.log, stderr=subprocess.STDOUT)
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"policy-server exited; see {self.log.name}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{probe}/readiness", timeout=1)
                break
            except OSError:
                time.sleep(0.02)
        self.readiness = time.monotonic() - started

    def url(self):
        return f"http://127.0.0.1:{self.port}/validate/bench"

    def stop(self):
        self.process.terminate()
        self.process.wait()
        self.log.close()


def to_microseconds(text):
    number, unit = re.fullmatch(r"([\d.]+)(ns|us|µs|ms|s)", text).groups()
    return float(number) * {"ns": 1e-3, "us": 1, "µs": 1, "ms": 1e3, "s": 1e6}[unit]


def cpu_seconds(pid):
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(url, body, workdir, pid):
    """wrk at a fixed concurrency: requests/s, p50 and p99 latency in µs, and the server's CPU µs
    per request (what it costs whatever wrk takes of the shared cores)."""
    body_file = workdir / "body.json"
    body_file.write_text(json.dumps(body))
    script = workdir / "post.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'local f = io.open("{body_file}", "r")\nwrk.body = f:read("*a")\nf:close()\n')
    # One check request first: the load must be measured on answers that are right.
    request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    answer = json.load(urllib.request.urlopen(request))["response"]
    cpu_before = cpu_seconds(pid)
    output = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--latency", "-s", str(script), url],
        check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in output:
        raise RuntimeError(f"non-2xx answers under load:\n{output}")
    cpu = cpu_seconds(pid) - cpu_before
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = to_microseconds(re.search(r"\s50%\s+(\S+)", output).group(1))
    p99 = to_microseconds(re.search(r"\s99%\s+(\S+)", output).group(1))
    return rps, p50, p99, answer, cpu / requests * 1e6


def kwctl_bench(module, request):
    output = subprocess.run(
        [KWCTL, "bench", *trust_flags(), "--request-path", str(request),
         "--warm-up-time", "1", "--measurement-time", "3", str(module)],
        check=True, capture_output=True, text=True).stdout + ""
    plain = re.sub(r"\x1b\[[0-9;]*m", "", output)
    section = plain[plain.index("validate ["):]
    # "elapsed [min mean max]: [44.51µs 59.94µs 112.09µs]"
    mean = re.search(r"\]:\s*\[\S+ (\S+) \S+\]", section).group(1)
    return to_microseconds(mean)


def main():
    missing = [tool for tool in (KWCTL, POLICY_SERVER, "wrk") if not shutil.which(tool)]
    if missing:
        print(f"Skipping the policy-server rows (missing: {', '.join(missing)}): install kwctl and "
              "policy-server from https://github.com/kubewarden/adm-controller/releases "
              "(or set KWCTL, POLICY_SERVER) and wrk from your distribution")
        return
    reference = os.environ.get("KUBEWARDEN_REFERENCE")
    reference = Path(reference).resolve() if reference else None
    ours = ROOT / "annotated-policy.wasm"
    with tempfile.TemporaryDirectory(prefix="sampledb-bench-") as tmp:
        workdir = Path(tmp)
        floor = annotated_floor(workdir)
        rows = [
            ("sampledb: valid object", ours, REQUESTS / "create-valid.json"),
            ("sampledb: minimal object, defaults added", ours, REQUESTS / "create-minimal.json"),
            ("sampledb: invalid object, 7 violations", ours, REQUESTS / "create-many-violations.json"),
            ("allow-all floor (the project's), same valid object", floor,
             REQUESTS / "create-valid.json"),
        ]
        if reference and (reference / "pod-privileged.wasm").is_file():
            rows.append(("pod-privileged, its own review", reference / "pod-privileged.wasm",
                         reference / "pod-privileged-review.json"))
        run_rows(rows, workdir)


def annotated_floor(workdir):
    """The project's allow-all module with the metadata policy-server insists on."""
    metadata = workdir / "allow-all-metadata.yml"
    metadata.write_text("rules: []\nmutating: false\ncontextAwareResources: []\n"
                        "executionMode: kubewarden-wapc\nbackgroundAudit: false\n"
                        "annotations:\n  io.kubewarden.policy.title: allow-all\n")
    out = workdir / "allow-all-annotated.wasm"
    subprocess.run([KWCTL, "annotate", "-m", str(metadata), "-o", str(out),
                    str(ROOT / "e2e-tests" / "bench" / "allow-all.wasm")], check=True)
    return out


def run_rows(rows, workdir):
    results = {}
    # One policy-server at a time: idle servers beside the loaded one cost it throughput.
    samples = {label: [] for label, _, _ in rows}
    readiness = {label: [] for label, _, _ in rows}
    for _ in range(ROUNDS):
        for label, module, request in rows:
            server = PolicyServer(module, workdir)
            try:
                samples[label].append(load(server.url(), review(request), workdir, server.process.pid))
            finally:
                server.stop()
            readiness[label].append(server.readiness)
    for label, _, _ in rows:
        runs = sorted(samples[label], key=lambda run: run[0])
        rps, p50, p99, answer, _ = runs[len(runs) // 2]
        cpu = sorted(run[4] for run in samples[label])[len(runs) // 2]
        ready = sorted(readiness[label])[len(readiness[label]) // 2]
        results[label] = (rps, p50, p99, cpu, ready, answer["allowed"])
    bench = {label: kwctl_bench(module, request) for label, module, request in
             (rows[0], rows[3]) + tuple(rows[4:])}

    print(f"policy-server, {WORKERS} workers; wrk -t2 -c{CONNECTIONS} -d{DURATION}s on the same 2 cores; "
          f"median of {ROUNDS} interleaved rounds\n")
    print("| request | allowed | req/s | p50 µs | p99 µs | server CPU µs/req | readiness s |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for label, (rps, p50, p99, cpu, ready, allowed) in results.items():
        print(f"| {label} | {allowed} | {rps:,.0f} | {p50:,.0f} | {p99:,.0f} | {cpu:,.0f} | {ready:.2f} |")
    valid = results[rows[0][0]][0]
    floor = results[rows[3][0]][0]
    # The same ratios round by round: how far one run's figure can be trusted on this machine.
    def spread(label, other):
        ratios = [mine[0] / theirs[0] for mine, theirs in zip(samples[label], samples[other])]
        return f"rounds {min(ratios):.2f}-{max(ratios):.2f}x"
    print(f"\nsampledb / allow-all throughput: {valid / floor:.2f}x (aim >= 0.95x; "
          f"{spread(rows[0][0], rows[3][0])})")
    if len(rows) > 4:
        privileged = results[rows[4][0]][0]
        print(f"sampledb / pod-privileged throughput: {valid / privileged:.2f}x (target >= 1.5x; "
              f"{spread(rows[0][0], rows[4][0])})")
    print("\n| kwctl bench | mean validate µs |")
    print("|---|---:|")
    for name, mean in bench.items():
        print(f"| {name} | {mean:,.1f} |")


if __name__ == "__main__":
    main()
