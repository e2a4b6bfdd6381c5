"""Tokenizers trained through ``tokenizers``: WordPiece against transformers' pure-Python BERT tokenizer, byte-level
BPE against a reference written here from GPT-2's published algorithm, and batch encoding by hand."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("tokenizers")
import nr_models  # noqa: E402

SKLEARN_DESCR = None
try:
    import sklearn.datasets
    SKLEARN_DESCR = Path(sklearn.datasets.__file__).parent / "descr"
except ImportError:  # pragma: no cover - scikit-learn is a test requirement
    pass

SENTENCES = ["The digits dataset has 1797 images of 8x8 pixels.", "Iris setosa, versicolor & virginica!",
             "Unseen wörds: Café naïve — ünïcödé 🙂 tokens", "   leading spaces and  double  spaces ",
             "numbers 12345 and mixed CASE words"]


@pytest.fixture(scope="module")
def corpus() -> list[str]:
    if SKLEARN_DESCR is None:
        pytest.skip("scikit-learn is not installed")
    return [p.read_text(encoding="utf-8") for p in sorted(SKLEARN_DESCR.glob("*.rst"))]


def test_wordpiece_matches_transformers_python_bert_tokenizer(corpus, tmp_path):
    legacy = pytest.importorskip("transformers.models.bert.tokenization_bert_legacy")
    tok = nr_models.train_wordpiece(corpus, 700)
    vocab = sorted(tok.get_vocab().items(), key=lambda kv: kv[1])
    assert [i for _, i in vocab] == list(range(len(vocab)))
    (tmp_path / "vocab.txt").write_text("".join(t + "\n" for t, _ in vocab), encoding="utf-8")
    ref = legacy.BertTokenizerLegacy(str(tmp_path / "vocab.txt"), do_lower_case=True)
    for text in SENTENCES:
        assert tok.encode(text).ids == ref(text)["input_ids"], text
    a, b = SENTENCES[0], SENTENCES[1]
    pair = tok.encode(a, b)
    expected = ref(a, b, return_token_type_ids=True)
    assert pair.ids == expected["input_ids"] and pair.type_ids == expected["token_type_ids"]


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's printable stand-in for every byte (printable Latin-1 bytes stand for themselves)."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), 256))
    table, extra = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


def _reference_bpe(text: str, vocab: dict[str, int], merges: list[tuple[str, str]]) -> list[int]:
    regex = pytest.importorskip("regex")
    pattern = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
    rank = {pair: i for i, pair in enumerate(merges)}
    byte_char = _bytes_to_unicode()
    ids = []
    for piece in pattern.findall(text):
        word = [byte_char[b] for b in piece.encode("utf-8")]
        while len(word) > 1:
            pairs = [(rank.get((x, y), len(rank)), i) for i, (x, y) in enumerate(zip(word, word[1:]))]
            best, i = min(pairs)
            if best == len(rank):
                break
            word = word[:i] + [word[i] + word[i + 1]] + word[i + 2:]
        ids += [vocab[w] for w in word]
    return ids


def test_byte_level_bpe_matches_reference_and_round_trips(corpus, tmp_path):
    tok = nr_models.train_bpe(corpus, 500)
    tok.model.save(str(tmp_path))
    vocab = json.loads((tmp_path / "vocab.json").read_text(encoding="utf-8"))
    lines = (tmp_path / "merges.txt").read_text(encoding="utf-8").splitlines()
    merges = [tuple(line.split(" ")) for line in lines if line and not line.startswith("#version")]
    assert len(vocab) == 500
    for text in SENTENCES + [corpus[0][:2000]]:
        ids = tok.encode(text).ids
        assert ids == _reference_bpe(text, vocab, merges), text
        assert tok.decode(ids) == text


def test_saved_tokenizer_loads_back(corpus, tmp_path):
    tok = nr_models.train_bpe(corpus, 300)
    tok.save(str(tmp_path / "tokenizer.json"))
    for where in (tmp_path / "tokenizer.json", tmp_path):
        again = nr_models.load_tokenizer(where)
        assert again.encode(SENTENCES[2]).ids == tok.encode(SENTENCES[2]).ids
    with pytest.raises(FileNotFoundError, match="load_tokenizer"):
        nr_models.load_tokenizer(tmp_path / "absent.json")


def test_encode_batch_pads_masks_and_truncates(corpus):
    tok = nr_models.train_wordpiece(corpus, 400)
    texts = ["short one", "a somewhat longer sentence about iris flowers"]
    singles = [tok.encode(t).ids for t in texts]
    out = nr_models.encode_batch(tok, texts)
    width = max(map(len, singles))
    pad = tok.token_to_id("[PAD]")
    ids, mask = out["input_ids"].numpy(), out["attention_mask"].numpy()
    assert ids.shape == (2, width) and ids.dtype == np.int64
    for row, single in enumerate(singles):
        assert ids[row, :len(single)].tolist() == single
        assert (ids[row, len(single):] == pad).all()
        assert mask[row].tolist() == [1] * len(single) + [0] * (width - len(single))
    pair = nr_models.encode_batch(tok, [("first part", "second part")])
    assert pair["token_type_ids"].numpy()[0].tolist() == tok.encode("first part", "second part").type_ids
    cut = nr_models.encode_batch(tok, texts, max_length=4)
    assert cut["input_ids"].shape == (2, 4) and cut["input_ids"].numpy()[1].tolist() == singles[1][:4]
    with pytest.raises(TypeError, match="encode_batch"):
        nr_models.encode_batch(tok, "not a list")
    with pytest.raises(ValueError, match="max_length"):
        nr_models.encode_batch(tok, texts, max_length=0)


def test_training_arguments_are_checked(corpus):
    with pytest.raises(ValueError, match="vocab_size"):
        nr_models.train_bpe(corpus, 1)
    with pytest.raises(ValueError, match=r"\[CLS\]"):
        nr_models.train_wordpiece(corpus, 100, special_tokens=("[UNK]", "[SEP]"))
