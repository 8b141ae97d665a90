"""Local inference: the same weights and prompt give the same tokens in PyTorch and MLX on every
device here, and the NumPy float64 reference's; the logits match the reference within the dtype's
tolerance; decoding with the KV cache equals recomputing the whole sequence; and the masks are the
right way round."""
from __future__ import annotations

import numpy as np
import pytest

from kernels.inference import LOGITS_TOLERANCE, config, library_module
from kernels.inference.numpy_model import Decoder, generate, reference
from tests.devices import FOUND, PAIR_IDS, PAIRS

# Small enough for seconds, big enough for several heads and layers; one size for every test here,
# so MLX's CPU build compiles its kernels once.
SPEC = config.Spec.from_preset("tiny", width=64, layers=2, heads=4, prompt_len=8, new_tokens=8)
TIMED = [(name, device) for name, device, _kind in PAIRS if name in ("torch", "mlx")]
TIMED_IDS = [i for i, (name, _d, _k) in zip(PAIR_IDS, PAIRS) if name in ("torch", "mlx")]


@pytest.fixture(scope="module")
def weights():
    return config.init_weights(SPEC)


@pytest.fixture(scope="module")
def ref(weights):
    return reference(SPEC, weights)


def generator(name: str, device: str, weights, dtype: str = "float32", variant: str = "eager"):
    return library_module(name).Generator(SPEC, weights, device, dtype, variant)


def generate_with(gen, backend, device: str) -> list[int]:
    """The runner's loop, untimed: the prompt, then one token at a time, each finished and read back."""
    token = gen.prefill(config.prompt_tokens(SPEC))
    backend.synchronize(device, gen.sync_target(token))
    tokens = [gen.token_id(token)]
    for _ in range(SPEC.new_tokens - 1):
        token = gen.step(token)
        backend.synchronize(device, gen.sync_target(token))
        tokens.append(gen.token_id(token))
    return tokens


def test_presets_are_the_sizes_the_issue_names():
    counts = {name: config.param_count(config.Spec.from_preset(name)) for name in config.PRESET_NAMES}
    assert 0.8e6 <= counts["tiny"] <= 1.2e6
    assert 23e6 <= counts["small"] <= 27e6
    assert 120e6 <= counts["medium"] <= 130e6
    medium = config.PRESETS["medium"]
    assert (medium.width, medium.heads, medium.context) == (768, 12, 1024)  # GPT-2 small's


def test_weights_come_from_the_seed_and_load_by_name_into_both(weights):
    again = config.init_weights(SPEC)
    assert (list(weights) == list(config.param_shapes(SPEC))
            and all(np.array_equal(weights[k], again[k]) for k in weights))
    assert all(v.dtype == np.float32 for v in weights.values())
    assert not np.array_equal(weights["head.weight"], config.init_weights(SPEC.with_(seed=1))["head.weight"])

    import mlx.core as mx
    import torch

    torch_params = generator("torch", "cpu", weights).model.state_dict()
    with mx.stream(mx.cpu):
        mlx_params = generator("mlx", "cpu", weights).parameters()
    assert set(torch_params) == set(mlx_params) == set(weights)
    for k, v in weights.items():
        np.testing.assert_array_equal(torch_params[k].numpy(), v, err_msg=f"torch {k}")
        np.testing.assert_array_equal(mlx_params[k], v, err_msg=f"mlx {k}")
    assert isinstance(torch_params["head.weight"], torch.Tensor)


def test_the_prompt_is_bytes_and_shows_as_text():
    prompt = config.prompt_tokens(SPEC)
    assert prompt.shape == (1, 8) and prompt.dtype == np.int32
    assert config.token_text(prompt[0]) == config.PROMPT_TEXT[:8]
    assert config.token_text([72, 105, 0, 255]) == "Hi\\x00\\xff"


@pytest.mark.parametrize("name,device", TIMED, ids=TIMED_IDS)
def test_both_libraries_generate_the_reference_tokens(name, device, weights, ref):
    """Greedy generation with the cache, eager and compiled (MLX; Torch's compiled step is checked
    without the compiler below), gives the float64 reference's tokens, token for token."""
    backend = FOUND[name]
    variants = ["eager", "compiled"] if name == "mlx" else ["eager"]
    with backend.device_scope(device):
        for variant in variants:
            assert (generate_with(generator(name, device, weights, variant=variant), backend, device)
                    == ref.tokens), variant
    assert len(ref.tokens) == SPEC.new_tokens and min(ref.margins) > 1e-4  # no near-tie float32 could tip here


