"""nr_models vs PyTorch (transformers' ResNet, GPT-2 and BERT, same shapes) side by side in one process, on the
workloads of benchmarks/bench_models.py: ResNet-18 inference on one 224x224 image, a tiny GPT-2 training step,
BERT-tiny inference. Both sides get T BLAS threads (threadpoolctl, torch.set_num_threads); rounds alternate and
each figure is the median over rounds of the mean time within a round.
Run: ``python asv_bench/compare_models.py [--threads 1] [--rounds 5] [--n 5]`` (needs torch and transformers).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchmarks.bench_models import BERT, GPT, image, make_gpt_step, make_infer, tokens  # noqa: E402


def torch_side(torch, kind: str):
    import transformers as T
    torch.manual_seed(0)
    if kind == "gpt_step":
        model = T.GPT2LMHeadModel(T.GPT2Config(**GPT, bos_token_id=0, eos_token_id=0)).train()
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
        rows = torch.from_numpy(tokens((16, 65), 2))
        x, y = rows[:, :-1], rows[:, 1:].reshape(-1)

        def step():
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(input_ids=x).logits.reshape(-1, GPT["vocab_size"]), y)
            loss.backward()
            opt.step()
        return step
    if kind == "bert":
        model = T.BertForSequenceClassification(T.BertConfig(**BERT, num_labels=2)).eval()
        x = {"input_ids": torch.from_numpy(tokens((8, 128), 1))}
    else:
        model = T.ResNetForImageClassification(T.ResNetConfig(embedding_size=64, hidden_sizes=[64, 128, 256, 512],
                                                              depths=[2, 2, 2, 2], layer_type="basic")).eval()
        x = {"pixel_values": torch.from_numpy(image())}

    def infer():
        with torch.no_grad():
            model(**x)
    return infer


def mean_ms(fn, n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n * 1e3


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--n", type=int, default=5)
    args = ap.parse_args()
    import torch
    from threadpoolctl import threadpool_limits
    torch.set_num_threads(args.threads)
    ours = {"resnet18": make_infer("resnet18"), "gpt_step": make_gpt_step(), "bert": make_infer("bert")}
    print(f"threads {args.threads}, load per core {os.getloadavg()[0] / (os.cpu_count() or 1):.2f}")
    with threadpool_limits(args.threads):
        for kind, fn in ours.items():
            theirs = torch_side(torch, kind)
            fn(), theirs()
            nr_ms, torch_ms = [], []
            for _ in range(args.rounds):
                nr_ms.append(mean_ms(fn, args.n))
                torch_ms.append(mean_ms(theirs, args.n))
            a, b = statistics.median(nr_ms), statistics.median(torch_ms)
            print(f"{kind:10s} nr {a:8.1f} ms   torch {b:8.1f} ms   nr/torch {a / b:5.2f}")


if __name__ == "__main__":
    main()
