"""Sum and mean over axis 0 of an n×n array: n columns, each collapsed to one number."""
from ..op import Op
from ._libs import mx, np, torch  # noqa: F401


def numpy_sum(x):
    return x.sum(axis=0)


def torch_sum(x):
    return x.sum(dim=0)


def mlx_sum(x):
    return x.sum(axis=0)


def numpy_mean(x):
    return x.mean(axis=0)


def torch_mean(x):
    return x.mean(dim=0)


def mlx_mean(x):
    return x.mean(axis=0)


def _reduction(name, title, impls):
    return Op(
        name=name,
        title=title,
        size_means="n × n array, reduced over axis 0",
        shapes=lambda n: {"x": (n, n)},
        output_shape=lambda n: (n,),
        reference=impls["numpy"],  # the right answer: NumPy's own function on float64 copies
        impls=impls,
        flops=lambda n: n * n,
        moved=lambda n: n * n + n,
        unit="GB/s",
        reduction=lambda n: n,
    )


SUM = _reduction("sum", "Sum over an axis",
                 {"numpy": numpy_sum, "torch": torch_sum, "mlx": mlx_sum})
MEAN = _reduction("mean", "Mean over an axis",
                  {"numpy": numpy_mean, "torch": torch_mean, "mlx": mlx_mean})
