"""How the app's pages travel: the websocket that carries every page compresses its messages."""

import base64
import os
import socket


def handshake(port: int, extensions: str | None) -> str:
    """Open the app's websocket as a browser does and return the server's response headers."""
    key = base64.b64encode(os.urandom(16)).decode()
    offer = f"Sec-WebSocket-Extensions: {extensions}\r\n" if extensions else ""
    request = (
        f"GET /_stcore/stream HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: streamlit\r\n"
        f"Origin: http://127.0.0.1:{port}\r\n{offer}\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request.encode())
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = sock.recv(4096)
            if not chunk:
                break
            response += chunk
    return response.split(b"\r\n\r\n")[0].decode("latin-1").lower()


def test_the_websocket_compresses_what_it_sends(app):
    # The overview is about 123 KB of messages (HTML tables and icons), about 28 KB deflated: on a 4 Mbit/s link
    # with 60 ms latency its reload took 1.00 s uncompressed and 0.79 s compressed (benchmarks/bench_network.py).
    offered = handshake(app.port, "permessage-deflate; client_max_window_bits")
    assert offered.startswith("http/1.1 101"), offered
    assert "sec-websocket-extensions: permessage-deflate" in offered
    # A client that does not offer compression (an old proxy) still connects, uncompressed.
    plain = handshake(app.port, None)
    assert plain.startswith("http/1.1 101") and "permessage-deflate" not in plain, plain
