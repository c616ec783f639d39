#!/usr/bin/python3
"""Gateway vs direct-to-node scoring benchmark (driven by run.sh).

Starts the platform through the AppHost on free ports with its own data folder, registers the model, creates a
key-auth endpoint with one deployment, reads the node's address and node-local model name from the deployment,
then runs wrk with the same body against
  gateway: POST {gateway}/endpoints/{endpoint}/score   (key check, routing, forwarding)
  direct:  POST {node}/models/{node_model_name}/score
alternately at concurrency 1 and 32, and prints p50/p99 latency, requests/s, added p50 and the throughput ratio.
It also prints the CPU time the gateway and the node processes spent per request (from /proc, user + system),
which, unlike latency and throughput, hardly moves when other work shares the machine.
"""
import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(method, url, key, body=None, headers=None, files=None):
    data = None
    hdrs = {"Authorization": f"Bearer {key}"}
    if files is not None:
        boundary = "----bench" + str(time.time_ns())
        parts = []
        for name, (filename, content) in files.items():
            disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
            parts.append(f"--{boundary}\r\nContent-Disposition: {disp}\r\n\r\n".encode() + content + b"\r\n")
        data = b"".join(parts) + f"--{boundary}--\r\n".encode()
        hdrs["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    elif body is not None:
        data = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
    hdrs.update(headers or {})
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            text = r.read().decode()
            return r.status, (json.loads(text) if text else None)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def wait(predicate, what, timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if predicate():
                return
        except Exception:
            pass
        time.sleep(1)
    raise SystemExit(f"timed out waiting for {what}")


def deploy_and_wait(gateway, admin, model_file, model_name, endpoint, settings=None):
    """Registers model_file, deploys it as <endpoint>/blue behind key auth and waits until it is Healthy.
    Returns (node address, node-local model name, endpoint key)."""
    with open(model_file, "rb") as f:
        status, model = call("POST", gateway + "/api/v1/models", admin, files={"name": (None, model_name.encode()), "file": ("model.onnx", f.read())})
    assert status == 201, (status, model)
    status, _ = call("PUT", f"{gateway}/api/v1/endpoints/{endpoint}", admin, {"authMode": "key"})
    assert status in (200, 201), status
    body = {"model": f"{model_name}:{model['version']}", "compute": "local", "instanceCount": 1, "cpuCores": 1, "memoryGb": 1, "isDefault": True}
    status, dep = call("PUT", f"{gateway}/api/v1/endpoints/{endpoint}/deployments/blue", admin, {**body, **(settings or {})})
    assert status in (200, 201), (status, dep)
    state = {}

    def healthy():
        nonlocal state
        _, state = call("GET", f"{gateway}/api/v1/endpoints/{endpoint}/deployments/blue", admin)
        if state.get("state") == "Failed":
            raise SystemExit(f"deployment failed: {state}")
        return state.get("state") == "Healthy"
    wait(healthy, "the deployment")
    _, keys = call("GET", f"{gateway}/api/v1/endpoints/{endpoint}/keys", admin)
    return state["replicas"][0]["httpAddress"].rstrip("/"), state["nodeModelName"], keys["primaryKey"]


def service_pid(dll, data_root):
    """The process of one of our services started for this run (the AppHost gives each its DataRoot)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if dll.encode() not in f.read():
                    continue
            with open(f"/proc/{entry}/environ", "rb") as f:
                if f"DataRoot={data_root}".encode() in f.read().split(b"\0"):
                    return int(entry)
        except OSError:
            continue
    return None


def cpu_seconds(pid):
    """User + system CPU time of a process so far, or None when it cannot be read."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def wrk(url, body_file, key, connections, duration, out_dir, label, pids=None):
    threads = 1 if connections == 1 else 2
    lua = os.path.join(out_dir, "post.lua")
    with open(lua, "w") as f:
        f.write('wrk.method = "POST"\n')
        f.write(f'local f = io.open("{body_file}", "rb"); wrk.body = f:read("*a"); f:close()\n')
        f.write('wrk.headers["Content-Type"] = "application/json"\n')
        if key:
            f.write(f'wrk.headers["Authorization"] = "Bearer {key}"\n')
        f.write("""
local bad = 0
response = function(status, headers, body) if status ~= 200 then bad = bad + 1 end end
done = function(summary, latency, requests)
  io.write(string.format("RESULT p50_us=%d p99_us=%d requests=%d non2xx=%d errors=%d\\n",
    latency:percentile(50), latency:percentile(99), summary.requests,
    summary.status and 0 or 0, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
""")
    pids = pids or {}
    cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    result = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--latency", "-s", lua, url],
                            capture_output=True, text=True)
    cpu_after = {name: cpu_seconds(pid) for name, pid in pids.items()}
    with open(os.path.join(out_dir, f"wrk-{label}-c{connections}.txt"), "w") as f:
        f.write(result.stdout + result.stderr)
    m = re.search(r"RESULT p50_us=(\d+) p99_us=(\d+) requests=(\d+)", result.stdout)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", result.stdout)
    if not m or not rps:
        raise SystemExit(f"wrk failed: {result.stdout}{result.stderr}")
    requests = int(m.group(3))
    cpu = {f"{name}_cpu_us": (cpu_after[name] - cpu_before[name]) * 1e6 / requests
           for name in pids if cpu_before[name] is not None and cpu_after[name] is not None and requests > 0}
    return {"p50_us": int(m.group(1)), "p99_us": int(m.group(2)), "rps": float(rps.group(1)),
            "non2xx": int(non2xx.group(1)) if non2xx else 0, **cpu}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=2, help="alternating gateway/direct rounds per concurrency")
    ap.add_argument("--warmup", type=int, default=10, help="seconds of load on each path before measuring")
    args = ap.parse_args()

    data_root = tempfile.mkdtemp(prefix="gateway-bench-")
    os.chmod(data_root, 0o755)
    gw_port, grpc_port, dash_port = free_port(), free_port(), free_port()
    gateway = f"http://127.0.0.1:{gw_port}"
    log = open(os.path.join(args.out, "apphost.log"), "w")
    apphost = subprocess.Popen(
        ["dotnet", os.path.join(args.root, "AppHost/bin/Release/net10.0/AppHost.dll"), "--data", data_root,
         "--gateway-port", str(gw_port), "--grpc-port", str(grpc_port), "--dashboard-port", str(dash_port), "--inference-nodes", "1"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        key_file = os.path.join(data_root, "admin-key")
        wait(lambda: os.path.exists(key_file) and urllib.request.urlopen(gateway + "/health", timeout=5).status == 200, "the platform")
        admin = open(key_file).read().strip()

        node, node_model, key = deploy_and_wait(gateway, admin, args.model, "bench-cnn", "bench")
        # Nodes answer only the platform: the direct path carries the platform credential, as the gateway does.
        internal_key = open(os.path.join(data_root, "internal-key")).read().split()[0]

        body_file = os.path.join(args.out, "body.json")
        with open(body_file, "w") as f:
            json.dump({"data": [[[[((i * 28 + j) % 17) / 17.0 for j in range(28)] for i in range(28)]]]}, f)
        body = json.load(open(body_file))
        gw_url = f"{gateway}/endpoints/bench/score"
        direct_url = f"{node}/models/{node_model}/score"
        wait(lambda: call("POST", gw_url, key, body)[0] == 200, "the gateway to route the endpoint", timeout=60)
        s1, a1 = call("POST", gw_url, key, body)
        s2, a2 = call("POST", direct_url, internal_key, body)
        assert s1 == 200 and s2 == 200 and a1 == a2, ("answers differ", a1, a2)

        pids = {"gateway": service_pid("Gateway.Service.dll", data_root), "node": service_pid("Inference.Service.dll", data_root)}

        # Warm both paths (JIT, connection pools) before measuring. On a busy 2-core machine the runtime needs several
        # seconds of load to replace the first-call code of the scoring path with optimized code (tiered compilation).
        wrk(gw_url, body_file, key, 8, args.warmup, args.out, "warm-gateway")
        wrk(direct_url, body_file, internal_key, 8, args.warmup, args.out, "warm-direct")

        results = {}
        load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
        for c in (1, 32):
            runs = {"gateway": [], "direct": []}
            for _ in range(args.rounds):
                runs["direct"].append(wrk(direct_url, body_file, internal_key, c, args.duration, args.out, "direct", pids))
                runs["gateway"].append(wrk(gw_url, body_file, key, c, args.duration, args.out, "gateway", pids))
            results[c] = {k: {"p50_us": sorted(r["p50_us"] for r in v)[len(v) // 2], "p99_us": max(r["p99_us"] for r in v),
                              "rps": sum(r["rps"] for r in v) / len(v), "non2xx": sum(r["non2xx"] for r in v),
                              "p50_us_runs": [r["p50_us"] for r in v], "rps_runs": [round(r["rps"]) for r in v],
                              **{f: sum(r[f] for r in v) / len(v) for f in ("gateway_cpu_us", "node_cpu_us") if all(f in r for r in v)}}
                          for k, v in runs.items()}

        print(f"gateway benchmark: model cnn (1x1x28x28 FP32, JSON body {os.path.getsize(body_file)} bytes), "
              f"{args.rounds}x{args.duration}s per path and concurrency, wrk, {os.cpu_count()} cores shared by client, gateway and node")
        print(f"load average before: {load_before}, after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"{'c':>3} {'path':>8} {'p50 us':>8} {'p99 us':>8} {'req/s':>9} {'non-2xx':>8} {'gw CPU us/req':>14} {'node CPU us/req':>16}  p50 and req/s per round")
        for c, r in results.items():
            for path in ("direct", "gateway"):
                x = r[path]
                gw_cpu = f"{x['gateway_cpu_us']:.0f}" if path == "gateway" and "gateway_cpu_us" in x else "-"
                node_cpu = f"{x['node_cpu_us']:.0f}" if "node_cpu_us" in x else "-"
                print(f"{c:>3} {path:>8} {x['p50_us']:>8} {x['p99_us']:>8} {x['rps']:>9.0f} {x['non2xx']:>8} {gw_cpu:>14} {node_cpu:>16}  "
                      f"{x['p50_us_runs']} {x['rps_runs']}")
        added = results[1]["gateway"]["p50_us"] - results[1]["direct"]["p50_us"]
        ratio = results[32]["gateway"]["rps"] / results[32]["direct"]["rps"]
        print(f"added p50 at c=1: {added} us (target <= 250)   throughput gateway/direct at c=32: {ratio:.2f} (target >= 0.9)")
        with open(os.path.join(args.out, "results.json"), "w") as f:
            json.dump({"results": results, "added_p50_us_c1": added, "throughput_ratio_c32": ratio}, f, indent=2)
    finally:
        os.killpg(apphost.pid, signal.SIGTERM)
        try:
            apphost.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(apphost.pid, signal.SIGKILL)
        subprocess.run(["rm", "-rf", data_root])


if __name__ == "__main__":
    sys.exit(main())
