"""fake_provider.py - a real HTTP server on loopback that stands in for a messaging provider.

It records every request it receives (method, path, query, headers, body) and answers from a
script: a default answer, plus queued one-off answers (429 with Retry-After, 500, a hang).
"""
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Recorded:
    def __init__(self, method, path, query, headers, body):
        self.method, self.path, self.query, self.headers, self.body = \
            method, path, query, headers, body

    def form(self):
        return dict(urllib.parse.parse_qsl(self.body.decode(), keep_blank_values=True))


class FakeProvider:
    def __init__(self, status=200, body=b'{"ok":true}', content_type="application/json"):
        self.requests = []
        self.lock = threading.Lock()
        self.default = (status, body, content_type, {})
        self.queue = []  # one-off answers, used first
        self.hang_seconds = 0
        self.down = False  # answer 503 to everything
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
                with fake.lock:
                    answer = fake.queue.pop(0) if fake.queue else None
                    if answer is None and fake.down:
                        answer = (503, b'{"error":"down"}', "application/json", {})
                    rec = Recorded(self.command, url.path, query, dict(self.headers), body)
                    rec.answer = (answer or fake.default)[0]
                    fake.requests.append(rec)
                    hang = fake.hang_seconds
                if hang:
                    time.sleep(hang)
                status, data, ctype, extra = answer or fake.default
                if callable(data):
                    data = data(rec)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for k, v in extra.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = handle_any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer_next(self, status, body=b"", content_type="application/json", headers=None):
        with self.lock:
            self.queue.append((status, body, content_type, headers or {}))

    def received(self, predicate=lambda r: True):
        with self.lock:
            return [r for r in self.requests if predicate(r)]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
