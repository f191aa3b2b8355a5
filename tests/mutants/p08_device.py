"""Learner bugs in phase 08's device.py, each caught and named by phases/08_scaling/test_device.py."""

FALLBACK = ("    if device == \"cuda\":\n        raise RuntimeError(no_gpu_message())\n"
            "    say(\"device = \\\"auto\\\": no GPU found, training on the CPU\")\n")
MOVE_ARRAY = ("        if backend.array_module(obj) is xp:\n            return obj\n"
              "        return xp.asarray(backend.to_numpy(obj))\n")
MOVE_TENSOR = ("        obj.data = to_device(obj.data, device)\n        if obj.grad is not None:\n"
               "            obj.grad = to_device(obj.grad, device)\n        return obj\n")
MOVE_MODULE = "        for p in obj.parameters():\n            to_device(p, device)\n        return obj\n"

MUTANTS = [
    # resolve_device: the fallback of "auto", and only of "auto"
    {"name": "p08_auto_raises_without_gpu", "phase": 8, "module": "device.py", "task": "resolve_device",
     "old": FALLBACK, "new": "    raise RuntimeError(no_gpu_message())\n",
     "says": ['resolve_device("auto") without a gpu raised runtimeerror']},
    {"name": "p08_auto_prints", "phase": 8, "module": "device.py", "task": "resolve_device",
     "old": "    say(\"device = \\\"auto\\\"", "new": "    print(\"device = \\\"auto\\\"",
     "says": ["with say(...)", "not print"]},
    {"name": "p08_auto_says_with_gpu", "phase": 8, "module": "device.py", "task": "resolve_device",
     "old": "    if backend.has_gpu():\n        return \"cuda\"\n",
     "new": ("    if device == \"auto\":\n        say(\"device = \\\"auto\\\": looking for a GPU\")\n"
             "    if backend.has_gpu():\n        return \"cuda\"\n"),
     "says": ["although a gpu is there"]},
    {"name": "p08_cpu_says", "phase": 8, "module": "device.py", "task": "resolve_device",
     "old": "    if device == \"cpu\":\n        return \"cpu\"\n",
     "new": "    if device == \"cpu\":\n        say(\"training on the CPU\")\n        return \"cpu\"\n",
     "says": ["say something only when \"auto\" falls back to the cpu"]},
    {"name": "p08_cuda_falls_back", "phase": 8, "module": "device.py", "task": "resolve_device",
     "old": "    if device == \"cuda\":\n        raise RuntimeError(no_gpu_message())\n", "new": "",
     "says": ['resolve_device("cuda") without a gpu should raise runtimeerror', "returned normally"]},
    {"name": "p08_cuda_unchecked", "phase": 8, "module": "device.py", "task": "resolve_device",
     "old": "    if device == \"cpu\":\n        return \"cpu\"\n",
     "new": "    if device in (\"cpu\", \"cuda\"):\n        return device\n",
     "says": ['resolve_device("cuda") without a gpu should raise runtimeerror']},
    {"name": "p08_cuda_value_error", "phase": 8, "module": "device.py", "task": "resolve_device",
     "old": "    if device == \"cuda\":\n        raise RuntimeError(no_gpu_message())\n",
     "new": "    if device == \"cuda\":\n        raise ValueError(no_gpu_message())\n",
     "says": ["should raise runtimeerror, but raised valueerror"]},
    {"name": "p08_device_name_unchecked", "phase": 8, "module": "device.py", "task": "resolve_device",
     "old": ("    if device not in DEVICES:\n        raise ValueError(f\"device must be one of "
             "{', '.join(repr(d) for d in DEVICES)}, got {device!r}\")\n"), "new": "",
     "says": ["resolve_device('gpu') should raise valueerror"]},
    {"name": "p08_device_name_lowercased", "phase": 8, "module": "device.py", "task": "resolve_device",
     "old": "    if device not in DEVICES:\n", "new": "    device = device.lower()\n    if device not in DEVICES:\n",
     "says": ["resolve_device('cuda') should raise valueerror"]},
    {"name": "p08_device_error_unnamed", "phase": 8, "module": "device.py", "task": "resolve_device",
     "old": "raise ValueError(f\"device must be one of {', '.join(repr(d) for d in DEVICES)}, got {device!r}\")",
     "new": "raise ValueError(f\"unknown device {device!r}\")",
     "says": ["name the three allowed values"]},
    # to_device: arrays keep their dtype, and are not copied when already there
    {"name": "p08_to_device_float32", "phase": 8, "module": "device.py", "task": "to_device",
     "old": "        return xp.asarray(backend.to_numpy(obj))\n",
     "new": "        return xp.asarray(backend.to_numpy(obj), dtype=xp.float32)\n",
     "says": ["came back float32", "must not convert"]},
    {"name": "p08_to_device_via_list", "phase": 8, "module": "device.py", "task": "to_device",
     "old": "        return xp.asarray(backend.to_numpy(obj))\n",
     "new": "        return xp.array(backend.to_numpy(obj).tolist())\n",
     "says": ["float16", "came back float64", "must not convert"]},
    {"name": "p08_to_device_copies_device_array", "phase": 8, "module": "device.py", "task": "to_device",
     "old": MOVE_ARRAY, "new": "        return xp.asarray(backend.to_numpy(obj))\n",
     "says": ["already on the device", "no copy"]},
    {"name": "p08_to_device_cpu_without_to_numpy", "phase": 8, "module": "device.py", "task": "to_device",
     "old": "        return xp.asarray(backend.to_numpy(obj))\n", "new": "        return xp.asarray(obj)\n",
     "says": ["to_device(device array, 'cpu') raised typeerror"]},
    # to_device: a Tensor moves in place, grad included
    {"name": "p08_to_device_new_tensor", "phase": 8, "module": "device.py", "task": "to_device",
     "old": MOVE_TENSOR,
     "new": ("        out = _tensor.Tensor(to_device(obj.data, device), requires_grad=obj.requires_grad)\n"
             "        if obj.grad is not None:\n            out.grad = to_device(obj.grad, device)\n"
             "        return out\n"),
     "says": ["in place", "same object"]},
    {"name": "p08_to_device_grad_left", "phase": 8, "module": "device.py", "task": "to_device",
     "old": MOVE_TENSOR, "new": "        obj.data = to_device(obj.data, device)\n        return obj\n",
     "says": ["must move its .grad too"]},
    {"name": "p08_to_device_none_grad_moved", "phase": 8, "module": "device.py", "task": "to_device",
     "old": MOVE_TENSOR,
     "new": ("        obj.data = to_device(obj.data, device)\n"
             "        obj.grad = to_device(obj.grad, device)\n        return obj\n"),
     "says": ["without a grad", "nonetype"]},
    {"name": "p08_to_device_grad_invented", "phase": 8, "module": "device.py", "task": "to_device",
     "old": MOVE_TENSOR,
     "new": ("        obj.data = to_device(obj.data, device)\n"
             "        obj.grad = to_device(obj.grad if obj.grad is not None else obj.data * 0, device)\n"
             "        return obj\n"),
     "says": ["gave a gradient to a tensor that had none"]},
    # to_device: a Module's Parameter objects stay the same, all of them moved
    {"name": "p08_to_device_new_parameters", "phase": 8, "module": "device.py", "task": "to_device",
     "old": MOVE_MODULE,
     "new": ("        def move(m):\n"
             "            for name, value in list(vars(m).items()):\n"
             "                if isinstance(value, _nn.Parameter):\n"
             "                    setattr(m, name, _nn.Parameter(to_device(value.data, device)))\n"
             "                elif isinstance(value, _nn.Module):\n"
             "                    move(value)\n"
             "                elif isinstance(value, (list, tuple)):\n"
             "                    for item in value:\n"
             "                        if isinstance(item, _nn.Module):\n"
             "                            move(item)\n"
             "        move(obj)\n        return obj\n"),
     "says": ["new object after the move"]},
    {"name": "p08_to_device_loop_variable", "phase": 8, "module": "device.py", "task": "to_device",
     "old": MOVE_MODULE,
     "new": "        for p in obj.parameters():\n            p = to_device(p.data, device)\n        return obj\n",
     "says": ["expected the same float32 values on the device"]},
    {"name": "p08_to_device_module_asarray", "phase": 8, "module": "device.py", "task": "to_device",
     "old": MOVE_MODULE,
     "new": "        for p in obj.parameters():\n            p.data = xp.asarray(p.data)\n        return obj\n",
     "says": ["to_device(gpt, 'cpu') raised typeerror"]},
    {"name": "p08_to_device_top_level_only", "phase": 8, "module": "device.py", "task": "to_device",
     "old": MOVE_MODULE,
     "new": ("        for value in vars(obj).values():\n            if isinstance(value, _tensor.Tensor):\n"
             "                to_device(value, device)\n            elif isinstance(value, _nn.Module):\n"
             "                for p in value.parameters():\n                    to_device(p, device)\n"
             "        return obj\n"),
     "says": ["on the device"]},
    # to_device: anything else is refused
    {"name": "p08_to_device_passes_anything", "phase": 8, "module": "device.py", "task": "to_device",
     "old": "    raise TypeError(f\"to_device moves arrays, Tensors and Modules, not {type(obj).__name__}\")\n",
     "new": "    return obj\n",
     "says": ["to_device('hello', 'cuda') should raise typeerror"]},
    # the learner's GPT on the stand-in, fed by to_device
    {"name": "p08_runs_ids_as_float32", "phase": 8, "module": "device.py", "task": "model_runs_on_the_device",
     "old": "        return xp.asarray(backend.to_numpy(obj))\n",
     "new": "        return xp.asarray(backend.to_numpy(obj), dtype=xp.float32)\n",
     "says": ["embedding takes integer ids, got dtype float32"]},
]

# Correct code written another way: each must keep full marks.
ALTERNATIVES = [
    {"name": "p08_alt_resolve_device_has_gpu_once", "phase": 8, "module": "device.py", "task": "resolve_device",
     "old": ("    if backend.has_gpu():\n        return \"cuda\"\n" + FALLBACK + "    return \"cpu\"\n"),
     "new": ("    gpu = backend.has_gpu()\n"
             "    if device == \"cuda\" and not gpu:\n        raise RuntimeError(no_gpu_message())\n"
             "    if not gpu:\n        say(\"no GPU found: device \\\"auto\\\" runs on the CPU\")\n"
             "    return \"cuda\" if gpu else \"cpu\"\n")},
    {"name": "p08_alt_to_device_copy_when_moving", "phase": 8, "module": "device.py", "task": "to_device",
     "old": "        return xp.asarray(backend.to_numpy(obj))\n",
     "new": "        host = backend.to_numpy(obj)\n        return xp.array(host, dtype=host.dtype, copy=True)\n"},
]
