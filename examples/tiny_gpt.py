"""A tiny GPT trained from scratch on text that ships inside scikit-learn (its datasets' .rst descriptions), with
a byte-level BPE tokenizer trained by ``tokenizers`` on the same text; prints the loss curve and a sample.

    python examples/tiny_gpt.py [--device cpu] [--steps 600] [--quick]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import nr_core as nr
import nr_nn.functional as F
import nr_optim as optim
import nr_models
from _device import best_device

EOT = "<|endoftext|>"


def corpus() -> list[str]:
    import sklearn.datasets
    files = sorted((Path(sklearn.datasets.__file__).parent / "descr").glob("*.rst"))
    return [p.read_text(encoding="utf-8") for p in files]


def batches(stream: np.ndarray, context: int, batch: int, rng: np.random.Generator):
    """Random windows: inputs (B, T) and their next tokens (B, T)."""
    while True:
        starts = rng.integers(0, len(stream) - context - 1, size=batch)
        rows = np.stack([stream[s:s + context + 1] for s in starts])
        yield rows[:, :-1], rows[:, 1:]


def loss_of(model, x, y, device: str):
    logits = model(nr.asarray(x, device=device))
    return F.cross_entropy(nr.reshape(logits, (-1, logits.shape[-1])), nr.asarray(y.reshape(-1), device=device))


def main(device: str, steps: int, quick: bool) -> None:
    nr.random.seed(0)
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    texts = corpus()
    tok = nr_models.train_bpe(texts, vocab_size=384 if quick else 768, special_tokens=(EOT,))
    stream = np.asarray(tok.encode(EOT.join(texts)).ids, dtype=np.int64)
    cut = int(0.9 * len(stream))
    train, val = stream[:cut], stream[cut:]
    print(f"corpus: {len(texts)} files, {sum(map(len, texts))} characters, {len(stream)} BPE tokens "
          f"(vocabulary {tok.get_vocab_size()})")
    context = 32 if quick else 64
    config = dict(vocab_size=tok.get_vocab_size(), n_positions=context, n_embd=48 if quick else 96,
                  n_layer=2 if quick else 3, n_head=4, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
    model = nr_models.gpt2(config).to(device)
    opt = optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps, eta_min=3e-4)
    every = max(1, steps // 10)
    curve = []
    model.train()
    for step, (x, y) in zip(range(steps), batches(train, context, 16, rng)):
        opt.zero_grad()
        loss = loss_of(model, x, y, device)
        loss.backward()
        opt.step()
        sched.step()
        curve.append(float(loss))
        if step % every == 0 or step == steps - 1:
            print(f"step {step:4d} loss {np.mean(curve[-every:]):.3f}")
    model.eval()
    with nr.no_grad():
        vx, vy = next(batches(val, context, 32, np.random.default_rng(1)))
        val_loss = float(loss_of(model, vx, vy, device))
    print(f"loss curve: first {curve[0]:.3f}, last {np.mean(curve[-every:]):.3f}; held-out loss {val_loss:.3f} "
          f"(uniform guess {np.log(tok.get_vocab_size()):.3f}) in {time.perf_counter() - t0:.1f}s")
    prompt = nr.asarray([tok.encode("The dataset").ids], device=device)
    out = model.generate(prompt, 40 if quick else 80, temperature=0.8, top_k=20)
    print("sample:", tok.decode(out.numpy()[0].tolist()).replace("\n", " / "))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default=None)
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--quick", action="store_true", help="a smaller model and tokenizer (the test suite's setting)")
    args = ap.parse_args()
    main(best_device(args.device), args.steps, args.quick)
