"""A small client of the yanxiu protocol, written from proto/yanxiu.proto and README.md
("Protocol", "Writing a client") alone, as a third party would write one.

The message classes are generated when the client is loaded, by protoc into a directory of the
caller's choosing (load_proto); nothing generated is kept in the tree.

    pb = load_proto("proto/yanxiu.proto", "/tmp/gen")
    c = Client(pb, "127.0.0.1", 7300)            # ca="ca.pem" for TLS
    c.hello(language="zh-CN")
    c.login("chengguan", "secret")
    kind, body = c.call("list_reports", pb.ListReportsRequest(from_month="2026-10"))
    # kind is the name of the answer's oneof field ("report_list", or "error")

Needs Debian's python3-protobuf (/usr/bin/python3) and protoc (protobuf-compiler).
"""
import importlib
import os
import socket
import ssl
import struct
import subprocess
import sys

# The protocol version this client speaks (README "Protocol").
PROTOCOL_VERSION = 2
# A frame's length is 4 bytes, big-endian; the daemon takes at most max_frame bytes
# (64 KiB before login, README "Limits and protocol errors").
HEADER = struct.Struct(">I")


def load_proto(proto, outdir):
    """protoc --python_out=OUTDIR PROTO; answers the generated module (yanxiu_pb2)."""
    os.makedirs(outdir, exist_ok=True)
    here, name = os.path.split(os.path.abspath(proto))
    subprocess.run(["protoc", "-I", here, "--python_out=" + outdir, name], check=True)
    if outdir not in sys.path:
        sys.path.insert(0, outdir)
    return importlib.import_module(os.path.splitext(name)[0] + "_pb2")


class ProtocolError(Exception):
    """The server closed the connection, or answered what was not asked."""


class Client:
    def __init__(self, pb, host, port, ca=None, timeout=60.0):
        self.pb = pb
        sock = socket.create_connection((host, port), timeout=timeout)
        if ca:
            ctx = ssl.create_default_context(cafile=ca)
            sock = ctx.wrap_socket(sock, server_hostname=host)
        self.sock = sock
        self.token = b""
        self.next_id = 1
        self.waiting = {}  # request_id -> Envelope answered before it was asked for
        self.language = None

    def close(self):
        self.sock.close()

    # --- frames ----------------------------------------------------------------------------
    def send_frame(self, data):
        self.sock.sendall(HEADER.pack(len(data)) + data)

    def recv_exact(self, n):
        buf = bytearray()
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ProtocolError("the server closed the connection")
            buf += chunk
        return bytes(buf)

    def recv_envelope(self):
        (n,) = HEADER.unpack(self.recv_exact(HEADER.size))
        env = self.pb.Envelope()
        env.ParseFromString(self.recv_exact(n))
        return env

    # --- requests --------------------------------------------------------------------------
    def send(self, field, msg, request_id=None):
        """Sends msg as the Envelope's `field` (its oneof body); answers its request_id."""
        env = self.pb.Envelope()
        if request_id is None:
            request_id = self.next_id
            self.next_id += 1
        env.request_id = request_id
        if self.token:
            env.session_token = self.token
        getattr(env, field).CopyFrom(msg)
        self.send_frame(env.SerializeToString())
        return request_id

    def wait(self, request_id):
        """The answer to request_id; answers to other requests are kept for their turn."""
        while request_id not in self.waiting:
            env = self.recv_envelope()
            if env.request_id in self.waiting:
                raise ProtocolError("two answers to request %d" % env.request_id)
            self.waiting[env.request_id] = env
        env = self.waiting.pop(request_id)
        kind = env.WhichOneof("body")
        return kind, getattr(env, kind) if kind else None

    def call(self, field, msg):
        """Sends one request and waits for its answer: (answer's field name, message)."""
        return self.wait(self.send(field, msg))

    # --- the usual first steps -------------------------------------------------------------
    def hello(self, language="zh-CN", version=PROTOCOL_VERSION):
        kind, body = self.call("hello", self.pb.HelloRequest(
            client_name="pyclient", client_version="1", protocol_version=version,
            language=language))
        if kind == "hello_reply":
            self.language = body.language
        return kind, body

    def login(self, user, password):
        kind, body = self.call("login", self.pb.LoginRequest(user=user, password=password))
        if kind == "login_reply":
            self.token = body.token
        return kind, body


def code_name(pb, code):
    """INVALID_ARGUMENT for the Error's code number."""
    return pb.Code.Name(code)
