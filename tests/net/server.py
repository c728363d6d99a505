#!/usr/bin/python3
"""Loopback HTTP server for conch's provider tests.

usage: server.py SCRIPT.json LOG.jsonl

Binds 127.0.0.1 on a free port and prints the port on stdout.  Each
request takes the next entry of the script's "responses" list (the last
one is repeated when the list runs out) and every request is appended to
LOG.jsonl as {"n", "path", "headers", "body"}.

With "tls": {"cert": PATH, "key": PATH} in the script it speaks HTTPS.
With "keep_alive": true the connection stays open after a whole chunked
response (HTTP/1.1 keep-alive), so a client may send its next request on
it.  Each logged request carries "conn" (the number of the TCP connection
it came on, from 0: each one a TCP connect, and over TLS a handshake) and
"tls_resumed" (the handshake resumed an earlier TLS session).

A response entry (all keys optional):
  status        HTTP status (200)
  headers       {"Name": "value"} extra headers
  file          a transcript under the script's "dir"; or
  body          the body text
  chunked       use chunked transfer encoding (default true)
  split         [offsets]: write the body in pieces cut at these offsets
  every         write the body in pieces of this many bytes
  pause_ms      sleep between pieces (default 1)
  reset_after   send this many body bytes, then reset the connection
  stall_after   send this many body bytes, then go silent for stall_s
  stall_s       (default 5)
  hold_open_s   after the whole body, keep the connection open this long
"""
import json
import os
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class State:
    def __init__(self, script, log):
        self.script = script
        self.log = log
        self.n = 0
        self.conns = 0
        self.lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        st = self.server.state
        with st.lock:
            self.conn_id = st.conns
            st.conns += 1
        fn = getattr(self.connection, "session_reused", None)
        self.tls_resumed = bool(fn) if fn is not None else False

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        st = self.server.state
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length) if length else b""
        with st.lock:
            n = st.n
            st.n += 1
            resps = st.script["responses"]
            r = resps[min(n, len(resps) - 1)]
            try:
                body = json.loads(raw.decode("utf-8")) if raw else None
            except ValueError:
                body = raw.decode("utf-8", "replace")
            with open(st.log, "a", encoding="utf-8") as f:
                f.write(json.dumps({"n": n, "path": self.path, "conn": self.conn_id,
                                    "tls_resumed": self.tls_resumed,
                                    "headers": {k.lower(): v for k, v in self.headers.items()},
                                    "body": body}) + "\n")
        try:
            self.reply(r)
        except (BrokenPipeError, ConnectionResetError):
            # the client may hang up as soon as it has the whole answer
            self.close_connection = True

    def reply(self, r):
        st = self.server.state
        if "file" in r:
            with open(os.path.join(st.script.get("dir", "."), r["file"]), "rb") as f:
                data = f.read()
        else:
            data = r.get("body", "").encode("utf-8")
        status = r.get("status", 200)
        chunked = r.get("chunked", True)
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.send_response(status)
        ctype = "text/event-stream" if status == 200 else "application/json"
        self.send_header("Content-Type", ctype)
        for k, v in r.get("headers", {}).items():
            self.send_header(k, v)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.flush()

        limit = len(data)
        for key in ("reset_after", "stall_after"):
            if key in r:
                limit = min(limit, r[key])
        cuts = list(r.get("split", []))
        if "every" in r:
            cuts = list(range(r["every"], limit, r["every"]))
        cuts = sorted(c for c in cuts if 0 < c < limit) + [limit]
        pause = r.get("pause_ms", 1) / 1000.0
        at = 0
        for c in cuts:
            piece = data[at:c]
            at = c
            if not piece:
                continue
            if chunked:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            else:
                self.wfile.write(piece)
            self.wfile.flush()
            if c != limit:
                time.sleep(pause)
        if "reset_after" in r:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if "stall_after" in r:
            time.sleep(r.get("stall_s", 5))
            self.close_connection = True
            return
        if "hold_open_s" in r:
            time.sleep(r["hold_open_s"])
        if chunked:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        self.close_connection = not (chunked and st.script.get("keep_alive"))


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        script = json.load(f)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.state = State(script, sys.argv[2])
    if "tls" in script:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(script["tls"]["cert"], script["tls"]["key"])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    sys.stdout.write("%d\n" % srv.server_address[1])
    sys.stdout.flush()
    srv.serve_forever()


if __name__ == "__main__":
    main()
