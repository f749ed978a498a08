"""Another mutating webhook of the cluster suite (cluster.bash other_mutating_webhook): sets
spec.replicas to the number its URL ends with, /replicas/N, on every AdmissionReview it gets.

    python3 other-webhook.py PORT CERT KEY     serves HTTPS on 127.0.0.1:PORT

The API server adds its own query to a webhook's URL (/replicas/12?timeout=10s), so the count is
read from the URL's path alone.
"""
import base64
import http.server
import json
import ssl
import sys
import urllib.parse


def replicas_of(url_path):
    return int(urllib.parse.urlsplit(url_path).path.rstrip("/").rsplit("/", 1)[-1])


def answer(review, replicas):
    patch = [{"op": "add", "path": "/spec/replicas", "value": replicas}]
    response = {"uid": review["request"]["uid"], "allowed": True, "patchType": "JSONPatch",
                "patch": base64.b64encode(json.dumps(patch).encode()).decode()}
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response}


class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        review = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        body = json.dumps(answer(review, replicas_of(self.path))).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    port, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    server = http.server.HTTPServer(("127.0.0.1", port), Hook)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
