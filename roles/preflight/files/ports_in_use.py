#!/usr/bin/env python3
"""Print (JSON) which of the given TCP ports another socket holds on 127.0.0.1 right now."""

import json
import socket
import sys


def in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Like every server (docker-proxy included): connections of a server that just
        # went away (TIME_WAIT) do not block the port, a listening socket does.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


print(json.dumps([int(p) for p in sys.argv[1:] if in_use(int(p))]))
