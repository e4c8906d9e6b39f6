"""`kb serve`: the knowledge base over HTTP, a JSON API and web pages (FastAPI on uvicorn).

    serve("index", host="127.0.0.1", port=8000)

`kb.server.app` is the application, `kb.server.pool` the KnowledgeBases it answers with,
`kb.service` the calls both make. The server binds to 127.0.0.1 unless told otherwise, and
listening on any other address needs a token that every request must carry.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path
from typing import Callable

from kb.errors import KBError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def default_threads() -> int:
    """Requests answered at once: one per core, at most 4 (a search is CPU-bound; more would only
    queue inside the process instead of in front of it)."""
    return max(1, min(4, os.cpu_count() or 1))


def check_address(host: str, token: str | None) -> None:
    """Listening beyond the loopback address needs a token (one line saying so otherwise)."""
    if token is not None and not token.strip():
        raise KBError("the token is empty; give a long random one (for example `openssl rand -hex 16`)")
    if not is_loopback(host) and not token:
        raise KBError(f"listening on {host} lets other machines in: give --token TOKEN (or KB_TOKEN) too, which "
                      "every request must then carry")


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def listen(host: str, port: int) -> socket.socket:
    """A listening socket, so that a port in use is one line here, not uvicorn's exit."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as e:
        raise KBError(f"cannot listen on {host}: {e.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(2048)
    except OSError as e:
        sock.close()
        raise KBError(f"cannot listen on {host}:{port}: {e.strerror}; choose another --port") from None
    sock.set_inheritable(True)
    return sock


def serve(index_dir: str | Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, token: str | None = None,
          threads: int | None = None, timeout: float | None = None, model: str | None = None,
          log: Callable[[str], None] | None = None) -> None:
    """Serve the index until interrupted. The index and its query model are opened first, so a
    missing one fails at once with its one line."""
    log = log or print
    check_address(host, token)
    import uvicorn

    from kb.server.app import DEFAULT_TIMEOUT, create_app
    from kb.server.pool import KnowledgeBasePool

    pool = KnowledgeBasePool(index_dir, size=threads or default_threads(), model=model, log=log)
    try:
        pool.open()
        app = create_app(pool, token=token, timeout=timeout or DEFAULT_TIMEOUT, root=Path.cwd(), log=log)
        sock = listen(host, port)
        shown = f"[{host}]" if ":" in host else host
        log(f"serving {index_dir} at http://{shown}:{sock.getsockname()[1]}/ (JSON API under /api, its docs at "
            f"/api/docs){'; every request needs the token' if token else ''}; Ctrl-C stops")
        config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_keep_alive=5,
                                timeout_graceful_shutdown=5, server_header=False)
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        pool.close()
