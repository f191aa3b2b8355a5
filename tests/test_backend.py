"""The array backend picks NumPy for NumPy data, and says whether a GPU is there."""

from __future__ import annotations

import numpy as np

from common.backend import array_module, gpu_available, to_numpy


def test_numpy_data_gets_numpy():
    x = np.ones(3)
    assert array_module(x) is np and array_module(x, 2.0) is np and array_module() is np
    assert isinstance(to_numpy([1, 2]), np.ndarray)
    assert isinstance(gpu_available(), bool)
