"""A variational autoencoder on scikit-learn's digits, PyTorch style: the reparameterisation trick with
randn_like, a sigmoid decoder trained with binary cross-entropy (saturated pixels included), the KL term,
Adam, and samples decoded from the prior."""
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch.utils.data import DataLoader, TensorDataset


class VAE(nn.Module):
    def __init__(self, latent=4):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(64, 128), nn.ReLU())
        self.mu = nn.Linear(128, latent)
        self.logvar = nn.Linear(128, latent)
        self.dec = nn.Sequential(nn.Linear(latent, 128), nn.ReLU(), nn.Linear(128, 64), nn.Sigmoid())

    def forward(self, x):
        h = self.enc(x)
        mu, logvar = self.mu(h), self.logvar(h)
        std = torch.exp(0.5 * logvar)
        z = mu + torch.randn_like(std) * std
        return self.dec(z), mu, logvar


def vae_loss(recon, x, mu, logvar):
    bce = F.binary_cross_entropy(recon, x, reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return (bce + kld) / x.size(0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=15)
    args = parser.parse_args()
    torch.manual_seed(0)
    pixels = torch.tensor(load_digits().data / 16.0, dtype=torch.float32)
    loader = DataLoader(TensorDataset(pixels), batch_size=64, shuffle=True)
    model = VAE()
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for epoch in range(args.epochs):
        model.train()
        total = 0.0
        for (x,) in loader:
            recon, mu, logvar = model(x)
            loss = vae_loss(recon, x, mu, logvar)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * x.size(0)
        if epoch % 5 == 0 or epoch == args.epochs - 1:
            print(f"epoch {epoch:2d}  loss per digit {total / len(pixels):.3f}")
    model.eval()
    with torch.no_grad():
        samples = model.dec(torch.randn(8, 4))
        recon, mu, logvar = model(pixels)
        final = vae_loss(recon, pixels, torch.zeros_like(mu), torch.zeros_like(logvar)).item()
    print(f"samples {tuple(samples.shape)} in [{samples.min().item():.2f}, {samples.max().item():.2f}]")
    print(f"final loss {final:.6f}")


if __name__ == "__main__":
    main()
