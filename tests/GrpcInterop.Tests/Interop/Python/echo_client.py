"""A grpcio (Debian python3-grpcio) client that checks one behaviour of a server under test.

Usage: echo_client.py HOST:PORT CASE. Exits 0 when the server behaved, 1 with a reason otherwise.
"""
import sys
import time

import grpc
from google.protobuf import descriptor_pb2

from interop.test.v1 import echo_pb2, echo_pb2_grpc
from interop_peer import health_pb2, health_pb2_grpc, reflection_pb2, reflection_pb2_grpc

MIB = 1024 * 1024


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def expect_status(call, code, detail=None):
    try:
        call()
    except grpc.RpcError as error:
        expect(error.code() == code, f"expected {code}, got {error.code()} ({error.details()!r})")
        if detail is not None:
            expect(error.details() == detail, f"expected detail {detail!r}, got {error.details()!r}")
        return error
    raise AssertionError(f"expected {code}, the call succeeded")


def case_unary(channel):
    reply = echo_pb2_grpc.EchoStub(channel).Unary(echo_pb2.EchoRequest(message="héllo"), timeout=10)
    expect(reply.message == "héllo", f"wrong echo {reply.message!r}")


def case_server_stream(channel):
    replies = list(echo_pb2_grpc.EchoStub(channel).ServerStream(echo_pb2.EchoRequest(message="s", count=25), timeout=10))
    expect([r.index for r in replies] == list(range(25)), f"wrong indexes {[r.index for r in replies]}")


def case_client_stream(channel):
    requests = (echo_pb2.EchoRequest(message=f"m{i}", payload=b"\x01" * 1000) for i in range(20))
    reply = echo_pb2_grpc.EchoStub(channel).ClientStream(requests, timeout=10)
    expect(reply.received_count == 20 and reply.received_bytes == 20000, f"wrong counts {reply}")


def case_bidi_stream(channel):
    requests = (echo_pb2.EchoRequest(message=f"b{i}") for i in range(5))
    replies = list(echo_pb2_grpc.EchoStub(channel).BidiStream(requests, timeout=10))
    expect([r.message for r in replies] == [f"b{i}" for i in range(5)], f"wrong replies {replies}")


def case_deadline(channel):
    started = time.monotonic()
    stub = echo_pb2_grpc.EchoStub(channel)
    expect_status(lambda: stub.Unary(echo_pb2.EchoRequest(delay_ms=10000), timeout=0.3), grpc.StatusCode.DEADLINE_EXCEEDED)
    expect(time.monotonic() - started < 5, "deadline did not end the call promptly")


def case_error_status(channel):
    stub = echo_pb2_grpc.EchoStub(channel)
    detail = "model 'ünïcode' 100% gone\nnext line"
    expect_status(lambda: stub.Unary(echo_pb2.EchoRequest(fail_code=5, fail_message=detail), timeout=10),
                  grpc.StatusCode.NOT_FOUND, detail)


def case_unhandled(channel):
    stub = echo_pb2_grpc.EchoStub(channel)
    error = expect_status(lambda: stub.Unary(echo_pb2.EchoRequest(throw_unhandled=True), timeout=10), grpc.StatusCode.INTERNAL)
    expect("secret" not in (error.details() or ""), "exception text leaked to the client")


def case_unimplemented(channel):
    stub = echo_pb2_grpc.EchoStub(channel)
    expect_status(lambda: stub.Missing(echo_pb2.EchoRequest(), timeout=10), grpc.StatusCode.UNIMPLEMENTED)
    unknown = channel.unary_unary("/no.such.Service/Call")
    expect_status(lambda: unknown(b"", timeout=10), grpc.StatusCode.UNIMPLEMENTED)


def case_big_message(channel):
    payload = bytes(i % 251 for i in range(3 * MIB))
    reply = echo_pb2_grpc.EchoStub(channel).Unary(echo_pb2.EchoRequest(payload=payload, reply_payload_size=3 * MIB), timeout=30)
    expect(reply.payload == payload, "3 MiB payload corrupted")


def case_too_big(channel):
    stub = echo_pb2_grpc.EchoStub(channel)
    expect_status(lambda: stub.Unary(echo_pb2.EchoRequest(payload=b"\0" * (5 * MIB)), timeout=30), grpc.StatusCode.RESOURCE_EXHAUSTED)


