"""Isolated grading's connection (grader/remote.py): values cross as plain data, objects as proxies.

The far side runs in a thread here, with the same code as the host process; everything still
crosses the socket, encoded and decoded.
"""

from __future__ import annotations

import math
import os
import struct
import threading
import types
from pathlib import Path

import numpy as np
import pytest

from grader import remote


class LearnerError(KeyError):
    pass


class Agreeable:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


class Counter:
    def __init__(self, start=0):
        self.value = start
        self._hidden = "private"

    def bump(self, by=1):
        self.value += by
        return self

    def __len__(self):
        return self.value

    def __add__(self, other):
        return Counter(self.value + (other.value if isinstance(other, Counter) else other))

    __radd__ = __add__

    def __iter__(self):
        return iter(range(self.value))

    def __enter__(self):
        self.value = -1
        return self

    def __exit__(self, *exc):
        self.value = -2
        return False


def scale_in_place(a, by):
    a *= by


def draw(rng, n):
    return rng.integers(0, 1000, n)


def fail():
    raise LearnerError("no such token")


def call_back(fn, *args):
    return fn(*args)


def reach(obj, name):
    return getattr(obj, name)


def change(obj):
    obj.value = 99


LEARNER = types.SimpleNamespace(Counter=Counter, scale_in_place=scale_in_place, draw=draw, fail=fail,
                                call_back=call_back, reach=reach, change=change, LearnerError=LearnerError,
                                agreeable=Agreeable)


@pytest.fixture
def peer():
    """The checking side's connection to a learner side served by a thread."""
    mine, theirs = remote.socket_pair()
    host = remote.Connection(theirs, restricted=False, loader=lambda n, module, reload=False: LEARNER)

    def serve():
        while True:
            try:
                message, buffers = host.receive()
                host.serve(message, buffers)
            except remote.ProtocolError:  # the checking side closed the socket: the test is over
                return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    conn = remote.Connection(mine, restricted=True)
    conn.host = host
    yield conn
    mine.close()
    thread.join(timeout=5)


PLAIN = [None, True, False, 0, -7, 2**100, 1.5, -0.0, math.inf, -math.inf, "", "naïve 日本 🤖", "\ud800",
         b"\x00\xff", bytearray(b"ab"), [1, [2, [3]]], (1, (2,)), (), {"a": 1, 2: "b", (3, 4): None}, {1, 2},
         frozenset({"x"}), 1 + 2j, slice(1, None, -1), Ellipsis, range(2, 9, 3), Path("/tmp/x y.txt"),
         np.float32(1.25), np.int64(-3), np.bool_(True), np.dtype("<u2"), np.float32, math.sqrt, ValueError]


@pytest.mark.parametrize("value", PLAIN, ids=lambda v: type(v).__name__)
def test_plain_values_cross_unchanged(peer, value):
    back = peer.request("ping", value)
    assert type(back) is type(value) and (back == value or back is value), (value, back)


def test_nan_crosses(peer):
    assert math.isnan(peer.request("ping", math.nan))


@pytest.mark.parametrize("array", [np.arange(12, dtype=np.float32).reshape(3, 4).T, np.zeros((0, 3), np.int16),
                                   np.array(5.0), np.array([True, False]), np.array(["ab", "c"]),
                                   np.arange(6, dtype=">i4")], ids=str)
def test_arrays_cross_with_dtype_shape_and_identity(peer, array):
    there = peer.request("call", np.copy, (array,), {})       # a new array made on the other side
    assert there.dtype == array.dtype and there.shape == array.shape and np.array_equal(there, array)
    assert not np.shares_memory(there, array) and there.flags.writeable
    assert peer.request("ping", array) is array and peer.request("ping", there) is there


def test_an_array_is_one_array_on_both_sides(peer):
    """Arrays are mirrored: each side holds a copy, the same object every time it crosses, and each
    message brings the other side's copies up to date, so that aliasing behaves as in one process."""
    mod = peer.request("load", 1, "x")
    a = np.zeros(3)
    box = mod.Counter(0)
    box.value = a                                            # the code keeps the caller's array
    a[0] = 5.0                                               # ... which the caller then changes
    assert box.value is a and a[0] == 5.0
    assert mod.reach(box, "value")[0] == 5.0                 # the code's copy followed
    mod.scale_in_place(box.value, 2)                         # the code changes its copy in place
    assert a.tolist() == [10.0, 0.0, 0.0]
    box.value = np.zeros(2)
    box.value[1] = 4.0                                       # a copy written into and dropped at once
    assert mod.reach(box, "value").tolist() == [0.0, 4.0]
    twice = mod.call_back(lambda x: [x, x], mod.Counter(1))  # one object there, one here
    assert twice[0] is twice[1]


