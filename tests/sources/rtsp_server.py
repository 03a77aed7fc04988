"""A minimal RTSP server on loopback for tests: ffmpeg packetizes a clip into RTP, Python speaks RTSP.

ffmpeg's own RTSP output can only push to a server, so the server side is here: it
answers OPTIONS/DESCRIBE/SETUP/PLAY/TEARDOWN and relays ffmpeg's RTP packets to each
playing client, interleaved on the TCP connection or as UDP datagrams.
"""

from __future__ import annotations

import contextlib
import re
import socket
import subprocess
import threading
import time
from pathlib import Path
from types import TracebackType

_SESSION = "4C0FFEE1"


def _udp_pair() -> tuple[socket.socket, socket.socket]:
    """Two bound loopback UDP sockets (RTP, RTCP)."""
    rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rtp.bind(("127.0.0.1", 0))
    rtcp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rtcp.bind(("127.0.0.1", 0))
    for s in (rtp, rtcp):
        s.settimeout(0.2)
    return rtp, rtcp


class _Client:
    def __init__(self, conn: socket.socket, host: str) -> None:
        self.conn = conn
        self.host = host
        self.lock = threading.Lock()
        self.udp_ports: tuple[int, int] | None = None
        self.playing = False

    def send(self, data: bytes) -> None:
        with self.lock:
            self.conn.sendall(data)


