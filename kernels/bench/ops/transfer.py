"""Host → device: copy an n×n NumPy array from the host's memory to a device that is not the host.

Only devices other than the host take part (on a CPU-only machine there is nothing to time).
PyTorch copies the data into memory it manages for ``mps`` or ``cuda``. MLX has no such copy to
time: its arrays live in memory the CPU and GPU share (Apple silicon's unified memory; CUDA
managed memory with ``mlx[cuda]``), and ``mx.array(x)`` is a memcpy from NumPy's buffer into
MLX's on the host, whichever device later computes with it. Charting that beside Torch's copy
to the GPU would compare two different things, so MLX sits this operation out and says why.
"""
from ..op import Op
from ._libs import mx, np, torch  # noqa: F401

UNIFIED = ("MLX arrays live in memory the CPU and GPU share (unified memory on Apple silicon, managed "
           "memory with mlx[cuda]): nothing is copied to a device, and mx.array(x) is a host memcpy, not "
           "a transfer, so there is nothing comparable to time")


def torch_transfer(x, device):  # x: a NumPy array on the host
    return torch.from_numpy(x).to(device)


OP = Op(
    name="transfer",
    title="Host → device transfer",
    size_means="n × n array copied from NumPy to the device",
    shapes=lambda n: {"x": (n, n)},
    output_shape=lambda n: (n, n),
    reference=lambda x: x,  # the data arrives unchanged
    impls={"torch": torch_transfer},
    absent={"numpy": "NumPy works only on the host, so there is nothing to transfer", "mlx": UNIFIED},
    moved=lambda n: n * n,
    unit="GB/s",
    host_to_device=True,
    dtypes=("float32", "float16", "float64"),  # NumPy, where the data starts, has no bfloat16
    note=("Only for devices that are not the host: PyTorch's copy to mps or cuda. MLX is left out on "
          "purpose: its arrays live in unified memory, so there is no transfer to time."),
)
