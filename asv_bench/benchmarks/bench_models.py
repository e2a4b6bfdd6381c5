"""nr_models workloads: ResNet-18 and MobileNetV2 inference on one 224x224 image, a tiny GPT-2 training step
(vocab 512, 64 tokens x 16, 3 layers of width 96, AdamW) and BERT-tiny inference; see ../compare_models.py for
the same against PyTorch (transformers' models) side by side."""
import numpy as np

import nr_core as nr
import nr_nn.functional as F

from ._devices import available_devices

GPT = dict(vocab_size=512, n_positions=64, n_embd=96, n_layer=3, n_head=4, resid_pdrop=0.0, embd_pdrop=0.0,
           attn_pdrop=0.0)
BERT = dict(vocab_size=512, hidden_size=128, num_hidden_layers=2, num_attention_heads=2, intermediate_size=512,
            hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)


def tokens(shape, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 512, shape)


def image() -> np.ndarray:
    return np.random.default_rng(0).standard_normal((1, 3, 224, 224), dtype="float32")


def make_infer(kind: str, device: str = "cpu"):
    import nr_models
    nr.random.seed(0)
    if kind == "bert":
        model = nr_models.bert(BERT, num_labels=2).to(device).eval()
        x = nr.asarray(tokens((8, 128), 1), device=device)
    else:
        model = getattr(nr_models, kind)().to(device).eval()
        x = nr.asarray(image(), device=device)

    def infer():
        with nr.no_grad():
            return model(x)
    return infer


def make_gpt_step(device: str = "cpu"):
    import nr_models
    import nr_optim
    nr.random.seed(0)
    model = nr_models.gpt2(GPT).to(device).train()
    opt = nr_optim.AdamW(model.parameters(), lr=1e-3)
    rows = tokens((16, 65), 2)
    x, y = nr.asarray(rows[:, :-1], device=device), nr.asarray(rows[:, 1:].reshape(-1), device=device)

    def step():
        opt.zero_grad()
        logits = model(x)
        loss = F.cross_entropy(nr.reshape(logits, (-1, GPT["vocab_size"])), y)
        loss.backward()
        opt.step()
        return loss
    return step


class Inference:
    params = (available_devices(), ["resnet18", "mobilenet_v2", "bert"])
    param_names = ["device", "model"]

    def setup(self, device, model):
        self.run = make_infer(model, device)
        self.run()

    def time_forward(self, device, model):
        self.run()


class GPTTrainStep:
    params = available_devices()
    param_names = ["device"]

    def setup(self, device):
        self.step = make_gpt_step(device)
        self.step()

    def time_step(self, device):
        self.step()
