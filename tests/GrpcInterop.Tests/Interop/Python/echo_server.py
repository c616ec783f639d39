"""A grpcio (Debian python3-grpcio) server for the Echo test service, plus grpc.health.v1.

Prints "PORT <n>" once listening on 127.0.0.1, then serves until stdin closes.
Stubs come from PYTHONPATH (generated at test time with grpc_tools.protoc).
"""
import sys
import time
from concurrent import futures

import grpc

from interop.test.v1 import echo_pb2, echo_pb2_grpc
from interop_peer import health_pb2, health_pb2_grpc


def reply_payload(request):
    if request.reply_payload_size <= 0:
        return request.payload
    return bytes(i % 251 for i in range(request.reply_payload_size))


def apply_request(request, context):
    if request.delay_ms > 0:
        # Wait in small steps so a cancelled or expired call stops the handler.
        end = time.monotonic() + request.delay_ms / 1000.0
        while time.monotonic() < end:
            if not context.is_active():
                return False
            time.sleep(0.01)
    if request.throw_unhandled:
        raise RuntimeError("secret internal detail")
    if request.fail_code != 0:
        code = next(c for c in grpc.StatusCode if c.value[0] == request.fail_code)
        context.abort(code, request.fail_message)
    return True


def echo_metadata(context):
    metadata = dict(context.invocation_metadata())
    trailers = []
    if "x-echo" in metadata:
        context.send_initial_metadata((("x-echo-header", metadata["x-echo"]),))
        trailers.append(("x-echo-trailer", metadata["x-echo"]))
    if "x-echo-bin" in metadata:
        trailers.append(("x-echo-bin", metadata["x-echo-bin"]))
    if trailers:
        context.set_trailing_metadata(tuple(trailers))


class Echo(echo_pb2_grpc.EchoServicer):
    def Unary(self, request, context):
        apply_request(request, context)
        echo_metadata(context)
        return echo_pb2.EchoReply(message=request.message, payload=reply_payload(request))

    def ServerStream(self, request, context):
        echo_metadata(context)
        for i in range(request.count):
            yield echo_pb2.EchoReply(message=request.message, index=i, payload=reply_payload(request))
        apply_request(request, context)

    def ClientStream(self, request_iterator, context):
        reply = echo_pb2.EchoReply()
        for request in request_iterator:
            reply.received_count += 1
            reply.received_bytes += len(request.payload)
            reply.message = request.message
            apply_request(request, context)
        return reply

    def BidiStream(self, request_iterator, context):
        for i, request in enumerate(request_iterator):
            yield echo_pb2.EchoReply(message=request.message, index=i)


class Health(health_pb2_grpc.HealthServicer):
    def Check(self, request, context):
        if request.service in ("", "interop.test.v1.Echo"):
            return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)
        context.abort(grpc.StatusCode.NOT_FOUND, "unknown service")


def main():
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=16),
        options=[("grpc.max_receive_message_length", 4 * 1024 * 1024)],
    )
    echo_pb2_grpc.add_EchoServicer_to_server(Echo(), server)
    health_pb2_grpc.add_HealthServicer_to_server(Health(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(f"PORT {port}", flush=True)
    sys.stdin.read()  # the test closes stdin (or kills us) to stop the server
    server.stop(0)


if __name__ == "__main__":
    main()
