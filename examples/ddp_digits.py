"""Data-parallel training of the digits CNN over MPI ranks: DistributedDataParallel + DistributedSampler.

    mpiexec -n 2 python examples/ddp_digits.py [--epochs 4] [--out out/]     # or: nr-run -n 2 examples/ddp_digits.py
    python examples/ddp_digits.py                                              # one rank works too

Each rank trains on its own shard of every epoch (``batch-size`` samples per rank and step); DDP averages the
gradients, so all ranks keep the same model. Rank 0 evaluates, prints and writes the checkpoint.
"""
from __future__ import annotations

import argparse
import os
import time

import nr_core as nr
import nr_data as data
import nr_distributed as dist
import nr_nn as nn
import nr_nn.functional as F
import nr_optim as optim
from _digits import digits_datasets
from _loop import evaluate
from demo import DigitsCNN


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--batch-size", type=int, default=32, help="samples per rank and step")
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--out", default="out")
    ap.add_argument("--backend", default="mpi")
    args = ap.parse_args()

    dist.init_process_group(args.backend)
    rank, world = dist.get_rank(), dist.get_world_size()
    nr.random.seed(0)
    train_set, test_set = digits_datasets(image=True)  # the same split on every rank
    sampler = data.DistributedSampler(train_set, num_replicas=world, rank=rank, shuffle=True, seed=0)
    loader = data.DataLoader(train_set, batch_size=args.batch_size, sampler=sampler)
    model = dist.DistributedDataParallel(DigitsCNN())  # rank 0's initial weights reach every rank
    opt = optim.Adam(model.parameters(), lr=args.lr)

    for epoch in range(1, args.epochs + 1):
        sampler.set_epoch(epoch)  # a different shuffle each epoch, the same on every rank
        model.train()
        t0 = time.perf_counter()
        totals = nr.zeros((2,), dtype=nr.float64)  # this rank's loss sum and sample count
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            totals += nr.asarray([float(loss) * yb.shape[0], yb.shape[0]], dtype=nr.float64)
        dist.all_reduce(totals)  # over every rank: the epoch's mean loss and how many samples were seen
        seconds = time.perf_counter() - t0
        if rank == 0:
            loss_sum, seen = totals.tolist()
            _, acc = evaluate(model.module, data.DataLoader(test_set, batch_size=256))
            print(f"epoch {epoch}: train loss {loss_sum / seen:.4f}, held-out accuracy {acc:.4f}, "
                  f"{seen / seconds:.0f} samples/s on {world} rank(s)", flush=True)

    if rank == 0:
        os.makedirs(args.out, exist_ok=True)
        path = os.path.join(args.out, "ddp_digits.safetensors")
        nn.save(model.module.state_dict(), path)  # written to a temporary name, then renamed
        print(f"checkpoint: {path}")
    dist.barrier()  # nobody leaves before the checkpoint is on disk
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
