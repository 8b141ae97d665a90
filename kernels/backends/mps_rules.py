"""The MPS-rules mode: PyTorch's ``mps`` device imitated on the CPU, for testing on a machine that has
no Apple GPU (``PLAYGROUND_MPS_RULES=1``; the test suite's ``make test-mps``).

Tensors asked for on ``mps`` (``device="mps"``, ``.to("mps")``, ``Module.to("mps")``) live on the CPU
here but follow the rules torch 2.13 enforces on a Mac, with its messages:

* no float64 (``TypeError: Cannot convert a MPS Tensor to float64 dtype as the MPS framework doesn't
  support float64. Please use float32 instead.``), whether made there, moved there or computed there;
* ``.numpy()`` / ``np.asarray`` only after ``.cpu()`` (``TypeError: can't convert mps:0 device type
  tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first.``);
* no mixing with CPU tensors in one operation, CPU scalars (0-d tensors) and indices aside
  (``RuntimeError: Expected all tensors to be on the same device, but found at least two devices,
  mps:0 and cpu!``);
* the device they report (``tensor.device``, ``is_mps``, ``repr``; DLPack's device type is Metal's,
  8), ``.cpu()`` and ``.to("cpu")`` are copies, as a real transfer is;
* ``torch.backends.mps.is_available()`` is True; ``torch.mps.synchronize()`` is counted
  (:data:`SYNCHRONIZED`), ``torch.mps.current_allocated_memory()`` and the ``torch.accelerator``
  peak statistics count the bytes of the live tensors on ``mps``; ``torch.Generator(device="mps")``
  reports that device.

What it cannot imitate, and so what only a Mac can show: speed (every figure is the CPU's, and the
device label says so), asynchrony (work is finished when a call returns, so a missing
``synchronize()`` goes unnoticed here), random streams (MPS draws other numbers than the CPU from
one seed), which operations Metal lacks or computes differently (precision, unsupported ops,
``torch.compile``'s Metal kernels; compiled code runs with the mode off, since Dynamo traces no
function mode), the exact argument named in some mixing errors ("but got mat2 is
on cpu..."), the crash of two threads sharing MPS, and what NumPy makes of a Metal DLPack capsule
(``__dlpack__`` refuses here).

A storage is on ``mps`` or not (a view, ``.data``, a ``Parameter`` share it): the mode keeps a weak
reference to each such storage. It is a ``TorchFunctionMode`` pushed on every thread, since torch
keeps modes per thread.
"""
from __future__ import annotations

import atexit
import functools
import os
import re
import threading

VARIABLE = "PLAYGROUND_MPS_RULES"
FLOAT64 = ("Cannot convert a MPS Tensor to float64 dtype as the MPS framework doesn't support float64. "
           "Please use float32 instead.")
NUMPY = "can't convert mps:0 device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first."
MIXED = "Expected all tensors to be on the same device, but found at least two devices, {} and {}!"
DLPACK = "the MPS-rules mode cannot hand out a Metal buffer through DLPack (on a Mac its device type is 8, kDLMetal)"
KDLMETAL = 8
LABEL = "imitated on the CPU (MPS-rules mode, PLAYGROUND_MPS_RULES=1): MPS's rules, the CPU's speed"

SYNCHRONIZED = [0]  # torch.mps.synchronize() calls
_lock = threading.Lock()
_on_mps: dict[int, tuple] = {}  # storage pointer -> (StorageWeakRef: keeps the pointer from reuse, bytes)
_peak = [0]
_closing = [False]  # set at exit: no storage is tracked after the weak references are dropped
_installed: list = []  # the mode, once installed


def requested(environ=None) -> bool:
    return (environ if environ is not None else os.environ).get(VARIABLE, "") not in ("", "0")


def active() -> bool:
    return bool(_installed)


# --- which storages are on mps -------------------------------------------------------------------

def _key(tensor) -> int | None:
    try:
        return tensor.untyped_storage()._cdata
    except Exception:  # a tensor without storage (meta, sparse): never on mps here
        return None


def on_mps(tensor) -> bool:
    key = _key(tensor)
    if key is None:
        return False
    entry = _on_mps.get(key)
    return entry is not None and not entry[0].expired()


def _mark(tensor) -> None:
    from torch.multiprocessing.reductions import StorageWeakRef

    key = _key(tensor)
    if key is None or on_mps(tensor):
        return
    with _lock:
        if _closing[0]:
            return
        storage = tensor.untyped_storage()
        _on_mps[key] = (StorageWeakRef(storage), storage.nbytes())
        _peak[0] = max(_peak[0], _allocated())


def _allocated() -> int:
    """Bytes of the live storages on mps (and forget the dead ones)."""
    live = 0
    for key, (ref, size) in list(_on_mps.items()):
        if ref.expired():
            del _on_mps[key]
        else:
            live += size
    return live


