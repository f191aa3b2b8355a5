"""The array backend picks NumPy for NumPy data, and says whether a GPU is there."""

from __future__ import annotations

import numpy as np

from common.backend import array_module, gpu_available, to_numpy


def test_numpy_data_gets_numpy():
    x = np.ones(3)
    assert array_module(x) is np and array_module(x, 2.0) is np and array_module() is np
    assert isinstance(to_numpy([1, 2]), np.ndarray)
    assert isinstance(gpu_available(), bool)


def test_fake_gpu_switches_cuda_to_the_stand_in_and_back(monkeypatch):
    from common import backend, fakecupy

    monkeypatch.delenv(backend.FAKE_GPU, raising=False)
    real = backend.has_gpu()
    with backend.fake_gpu():
        assert backend.has_gpu() and backend.gpu_module() is fakecupy
        assert backend.device_name() == backend.FAKE_NAME
        assert backend.pool_bytes() == 0 and backend.set_tf32(True) is False
        backend.synchronize()                                   # nothing to wait for: returns
        with backend.fake_gpu(False):
            assert backend.gpu_module() is not fakecupy
    assert backend.has_gpu() == real and backend.FAKE_GPU not in __import__("os").environ


def test_fake_gpu_none_hides_every_gpu():
    from common import backend

    with backend.fake_gpu("none"):
        assert not backend.has_gpu() and not backend.gpu_available() and backend.gpu_module() is None
        assert backend.device_name() == "cpu"
