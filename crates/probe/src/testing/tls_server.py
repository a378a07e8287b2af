"""A small HTTPS server for portcullis' probe tests, on Python's ssl module.

rustls cannot serve TLS 1.0 or 1.1; OpenSSL (through Python) can, when the
security level allows it. Usage:

    python3 tls_server.py CERT KEY MIN_VERSION ROUTES_JSON

MIN_VERSION is one of TLSv1, TLSv1_1, TLSv1_2, TLSv1_3. ROUTES_JSON maps a
path to a status code; other paths get 404. The server binds 127.0.0.1 on a
free port, prints the port on a line of its own, and serves until killed.
"""

import http.server
import json
import socket
import ssl
import sys
import warnings


def main():
    cert, key, min_version, routes_json = sys.argv[1:5]
    routes = json.loads(routes_json)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            status = routes.get(self.path, 404)
            body = ("%s %d\n" % (self.path, status)).encode()
            if self.path == "/metrics" and status == 200:
                body = b"# HELP workqueue_depth Current depth of workqueue\nworkqueue_depth{name=\"namespace\"} 0\n"
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with warnings.catch_warnings():
        # TLSv1 and TLSv1_1 are deprecated names: that is the point here.
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = getattr(ssl.TLSVersion, min_version)
    # Security level 0 lets OpenSSL 3 negotiate TLS 1.0/1.1 (SHA-1 handshakes)
    # and use small RSA keys.
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    ctx.load_cert_chain(cert, key)

    class Server(http.server.ThreadingHTTPServer):
        address_family = socket.AF_INET
        daemon_threads = True

        def get_request(self):
            sock, addr = super().get_request()
            sock.settimeout(5)
            return ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

        def handle_error(self, request, client_address):
            pass  # failed handshakes are what the probe provokes

    server = Server(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