class RtspServer:
    """``with RtspServer(clip, tmp) as srv: srv.url`` serves ``clip`` (H.264) in a loop."""

    def __init__(self, clip: Path, workdir: Path, user: str | None = None, password: str | None = None) -> None:
        self._clip = clip
        self._sdp_path = workdir / "stream.sdp"
        self._user, self._password = user, password
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._rtp_in, self._rtcp_in = _udp_pair()
        self._udp_out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._udp_out.bind(("127.0.0.1", 0))
        self._clients: list[_Client] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._ffmpeg: subprocess.Popen[bytes] | None = None
        self.sessions = 0  # PLAY requests served

    @property
    def url(self) -> str:
        auth = f"{self._user}:{self._password}@" if self._user else ""
        return f"rtsp://{auth}127.0.0.1:{self.port}/live"

    def start(self) -> RtspServer:
        rtp_port = self._rtp_in.getsockname()[1]
        rtcp_port = self._rtcp_in.getsockname()[1]
        self._ffmpeg = subprocess.Popen(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", str(self._clip),
             "-an", "-c", "copy", "-f", "rtp", "-sdp_file", str(self._sdp_path),
             f"rtp://127.0.0.1:{rtp_port}?rtcpport={rtcp_port}&pkt_size=1200"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not (self._sdp_path.exists() and "m=video" in self._sdp_path.read_text()):
            if time.monotonic() > deadline or self._ffmpeg.poll() is not None:
                self.stop()
                raise RuntimeError("ffmpeg did not start the RTP stream")
            time.sleep(0.02)
        for target, args in ((self._accept, ()), (self._relay, (self._rtp_in, 0)), (self._relay, (self._rtcp_in, 1))):
            t = threading.Thread(target=target, args=args, daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def drop_clients(self) -> None:
        """Close every client connection (the stream 'drops'; the server keeps listening)."""
        with self._lock:
            clients, self._clients = self._clients, []
        for c in clients:
            with contextlib.suppress(OSError):
                c.conn.shutdown(socket.SHUT_RDWR)
            c.conn.close()

    def stop(self) -> None:
        self._stop.set()
        self.drop_clients()
        if self._ffmpeg is not None:
            self._ffmpeg.terminate()
            try:
                self._ffmpeg.wait(5)
            except subprocess.TimeoutExpired:
                self._ffmpeg.kill()
                self._ffmpeg.wait(5)
        for t in self._threads:
            t.join(2)
        for s in (self._listener, self._rtp_in, self._rtcp_in, self._udp_out):
            s.close()

    def __enter__(self) -> RtspServer:
        return self.start()

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    # -- threads --------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, addr = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client = _Client(conn, addr[0])
            with self._lock:
                self._clients.append(client)
            t = threading.Thread(target=self._serve, args=(client,), daemon=True)
            t.start()
            self._threads.append(t)

    def _relay(self, sock: socket.socket, channel: int) -> None:
        while not self._stop.is_set():
            try:
                packet = sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                clients = [c for c in self._clients if c.playing]
            for c in clients:
                try:
                    if c.udp_ports is None:
                        c.send(b"$" + bytes([channel]) + len(packet).to_bytes(2, "big") + packet)
                    else:
                        self._udp_out.sendto(packet, (c.host, c.udp_ports[channel]))
                except OSError:
                    c.playing = False

    def _serve(self, client: _Client) -> None:
        buf = b""
        conn = client.conn
        try:
            while not self._stop.is_set():
                data = conn.recv(65536)
                if not data:
                    return
                buf += data
                while True:
                    if buf[:1] == b"$":  # interleaved RTCP from the client: skip it
                        if len(buf) < 4 or len(buf) < 4 + int.from_bytes(buf[2:4], "big"):
                            break
                        buf = buf[4 + int.from_bytes(buf[2:4], "big"):]
                        continue
                    end = buf.find(b"\r\n\r\n")
                    if end < 0:
                        break
                    head = buf[:end].decode("latin-1")
                    m = re.search(r"(?im)^content-length:\s*(\d+)", head)
                    body_len = int(m.group(1)) if m else 0
                    if len(buf) < end + 4 + body_len:
                        break
                    buf = buf[end + 4 + body_len:]
                    self._answer(client, head)
        except OSError:
            return
        finally:
            client.playing = False
            conn.close()

    def _answer(self, client: _Client, head: str) -> None:
        lines = head.split("\r\n")
        method = lines[0].split(" ")[0]
        headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
        cseq = headers.get("cseq", "0")
        extra = ""
        body = ""
        if method == "OPTIONS":
            extra = "Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER\r\n"
        elif method == "DESCRIBE":
            base = f"rtsp://127.0.0.1:{self.port}/live/"
            sdp = self._sdp_path.read_text()
            sdp = re.sub(r"(?m)^m=video \d+", "m=video 0", sdp).replace("c=IN IP4 127.0.0.1", "c=IN IP4 0.0.0.0")
            body = sdp.rstrip("\r\n").replace("\r\n", "\n").replace("\n", "\r\n") + "\r\na=control:trackID=0\r\n"
            extra = f"Content-Base: {base}\r\nContent-Type: application/sdp\r\nContent-Length: {len(body)}\r\n"
        elif method == "SETUP":
            transport = headers.get("transport", "")
            m = re.search(r"client_port=(\d+)-(\d+)", transport)
            if "TCP" in transport.upper() or m is None:
                client.udp_ports = None
                extra = "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"
            else:
                client.udp_ports = (int(m.group(1)), int(m.group(2)))
                port = self._udp_out.getsockname()[1]
                extra = (f"Transport: RTP/AVP;unicast;client_port={m.group(1)}-{m.group(2)};"
                         f"server_port={port}-{port + 1}\r\n")
            extra += f"Session: {_SESSION};timeout=60\r\n"
        elif method == "PLAY":
            extra = f"Session: {_SESSION}\r\nRange: npt=0.000-\r\n"
            client.playing = True
            self.sessions += 1
        elif method == "TEARDOWN":
            client.playing = False
            extra = f"Session: {_SESSION}\r\n"
        elif method in ("GET_PARAMETER", "SET_PARAMETER"):
            extra = f"Session: {_SESSION}\r\n"
        else:
            client.send(f"RTSP/1.0 501 Not Implemented\r\nCSeq: {cseq}\r\n\r\n".encode())
            return
        client.send(f"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\n{extra}\r\n{body}".encode())
