#!/usr/bin/python3
"""The scoring path side by side (issue 14), driven by run.sh.

One platform run (AppHost, Release, its own data folder and ports), the iris MLP deployed behind a key-auth endpoint
(batching on, no queue delay), then in the same run, alternating paths round by round with wrk and one JSON body of
5 rows:
  peer     Node.js http + onnxruntime-node, one process, no auth (peer.js)
  peer+proxy  the peer behind a minimal Node.js relay (proxy.js): a two-process reference for the gateway path
  node     POST {node}/models/{m}/score with the platform credential (the node's own Kestrel port)
  gateway  POST {gateway}/endpoints/{e}/score with the endpoint key (the gateway's own Kestrel port, not DCP's proxy)
  [proxy]  the same through DCP's proxy in front of the gateway (--with-dcp-proxy), as a user of the AppHost sees it
and raw ONNX Runtime in process (bench/inference --raw-only, same model and rows). For each: req/s, p50, p99 and the
server processes' CPU µs per request (user + system from /proc: it hardly moves when the machine is shared, unlike
latency and throughput), and the ratios the issue's targets are about.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "gateway"))
from bench import call, deploy_and_wait, free_port, wait, wrk  # noqa: E402  (bench/gateway/bench.py)

ROWS = [[5.1, 3.5, 1.4, 0.2], [4.9, 3.0, 1.4, 0.2], [6.2, 3.4, 5.4, 2.3], [5.9, 3.0, 5.1, 1.8], [5.5, 2.5, 4.0, 1.3]]


def service_pid(name, data_root):
    """The process of one of our services started for this run (DCP starts the apphost executable or the .dll)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
            if not any(os.path.basename(a.decode(errors="replace")) in (name, name + ".dll") for a in argv[:3]):
                continue
            with open(f"/proc/{entry}/environ", "rb") as f:
                if f"DataRoot={data_root}".encode() in f.read().split(b"\0"):
                    return int(entry)
        except OSError:
            continue
    raise SystemExit(f"no {name} process of this run")


def environ_of(pid):
    with open(f"/proc/{pid}/environ", "rb") as f:
        return dict(e.decode().split("=", 1) for e in f.read().split(b"\0") if b"=" in e)


def close(a, b, tol=1e-5):
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(close(x, y, tol) for x, y in zip(a, b))
    return abs(float(a) - float(b)) <= tol * max(1.0, abs(float(a)))


