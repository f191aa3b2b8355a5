"""The checking side of isolated grading: start the host process and load learner modules through it.

With ``SCRATCHGPT_ISOLATE=1`` (set by ``python -m grader N --isolate``) the grading process never
imports the code under test: :func:`common.load` calls :func:`load` here, which returns a
:class:`grader.remote.Proxy` of the module as the host process (:mod:`grader.host`) imported it.
Before the first host starts, this process makes itself non-dumpable, so that no other process of
the same user (the host included) can open its descriptors or memory through ``/proc``: the event
channel to the grader is out of the learner's reach.

When the host dies, this process ends too, the way the host did (the same exit code or signal):
the grader then reports the case as it reports a crash or a timeout, and starts afresh.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time

from common.phases import isolated
from grader import remote

# Switches a check sets around the code it runs, which must hold where that code runs: each request
# carries their values (the host takes no other variable from the checks).
FORWARDED_ENV = ("SCRATCHGPT_FAKE_GPU",)

_state: dict = {"conn": None, "proc": None, "dump": os.devnull, "deadline": None}


def enabled() -> bool:
    return isolated()


def configure(dump_path: str | None) -> None:
    """Called by the grading plugin: where the host writes its stack when it runs out of time."""
    _state["dump"] = dump_path or os.devnull
    seal()


def seal() -> None:
    """Make this process non-dumpable (``prctl(PR_SET_DUMPABLE, 0)``): its ``/proc`` entries are then
    closed to other processes of the user, and it cannot be traced."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE
    except (OSError, AttributeError):
        pass


def _start() -> remote.Connection:
    mine, theirs = remote.socket_pair()
    env = {k: v for k, v in os.environ.items() if k != "SCRATCHGPT_ISOLATE"}
    log = os.environ.get("SCRATCHGPT_GRADER_LOG")
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, "-m", "grader.host", str(remote.inherit(theirs)), _state["dump"]],
                            pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=env)
    theirs.close()
    if out is not subprocess.DEVNULL:
        out.close()
    conn = remote.Connection(mine, restricted=True, forward_env=FORWARDED_ENV)
    conn.on_gone = _host_gone
    conn.on_broken = _broken
    _state.update(conn=conn, proc=proc)
    if _state["deadline"] is not None:
        conn.request("deadline", max(_state["deadline"] - time.monotonic(), 0.01))
    return conn


def _host_gone() -> None:
    """The host ended mid-request: end this process the same way, so that the grader reports it."""
    proc = _state["proc"]
    try:
        code = proc.wait(timeout=5) if proc is not None else 1
    except subprocess.TimeoutExpired:
        proc.kill()
        code = proc.wait()
    remote.stderr(f"grader: the process running the code under test ended (exit code {code})")
    sys.stdout.flush()
    if code is not None and code < 0:
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
        time.sleep(1)
    os._exit(code if code else 1)


def _broken(exc: remote.ProtocolError) -> None:
    """The host wrote something that is not a message (into its own socket, say): stop it, and let the
    next load() start a fresh one. Proxies of the old one now fail with a clear message."""
    conn, proc = _state["conn"], _state["proc"]
    _state.update(conn=None, proc=None)
    if proc is not None:
        proc.kill()
        proc.wait()
    if conn is not None:
        conn.on_gone = conn.on_broken = None
        conn.sock.close()
    raise AssertionError(f"the code under test wrote into the channel between its process and the checks ({exc}): "
                         f"this case fails, and the code's process is started afresh") from None


def connection() -> remote.Connection:
    conn = _state["conn"]
    return conn if conn is not None else _start()


def load(n: int, module: str, reload: bool = False):
    """Module ``module`` of phase ``n``, imported in the host: a proxy."""
    return connection().request("load", n, module, reload)


def library(name: str):
    """Module ``name`` as imported in the host (a proxy): where a check patches a library to watch the code."""
    return connection().request("import", name)


def case_started(timeout: float | None) -> None:
    """A case begins: the host must end by ``timeout`` seconds from now (None: no limit)."""
    _state["deadline"] = None if timeout is None else time.monotonic() + timeout
    if _state["conn"] is not None:
        _state["conn"].request("deadline", timeout)