def _forget() -> None:
    """At exit: drop every weak reference while torch can still free it (a StorageWeakRef freed after
    torch's teardown raises), and track nothing more (a daemon thread may still be making tensors)."""
    with _lock:
        _closing[0] = True
        _on_mps.clear()


def allocated_bytes() -> int:
    with _lock:
        return _allocated()


def reset_peak() -> None:
    with _lock:
        _peak[0] = _allocated()


def peak_bytes() -> int:
    with _lock:
        return max(_peak[0], _allocated())


# --- the mode ------------------------------------------------------------------------------------

def _is_mps_device(device) -> bool | None:
    """True for ``"mps"``/``"mps:0"``/``torch.device("mps")``, False for another device, None for none."""
    if device is None:
        return None
    text = str(device) if not isinstance(device, int) else "cuda"
    return text.split(":")[0] == "mps"


_SUFFIX = re.compile(r", (?:size|dtype|layout|grad_fn|requires_grad|names)=")


def _mode_class():
    import torch
    from torch.overrides import TorchFunctionMode
    from torch.utils._pytree import tree_flatten

    Tensor = torch.Tensor
    float64 = (torch.float64, torch.complex128)
    mixing_allowed = {Tensor.copy_, Tensor.to, Tensor.cpu, Tensor.__getitem__, Tensor.__setitem__,
                      Tensor.index_put_, Tensor.index_put, torch._has_compatible_shallow_copy_type}

    passthrough = {torch._C._nn._parse_to}  # reads a device argument; allocates nothing

    def tensors(tree) -> list:
        return [x for x in tree_flatten(tree)[0] if isinstance(x, Tensor)]

    def check_float64(values) -> None:
        if any(t.dtype in float64 for t in values):
            raise TypeError(FLOAT64)

    def device_of(t) -> str:
        return "mps:0" if on_mps(t) else str(t.device)

    class MPSRules(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = dict(kwargs or {})
            name = getattr(func, "__name__", "")
            if name in ("__get__", "__set__"):
                return self.attribute(func, name, func.__self__.__name__, args, kwargs)
            if func is Tensor.numpy or func is Tensor.__array__:
                if on_mps(args[0]):
                    raise TypeError(NUMPY)
                return func(*args, **kwargs)
            if func is Tensor.__dlpack_device__:
                return (KDLMETAL, 0) if on_mps(args[0]) else func(*args, **kwargs)
            if func is Tensor.__dlpack__:
                if on_mps(args[0]):
                    raise BufferError(DLPACK)
                return func(*args, **kwargs)
            if func in (Tensor.__repr__, Tensor.__str__):
                text = func(*args, **kwargs)
                if not on_mps(args[0]):
                    return text
                found = _SUFFIX.search(text)
                at = found.start() if found else len(text) - 1
                return text[:at] + ", device='mps:0'" + text[at:]
            if func is Tensor.cpu:
                return args[0].clone() if on_mps(args[0]) else func(*args, **kwargs)
            if func is Tensor.to:
                return self.to(func, args, kwargs)
            if func in passthrough:
                return func(*args, **kwargs)
            return self.call(func, args, kwargs)

        @staticmethod
        def attribute(func, how, attribute, args, kwargs):
            owner = args[0]
            if how == "__get__" and attribute == "device" and on_mps(owner):
                return torch.device("mps", 0)
            if how == "__get__" and attribute in ("is_mps", "is_cpu"):
                return on_mps(owner) == (attribute == "is_mps")
            value = func(*args, **kwargs)
            if how == "__get__" and attribute == "grad" and isinstance(value, Tensor) and on_mps(owner):
                _mark(value)  # autograd made the gradient where its tensor lives
            return value

        @staticmethod
        def call(func, args, kwargs):
            wanted = _is_mps_device(kwargs.get("device"))
            if wanted:
                kwargs["device"] = "cpu"
            inputs = tensors((args, kwargs))
            marked = [on_mps(t) for t in inputs]
            if any(marked) and not all(marked) and func not in mixing_allowed:
                found = list(dict.fromkeys(device_of(t) for t in inputs if t.dim() > 0))  # CPU scalars may mix
                if len(found) > 1:
                    raise RuntimeError(MIXED.format(*found[:2]))
            result = func(*args, **kwargs)
            if wanted or (wanted is None and any(marked)):
                unmarked_inputs = {_key(t) for t, m in zip(inputs, marked) if not m}
                outputs = [t for t in tensors(result) if wanted or _key(t) not in unmarked_inputs]
                check_float64(outputs)
                for t in outputs:
                    _mark(t)
            return result

        @staticmethod
        def to(func, args, kwargs):
            source, rest = args[0], list(args[1:])
            target, dtype = None, None
            if rest and isinstance(rest[0], Tensor):  # .to(other): its device and dtype
                other = rest.pop(0)
                target, dtype = ("mps" if on_mps(other) else str(other.device)), other.dtype
            elif rest and not isinstance(rest[0], torch.dtype):  # .to(device, dtype=None, ...)
                target = rest.pop(0)
                if rest and (rest[0] is None or isinstance(rest[0], torch.dtype)):
                    dtype = rest.pop(0)
            elif rest:  # .to(dtype, ...)
                dtype = rest.pop(0)
            target = kwargs.pop("device", target)
            dtype = kwargs.pop("dtype", dtype)
            if rest:  # .to(..., non_blocking, copy)
                kwargs.setdefault("non_blocking", rest.pop(0))
            if rest:
                kwargs.setdefault("copy", rest.pop(0))
            to_mps, was_mps = _is_mps_device(target), on_mps(source)
            lands = was_mps if to_mps is None else to_mps
            if lands and (dtype or source.dtype) in float64:
                raise TypeError(FLOAT64)
            moves = to_mps is not None and to_mps != was_mps
            kwargs = {k: v for k, v in kwargs.items() if v is not None}
            result = func(source, device="cpu" if to_mps is not None else None, dtype=dtype,
                          **{**kwargs, "copy": kwargs.get("copy", False) or moves})
            if lands:
                _mark(result)
            return result

    return MPSRules


# --- installing ----------------------------------------------------------------------------------

def install(torch=None) -> None:
    """Turn the mode on in this process (every thread, from now on); idempotent."""
    if _installed:
        return
    import torch as torch_module

    torch = torch or torch_module
    mode = _mode_class()()
    _installed.append(mode)
    _push(mode)
    original = threading.Thread._bootstrap_inner

    def bootstrap_inner(self):  # every new thread starts with the mode on
        _push(mode)
        try:
            original(self)
        finally:  # and ends with it off: a mode left on a finished thread's stack aborted the process at exit
            mode.__exit__(None, None, None)

    threading.Thread._bootstrap_inner = bootstrap_inner
    atexit.register(_forget)  # the weak references go while torch is still there to free them
    _patch_torch(torch)


def _push(mode) -> None:
    mode.__enter__()


def _patch_torch(torch) -> None:
    mps = torch.backends.mps
    mps.is_available = lambda: True
    mps.is_built = lambda: True

    def synchronize() -> None:
        SYNCHRONIZED[0] += 1

    torch.mps.synchronize = synchronize
    torch.mps.current_allocated_memory = allocated_bytes
    torch.mps.driver_allocated_memory = allocated_bytes
    torch.mps.empty_cache = lambda: None
    # torch.manual_seed seeds mps too when it is available: the imitation's draws come from the CPU's generator
    torch.mps.manual_seed = lambda seed: torch.default_generator.manual_seed(seed) and None
    torch.mps.device_count = lambda: 1
    # torch.accelerator.is_available() and current_accelerator() stay the CPU machine's (False, None):
    # torch.compile asks them for the accelerator's current stream, which no CPU build has.
    torch.accelerator.synchronize = lambda device=None: synchronize()
    torch.accelerator.max_memory_allocated = lambda device_index=None: peak_bytes()
    torch.accelerator.memory_allocated = lambda device_index=None: allocated_bytes()
    torch.accelerator.reset_peak_memory_stats = lambda device_index=None: reset_peak()

    compile_ = torch.compile

    def compile(model=None, **options):  # torch.compile traces no function mode: run the compiled code without it
        if model is None:
            return lambda model: compile(model, **options)
        compiled = compile_(model, **options)

        @functools.wraps(model)
        def run(*args, **kwargs):
            from torch.overrides import _get_current_function_mode_stack, _pop_mode_temporarily

            stack = _get_current_function_mode_stack()
            if not stack or stack[-1] is not _installed[0]:
                return compiled(*args, **kwargs)
            with _pop_mode_temporarily():
                return compiled(*args, **kwargs)

        return run

    torch.compile = compile

    base = torch._C.Generator

    class GeneratorType(type(base)):
        def __instancecheck__(cls, value):
            return isinstance(value, base)

    class Generator(base, metaclass=GeneratorType):
        """``torch.Generator(device="mps")``: a CPU generator that reports ``mps``."""

        def __new__(cls, device="cpu"):
            on = _is_mps_device(device)
            made = base.__new__(cls, device="cpu" if on else device)
            made._mps = bool(on)
            return made

        def __init__(self, device="cpu"):
            pass

        @property
        def device(self):
            return torch.device("mps", 0) if self._mps else base.device.__get__(self)

    torch.Generator = Generator
