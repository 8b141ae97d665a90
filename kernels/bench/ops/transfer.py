"""Host → device: copy an n×n NumPy array from the host's memory to a device that is not the host.

Only devices other than the host take part (on a CPU-only machine there is nothing to time).
PyTorch copies the data into memory it manages for ``mps`` or ``cuda``. MLX has no such call to
time: ``mx.array(x)`` is a memcpy from NumPy's buffer into MLX's on the host, whichever device later
computes with it. On Apple silicon the GPU then reads that memory where it is (unified memory);
with ``mlx[cuda]`` MLX itself moves data between host and GPU memory when one side first uses what
the other made, inside whatever operation needs it. Charting ``mx.array`` beside Torch's copy to
the GPU would compare two different things, so MLX sits this operation out and says why.
"""
from ..op import Op
from ._libs import mx, np, torch  # noqa: F401

UNIFIED = ("MLX has no call that copies an array to a device: mx.array(x) is a host memcpy, not a transfer. "
           "On Apple silicon its arrays live in unified memory, which the GPU reads where it is; with mlx[cuda] "
           "MLX moves data between host and GPU memory itself, inside the operation that first needs it. "
           "There is nothing comparable to Torch's .to(device) to time")


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
          "purpose: it has no call that copies an array to a device (unified memory on a Mac; with mlx[cuda] "
          "it moves data itself, inside the operation that needs it), so there is no transfer to time."),
)
