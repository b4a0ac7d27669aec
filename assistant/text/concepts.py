"""What a number measures, in either language: a small bilingual lexicon of quantities.

"4x less memory" and "内存降低 4 倍" both speak of MEMORY (and a REDUCTION); "85.3 F1" and
"准确率 85.3" speak of different metrics. Claims are checked against their sources by
these concepts (answer/grounding.py), so a number borrowed from a sentence about another
quantity is caught even across languages.
"""

from __future__ import annotations

import re

# concept -> English and Chinese words for it (English matched as words, any case).
# fmt: off
CONCEPTS: dict[str, tuple[str, ...]] = {
    "memory": ("memory", "内存", "显存", "存储"),
    "parameters": ("parameter", "parameters", "params", "参数"),
    "tokens": ("token", "tokens", "词元"),
    "gpu_hours": ("gpu hours", "gpu-hours", "gpu 小时", "gpu小时"),
    "accuracy": ("accuracy", "准确率", "正确率", "精度", "准确度"),
    "correctness": ("correctness", "正确性"),
    "f1": ("f1",),
    "bleu": ("bleu",),
    "rouge": ("rouge",),
    "pass_at_k": ("pass@1", "pass@k", "pass@32", "pass@10", "pass@5"),
    "win_rate": ("win rate", "win-rate", "胜率"),
    "score": ("score", "scores", "得分", "分数"),
    "error": ("error", "error rate", "错误率", "误差"),
    "speedup": ("speedup", "speed-up", "faster", "加速", "提速"),
    "latency": ("latency", "延迟", "时延", "耗时"),
    "throughput": ("throughput", "吞吐"),
    "cost": ("cost", "costs", "成本", "开销", "费用"),
    "compute": ("flops", "compute", "计算量", "算力"),
    "layers": ("layer", "layers", "层"),
    "experts": ("expert", "experts", "专家"),
    "heads": ("head", "heads", "注意力头"),
    "samples": ("sample", "samples", "example", "examples", "样本", "示例", "例子", "条数据"),
    "problems": ("problem", "problems", "question", "questions", "题", "问题"),
    "tasks": ("task", "tasks", "任务"),
    "languages": ("language", "languages", "语言", "语种"),
    "datasets": ("dataset", "datasets", "数据集"),
    "benchmarks": ("benchmark", "benchmarks", "基准"),
    "models": ("models", "个模型"),
    "steps": ("step", "steps", "步"),
    "epochs": ("epoch", "epochs", "轮"),
    "gpus": ("gpu", "gpus", "张卡", "块 gpu", "块gpu"),
    "hours": ("hour", "hours", "小时"),
    "days": ("day", "days", "天"),
    "seconds": ("second", "seconds", "秒"),
    "minutes": ("minute", "minutes", "分钟"),
    "context": ("context", "context length", "context window", "上下文"),
    "length": ("length", "长度"),
    "reduction": ("reduce", "reduces", "reduced", "reduction", "lower", "lowers", "decrease",
                  "decreases", "drop", "drops", "cut", "cuts", "less", "fewer", "降低", "减少",
                  "下降", "减小", "降至", "缩短"),
    "increase": ("improve", "improves", "improved", "improvement", "increase", "increases",
                 "gain", "gains", "boost", "boosts", "higher", "more", "提升", "提高", "增加",
                 "增长", "超过", "高出"),
    "size": ("size", "规模"),
    "hyperparameters": ("learning rate", "batch size", "weight decay", "warmup", "学习率",
                        "批大小", "批量大小", "批次大小", "权重衰减"),
    "year": ("year", "years", "年"),
}
# A metric: what a number "is". Two claims about different metrics never ground each other.
METRICS = frozenset({
    "accuracy", "correctness", "f1", "bleu", "rouge", "pass_at_k", "win_rate", "score", "error",
    "latency",
    "throughput", "speedup", "memory", "cost",
})
# Quantities that are values, never a paper: a source marker cannot stand for them ("the
# learning rate was [1]").
VALUES = METRICS | frozenset({
    "hyperparameters", "gpu_hours", "gpus", "layers", "parameters", "tokens", "hours", "days",
    "steps", "epochs",
})
# Quantities an answer names when it gives them ("… 用了 96 GPU 小时"); an accuracy or a
# score may be a bare percentage without the word, so metrics are not among them.
UNITS = frozenset({
    "gpu_hours", "gpus", "hours", "days", "seconds", "minutes", "memory", "parameters", "tokens",
    "cost", "layers", "experts", "heads", "context", "latency", "throughput",
})
# fmt: on


def _pattern(word: str) -> str:
    if re.search(r"[\u4e00-\u9fff]", word):
        return re.escape(word)
    if len(word) >= 5 and word.isalpha():  # its other forms too: reduce, reducing, reduction
        return r"(?<![a-z0-9])" + re.escape(word.rstrip("e")) + r"[a-z]*"
    return r"(?<![a-z0-9])" + re.escape(word) + r"(?![a-z0-9])"


_MATCHERS = {
    concept: re.compile("|".join(_pattern(w) for w in words), re.I)
    for concept, words in CONCEPTS.items()
}


def concepts_in(text: str) -> set[str]:
    """The quantities a text speaks of."""
    return {concept for concept, matcher in _MATCHERS.items() if matcher.search(text)}


# The setting a figure is measured under: how many generation steps, shots or bits. "FID
# with two steps" is not answered by the one-step FID beside it. (The model's size is read
# apart, by model_sizes: a question often gives it in its description, away from what it
# asks.)
_COUNT_WORDS = {
    "零": "0", "zero": "0", "一": "1", "单": "1", "one": "1", "single": "1", "两": "2",
    "二": "2", "two": "2", "三": "3", "three": "3", "四": "4", "four": "4", "少": "few",
    "few": "few",
}  # fmt: skip
# A count as a word or digits; not "第一步" (the first step), "进一步" (further), "每一步".
_COUNT = (
    r"(?<![A-Za-z0-9.第进每下同])"
    r"(\d+(?:\.\d+)?|zero|one|single|two|three|four|few|[零一单两二三四])"
)
_CONDITIONS = {
    "steps": (re.compile(_COUNT + r"\s*-?\s*(?:步|steps?\b)", re.I),),
    "shots": (
        re.compile(_COUNT + r"\s*-?\s*shots?\b", re.I),
        re.compile(r"([零少单])样本"),
    ),
    "bits": (re.compile(_COUNT + r"\s*-?\s*(?:bits?\b|比特)", re.I),),
}


def conditions_in(text: str) -> dict[str, set[str]]:
    """The settings a text names, by kind: {"steps": {"1", "10"}} for "10 步…一步生成"."""
    found: dict[str, set[str]] = {}
    for kind, patterns in _CONDITIONS.items():
        for pattern in patterns:
            for match in pattern.finditer(text):
                count = match.group(1).lower()
                found.setdefault(kind, set()).add(_COUNT_WORDS.get(count, count))
    return found


# A model's size as written beside a figure: "7B", "1.4B 模型", "Qwen2.5-7B", "125M".
_SIZE = re.compile(r"(?<![A-Za-z0-9.])(?:[A-Za-z][\w.]*-)?(\d+(?:\.\d+)?)\s?([BMb])(?![A-Za-z0-9])")


def model_sizes(text: str) -> set[str]:
    """The model sizes a text names, normalised: {"1.4B", "7B"} for "在 1.4B 和 7B 模型上"."""
    return {f"{number}{unit.upper()}" for number, unit in _SIZE.findall(text)}
