"""EmbeddingGemma as an ONNX graph, built from the verified sentence-transformers folder.

On a small CPU, ONNX Runtime runs this model two to three times faster than PyTorch for one
query (its matrix kernels do better on short sequences) and needs no torch at run time.
The graph is written here op by op from the model's own files, so no conversion tool and
no derived download are involved; its vectors match sentence-transformers' (see
tests/test_embedder_onnx.py).

What the graph takes and gives: `x`, the token embeddings already scaled (the embedding
table stays a memory map in numpy, so only the rows a text uses are read); the rotary
cos/sin tables (1, n, head_dim/2) of the local and global layers; an additive mask for
the sliding-window layers with one row per (token, query head). It returns the pooled,
projected vector (not yet normalised).
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import ModelError

GRAPH_VERSION = 2  # bump when the graph changes: cached graphs are rebuilt
OPSET = 23  # RMSNormalization; Gelu with approximate="tanh"
MODULE_TYPES = [
    "sentence_transformers.models.Transformer",
    "sentence_transformers.models.Pooling",
    "sentence_transformers.models.Dense",
    "sentence_transformers.models.Dense",
    "sentence_transformers.models.Normalize",
]
HINT = "Set embedder.runtime=sentence-transformers to load this model with PyTorch instead."


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The float32 tensors of a safetensors file, as read-only memory maps."""
    with path.open("rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
    data = np.memmap(path, dtype=np.uint8, mode="r")
    start = 8 + size
    tensors = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        if meta["dtype"] != "F32":
            raise ModelError(f"{path}: tensor {name} is {meta['dtype']}, not F32.", hint=HINT)
        begin, end = meta["data_offsets"]
        tensors[name] = data[start + begin : start + end].view(np.float32).reshape(meta["shape"])
    return tensors


def model_config(folder: Path) -> dict[str, Any]:
    """The transformer's config, after checking the folder is an EmbeddingGemma-like model."""
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        pooling = json.loads((folder / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{folder} is not a readable sentence-transformers folder ({exc}).",
                         hint=HINT) from None  # fmt: skip
    supported = (
        [m.get("type") for m in modules] == MODULE_TYPES
        and config.get("model_type") == "gemma3_text"
        and config.get("use_bidirectional_attention") is True
        and pooling.get("pooling_mode_mean_tokens") is True
        and not config.get("attn_logit_softcapping")
    )
    if not supported:
        raise ModelError(
            f"{folder} is not an EmbeddingGemma model (Gemma 3 encoder, mean pooling, two "
            "dense layers); the ONNX runtime only knows that architecture.",
            hint=HINT,
        )
    return config


def sliding_window(config: dict[str, Any]) -> int:
    """Tokens i and j see each other in a sliding layer when |i - j| < this.

    The reference implementation (transformers) halves the configured window for
    bidirectional attention and keeps it exclusive: 512 -> 257."""
    return int(config["sliding_window"]) // 2 + 1


def dense_weights(folder: Path) -> list[np.ndarray]:
    """The two projection layers after pooling, as (in, out) matrices."""
    weights = []
    for name in ("2_Dense", "3_Dense"):
        meta = json.loads((folder / name / "config.json").read_text(encoding="utf-8"))
        if meta.get("bias") or not str(meta.get("activation_function", "")).endswith("Identity"):
            raise ModelError(f"{folder / name}: only bias-free linear layers are supported.",
                             hint=HINT)  # fmt: skip
        weights.append(read_safetensors(folder / name / "model.safetensors")["linear.weight"].T)
    return weights


class _Graph:
    """Nodes and initializers of a graph being built, with fresh names."""

    def __init__(self) -> None:
        from onnx import helper, numpy_helper

        self.helper, self.numpy_helper = helper, numpy_helper
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0

    def _name(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}_{self._count}"

    def const(self, array: np.ndarray, prefix: str = "c") -> str:
        name = self._name(prefix)
        self.initializers.append(self.numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(self, op_type: str, inputs: list[str], outputs: int = 1, **attrs: Any) -> Any:
        names = [self._name(op_type.lower()) for _ in range(outputs)]
        self.nodes.append(self.helper.make_node(op_type, inputs, names, **attrs))
        return names[0] if outputs == 1 else names

    def rms_norm(self, x: str, weight: np.ndarray, eps: float) -> str:
        # Gemma scales by (1 + weight).
        scale = self.const((1.0 + np.asarray(weight, dtype=np.float32)).astype(np.float32), "w")
        return self.op("RMSNormalization", [x, scale], axis=-1, epsilon=eps)

    def linear(self, x: str, weight_in_out: np.ndarray) -> str:
        return self.op("MatMul", [x, self.const(weight_in_out.astype(np.float32), "W")])


def build_graph(folder: Path) -> bytes:
    """The serialized ONNX model of the EmbeddingGemma folder (see the module docstring).

    Layout choices that keep small-op overhead low (most of a short query's time outside
    the matrix products): the query heads are laid out as extra rows, (n, h, d) ->
    (n*h, d), so the single key/value head serves them in one Gemm without transposes;
    RoPE is one RotaryEmbedding op; each residual add is fused with the next pre-norm.
    """
    from onnx import TensorProto, helper

    config = model_config(folder)
    weights = read_safetensors(folder / "model.safetensors")
    g = _Graph()
    eps = float(config["rms_norm_eps"])
    heads, kv_heads, head_dim = (
        config["num_attention_heads"],
        config["num_key_value_heads"],
        config["head_dim"],
    )
    if kv_heads != 1:
        raise ModelError(f"{folder}: {kv_heads} key/value heads; the graph assumes one.",
                         hint=HINT)  # fmt: skip
    q_size, inter = heads * head_dim, config["intermediate_size"]
    head_rows = g.const(np.array([-1, head_dim], np.int64))
    token_rows = g.const(np.array([-1, q_size], np.int64))
    scale = float(config["query_pre_attn_scalar"]) ** -0.5

    split_heads = {c: g.const(np.array([-1, c, head_dim], np.int64)) for c in (1, heads)}
    as_batch = {c: g.const(np.array([1, -1, c * head_dim], np.int64)) for c in (1, heads)}

    def rope(t: str, count: int, norm: np.ndarray, kind: str) -> str:
        # (n, count*d): per-head RMS norm, rotary, then one row per head: (n*count, d)
        normed = g.rms_norm(g.op("Reshape", [t, split_heads[count]]), norm, eps)
        batch = g.op("Reshape", [normed, as_batch[count]])
        turned = g.op("RotaryEmbedding", [batch, f"cos_{kind}", f"sin_{kind}"], num_heads=count)
        return g.op("Reshape", [turned, head_rows])

    def add_and_norm(x: str, out: str, weight: np.ndarray) -> tuple[str, str]:
        # The residual sum and the next block's pre-norm of it, in one op.
        gamma = g.const((1.0 + np.asarray(weight, dtype=np.float32)).astype(np.float32), "w")
        normed, _, _, total = g.op("SkipSimplifiedLayerNormalization", [x, out, gamma],
                                   outputs=4, domain="com.microsoft", epsilon=eps)  # fmt: skip
        return total, normed

    layer_types = config["layer_types"]
    x = "x"
    h = g.rms_norm(x, weights["layers.0.input_layernorm.weight"], eps)
    for i, layer_type in enumerate(layer_types):
        w = {
            k[len(f"layers.{i}.") :]: v for k, v in weights.items() if k.startswith(f"layers.{i}.")
        }
        kind = "local" if layer_type == "sliding_attention" else "global"

        q = rope(g.linear(h, w["self_attn.q_proj.weight"].T), heads,
                 w["self_attn.q_norm.weight"], kind)  # fmt: skip
        k = rope(g.linear(h, w["self_attn.k_proj.weight"].T), 1,
                 w["self_attn.k_norm.weight"], kind)  # fmt: skip
        v = g.linear(h, w["self_attn.v_proj.weight"].T)
        inputs = [q, k, "sliding_mask"] if kind == "local" else [q, k]
        scores = g.op("Gemm", inputs, alpha=scale, transB=1)
        attended = g.op("MatMul", [g.op("Softmax", [scores], axis=-1), v])
        out = g.linear(g.op("Reshape", [attended, token_rows]), w["self_attn.o_proj.weight"].T)
        out = g.rms_norm(out, w["post_attention_layernorm.weight"], eps)
        x, h = add_and_norm(x, out, w["pre_feedforward_layernorm.weight"])

        gate = g.linear(h, w["mlp.gate_proj.weight"].T)
        up = g.linear(h, w["mlp.up_proj.weight"].T)
        mixed = g.op("Mul", [g.op("Gelu", [gate], approximate="tanh"), up])
        out = g.rms_norm(g.linear(mixed, w["mlp.down_proj.weight"].T),
                         w["post_feedforward_layernorm.weight"], eps)  # fmt: skip
        following = (
            weights[f"layers.{i + 1}.input_layernorm.weight"]
            if i + 1 < len(layer_types)
            else weights["norm.weight"]
        )
        x, h = add_and_norm(x, out, following)

    pooled = g.op("ReduceMean", [h, g.const(np.array([0], np.int64))], keepdims=1)
    first, second = dense_weights(folder)
    g.nodes.append(
        helper.make_node(
            "MatMul", [g.linear(pooled, first), g.const(second.astype(np.float32), "W")], ["y"]
        )
    )

    hidden = config["hidden_size"]
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", hidden])]
    inputs += [
        helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, "n", head_dim // 2])
        for name in ("cos_local", "sin_local", "cos_global", "sin_global")
    ]
    inputs.append(helper.make_tensor_value_info("sliding_mask", TensorProto.FLOAT, ["nh", "n"]))
    output = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, second.shape[1]])
    graph = helper.make_graph(g.nodes, "embeddinggemma", inputs, [output], g.initializers)
    opsets = [helper.make_opsetid("", OPSET), helper.make_opsetid("com.microsoft", 1)]
    model = helper.make_model(graph, opset_imports=opsets)
    model.ir_version = 10  # what onnxruntime 1.20+ reads
    return model.SerializeToString()
