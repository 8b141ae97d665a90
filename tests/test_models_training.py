"""Small models: the same weights and batches give the same losses, gradients and training curves
in NumPy, PyTorch and MLX (float32 tolerance), and the runner's rows say so."""
from __future__ import annotations

import numpy as np
import pytest

from kernels.models import config, library_module, plan, run
from tests.devices import DEVICE_SET_IDS, DEVICE_SETS

TINY = {
    "mlp": config.RunSpec(model="mlp", batch=8, width=16, steps=8),
    "transformer": config.RunSpec(model="transformer", batch=4, width=16, seq_len=8, steps=6, depth=1),
}


def trainers(spec, libs, variant="eager", devices=None):
    """One Trainer per library that has this model, all loaded with the same weights, each on its
    device in ``devices`` (the CPU when not given)."""
    weights = config.init_weights(spec)
    out = {}
    for name, b in libs.items():
        module = library_module(name)
        if spec.model in module.MODELS:
            device = (devices or {}).get(name, "cpu")
            with b.device_scope(device):
                out[name] = module.Trainer(spec, weights, device, variant)
    return out


def assert_grads_close(got: dict, want: dict):
    assert set(got) == set(want)
    scale = max(float(np.abs(g).max()) for g in want.values())
    for name in want:
        np.testing.assert_allclose(got[name], want[name], rtol=1e-4, atol=1e-5 * scale, err_msg=name)


def test_linear_layers_store_out_by_in_in_both_libraries():
    import mlx.nn as mnn
    import torch.nn as tnn

    assert tuple(tnn.Linear(3, 5).weight.shape) == (5, 3)
    assert tuple(mnn.Linear(3, 5).weight.shape) == (5, 3)
    assert config.param_shapes(TINY["mlp"])["layers.0.weight"] == (16, config.MLP_INPUTS)


def test_weights_and_batches_come_from_the_seed():
    spec = TINY["transformer"]
    a, b = config.init_weights(spec), config.init_weights(spec)
    assert list(a) == list(config.param_shapes(spec)) and all(np.array_equal(a[k], b[k]) for k in a)
    assert all(v.dtype == np.float32 for v in a.values())
    assert not np.array_equal(a["head.weight"], config.init_weights(spec.with_(seed=1))["head.weight"])
    (x, y), = config.make_batches(spec, 1)
    assert x.shape == y.shape == (4, 8) and np.array_equal(x[:, 1:], y[:, :-1])  # next-token targets


@pytest.mark.parametrize("model", config.MODELS)
def test_every_library_loads_the_same_parameters_by_name(model, libs):
    weights = config.init_weights(TINY[model])
    for name, tr in trainers(TINY[model], libs).items():
        params = tr.parameters()
        assert set(params) == set(weights), name
        for k in weights:
            np.testing.assert_array_equal(params[k], weights[k], err_msg=f"{name} {k}")


@pytest.mark.parametrize("devices", DEVICE_SETS, ids=DEVICE_SET_IDS)
@pytest.mark.parametrize("model", config.MODELS)
def test_initial_loss_and_gradients_agree(model, libs, devices):
    spec = TINY[model]
    (x, y), = config.make_batches(spec, 1)
    found = {}
    for name, tr in trainers(spec, libs, devices=devices).items():
        with libs[name].device_scope(devices.get(name, "cpu")):
            found[name] = tr.loss_and_grads(*tr.batch(x, y))
    assert {"torch", "mlx"} <= set(found) and ("numpy" in found) == (model == "mlp")
    loss0, grads0 = found["torch"]
    # near chance
    assert loss0 == pytest.approx(np.log(config.MLP_CLASSES if model == "mlp" else config.VOCAB), rel=0.2)
    for name, (loss, grads) in found.items():
        assert loss == pytest.approx(loss0, rel=1e-5, abs=1e-6), name
        assert_grads_close(grads, grads0)


@pytest.mark.parametrize("devices", DEVICE_SETS, ids=DEVICE_SET_IDS)
@pytest.mark.parametrize("model,optimizer", [("mlp", "adam"), ("mlp", "sgd"), ("transformer", "adam")])
def test_losses_and_weights_agree_after_n_steps(model, optimizer, libs, devices):
    spec = TINY[model].with_(optimizer=optimizer)
    rows = [p.row for p in run(plan([spec], libs, devices=sorted(set(devices.values()))), libs)]
    ok = [r for r in rows if r["status"] == "ok"]
    assert {(r["backend"], r["variant"]) for r in ok} >= {("torch", "eager"), ("mlx", "eager"), ("mlx", "compiled")}
    reference = np.array(ok[0]["losses"])
    assert len(reference) == spec.steps and np.all(np.isfinite(reference))
    for r in ok:
        np.testing.assert_allclose(r["losses"], reference, rtol=1e-4, atol=1e-5,
                                   err_msg=f"{r['backend']} {r['variant']}")

    batches = config.make_batches(spec, spec.steps)
    after = {}
    for name, tr in trainers(spec, libs, devices=devices).items():
        with libs[name].device_scope(devices.get(name, "cpu")):
            for x, y in batches:
                tr.step(*tr.batch(x, y))
            after[name] = tr.parameters()
    for name, params in after.items():
        for k, v in after["torch"].items():
            if k.endswith("attn.key.bias"):
                # Its gradient is exactly zero in exact arithmetic (softmax ignores a shift shared by
                # every key), so each library's is float noise; Adam turns noise into full-size steps.
                continue
            np.testing.assert_allclose(params[k], v, rtol=1e-3, atol=2e-5, err_msg=f"{name} {k}")


def test_mlx_adam_needs_bias_correction_to_match_torch():
    import mlx.core as mx
    import mlx.optimizers as optim
    import torch

    g = np.array([0.5, -2.0, 1e-3], dtype=np.float32)
    p = torch.zeros(3, requires_grad=True)
    opt = torch.optim.Adam([p], lr=1e-3, betas=config.ADAM_BETAS, eps=config.ADAM_EPS)
    p.grad = torch.from_numpy(g.copy())
    opt.step()
    want = p.detach().numpy()

    def mlx_step(**kw):
        o = optim.Adam(learning_rate=1e-3, betas=list(config.ADAM_BETAS), eps=config.ADAM_EPS, **kw)
        params = {"p": mx.zeros(3)}
        return np.array(o.apply_gradients({"p": mx.array(g)}, params)["p"])

    np.testing.assert_allclose(mlx_step(bias_correction=True), want, rtol=1e-5)
    default = mlx_step()
    ratio = (1 - config.ADAM_BETAS[0]) / np.sqrt(1 - config.ADAM_BETAS[1])  # what the page says: about 3.2
    np.testing.assert_allclose(default[:2], want[:2] * ratio, rtol=1e-3)
    assert not np.allclose(default, want, rtol=1e-2)