def test_a_read_only_array_stays_read_only(peer):
    array = np.arange(3)
    array.flags.writeable = False
    assert not peer.request("ping", array).flags.writeable


def test_a_memory_map_crosses_as_a_map_of_the_same_file(peer, tmp_path):
    path = tmp_path / "ids.bin"
    np.arange(100, dtype="<u2").tofile(path)
    whole = np.memmap(path, dtype="<u2", mode="r")
    for m in (whole, whole[37:90]):
        back = peer.request("call", lambda x: x, (m,), {})
        assert isinstance(back, np.memmap) and back.tolist() == m.tolist() and not back.flags.writeable


def test_object_arrays_cross_element_by_element(peer):
    array = np.array([1, "a", None], dtype=object)
    back = peer.request("ping", array)
    assert back.dtype == object and back.tolist() == [1, "a", None]


def test_objects_stay_where_they_live(peer):
    mod = peer.request("load", 1, "x")
    c = mod.Counter(3)
    assert type(c).__name__ == "Counter" and isinstance(c, remote.Proxy)
    assert c.value == 3 and len(c) == 3 and list(c) == [0, 1, 2]
    assert c.bump(2) is c and c.value == 5            # the same remote object, the same proxy
    assert (c + 1).value == 6 and (1 + c).value == 6 and (c + c).value == 10
    c.value = 7
    assert c.value == 7 and isinstance(c, mod.Counter) and not isinstance(3, mod.Counter)
    with c as inside:
        assert inside is c and c.value == -1
    assert c.value == -2
    assert peer.request("ping", c) is c                # sent back, it is the same proxy


def test_an_attribute_is_read_once_between_requests(peer):
    """Until the checks send another request the code runs nothing, so a value read stays true."""
    mod = peer.request("load", 1, "x")
    c = mod.Counter(3)
    before = peer.sent
    assert [c.value for _ in range(100)] == [3] * 100 and peer.sent == before + 1
    c.bump(2)                                     # a request: the code ran, what was read is stale
    assert c.value == 5


def test_a_mutable_argument_gets_back_what_the_code_did_to_it(peer):
    mod = peer.request("load", 1, "x")
    a = np.arange(4.0)
    mod.scale_in_place(a, 3)
    assert a.tolist() == [0.0, 3.0, 6.0, 9.0]          # as if the code had run here
    rng, twin = np.random.default_rng(5), np.random.default_rng(5)
    assert np.array_equal(mod.draw(rng, 4), twin.integers(0, 1000, 4))
    assert rng.integers(0, 1000) == twin.integers(0, 1000)  # the generator advanced as the code drew


def test_exceptions_keep_their_class_chain_message_and_frames(peer):
    mod = peer.request("load", 1, "x")
    with pytest.raises(mod.LearnerError) as info:
        mod.fail()
    exc = info.value
    assert isinstance(exc, KeyError) and type(exc).__name__ == "LearnerError" and str(exc) == "'no such token'"
    assert any(f[2] == "fail" for f in exc.__remote_frames__)
    with pytest.raises(TypeError, match="missing"):
        mod.Counter.bump()


def test_a_proxy_is_never_equal_to_plain_data(peer):
    mod = peer.request("load", 1, "x")
    agree = mod.agreeable()
    assert agree != [1, 2] and not (agree == 4) and agree == agree


def test_the_code_can_call_back_but_not_reach_into_the_checks(peer):
    mod = peer.request("load", 1, "x")
    seen = []
    assert mod.call_back(lambda x: seen.append(x) or x * 2, 21) == 42 and seen == [21]
    holder = types.SimpleNamespace(value=1, _secret=2)
    assert mod.reach(holder, "value") == 1
    with pytest.raises(PermissionError, match="_secret"):
        mod.reach(holder, "_secret")
    with pytest.raises(PermissionError, match="setattr"):
        mod.change(holder)
    assert holder.value == 1
    with pytest.raises(PermissionError):              # the checking side loads nothing for the code
        peer.perform("load", [1, "x"])
    holder.tools = os                                 # a module of the checks: out of the code's reach
    with pytest.raises(TypeError, match="modules"):
        mod.reach(holder, "tools")


def overflow():
    return np.exp(np.array([1000.0]))


def fresh(n):
    return np.full(n, 7.0)


KEPT: list = []


def keep(rng):
    KEPT[:] = [rng]


def draw_kept(n):
    return KEPT[0].integers(0, 1000, n)


LEARNER.overflow, LEARNER.fresh, LEARNER.keep, LEARNER.draw_kept = overflow, fresh, keep, draw_kept


