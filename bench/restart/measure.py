"""Times the platform's return after a restart: N deployments created, SIGTERM, start again, poll each with its key."""
import argparse, json, os, signal, socket, subprocess, tempfile, time, urllib.request, urllib.error, uuid

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

class Platform:
    def __init__(self, root, data, ports, nodes):
        self.root, self.data, self.ports, self.nodes, self.proc = root, data, ports, nodes, None

    def start(self):
        gw, grpc, otlp = self.ports
        log = open(os.path.join(self.data, f"apphost-{int(time.time())}.out"), "w")
        self.proc = subprocess.Popen(
            ["dotnet", os.path.join(self.root, "AppHost/bin/Release/net10.0/AppHost.dll"), "--data", self.data,
             "--gateway-port", str(gw), "--grpc-port", str(grpc), "--dashboard-port", "0", "--dashboard-otlp-port", str(otlp),
             "--inference-nodes", str(self.nodes), "--no-demo", "--quiet"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        return time.monotonic()

    def stop(self):
        """SIGTERM as Ctrl+C would; returns once no process of this data folder is left (DCP stops the services after
        the app host itself has exited, so the app host's exit alone does not mean the old gateway is gone)."""
        os.kill(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=120)
        deadline = time.monotonic() + 120
        while self.leftovers() and time.monotonic() < deadline:
            time.sleep(0.2)
        if self.leftovers(): raise SystemExit(f"processes of {self.data} still running 120 s after SIGTERM: {self.leftovers()}")

    def leftovers(self):
        found = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f: cmdline = f.read()
                with open(f"/proc/{pid}/environ", "rb") as f: environ = f.read()
            except OSError:
                continue
            if self.data.encode() in cmdline or self.data.encode() in environ: found.append(int(pid))
        return found

    @property
    def url(self):
        return f"http://127.0.0.1:{self.ports[0]}"

def call(method, url, key=None, body=None, content_type="application/json", timeout=10):
    req = urllib.request.Request(url, data=body, method=method)
    if key: req.add_header("Authorization", "Bearer " + key)
    if body is not None: req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError, socket.timeout):
        return 0, b""

def wait_healthy(platform, limit=600):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if platform.proc.poll() is not None: raise SystemExit(f"the app host exited with {platform.proc.returncode}")
        if call("GET", platform.url + "/health")[0] == 200: return time.monotonic()
        time.sleep(0.25)
    raise SystemExit("the gateway did not become healthy")

def multipart(fields, file_path):
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="model.onnx"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n".encode() + open(file_path, "rb").read() + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"

def main():
    a = argparse.ArgumentParser()
    a.add_argument("--root", required=True); a.add_argument("--model", required=True)
    a.add_argument("--deployments", type=int, default=10); a.add_argument("--nodes", type=int, default=1)
    args = a.parse_args()
    data = tempfile.mkdtemp(prefix="restart-bench-")
    os.chmod(data, 0o755)
    platform = Platform(args.root, data, (free_port(), free_port(), free_port()), args.nodes)
    body = json.dumps({"data": [[5.1, 3.5, 1.4, 0.2]]}).encode()
    try:
        platform.start(); wait_healthy(platform)
        admin = open(os.path.join(data, "admin-key")).read().strip()
        form, ctype = multipart({"name": "restart-iris"}, args.model)
        status, answer = call("POST", platform.url + "/api/v1/models", admin, form, ctype, timeout=60)
        assert status < 300, answer
        version = json.loads(answer)["version"]
        keys = {}
        for i in range(args.deployments):
            name = f"restart-{i}"
            assert call("PUT", f"{platform.url}/api/v1/endpoints/{name}", admin, json.dumps({"authMode": "key"}).encode())[0] < 300
            spec = {"model": f"restart-iris:{version}", "compute": "local", "instanceCount": 1, "cpuCores": 0.1, "memoryGb": 0.25, "isDefault": True}
            status, answer = call("PUT", f"{platform.url}/api/v1/endpoints/{name}/deployments/blue", admin, json.dumps(spec).encode())
            assert status < 300, answer
            keys[name] = json.loads(call("GET", f"{platform.url}/api/v1/endpoints/{name}/keys", admin)[1])["primaryKey"]
        deadline = time.monotonic() + 600
        waiting = set(keys)
        while waiting and time.monotonic() < deadline:
            waiting = {n for n in waiting if call("POST", f"{platform.url}/endpoints/{n}/score", keys[n], body)[0] != 200}
            time.sleep(0.5)
        if waiting: raise SystemExit(f"never served before the restart: {sorted(waiting)}")
        print(f"{args.deployments} key-auth deployments serving on {args.nodes} node(s); stopping with SIGTERM")
        stopping = time.monotonic(); platform.stop(); stopped = time.monotonic() - stopping

        started = platform.start(); healthy = wait_healthy(platform)
        served = {}
        while len(served) < len(keys) and time.monotonic() < healthy + 600:
            for n in keys:
                if n not in served and call("POST", f"{platform.url}/endpoints/{n}/score", keys[n], body, timeout=5)[0] == 200:
                    served[n] = time.monotonic()
            time.sleep(0.2)
        print(f"stop (SIGTERM until no process of the data folder is left) {stopped:.1f} s; start to gateway healthy {healthy - started:.1f} s")
        if len(served) < len(keys): raise SystemExit(f"not serving 600 s after the restart: {sorted(set(keys) - set(served))}")
        after = sorted(t - healthy for t in served.values())
        print(f"after gateway healthy: first deployment serving {after[0]:.1f} s, half {after[len(after) // 2]:.1f} s, "
              f"all {args.deployments} {after[-1]:.1f} s (start command to all serving {max(served.values()) - started:.1f} s)")
    finally:
        if platform.proc and platform.proc.poll() is None: platform.stop()
        subprocess.run(["rm", "-rf", data])

if __name__ == "__main__":
    main()
