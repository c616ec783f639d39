"""The platform's scoring-script worker: loads an Azure ML entry script, calls init() once and run() per request.

The inference node starts one worker per deployment instance and talks to it over a unix socket with a compact
framing (both directions): u32 length of the rest | u64 request id | u8 kind | u32 meta length | meta (JSON) | body.
Requests are run on a small thread pool, so several are in flight at once; what the script prints goes to this
process's stdout/stderr, which the node keeps as the deployment's logs.
"""
import argparse
import concurrent.futures
import importlib.util
import json
import os
import socket
import struct
import sys
import threading
import traceback

HEADER = struct.Struct("<IQBI")  # length, id, kind, meta length
REQUEST, READY, RESPONSE, ERROR, INIT_FAILED = 1, 10, 11, 12, 13


def _default(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class Channel:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.reader = self.sock.makefile("rb", buffering=1 << 16)
        self.lock = threading.Lock()

    def send(self, request_id, kind, meta, body=b""):
        meta_bytes = json.dumps(meta, default=_default).encode("utf-8")
        frame = HEADER.pack(HEADER.size - 4 + len(meta_bytes) + len(body), request_id, kind, len(meta_bytes))
        with self.lock:
            self.sock.sendall(frame + meta_bytes + body)

    def receive(self):
        head = self.reader.read(HEADER.size)
        if len(head) < HEADER.size:
            return None
        length, request_id, kind, meta_length = HEADER.unpack(head)
        rest = self.reader.read(length - (HEADER.size - 4))
        return request_id, kind, json.loads(rest[:meta_length] or b"{}"), rest[meta_length:]


def _error_meta(error):
    lines = traceback.format_exception(type(error), error, error.__traceback__)
    return {"type": type(error).__name__, "message": str(error), "traceback": "".join(lines)[-4000:]}


def load_script(path):
    # The platform's azureml.contrib.services and inference_schema come after the environment's own packages.
    sys.path.append(os.path.dirname(os.path.abspath(__file__)))
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    spec = importlib.util.spec_from_file_location("main", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["main"] = module
    spec.loader.exec_module(module)
    return module


def answer(channel, request_id, run, raw, meta, body):
    from azureml.contrib.services.aml_response import AMLResponse
    try:
        if raw:
            from azureml.contrib.services.aml_request import AMLRequest
            result = run(AMLRequest(meta.get("method", "POST"), meta.get("path", "/"), meta.get("query", ""),
                                    meta.get("headers", []), body))
        elif getattr(run, "__inference_schema__", None) is not None:
            arguments = json.loads(body) if body else {}
            result = run(**arguments) if isinstance(arguments, dict) else run(arguments)
        else:
            result = run(body.decode("utf-8"))
        if isinstance(result, AMLResponse):
            channel.send(request_id, RESPONSE, {"status": result.status_code, "headers": result.headers,
                                                "contentType": result.content_type}, result.body)
        else:
            payload = json.dumps(result, default=_default).encode("utf-8")
            channel.send(request_id, RESPONSE, {"status": 200, "headers": {}, "contentType": "application/json"}, payload)
    except BaseException as error:  # noqa: BLE001 - every failure of the script is the caller's answer
        traceback.print_exc()
        channel.send(request_id, ERROR, _error_meta(error))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--socket", required=True)
    parser.add_argument("--script", required=True)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    channel = Channel(args.socket)
    try:
        module = load_script(args.script)
        if hasattr(module, "init"):
            module.init()
        run = getattr(module, "run", None)
        if run is None:
            raise AttributeError(f"the entry script {os.path.basename(args.script)} defines no run() function")
    except BaseException as error:  # noqa: BLE001
        traceback.print_exc()
        channel.send(0, INIT_FAILED, _error_meta(error))
        sys.stdout.flush()
        sys.exit(3)

    from inference_schema.schema_decorators import describe
    raw = bool(getattr(run, "__aml_rawhttp__", False))
    try:
        schema = describe(run)
    except Exception:  # noqa: BLE001 - a schema that cannot be described leaves the generic document
        schema = None
    channel.send(0, READY, {"rawhttp": raw, "schema": schema, "python": sys.version.split()[0], "pid": os.getpid()})
    sys.stdout.flush()

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.threads), thread_name_prefix="run")
    while True:
        frame = channel.receive()
        if frame is None:
            break
        request_id, kind, meta, body = frame
        if kind == REQUEST:
            pool.submit(answer, channel, request_id, run, raw, meta, body)
    pool.shutdown(wait=False, cancel_futures=True)


if __name__ == "__main__":
    main()