def test_a_generator_the_code_keeps_stays_one_generator(peer):
    """A generator kept by the code and drawn from later, on either side, is one stream of numbers."""
    mod = peer.request("load", 1, "x")
    rng, twin = np.random.default_rng(3), np.random.default_rng(3)
    mod.keep(rng)
    assert rng.integers(0, 1000) == twin.integers(0, 1000)          # drawn here ...
    assert np.array_equal(mod.draw_kept(3), twin.integers(0, 1000, 3))  # ... then there, where it went on
    assert rng.integers(0, 1000) == twin.integers(0, 1000)          # ... and here again


def test_errstate_around_a_call_holds_where_the_code_runs(peer):
    mod = peer.request("load", 1, "x")
    with np.errstate(over="raise"):
        with pytest.raises(FloatingPointError):
            mod.overflow()
    with np.errstate(over="ignore"):
        assert np.isinf(mod.overflow()[0])


def test_switches_the_checks_set_travel_with_each_request_and_only_those_accepted_are_taken(peer, monkeypatch):
    monkeypatch.setenv("SCRATCHGPT_T_ON", "1")
    monkeypatch.delenv("SCRATCHGPT_T_OFF", raising=False)
    peer.forward_env = ("SCRATCHGPT_T_ON", "SCRATCHGPT_T_OFF")
    peer.host.accept_env = frozenset({"SCRATCHGPT_T_ON", "SCRATCHGPT_T_OFF"})
    seen = []
    take = peer.host._set_env
    peer.host._set_env = lambda env: (seen.append(env), take(env))
    peer.request("ping", 1)
    assert seen == [{"SCRATCHGPT_T_ON": "1", "SCRATCHGPT_T_OFF": None}]
    # the side that runs the code takes the variables it accepts, and nothing else
    monkeypatch.setenv("SCRATCHGPT_T_OFF", "kept")
    monkeypatch.setenv("PATH", os.environ["PATH"])
    peer.host.accept_env = frozenset({"SCRATCHGPT_T_ON"})
    take({"SCRATCHGPT_T_ON": None, "SCRATCHGPT_T_OFF": "changed", "PATH": "/nowhere", 7: "x"})
    assert "SCRATCHGPT_T_ON" not in os.environ and os.environ["SCRATCHGPT_T_OFF"] == "kept"
    assert os.environ["PATH"] != "/nowhere"
    take({"SCRATCHGPT_T_ON": ["not", "a", "string"]})
    assert "SCRATCHGPT_T_ON" not in os.environ


def test_arrays_the_checks_drop_are_let_go_where_the_code_runs(peer):
    mod = peer.request("load", 1, "x")
    for n in range(40):
        assert mod.fresh(n).sum() == 7.0 * n
    peer.request("ping", None)
    held = [m for m, entry in peer.host.mirrors.items() if entry[3] is not None]
    assert len(held) <= 2, held


def test_released_proxies_free_their_objects(peer):
    mod = peer.request("load", 1, "x")
    before = len(peer.host.exports)
    for i in range(50):
        mod.Counter(i).value
    peer.request("ping", None)                          # carries the releases
    assert len(peer.host.exports) <= before + 2


@pytest.mark.parametrize("array", [np.arange(13, dtype=np.int8), np.zeros(0), np.full((), 3.0),
                                   np.arange(35.0).reshape(5, 7), np.arange(36.0).reshape(9, 4).T,
                                   np.array([True, False]), np.zeros(3, dtype=[("a", "<i4"), ("b", "<f8")]),
                                   np.arange(300_001, dtype=np.float32)], ids=lambda a: f"{a.dtype}{a.shape}")
def test_a_change_of_one_byte_anywhere_in_a_mirrored_array_is_seen(array):
    held = np.ascontiguousarray(array).tobytes()
    assert remote.unchanged(array, held)
    assert not remote.unchanged(array, held + b"\0") and not remote.unchanged(array, held[:-1] or b"\0")
    for k in {0, array.nbytes // 2, array.nbytes - 1} if array.nbytes else ():
        changed = np.ascontiguousarray(array).copy()
        changed.reshape(-1).view(np.uint8)[k] ^= 1
        assert not remote.unchanged(changed.reshape(array.shape), held), f"byte {k} changed, unseen"


def test_nonsense_on_the_socket_is_a_protocol_error():
    mine, theirs = remote.socket_pair()
    conn = remote.Connection(mine, restricted=True)
    theirs.sendall(struct.pack("<QQ", 1 << 62, 0))
    with pytest.raises(remote.ProtocolError, match="refused"):
        conn.receive()
    theirs.sendall(struct.pack("<QQ", 7, 0) + b"not json")
    with pytest.raises(remote.ProtocolError, match="not JSON"):
        conn.receive()
    theirs.close()
    with pytest.raises(remote.PeerGone):
        conn.receive()