@pytest.mark.parametrize("name,device", TIMED, ids=TIMED_IDS)
def test_torch_and_mlx_static_cache_path_gives_the_same_tokens(name, device, weights, ref):
    """The fixed-shape step a compiler sees (the whole cache, masked; the position as an array) run
    as it is, without compiling: the same tokens as the eager path."""
    backend = FOUND[name]
    with backend.device_scope(device):
        gen = generator(name, device, weights)
        gen.variant = "compiled"  # prefill leaves the cache static; the step is the uncompiled function
        assert generate_with(gen, backend, device) == ref.tokens


@pytest.mark.parametrize("dtype", config.DTYPES)
@pytest.mark.parametrize("name,device", TIMED, ids=TIMED_IDS)
def test_logits_match_numpy_within_the_dtype_tolerance(name, device, dtype, weights, ref):
    backend = FOUND[name]
    if backend.dtype_support(device, dtype):
        pytest.skip(backend.dtype_support(device, dtype))
    with backend.device_scope(device):
        logits = generator(name, device, weights, dtype).logits(config.prompt_tokens(SPEC))
    err = np.abs(logits - ref.prompt_logits).max() / ref.scale
    assert err <= LOGITS_TOLERANCE[dtype], (name, dtype, err)
    if dtype == "float32":
        assert err < 1e-5  # float32 is far inside its tolerance on a CPU or GPU


@pytest.mark.parametrize("name,device", TIMED, ids=TIMED_IDS)
def test_decoding_with_the_cache_equals_recomputing_the_sequence(name, device, weights, ref):
    """The logits of each token decoded one at a time against the cache are the logits of the whole
    sequence recomputed from scratch (causal attention: a token never sees the ones after it)."""
    sequence = np.concatenate([config.prompt_tokens(SPEC), np.array([ref.tokens[:-1]], np.int32)], axis=1)
    backend = FOUND[name]
    with backend.device_scope(device):
        gen = generator(name, device, weights)
        cached, recomputed = gen.cached_logits(sequence, SPEC.prompt_len), gen.logits(sequence)
    assert cached.shape == recomputed.shape == (SPEC.capacity - 1, config.VOCAB)
    np.testing.assert_allclose(cached, recomputed, rtol=0, atol=LOGITS_TOLERANCE["float32"] * ref.scale)
    assert cached.argmax(-1)[SPEC.prompt_len - 1:].tolist() == ref.tokens  # each next token, as generated


def test_the_numpy_reference_cache_equals_recompute_and_a_chunk_sees_the_right_keys(weights):
    model = Decoder(SPEC, weights)
    prompt = config.prompt_tokens(SPEC)
    tokens, step_logits = generate(model, prompt, SPEC.new_tokens)
    sequence = np.concatenate([prompt, np.array([tokens[:-1]])], axis=1)
    full = model(sequence, model.new_cache(), 0)[0]
    np.testing.assert_allclose(np.concatenate(step_logits), full[SPEC.prompt_len - 1:], rtol=1e-12, atol=1e-12)
    cache = model.new_cache()  # a chunk of 5 after a chunk of 10: the mask must be aligned lower right
    chunked = np.concatenate([model(sequence[:, :10], cache, 0)[0], model(sequence[:, 10:15], cache, 10)[0]])
    np.testing.assert_allclose(chunked, full[:15], rtol=1e-12, atol=1e-12)


def test_torch_is_causal_is_aligned_upper_left_so_a_cached_step_must_not_use_it():
    """What the page warns about: with one query against 6 cached keys, is_causal=True lets it see
    only the first key; our step passes no mask, and a chunk against a cache gets one aligned lower right."""
    import torch
    import torch.nn.functional as F

    from kernels.inference.torch_model import causal_mask

    g = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(1, 1, n, 4, generator=g) for n in (1, 6, 6))
    wrong = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    right = F.scaled_dot_product_attention(q, k, v)
    torch.testing.assert_close(wrong, v[:, :, :1])  # the first key's value, nothing else
    assert not torch.allclose(wrong, right)
    assert causal_mask(2, 4, "cpu").tolist() == [[True] * 5 + [False], [True] * 6]


def test_mlx_causal_mask_is_aligned_lower_right():
    import mlx.core as mx

    with mx.stream(mx.cpu):
        q, k, v = mx.random.normal((1, 1, 1, 4)), mx.random.normal((1, 1, 6, 4)), mx.random.normal((1, 1, 6, 4))
        causal = mx.fast.scaled_dot_product_attention(q, k, v, scale=0.5, mask="causal")
        plain = mx.fast.scaled_dot_product_attention(q, k, v, scale=0.5)
        assert np.allclose(np.array(causal), np.array(plain), atol=1e-6)  # the last query sees every key
