import http.server, json, sys, threading, collections
seen = collections.Counter()
lock = threading.Lock()
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("content-length", 0))
        body = self.rfile.read(n)
        with lock:
            seen[self.headers.get("webhook-id")] += 1
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")
    def do_GET(self):
        with lock:
            out = json.dumps({"events": len(seen), "posts": sum(seen.values()), "dups": sum(v - 1 for v in seen.values())}).encode()
        self.send_response(200); self.end_headers(); self.wfile.write(out)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
