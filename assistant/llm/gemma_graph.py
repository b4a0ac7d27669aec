"""EmbeddingGemma as an ONNX graph, built from the verified sentence-transformers folder.

On a small CPU, ONNX Runtime runs this model two to three times faster than PyTorch for one
query (its matrix kernels do better on short sequences) and needs no torch at run time.
The graph is written here op by op from the model's own files, so no conversion tool and
no derived download are involved; its vectors match sentence-transformers' (see
tests/test_embedder_onnx.py). A variant with int8 products serves queries faster, with
vectors a little off the float ones (see `build_graph`).

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
OPSET = 23  # RMSNormalization, RotaryEmbedding; Gelu with approximate="tanh"
# SmoothQuant's alpha for the int8 graph: the share of each input channel's range
# moved into the weights. Lowest cosine to the float graph over 30 questions: 0.992 with
# 0.5, 0.998 with 0.9.
SMOOTHING = 0.9
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
        and config.get("num_key_value_heads", 1) == 1  # the graph's attention layout
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

    def rms_norm(self, x: str, gamma: np.ndarray, eps: float) -> str:
        return self.op("RMSNormalization", [x, self.const(gamma, "w")], axis=-1, epsilon=eps)

    def linear(self, x: str, weight_in_out: np.ndarray, *, int8: bool = False) -> str:
        weight = np.asarray(weight_in_out, dtype=np.float32)
        if not int8:
            return self.op("MatMul", [x, self.const(weight, "W")])
        # Weights per output column, activations per call (the op measures their range).
        column = np.abs(weight).max(axis=0) / 127
        column[column == 0] = 1.0
        quantized = np.clip(np.round(weight / column), -127, 127).astype(np.int8)
        inputs = [x, self.const(quantized, "Wq"), self.const(column.astype(np.float32), "s")]
        return self.op("DynamicQuantizeMatMul", inputs, domain="com.microsoft")


def gamma(weight: np.ndarray, smooth: np.ndarray | None = None) -> np.ndarray:
    """A Gemma RMS norm's scale, (1 + weight), divided by smoothing scales if any."""
    scale = 1.0 + np.asarray(weight, dtype=np.float32)
    return (scale if smooth is None else scale / smooth).astype(np.float32)


def smoothing_scales(activation_max: np.ndarray, weight_max: np.ndarray) -> np.ndarray:
    """SmoothQuant's per-input-channel scales: activations / s and weight rows * s give the
    same product with the activations' outlier channels tamed, so one int8 scale per call
    fits them."""
    activation = np.maximum(activation_max, 1e-5) ** SMOOTHING
    return (activation / np.maximum(weight_max, 1e-5) ** (1 - SMOOTHING)).astype(np.float32)


