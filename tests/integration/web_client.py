"""web_client.py - a small HTTP client for the staff web app's tests: a cookie jar of one
session, forms posted URL-encoded or as multipart/form-data, redirects not followed."""
import http.client
import re
import urllib.parse

CODE = re.compile(r"\b(\d{6})\b")


class Web:
    def __init__(self, catat):
        self.c = catat
        self.cookie = ""

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.c.port, timeout=30)
        h = dict(headers or {})
        if self.cookie:
            h["Cookie"] = self.cookie
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        conn.close()
        set_cookie = hdrs.get("set-cookie", "")
        if set_cookie.startswith("catat_session="):
            value = set_cookie.split(";")[0]
            self.cookie = "" if value == "catat_session=" else value
        return r.status, hdrs, data

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, fields):
        return self.request("POST", path, urllib.parse.urlencode(fields),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def post_multipart(self, path, fields, files):
        """fields: {name: value}; files: {name: (filename, bytes)}."""
        boundary = "----catat-test-boundary-7MA4YWxkTrZu0gW"
        parts = []
        for k, v in fields.items():
            parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                          % (boundary, k, v)).encode())
        for k, (fname, data) in files.items():
            parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                          "Content-Type: text/csv\r\n\r\n" % (boundary, k, fname)).encode()
                         + data + b"\r\n")
        body = b"".join(parts) + ("--%s--\r\n" % boundary).encode()
        return self.request("POST", path, body,
                            {"Content-Type": "multipart/form-data; boundary=" + boundary})

    def csrf(self, html):
        m = re.search(rb'name="csrf" value="([0-9a-f]{64})"', html)
        assert m, "no csrf field on the page"
        return m.group(1).decode()

    def last_code(self, phone):
        """The code of the latest sign-in message queued to phone (as the console channel
        delivers it), or None."""
        rows = self.c.sql("SELECT text FROM outbox WHERE kind = 'signin' AND phone = ?"
                          " ORDER BY id DESC LIMIT 1", phone)
        if not rows:
            return None
        m = CODE.search(rows[0][0])
        return m.group(1) if m else None  # None: used, and blanked

    def sign_in(self, phone, e164=None):
        """Signs in as phone (typed as given; e164 is how it is stored, when different)."""
        s, _, _ = self.post("/app/login", {"phone": phone})
        assert s == 200, s
        code = self.last_code(e164 or phone)
        assert code, "no sign-in code queued"
        s, h, _ = self.post("/app/login/code", {"phone": e164 or phone, "code": code})
        assert s == 303 and h["location"] == "/app/", (s, h)
        assert self.cookie, "no session cookie"
        return h
