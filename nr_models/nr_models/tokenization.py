"""Tokenizers through HuggingFace's ``tokenizers`` library (not hand-written): train a byte-level BPE (GPT-2's
scheme) or a WordPiece (BERT's) on your text, load a ``tokenizer.json``, and encode batches into nr arrays."""
from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

import numpy as np

import nr_core as nr

BERT_SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def _lib():
    try:
        import tokenizers
    except ImportError as exc:
        raise ImportError("nr_models tokenization needs the 'tokenizers' package: pip install 'nr-models[text]' "
                          "(or pip install tokenizers)") from exc
    return tokenizers


def _check_vocab(vocab_size, where: str, specials: Sequence[str]) -> None:
    if not isinstance(vocab_size, int) or vocab_size <= len(specials):
        raise ValueError(f"{where}: vocab_size must be an int larger than the {len(specials)} special tokens, "
                         f"got {vocab_size!r}")


def train_bpe(texts: Iterable[str], vocab_size: int, *, min_frequency: int = 2,
              special_tokens: Sequence[str] = ("<|endoftext|>",)):
    """A byte-level BPE tokenizer (every byte is in the alphabet, so nothing is ever unknown and decoding gives
    the text back) trained on ``texts``; returns a ``tokenizers.Tokenizer``."""
    tk = _lib()
    _check_vocab(vocab_size, "train_bpe", special_tokens)
    tok = tk.Tokenizer(tk.models.BPE())
    tok.pre_tokenizer = tk.pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = tk.decoders.ByteLevel()
    trainer = tk.trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency,
                                     special_tokens=list(special_tokens), show_progress=False,
                                     initial_alphabet=tk.pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts, trainer)
    return tok


def train_wordpiece(texts: Iterable[str], vocab_size: int, *, lowercase: bool = True,
                    special_tokens: Sequence[str] = BERT_SPECIALS):
    """A BERT-style WordPiece tokenizer (BERT's normaliser and pre-tokeniser, ``##`` continuations, ``[CLS] A
    [SEP] (B [SEP])`` templates with segment ids) trained on ``texts``; returns a ``tokenizers.Tokenizer``."""
    tk = _lib()
    missing = [t for t in ("[UNK]", "[CLS]", "[SEP]") if t not in special_tokens]
    if missing:
        raise ValueError(f"train_wordpiece: special_tokens must include {missing}")
    _check_vocab(vocab_size, "train_wordpiece", special_tokens)
    tok = tk.Tokenizer(tk.models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = tk.normalizers.BertNormalizer(lowercase=lowercase)
    tok.pre_tokenizer = tk.pre_tokenizers.BertPreTokenizer()
    tok.decoder = tk.decoders.WordPiece()
    tok.train_from_iterator(texts, tk.trainers.WordPieceTrainer(vocab_size=vocab_size,
                                                                special_tokens=list(special_tokens),
                                                                show_progress=False))
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = tk.processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
                                                          special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    return tok


def load_tokenizer(path: str | os.PathLike):
    """A ``tokenizer.json`` (or a directory holding one, as ``save_pretrained`` writes) as a
    ``tokenizers.Tokenizer``."""
    tk = _lib()
    path = os.fspath(path)
    if os.path.isdir(path):
        path = os.path.join(path, "tokenizer.json")
    if not os.path.exists(path):
        raise FileNotFoundError(f"load_tokenizer: no tokenizer file at {path!r}")
    return tk.Tokenizer.from_file(path)


def encode_batch(tokenizer, texts: Sequence[str] | Sequence[tuple[str, str]], *, max_length: int | None = None,
                 pad_id: int | None = None, device=None) -> dict:
    """``texts`` (strings, or (a, b) pairs) as right-padded nr int64 arrays ``input_ids``, ``attention_mask`` and
    ``token_type_ids`` (B, T), truncated to ``max_length``; ``pad_id`` defaults to the ``[PAD]`` token, else 0."""
    if isinstance(texts, str) or not isinstance(texts, Sequence) or not texts:
        raise TypeError("encode_batch: texts must be a non-empty list of strings or (a, b) pairs")
    if max_length is not None and (not isinstance(max_length, int) or max_length < 1):
        raise ValueError(f"encode_batch: max_length must be a positive int or None, got {max_length!r}")
    encodings = tokenizer.encode_batch(list(texts))
    if pad_id is None:
        pad_id = tokenizer.token_to_id("[PAD]")
        pad_id = 0 if pad_id is None else pad_id
    rows = [(e.ids, e.type_ids) for e in encodings]
    if max_length is not None:
        rows = [(ids[:max_length], types[:max_length]) for ids, types in rows]
    width = max(1, max(len(ids) for ids, _ in rows))
    ids = np.full((len(rows), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    types = np.zeros((len(rows), width), dtype=np.int64)
    for i, (row, kinds) in enumerate(rows):
        ids[i, :len(row)], mask[i, :len(row)], types[i, :len(row)] = row, 1, kinds
    return {name: nr.asarray(value, device=device) for name, value in
            (("input_ids", ids), ("attention_mask", mask), ("token_type_ids", types))}