def build_graph(
    folder: Path,
    *,
    activation_max: dict[str, np.ndarray] | None = None,
    probes: bool = False,
) -> bytes:
    """The serialized ONNX model of the EmbeddingGemma folder (see the module docstring).

    float32 by default. With `activation_max` (per-channel max |input| of each product,
    named as the probes are), the int8 graph: smoothing scales folded into the norms
    and weights, then int8 products for q/k/v, o, gate and up. With `probes`, the inputs
    of those products are extra outputs, for measuring `activation_max`.

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
    heads, head_dim = config["num_attention_heads"], config["head_dim"]
    head_rows = g.const(np.array([-1, head_dim], np.int64))
    token_rows = g.const(np.array([-1, heads * head_dim], np.int64))
    scale = float(config["query_pre_attn_scalar"]) ** -0.5
    split_heads = {c: g.const(np.array([-1, c, head_dim], np.int64)) for c in (1, heads)}
    as_batch = {c: g.const(np.array([1, -1, c * head_dim], np.int64)) for c in (1, heads)}
    layer_types = config["layer_types"]
    int8 = activation_max is not None

    def prepared(i: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray | None]]:
        # One layer at a time: float copies of every layer at once would double the memory.
        layer = _layer_weights(weights, i)
        return layer, _smoothing(layer, activation_max, i, heads)

    probe_outputs: list[str] = []

    def probe(name: str, tensor: str) -> None:
        if probes:
            g.nodes.append(helper.make_node("Identity", [tensor], [name]))
            probe_outputs.append(name)

    def rope(t: str, count: int, norm: np.ndarray, kind: str) -> str:
        # (n, count*d): per-head RMS norm, rotary, then one row per head: (n*count, d)
        normed = g.rms_norm(g.op("Reshape", [t, split_heads[count]]), gamma(norm), eps)
        batch = g.op("Reshape", [normed, as_batch[count]])
        turned = g.op("RotaryEmbedding", [batch, f"cos_{kind}", f"sin_{kind}"], num_heads=count)
        return g.op("Reshape", [turned, head_rows])

    def add_and_norm(x: str, out: str, norm: np.ndarray) -> tuple[str, str]:
        # The residual sum and the next block's pre-norm of it, in one op.
        normed, _, _, total = g.op("SkipSimplifiedLayerNormalization", [x, out, g.const(norm)],
                                   outputs=4, domain="com.microsoft", epsilon=eps)  # fmt: skip
        return total, normed

    x = "x"
    w, smooth = prepared(0)
    h = g.rms_norm(x, gamma(w["input_layernorm"], smooth["qkv"]), eps)
    for i, layer_type in enumerate(layer_types):
        kind = "local" if layer_type == "sliding_attention" else "global"
        probe(f"qkv_in.{i}", h)
        q = rope(g.linear(h, w["q_proj"], int8=int8), heads, w["q_norm"], kind)
        k = rope(g.linear(h, w["k_proj"], int8=int8), 1, w["k_norm"], kind)
        v = g.linear(h, w["v_proj"], int8=int8)
        inputs = [q, k, "sliding_mask"] if kind == "local" else [q, k]
        scores = g.op("Gemm", inputs, alpha=scale, transB=1)
        attended = g.op("MatMul", [g.op("Softmax", [scores], axis=-1), v])
        attended = g.op("Reshape", [attended, token_rows])
        probe(f"o_in.{i}", attended)
        out = g.rms_norm(g.linear(attended, w["o_proj"], int8=int8),
                         gamma(w["post_attention_layernorm"]), eps)  # fmt: skip
        x, h = add_and_norm(x, out, gamma(w["pre_feedforward_layernorm"], smooth["mlp"]))

        probe(f"mlp_in.{i}", h)
        gate = g.linear(h, w["gate_proj"], int8=int8)
        up = g.linear(h, w["up_proj"], int8=int8)
        mixed = g.op("Mul", [g.op("Gelu", [gate], approximate="tanh"), up])
        # The down projection stays float: its input's outliers defeat int8 (cosine 0.97).
        out = g.rms_norm(g.linear(mixed, w["down_proj"]),
                         gamma(w["post_feedforward_layernorm"]), eps)  # fmt: skip
        if i + 1 < len(layer_types):
            w, smooth = prepared(i + 1)
            x, h = add_and_norm(x, out, gamma(w["input_layernorm"], smooth["qkv"]))
        else:
            x, h = add_and_norm(x, out, gamma(weights["norm.weight"]))

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
    outputs = [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, second.shape[1]])]
    outputs += [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in probe_outputs]
    graph = helper.make_graph(g.nodes, "embeddinggemma", inputs, outputs, g.initializers)
    g.initializers.clear()  # each step copies the weights: keep at most two copies alive
    opsets = [helper.make_opsetid("", OPSET), helper.make_opsetid("com.microsoft", 1)]
    model = helper.make_model(graph, opset_imports=opsets)
    del graph
    model.ir_version = 10  # what onnxruntime 1.20+ reads
    return model.SerializeToString()


def _layer_weights(weights: dict[str, np.ndarray], i: int) -> dict[str, np.ndarray]:
    """Layer i's tensors by short name; projections as float32 (in, out) matrices."""
    prefix = f"layers.{i}."
    layer = {}
    for name, value in weights.items():
        if name.startswith(prefix):
            short = name[len(prefix) :].removesuffix(".weight").split(".")[-1]
            layer[short] = np.array(value.T, dtype=np.float32) if short.endswith("_proj") else value
    return layer


def _smoothing(
    layer: dict[str, np.ndarray],
    activation_max: dict[str, np.ndarray] | None,
    i: int,
    heads: int,
) -> dict[str, np.ndarray | None]:
    """Layer i's smoothing scales (None for the float graph), already folded into its
    weights: q/k/v and gate/up rows are multiplied here, the norms divided by the caller.
    The o projection's input is the attention output, so its scales go into v's columns
    (shared by the heads, which all read the one value head)."""
    if activation_max is None:
        return {"qkv": None, "mlp": None}
    qkv = smoothing_scales(
        activation_max[f"qkv_in.{i}"], _row_max(layer["q_proj"], layer["k_proj"], layer["v_proj"])
    )
    mlp = smoothing_scales(
        activation_max[f"mlp_in.{i}"], _row_max(layer["gate_proj"], layer["up_proj"])
    )
    for name in ("q_proj", "k_proj", "v_proj"):
        layer[name] = layer[name] * qkv[:, None]
    for name in ("gate_proj", "up_proj"):
        layer[name] = layer[name] * mlp[:, None]
    head_dim = layer["v_proj"].shape[1]
    per_head = activation_max[f"o_in.{i}"].reshape(heads, head_dim).max(axis=0)
    o = smoothing_scales(per_head, _row_max(layer["o_proj"]).reshape(heads, head_dim).max(axis=0))
    layer["v_proj"] = layer["v_proj"] / o[None, :]
    layer["o_proj"] = layer["o_proj"] * np.tile(o, heads)[:, None]
    return {"qkv": qkv, "mlp": mlp}


def _row_max(*weights_in_out: np.ndarray) -> np.ndarray:
    """Each input channel's largest |weight| over the given (in, out) matrices."""
    return np.max([np.abs(w).max(axis=1) for w in weights_in_out], axis=0)
