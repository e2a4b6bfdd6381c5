"""A CNN on scikit-learn's digits: the model and loop of the main demo, without the extras.

    python examples/cnn_digits.py [--device cpu] [--epochs 12]
"""
import argparse

from _device import best_device
from demo import train

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default=None)
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--out", default="out")
    args = ap.parse_args()
    r = train(best_device(args.device), args.epochs, batch_size=32, lr=3e-3, out_dir=args.out, progress=False)
    print(f"CNN on digits, {r['device']}: held-out accuracy {r['test_acc']:.4f} in {r['wall_s']:.1f}s")
