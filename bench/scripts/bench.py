#!/usr/bin/python3
"""Scoring-script overhead benchmark (driven by run.sh).

direct:  score.run(body) called in this Python process (what the script costs by itself)
node:    POST {node}/models/bench/score with the same body, served by a Python worker of the node (wrk)
Prints per-request time of both, the node's added latency (p50 − direct) and the throughput ratio.
"""
import argparse
import importlib.util
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import numpy as np


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(method, url, key, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return r.status, r.read().decode()


def wrk(url, body_file, key, connections, duration, out_dir):
    lua = os.path.join(out_dir, "post.lua")
    with open(lua, "w") as f:
        f.write('wrk.method = "POST"\n')
        f.write(f'local f = io.open("{body_file}", "rb"); wrk.body = f:read("*a"); f:close()\n')
        f.write('wrk.headers["Content-Type"] = "application/json"\n')
        f.write(f'wrk.headers["Authorization"] = "Bearer {key}"\n')
        f.write('done = function(summary, latency, requests)\n'
                '  io.write(string.format("RESULT p50_us=%d p99_us=%d\\n", latency:percentile(50), latency:percentile(99)))\nend\n')
    threads = 1 if connections == 1 else 2
    result = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--latency", "-s", lua, url],
                            capture_output=True, text=True)
    with open(os.path.join(out_dir, f"wrk-c{connections}.txt"), "w") as f:
        f.write(result.stdout + result.stderr)
    m = re.search(r"RESULT p50_us=(\d+) p99_us=(\d+)", result.stdout)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    if not m or not rps or "Non-2xx" in result.stdout:
        raise SystemExit(f"wrk failed: {result.stdout}{result.stderr}")
    return int(m.group(1)), int(m.group(2)), float(rps.group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--duration", type=int, default=8)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))

    model_dir = tempfile.mkdtemp(prefix="script-bench-model-")
    np.save(os.path.join(model_dir, "weights.npy"), np.random.default_rng(1).standard_normal((16, 4)).astype(np.float32))
    body = {"data": np.random.default_rng(2).standard_normal((8, 16)).round(4).tolist()}
    body_text = json.dumps(body)
    body_file = os.path.join(args.out, "body.json")
    with open(body_file, "w") as f:
        f.write(body_text)

    # direct: the script's own cost, in this interpreter (the same /usr/bin/python3 the worker runs).
    os.environ["AZUREML_MODEL_DIR"] = model_dir
    spec = importlib.util.spec_from_file_location("score", os.path.join(here, "score.py"))
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    score.init()
    for _ in range(2000):
        score.run(body_text)
    n = 20000
    started = time.perf_counter()
    for _ in range(n):
        json.dumps(score.run(body_text))  # the node serializes run()'s answer too
    direct_us = (time.perf_counter() - started) * 1e6 / n

    key = secrets.token_hex(16)
    http_port, grpc_port = free_port(), free_port()
    env = dict(os.environ, **{
        "Kestrel__Endpoints__http__Url": f"http://127.0.0.1:{http_port}",
        "Kestrel__Endpoints__grpc__Url": f"http://127.0.0.1:{grpc_port}",
        "Kestrel__Endpoints__grpc__Protocols": "Http2",
        "Inference__NodeName": "script-bench",
        "Platform__InternalKey": key,
        "Logging__LogLevel__Default": "Warning",
        "ORT_DISABLE_TELEMETRY": "1",
    })
    log = open(os.path.join(args.out, "node.log"), "w")
    node = subprocess.Popen(["dotnet", os.path.join(args.root, "Inference.Service/bin/Release/net10.0/Inference.Service.dll")],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{http_port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/health", timeout=2)
                break
            except Exception:
                if time.time() > deadline or node.poll() is not None:
                    raise SystemExit("the node did not start; see " + log.name)
                time.sleep(0.2)
        request("PUT", base + "/admin/models/bench", key, {"modelVersion": "bench:1", "script": {
            "python": "/usr/bin/python3", "codeDir": here, "entryScript": "score.py", "modelDir": model_dir,
            "workers": args.workers, "concurrency": 4, "threads": 1}})
        status, answer = request("POST", base + "/models/bench/score", key, body)
        assert status == 200 and json.loads(answer) == json.loads(json.dumps(score.run(body_text))), answer

        url = base + "/models/bench/score"
        wrk(url, body_file, key, 1, 3, args.out)  # warm-up
        rows = []
        for connections in (1, 8):
            p50, p99, rps = wrk(url, body_file, key, connections, args.duration, args.out)
            rows.append((connections, p50, p99, rps))
    finally:
        node.terminate()
        node.wait(timeout=30)

    print(f"scoring-script overhead ({args.workers} worker(s), body {len(body_text)} bytes, 8x16 float32 @ 16x4)")
    print(f"  direct run() in Python:            {direct_us:8.1f} us/call   ({1e6 / direct_us:8.0f} calls/s on one core)")
    for connections, p50, p99, rps in rows:
        print(f"  node /score, {connections} connection(s):      p50 {p50:6d} us  p99 {p99:6d} us  {rps:8.0f} req/s"
              f"   added p50 {p50 - direct_us:7.1f} us   throughput {rps / (1e6 / direct_us):5.2f}x of direct")


if __name__ == "__main__":
    main()