def case_metadata(channel):
    stub = echo_pb2_grpc.EchoStub(channel)
    binary = bytes([0, 1, 2, 250, 255])
    reply, call = stub.Unary.with_call(echo_pb2.EchoRequest(), metadata=(("x-echo", "abc 123"), ("x-echo-bin", binary)), timeout=10)
    headers = dict(call.initial_metadata())
    trailers = dict(call.trailing_metadata())
    expect(headers.get("x-echo-header") == "abc 123", f"headers {headers}")
    expect(trailers.get("x-echo-trailer") == "abc 123", f"trailers {trailers}")
    expect(trailers.get("x-echo-bin") == binary, f"binary trailer {trailers.get('x-echo-bin')!r}")


def case_gzip(channel):
    stub = echo_pb2_grpc.EchoStub(channel)
    reply = stub.Unary(echo_pb2.EchoRequest(message="zipped", payload=b"\0" * 100000), timeout=10, compression=grpc.Compression.Gzip)
    expect(reply.message == "zipped" and len(reply.payload) == 100000, "gzip request not echoed")


def case_health(channel):
    stub = health_pb2_grpc.HealthStub(channel)
    overall = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
    expect(overall.status == health_pb2.HealthCheckResponse.SERVING, f"overall {overall}")
    echo = stub.Check(health_pb2.HealthCheckRequest(service="interop.test.v1.Echo"), timeout=10)
    expect(echo.status == health_pb2.HealthCheckResponse.SERVING, f"echo {echo}")
    expect_status(lambda: stub.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=10), grpc.StatusCode.NOT_FOUND)


def case_health_watch(channel):
    stub = health_pb2_grpc.HealthStub(channel)
    stream = stub.Watch(health_pb2.HealthCheckRequest(service=""), timeout=10)
    first = next(iter(stream))
    expect(first.status == health_pb2.HealthCheckResponse.SERVING, f"watch {first}")
    stream.cancel()


def case_reflection(channel):
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    requests = [
        reflection_pb2.ServerReflectionRequest(list_services=""),
        reflection_pb2.ServerReflectionRequest(file_containing_symbol="interop.test.v1.Echo"),
        # By symbol, as grpcurl asks: grpc-dotnet's health descriptor is named "health.proto", not grpc/health/v1/health.proto.
        reflection_pb2.ServerReflectionRequest(file_containing_symbol="grpc.health.v1.Health"),
        reflection_pb2.ServerReflectionRequest(file_containing_symbol="no.such.Symbol"),
    ]
    responses = list(stub.ServerReflectionInfo(iter(requests), timeout=10))
    expect(len(responses) == 4, f"{len(responses)} responses")
    names = {s.name for s in responses[0].list_services_response.service}
    expected = {"interop.test.v1.Echo", "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"}
    expect(expected <= names, f"listed {names}")
    echo_file = descriptor_pb2.FileDescriptorProto.FromString(responses[1].file_descriptor_response.file_descriptor_proto[0])
    expect(echo_file.package == "interop.test.v1" and echo_file.service[0].name == "Echo", f"echo file {echo_file.name}")
    expect([m.name for m in echo_file.service[0].method][:3] == ["Unary", "ServerStream", "ClientStream"], "methods")
    health_file = descriptor_pb2.FileDescriptorProto.FromString(responses[2].file_descriptor_response.file_descriptor_proto[0])
    expect(health_file.package == "grpc.health.v1" and health_file.service[0].name == "Health", f"health file {health_file.name}")
    echo_by_name = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(file_by_filename=echo_file.name)]), timeout=10)
    named = descriptor_pb2.FileDescriptorProto.FromString(next(iter(echo_by_name)).file_descriptor_response.file_descriptor_proto[0])
    expect(named.name == "interop/test/v1/echo.proto", f"echo file by name {named.name}")
    expect(responses[3].error_response.error_code == grpc.StatusCode.NOT_FOUND.value[0], "unknown symbol not NOT_FOUND")


CASES = {name[len("case_"):]: fn for name, fn in globals().items() if name.startswith("case_")}


def main():
    target, case = sys.argv[1], sys.argv[2]
    options = [("grpc.max_receive_message_length", 4 * MIB), ("grpc.max_send_message_length", 8 * MIB)]
    with grpc.insecure_channel(target, options=options) as channel:
        try:
            CASES[case](channel)
        except AssertionError as failure:
            print(f"FAIL {case}: {failure}", flush=True)
            return 1
        except grpc.RpcError as error:
            print(f"FAIL {case}: unexpected status {error.code()} {error.details()!r}", flush=True)
            return 1
    print(f"PASS {case}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
