"""The process that runs the code under test in isolated grading: ``python -m grader.host FD DUMP``.

It is started by the checking process (:mod:`grader.isolation`) with one end of a socket as
descriptor ``FD``, and nothing else of the grader: not the event channel, not the checks. It
imports phase modules when asked (``load``), performs what the checks ask of the objects it
lends them (:class:`grader.remote.Connection`), and ends when the socket closes. A case's time
limit (``deadline``) makes it write its stack to ``DUMP`` and end, so that the report can say
which line of the learner's code was running. Before it imports anything of the learner's, it gives
up tracing (as root) and, where the kernel has Landlock, the right to write files outside the
temporary folder.
"""

from __future__ import annotations

import ctypes
import faulthandler
import importlib
import os
import socket
import struct
import sys
import tempfile


CAP_SYS_PTRACE, PR_CAPBSET_DROP = 19, 24


def drop_tracing() -> None:
    """As root, give up CAP_SYS_PTRACE for good (bounding, effective and permitted sets): without it,
    this process cannot open the checking process's descriptors or memory, which that process has
    made non-dumpable. An ordinary user never has the capability."""
    if os.geteuid() != 0:
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_CAPBSET_DROP, CAP_SYS_PTRACE, 0, 0, 0)
        header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
        data = (ctypes.c_uint32 * 6)()                  # effective, permitted, inheritable (x2 words)
        if libc.capget(header, data) == 0:
            for i in (0, 1, 2):
                data[i] &= ~(1 << CAP_SYS_PTRACE)
            libc.capset(header, data)
    except (OSError, AttributeError):
        pass


# Linux Landlock (linux/landlock.h): the system calls, and the file-system rights that write.
SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446
PR_SET_NO_NEW_PRIVS, RULE_PATH_BENEATH = 38, 1
WRITE_RIGHTS = {1: (1 << 1) | (0b111111111 << 4),   # write a file; remove dirs and files; make any kind of node
                2: 1 << 13,                          # link or rename into another directory
                3: 1 << 14}                          # truncate


def landlock_abi() -> int:
    """The kernel's Landlock version (0: none)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        abi = libc.syscall(SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    except (OSError, AttributeError):
        return 0
    return max(int(abi), 0)


def confine(writable: list[str]) -> bool:
    """From here on, let this process and its children write, create, rename or remove files only
    beneath the folders ``writable`` (Linux Landlock; reading stays open): the installed course, the
    grader's reports and the user's files are out of reach. False, and nothing restricted, where the
    kernel has no Landlock or a folder cannot be allowed."""
    abi = landlock_abi()
    if abi < 1:
        return False
    rights = sum(bits for version, bits in WRITE_RIGHTS.items() if version <= abi)
    libc = ctypes.CDLL(None, use_errno=True)
    attr = ctypes.create_string_buffer(struct.pack("<Q", rights))
    ruleset = libc.syscall(SYS_CREATE_RULESET, attr, ctypes.c_size_t(8), ctypes.c_uint32(0))
    if ruleset < 0:
        return False
    try:
        for folder in writable:   # every folder or none: a rule missing would forbid writing there too
            try:
                fd = os.open(folder, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                return False
            try:
                rule = ctypes.create_string_buffer(struct.pack("<Qi", rights, fd))
                if libc.syscall(SYS_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(RULE_PATH_BENEATH), rule,
                                ctypes.c_uint32(0)) != 0:
                    return False
            finally:
                os.close(fd)
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return False
        return libc.syscall(SYS_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) == 0
    finally:
        os.close(ruleset)


def main(argv: list[str]) -> int:
    fd, dump_path = int(argv[0]), argv[1]
    os.environ.pop("SCRATCHGPT_ISOLATE", None)   # this process imports the code itself
    drop_tracing()
    from common.phases import load
    from grader import remote
    from grader.isolation import FORWARDED_ENV

    dump = open(dump_path, "a")  # noqa: SIM115 - kept open for faulthandler
    # Files are written beneath the temporary folder only (the checks hand the code paths there).
    confine([tempfile.gettempdir(), "/dev"])

    def deadline(seconds):
        faulthandler.cancel_dump_traceback_later()
        if seconds is not None:
            faulthandler.dump_traceback_later(max(float(seconds), 0.01), exit=True, file=dump)

    conn = remote.Connection(socket.socket(fileno=fd), restricted=False, accept_env=FORWARDED_ENV,
                             loader=lambda n, module, reload=False: load(n, module, reload=reload))
    conn.extra["deadline"] = deadline
    conn.extra["import"] = importlib.import_module   # a library as the code sees it, for a check to watch
    while True:
        try:
            message, buffers = conn.receive()
        except remote.PeerGone:
            return 0
        if message.get("kind") == "request":
            conn.serve(message, buffers)
        else:
            raise remote.ProtocolError(f"the checking process sent {str(message)[:200]}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
