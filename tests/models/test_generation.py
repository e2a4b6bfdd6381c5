"""``generate``: greedy, temperature and top-k decoding, checked against the distributions they must draw from."""
from __future__ import annotations

import numpy as np
import pytest

import nr_core as nr
import nr_nn as nn
import nr_models

LOGITS = np.array([0.3, 2.0, -1.0, 1.2, 0.9, -0.4], dtype=np.float64)


class FixedLM(nn.Module):
    """Next-token logits that depend only on the last token: LOGITS rolled by it; records the widths it saw."""

    def __init__(self) -> None:
        super().__init__()
        self.widths: list[int] = []

    def forward(self, ids):
        self.widths.append(ids.shape[1])
        last = ids.numpy()[:, -1]
        rows = np.stack([np.roll(LOGITS, int(t)) for t in last])
        return nr.asarray(np.repeat(rows[:, None, :], ids.shape[1], axis=1))


def softmax(x):
    e = np.exp(x - x.max())
    return e / e.sum()


def frequencies(out_tokens, n: int) -> np.ndarray:
    return np.bincount(out_tokens, minlength=len(LOGITS)) / n


def test_greedy_follows_the_argmax_chain_and_respects_the_context_window():
    lm = FixedLM()
    out = nr_models.generate(lm, nr.asarray([[0, 4, 1]]), 4, temperature=0, context=2).numpy()
    chain, t = [], 1
    for _ in range(4):  # by hand: argmax of LOGITS rolled by the last token
        t = int(np.argmax(np.roll(LOGITS, t)))
        chain.append(t)
    assert out.tolist() == [[0, 4, 1] + chain]
    assert lm.widths == [2, 2, 2, 2]


def test_top_k_one_is_greedy():
    prompt = nr.asarray([[2], [5]])
    greedy = nr_models.generate(FixedLM(), prompt, 3, temperature=0).numpy()
    nr.random.seed(1)
    assert (nr_models.generate(FixedLM(), prompt, 3, temperature=1.0, top_k=1).numpy() == greedy).all()


@pytest.mark.parametrize("temperature, top_k", [(1.0, None), (0.5, None), (1.0, 3), (2.0, 2)])
def test_sampling_draws_from_the_tempered_top_k_softmax(temperature, top_k):
    n = 6000
    nr.random.seed(0)
    out = nr_models.generate(FixedLM(), nr.zeros((n, 1), dtype=nr.int64), 1, temperature=temperature,
                             top_k=top_k).numpy()[:, 1]
    scaled = LOGITS / temperature
    if top_k is not None:
        scaled = np.where(scaled >= np.sort(scaled)[::-1][top_k - 1], scaled, -np.inf)
    p = softmax(scaled)
    freq = frequencies(out, n)
    assert (freq[p == 0] == 0).all()  # never outside the top k
    np.testing.assert_array_less(np.abs(freq - p), 4.5 * np.sqrt(p * (1 - p) / n) + 1e-12)


def test_seeded_sampling_repeats_and_eos_stops_early():
    prompt = nr.asarray([[0, 1]])
    nr.random.seed(5)
    a = nr_models.generate(FixedLM(), prompt, 8).numpy()
    nr.random.seed(5)
    b = nr_models.generate(FixedLM(), prompt, 8).numpy()
    assert (a == b).all() and a.shape == (1, 10)
    first = int(np.argmax(np.roll(LOGITS, 1)))
    assert nr_models.generate(FixedLM(), prompt, 8, temperature=0, eos_token_id=first).shape == (1, 3)


def test_mode_is_restored_and_arguments_are_checked():
    lm = FixedLM().train()
    nr_models.generate(lm, nr.asarray([[1]]), 1, temperature=0)
    assert lm.training
    ids = nr.asarray([[1]])
    with pytest.raises(ValueError, match="temperature"):
        nr_models.generate(lm, ids, 1, temperature=-1.0)
    with pytest.raises(ValueError, match="top_k"):
        nr_models.generate(lm, ids, 1, top_k=0)
    with pytest.raises(ValueError, match="max_new_tokens"):
        nr_models.generate(lm, ids, -1)


def test_gpt2_generate_checks_its_input_and_stays_within_its_positions():
    model = nr_models.gpt2(dict(vocab_size=20, n_positions=6, n_embd=8, n_layer=1, n_head=2))
    out = model.generate(nr.asarray([3, 4]), 9, temperature=0.8, top_k=5)  # 1-D prompt: one sequence
    assert out.shape == (1, 11) and int(nr.max(out)) < 20
    with pytest.raises(TypeError, match="integers"):
        model.generate(nr.asarray([[0.5]]), 1)
    with pytest.raises(ValueError, match="exceeds the model's 6 positions"):
        model(nr.zeros((1, 7), dtype=nr.int64))
