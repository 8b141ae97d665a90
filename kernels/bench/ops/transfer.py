"""Host → device: copy an n×n NumPy array from the host's memory to a device that is not the host.

Only devices other than the host take part (on a CPU-only machine there is nothing to time).
MLX arrays live in unified memory that the GPU reads directly, so for MLX the transfer is the
copy from NumPy into an MLX array; Torch copies the data into the device's memory.
"""
from ..op import Op
from ._libs import mx, np, torch  # noqa: F401


def torch_transfer(x, device):  # x: a NumPy array on the host
    return torch.from_numpy(x).to(device)


def mlx_transfer(x, device):  # x: a NumPy array on the host
    return mx.array(x)


OP = Op(
    name="transfer",
    title="Host → device transfer",
    size_means="n × n array copied from NumPy to the device",
    shapes=lambda n: {"x": (n, n)},
    output_shape=lambda n: (n, n),
    reference=lambda x: x,  # the data arrives unchanged
    impls={"torch": torch_transfer, "mlx": mlx_transfer},
    moved=lambda n: n * n,
    unit="GB/s",
    host_to_device=True,
    dtypes=("float32", "float16", "float64"),  # NumPy, where the data starts, has no bfloat16
    note="Only for devices that are not the host; NumPy has no device to copy to.",
)