def launch(root, env, extra, out, label, project, role):
    """Starts a build of `project` (Gateway.Service, Inference.Service) on fresh loopback ports with `env` plus `extra`;
    BIN=folder in `extra` runs another build (a copy of an earlier build's output: before/after in one run)."""
    port = free_port()
    env["Kestrel__Endpoints__http__Url"] = f"http://127.0.0.1:{port}"
    env["Kestrel__Endpoints__grpc__Url"] = f"http://127.0.0.1:{free_port()}"
    bin_dir = extra.pop("BIN", None) or os.path.join(root, f"{project}/bin/Release/net10.0")
    env.update(extra)
    log = open(os.path.join(out, f"{role}-{label}.log"), "w")
    proc = subprocess.Popen(["dotnet", os.path.join(bin_dir, f"{project}.dll")], cwd=bin_dir, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    return proc, f"http://127.0.0.1:{port}"


def start_gateway(root, environ, out, label, extra):
    """A second gateway process, the AppHost's gateway's environment on new ports (plus `extra`), for A/B of options."""
    proc, url = launch(root, dict(environ), extra, out, label, "Gateway.Service", "gateway")
    wait(lambda: urllib.request.urlopen(url + "/health", timeout=5).status == 200, f"gateway {label}", timeout=120)
    return proc, url


def start_node(root, environ, out, label, extra, model_file, model_name, settings, key):
    """A second inference node process, the AppHost's node's environment on new ports without Compute registration,
    the same model preloaded with the same settings (plus `extra`; BIN=folder: the node build in that folder)."""
    env = {k: v for k, v in environ.items() if not k.startswith("services__compute__")}
    env["Inference__NodeName"] = f"bench-{label}"
    env["Inference__Preload__0__Name"] = model_name
    env["Inference__Preload__0__Location"] = model_file
    for name, value in settings.items():
        env[f"Inference__Preload__0__Settings__{name}"] = str(value)
    proc, url = launch(root, env, extra, out, label, "Inference.Service", "node")
    wait(lambda: call("GET", f"{url}/v2/models/{model_name}/ready", key)[0] == 200, f"node {label}", timeout=120)
    return proc, f"{url}/models/{model_name}/score"


def preload_settings(node, key, model):
    """The settings the platform loaded the model with on its node (GET /admin/models), under Inference:Preload's names."""
    _, listing = call("GET", f"{node}/admin/models", key)
    entry = next(m for m in listing.get("models", []) if m.get("name", m.get("modelName")) == model)
    names = {"intraOpThreads": "IntraOpThreads", "interOpThreads": "InterOpThreads", "maxBatchSize": "MaxBatchSize",
             "maxQueueDelayUs": "MaxQueueDelayMicroseconds", "maxQueueSize": "MaxQueueSize"}
    return {names[k]: v for k, v in entry.get("settings", {}).items() if k in names}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--peer-modules", required=True, help="node_modules folder with onnxruntime-node")
    ap.add_argument("--raw-bench", required=True, help="Inference.Bench.dll (raw ONNX Runtime in process)")
    ap.add_argument("--duration", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=2, help="alternating rounds over the paths per concurrency")
    ap.add_argument("--warmup", type=int, default=8, help="seconds of load on each path before measuring")
    ap.add_argument("--with-dcp-proxy", action="store_true", help="also measure the gateway through DCP's proxy")
    ap.add_argument("--trace-sampling", default="0.01",
                    help="the AppHost's --trace-sampling for every service (its default, 1.0, records and exports every request's spans)")
    ap.add_argument("--profile", action="store_true",
                    help="after the measurements, profile node and gateway under c=32 load (dotnet-counters, perf, context switches)")
    ap.add_argument("--gateway-variant", action="append", default=[],
                    help="LABEL:KEY=VALUE[,KEY=VALUE]: also measure a second gateway process with these settings "
                         "(BIN=folder: the gateway build in that folder)")
    ap.add_argument("--node-variant", action="append", default=[],
                    help="LABEL:KEY=VALUE[,KEY=VALUE]: also measure a second inference node (the same model and settings, "
                         "called directly) with these settings (BIN=folder: the node build in that folder)")
    args = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))

    data_root = tempfile.mkdtemp(prefix="scoring-bench-")
    os.chmod(data_root, 0o755)
    gw_port, grpc_port, dash_port = free_port(), free_port(), free_port()
    proxy = f"http://127.0.0.1:{gw_port}"
    log = open(os.path.join(args.out, "apphost.log"), "w")
    apphost = subprocess.Popen(
        ["dotnet", os.path.join(args.root, "AppHost/bin/Release/net10.0/AppHost.dll"), "--data", data_root, "--no-demo",
         "--gateway-port", str(gw_port), "--grpc-port", str(grpc_port), "--dashboard-port", str(dash_port), "--inference-nodes", "1",
         "--trace-sampling", args.trace_sampling],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    extra_procs = []
    try:
        key_file = os.path.join(data_root, "admin-key")
        wait(lambda: os.path.exists(key_file) and urllib.request.urlopen(proxy + "/health", timeout=5).status == 200, "the platform")
        admin = open(key_file).read().strip()
        gateway_pid = service_pid("Gateway.Service", data_root)
        gateway_env = environ_of(gateway_pid)
        gateway = gateway_env["Kestrel__Endpoints__http__Url"].rstrip("/")

        node, node_model, key = deploy_and_wait(gateway, admin, args.model, "bench-iris", "iris",
                                                {"batching": {"maxBatchSize": 32, "maxQueueDelayMicroseconds": 0}})
        internal_key = open(os.path.join(data_root, "internal-key")).read().split()[0]

        peer_port = free_port()
        peer_log = open(os.path.join(args.out, "peer.log"), "w")
        peer = subprocess.Popen(["node", os.path.join(here, "peer.js"), args.model, str(peer_port)], env={**os.environ, "NODE_PATH": args.peer_modules},
                                stdout=peer_log, stderr=subprocess.STDOUT, start_new_session=True)
        extra_procs.append(peer)
        relay_port = free_port()
        relay = subprocess.Popen(["node", os.path.join(here, "proxy.js"), str(relay_port), str(peer_port)],
                                 stdout=peer_log, stderr=subprocess.STDOUT, start_new_session=True)
        extra_procs.append(relay)

        body = {"data": ROWS}
        body_file = os.path.join(args.out, "body.json")
        with open(body_file, "w") as f:
            json.dump(body, f)
        paths = {
            "peer": (f"http://127.0.0.1:{peer_port}/score", None),
            "peer+proxy": (f"http://127.0.0.1:{relay_port}/score", None),
            "node": (f"{node}/models/{node_model}/score", internal_key),
            "gateway": (f"{gateway}/endpoints/iris/score", key),
        }
        if args.with_dcp_proxy:
            paths["dcp-proxy"] = (f"{proxy}/endpoints/iris/score", key)
        pids = {"gateway": gateway_pid, "node": service_pid("Inference.Service", data_root), "peer": peer.pid, "proxy": relay.pid}
        for variant in args.gateway_variant:
            label, _, settings = variant.partition(":")
            extra = dict(kv.split("=", 1) for kv in settings.split(",") if kv)
            proc, url = start_gateway(args.root, gateway_env, args.out, label, extra)
            extra_procs.append(proc)
            paths[f"gw-{label}"] = (f"{url}/endpoints/iris/score", key)
            pids[f"gw-{label}"] = proc.pid

        for variant in args.node_variant:
            label, _, settings = variant.partition(":")
            extra = dict(kv.split("=", 1) for kv in settings.split(",") if kv)
            proc, url = start_node(args.root, environ_of(pids["node"]), args.out, label, extra, os.path.abspath(args.model), node_model,
                                   preload_settings(node, internal_key, node_model), internal_key)
            extra_procs.append(proc)
            paths[f"node-{label}"] = (url, internal_key)
            pids[f"node-{label}"] = proc.pid

        wait(lambda: call("POST", paths["gateway"][0], key, body)[0] == 200, "the gateway to route the endpoint", timeout=60)
        wait(lambda: call("POST", paths["peer"][0], "", body)[0] == 200, "the peer", timeout=60)
        wait(lambda: call("POST", paths["peer+proxy"][0], "", body)[0] == 200, "the relay in front of the peer", timeout=60)
        answers = {name: call("POST", url, k or "", body) for name, (url, k) in paths.items()}
        for name, (status, answer) in answers.items():
            assert status == 200 and close(answer, answers["peer"][1]), (f"{name} answers differently", status, answer, answers["peer"])

        # Which processes serve each path (their CPU is what the path costs the machine).
        serving = {"peer": ["peer"], "peer+proxy": ["proxy", "peer"], "node": ["node"], "gateway": ["gateway", "node"], "dcp-proxy": ["gateway", "node"]}
        for name in paths:
            if name.startswith("gw-"):
                serving[name] = [name, "node"]
            if name.startswith("node-"):
                serving[name] = [name]

        # Warm every path (JIT tiering, connection pools) before measuring anything.
        for name, (url, k) in paths.items():
            wrk(url, body_file, k, 8, args.warmup, args.out, f"warm-{name}")

        load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
        results = {}
        for c in (1, 32):
            runs = {name: [] for name in paths}
            for _ in range(args.rounds):
                for name, (url, k) in paths.items():
                    r = wrk(url, body_file, k, c, args.duration, args.out, name, {p: pids[p] for p in serving[name]})
                    r["cpu_us"] = sum(r.get(f"{p}_cpu_us", 0) for p in serving[name])
                    runs[name].append(r)
            results[c] = {name: summarize(v, serving[name]) for name, v in runs.items()}
        load_after = " ".join(f"{x:.2f}" for x in os.getloadavg())

        if args.profile:
            profile(args, paths, pids, serving, body_file)
        raw = run_raw(args)
        report(args, results, raw, load_before, load_after, paths)
    finally:
        for proc in extra_procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        os.killpg(apphost.pid, signal.SIGTERM)
        try:
            apphost.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(apphost.pid, signal.SIGKILL)
        subprocess.run(["rm", "-rf", data_root])


def context_switches(pid):
    """Voluntary + involuntary context switches of all the process's threads so far (a thread hop costs at least one)."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def profile(args, paths, pids, serving, body_file):
    """Per request under c=32 load on the node and gateway paths: allocations, thread-pool work items, lock contentions
    and context switches of each serving process (dotnet-counters, /proc), and where the CPU goes (perf)."""
    tools = os.path.expanduser("~/.dotnet/tools")
    seconds = 8
    for name in [n for n in ("node", "gateway") if n in paths]:
        url, k = paths[name]
        # wrk() writes out/post.lua with this path's credential, which the background loads below reuse.
        wrk(url, body_file, k, 1, 1, args.out, f"profile-prep-{name}")
        load = subprocess.Popen(["wrk", "-t", "2", "-c", "32", "-d", f"{seconds + 6}s", "-s", os.path.join(args.out, "post.lua"), url],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(2)
        collectors = []
        switches_before = {p: context_switches(pids[p]) for p in serving[name]}
        for p in serving[name]:
            counters = os.path.join(args.out, f"counters-{name}-{p}")
            collectors.append(subprocess.Popen([os.path.join(tools, "dotnet-counters"), "collect", "-p", str(pids[p]), "--format", "json", "-o", counters,
                                                "--duration", f"00:00:00:{seconds:02d}", "--counters",
                                                "System.Runtime,Microsoft.AspNetCore.Hosting"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT))
        time.sleep(seconds + 1)
        for c in collectors:
            c.wait(timeout=30)
        switches = {p: context_switches(pids[p]) - switches_before[p] for p in serving[name]}
        out, _ = load.communicate(timeout=30)
        # Then a CPU profile of each process under the same load: perf (kernel and native frames, and JIT-compiled
        # methods when the process runs with DOTNET_PerfMapEnabled=1). EventPipe's sampler (dotnet-trace) samples
        # every thread, waiting or not, and on this path shows mostly threads waiting for work.
        for p in serving[name]:
            load = subprocess.Popen(["wrk", "-t", "2", "-c", "32", "-d", f"{seconds + 4}s", "-s", os.path.join(args.out, "post.lua"), url],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
            time.sleep(2)
            data = os.path.join(args.out, f"perf-{name}-{p}.data")
            subprocess.run(["perf", "record", "-F", "1999", "-g", "-p", str(pids[p]), "-o", data, "--", "sleep", str(seconds)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
            load.wait(timeout=60)
            with open(os.path.join(args.out, f"perf-{name}-{p}.txt"), "w") as f:
                for sort in ("dso", "dso,sym"):
                    f.write(subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", sort, "--stdio", "-g", "none", "--percent-limit", "0.4"],
                                           capture_output=True, text=True).stdout)
        rps = float(next((l.split()[1] for l in out.splitlines() if l.startswith("Requests/sec:")), "nan"))
        print(f"profile {name} path at c=32: {rps:.0f} req/s; context switches per request: "
              + ", ".join(f"{p}={v / (rps * (seconds + 1)):.2f}" for p, v in switches.items()))
        for p in serving[name]:
            print(f"  {p}: " + counters_per_request(os.path.join(args.out, f"counters-{name}-{p}.json"), rps)
                  + f"  (CPU profile: out/perf-{name}-{p}.txt)")


def counters_per_request(path, rps):
    """Allocation bytes, thread-pool work items and lock contentions per request from a dotnet-counters JSON file."""
    try:
        with open(path) as f:
            text = f.read()
        events = json.loads(text if text.rstrip().endswith("]}") else text.rstrip().rstrip(",") + "]}")["Events"]
    except (OSError, ValueError, KeyError) as e:
        return f"(no counters: {e})"
    def rate(names):
        values = [e["value"] for e in events if e["name"].split(" (")[0] in names]
        return sum(values[1:]) / max(1, len(values) - 1) if values else float("nan")
    alloc = rate(("dotnet.gc.heap.total_allocated", "Allocation Rate"))
    items = rate(("dotnet.thread_pool.work_item.count", "ThreadPool Completed Work Item Count"))
    locks = rate(("dotnet.monitor.lock_contentions", "Monitor Lock Contention Count"))
    return f"{alloc / rps:.0f} B allocated, {items / rps:.2f} thread-pool work items, {locks / rps:.3f} lock contentions per request"


def summarize(runs, processes):
    def median(xs):
        xs = sorted(xs)
        return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2
    return {"rps": sum(r["rps"] for r in runs) / len(runs), "p50_us": median([r["p50_us"] for r in runs]),
            "p99_us": max(r["p99_us"] for r in runs), "non2xx": sum(r["non2xx"] for r in runs),
            "cpu_us": sum(r["cpu_us"] for r in runs) / len(runs),
            **{f"{p}_cpu_us": sum(r.get(f"{p}_cpu_us", 0) for r in runs) / len(runs) for p in processes},
            "rps_runs": [round(r["rps"]) for r in runs], "p50_runs": [r["p50_us"] for r in runs]}


def run_raw(args):
    """Raw ONNX Runtime in process, same model and rows: what the serving path adds is measured against it."""
    model_dir, model_file = os.path.split(os.path.abspath(args.model))
    env = {**os.environ, "Platform__InternalKey": "bench-raw-only-credential-0123456789"}
    result = subprocess.run(["dotnet", args.raw_bench, "--models", model_dir, "--only", os.path.splitext(model_file)[0], "--raw-only",
                             "--rows", str(len(ROWS)), "--concurrency", "1,32", "--duration", str(min(args.duration, 4)), "--warmup", "1"],
                            capture_output=True, text=True, env=env)
    raw = {}
    for line in result.stdout.splitlines():
        if line.startswith("RAW "):
            fields = dict(f.split("=", 1) for f in line.split()[1:])
            raw[int(fields["c"])] = {"rps": float(fields["rps"]), "p50_us": float(fields["p50_us"]), "p99_us": float(fields["p99_us"]), "cpu_us": float(fields["cpu_us"])}
    if not raw:
        print(f"raw ONNX Runtime run failed:\n{result.stdout}\n{result.stderr}", file=sys.stderr)
    return raw


def report(args, results, raw, load_before, load_after, paths):
    print(f"scoring benchmark: iris MLP (4 -> 3), {len(ROWS)} rows per request as JSON, wrk, {args.rounds}x{args.duration}s per path and "
          f"concurrency, paths alternating; {os.cpu_count()} cores shared by wrk and every server")
    print(f"load average before: {load_before}, after: {load_after}; trace sampling {args.trace_sampling}")
    print(f"{'c':>3} {'path':>12} {'req/s':>9} {'p50 us':>8} {'p99 us':>8} {'CPU us/req':>11} {'non-2xx':>8}  per round: req/s, p50; CPU by process")
    for c in (1, 32):
        if c in raw:
            r = raw[c]
            print(f"{c:>3} {'raw ORT':>12} {r['rps']:>9.0f} {r['p50_us']:>8.1f} {r['p99_us']:>8.1f} {r['cpu_us']:>11.1f} {'-':>8}  (in process, bench/inference --raw-only)")
        for name in paths:
            x = results[c][name]
            by_process = " ".join(f"{k[:-7]}={v:.0f}" for k, v in x.items() if k.endswith("_cpu_us") and k != "cpu_us")
            print(f"{c:>3} {name:>12} {x['rps']:>9.0f} {x['p50_us']:>8} {x['p99_us']:>8} {x['cpu_us']:>11.0f} {x['non2xx']:>8}  "
                  f"{x['rps_runs']} {x['p50_runs']}; {by_process}")
    print()
    r = {c: results[c] for c in (1, 32)}
    node32 = r[32]["node"]["rps"] / r[32]["peer"]["rps"]
    gw32 = r[32]["gateway"]["rps"] / r[32]["peer"]["rps"]
    added = r[1]["gateway"]["p50_us"] - r[1]["node"]["p50_us"]
    print(f"node/peer req/s    c=1: {r[1]['node']['rps'] / r[1]['peer']['rps']:.2f}   c=32: {node32:.2f} (target >= 1.5)")
    print(f"gateway/peer req/s c=1: {r[1]['gateway']['rps'] / r[1]['peer']['rps']:.2f}   c=32: {gw32:.2f} (target >= 1.0)")
    relay = {c: r[c]["peer+proxy"]["rps"] / r[c]["peer"]["rps"] for c in (1, 32)}
    print(f"peer+proxy/peer     c=1: {relay[1]:.2f}   c=32: {relay[32]:.2f} (what a second process costs the peer)")
    print(f"gateway/(peer+proxy) c=1: {r[1]['gateway']['rps'] / r[1]['peer+proxy']['rps']:.2f}   "
          f"c=32: {r[32]['gateway']['rps'] / r[32]['peer+proxy']['rps']:.2f} (the gateway path against a two-process peer)")
    print(f"gateway adds at p50, c=1: {added:.0f} us (target <= 150); CPU us/req gateway path/node path at c=32: "
          f"{r[32]['gateway']['cpu_us'] / r[32]['node']['cpu_us']:.2f}")
    for name in paths:
        if name.startswith("gw-") or name == "dcp-proxy":
            print(f"{name}/gateway req/s c=1: {r[1][name]['rps'] / r[1]['gateway']['rps']:.2f}  c=32: {r[32][name]['rps'] / r[32]['gateway']['rps']:.2f};"
                  f"  p50 c=1: {r[1][name]['p50_us']} vs {r[1]['gateway']['p50_us']} us")
        if name.startswith("node-"):
            print(f"{name}/node req/s c=1: {r[1][name]['rps'] / r[1]['node']['rps']:.2f}  c=32: {r[32][name]['rps'] / r[32]['node']['rps']:.2f};"
                  f"  CPU us/req c=32: {r[32][name]['cpu_us']:.0f} vs {r[32]['node']['cpu_us']:.0f}")
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump({"results": results, "raw": raw}, f, indent=2)


if __name__ == "__main__":
    sys.exit(main())
