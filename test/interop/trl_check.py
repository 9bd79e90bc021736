"""
radpo's outputs through the real loaders: datasets.load_dataset for every layout TRL-family trainers
read, and a few steps of TRL's DPOTrainer on a tiny, randomly initialised model with a tokenizer built
offline. Run by test/interop/run.mjs (npm run test:interop), which writes the files and the manifest.
Prints one line per check and a closing "N passed, M failed".
"""
import json
import re
import sys
import tempfile
import traceback

import datasets
import torch
import transformers
import trl
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast
from trl import DPOConfig, DPOTrainer

datasets.disable_progress_bars()
transformers.logging.set_verbosity_error()
manifest = json.load(open(sys.argv[1]))
passed, failed = 0, 0


def check(name, fn):
    global passed, failed
    try:
        fn()
        passed += 1
        print(f"ok    {name}")
    except Exception:  # noqa: BLE001 - every failure is reported, then counted
        failed += 1
        print(f"FAIL  {name}\n{traceback.format_exc()}")


def load(path):
    kind = "parquet" if path.endswith(".parquet") else "json"
    return datasets.load_dataset(kind, data_files=path, split="train")


def fmt(score):
    # The goal text's number formatting: int(s) if int(s) == s else s.
    return str(int(score)) if float(score).is_integer() else str(score)


for entry in manifest["loads"]:
    def load_one(entry=entry):
        ds = load(entry["path"])
        assert len(ds) == entry["rows"], f"{len(ds)} rows, expected {entry['rows']}"
        missing = [c for c in entry["columns"] if c not in ds.column_names]
        assert not missing, f"columns missing: {missing}"
        for column in entry.get("float_columns", []):
            assert ds.features[column].dtype in ("float64", "double"), f"{column} is {ds.features[column].dtype}"
    check(f"load_dataset {entry['name']}", load_one)


def mixed_scores():
    ds = load(manifest["mixed"]["path"])
    assert len(ds) == manifest["mixed"]["rows"]
    assert ds.features["score_chosen"].dtype == "float64"
    assert any(s % 1 for s in ds["score_chosen"]), "no fractional score was read"


check("load_dataset a JSONL whose first 10 MB has only whole scores", mixed_scores)


def tiny_tokenizer(texts, template=None):
    vocab = {"<pad>": 0, "<unk>": 1, "<eos>": 2, "<bos>": 3}
    for text in texts:
        for word in re.findall(r"\w+|[^\w\s]+", text):
            vocab.setdefault(word, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()  # \w+|[^\w\s]+, as the vocabulary above
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="<eos>", bos_token="<bos>", unk_token="<unk>")
    fast.chat_template = template or "{% for m in messages %}<{{ m['role'] }}> {{ m['content'] }} <eos> {% endfor %}{% if add_generation_prompt %}<assistant> {% endif %}"
    return fast


def dpo_steps():
    ds = load(manifest["trl"]["path"])
    texts = []
    for row in ds:
        texts += [m["content"] for m in row["prompt"] + row["chosen"] + row["rejected"]]
    tokenizer = tiny_tokenizer(texts)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=4096)
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    torch.manual_seed(0)
    reference = LlamaForCausalLM(config)  # the same weights; TRL would otherwise load one by name
    with tempfile.TemporaryDirectory() as out:
        args = DPOConfig(output_dir=out, max_steps=3, per_device_train_batch_size=2, learning_rate=1e-3, report_to="none", use_cpu=True, bf16=False, logging_steps=1, save_strategy="no", max_length=4096)
        trainer = DPOTrainer(model=model, ref_model=reference, args=args, train_dataset=ds, processing_class=tokenizer)
        result = trainer.train()
        assert result.global_step == 3, result
        # What the trainer tokenized: the goal with the row's own score is in the prompt tokens.
        for i in range(4):
            row, tokenized = ds[i], trainer.train_dataset[i]
            prompt_text = tokenizer.decode(tokenized["prompt_ids"])
            goal = f"Overall score : {fmt(row['goal_score'])} ."
            assert goal in prompt_text, f"row {i}: {goal!r} not in {prompt_text[:300]!r}"


check(f"TRL {trl.__version__} DPOTrainer: 3 steps on radpo's output, goal tokens in every prompt", dpo_steps)


# A template that renders the tools offered and the calls made, as tool-calling templates (Qwen2.5…) do.
TOOLS_TEMPLATE = (
    "{% if tools %}<tools> {% for t in tools %}{{ t['name'] }} {% endfor %}<eos> {% endif %}"
    "{% for m in messages %}<{{ m['role'] }}> {{ m['content'] }}"
    "{% if m['tool_calls'] %}{% for c in m['tool_calls'] %} call {{ c['function']['name'] }}{% endfor %}{% endif %} <eos> {% endfor %}"
    "{% if add_generation_prompt %}<assistant> {% endif %}"
)


def dpo_with_tools():
    ds = load(manifest["tools"]["path"])
    assert all(isinstance(json.loads(t), list) for t in ds["tools"])
    texts = ["tools call"]
    for row in ds:
        texts += [m["content"] for m in row["prompt"] + row["chosen"] + row["rejected"]]
        texts += [t["name"] for t in json.loads(row["tools"])]
    tokenizer = tiny_tokenizer(texts, TOOLS_TEMPLATE)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=4096)
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    torch.manual_seed(0)
    reference = LlamaForCausalLM(config)
    with tempfile.TemporaryDirectory() as out:
        args = DPOConfig(output_dir=out, max_steps=2, per_device_train_batch_size=2, learning_rate=1e-3, report_to="none", use_cpu=True, bf16=False, logging_steps=1, save_strategy="no", max_length=4096)
        trainer = DPOTrainer(model=model, ref_model=reference, args=args, train_dataset=ds, processing_class=tokenizer)
        assert trainer.train().global_step == 2
        for i in range(len(ds)):
            row, tokenized = ds[i], trainer.train_dataset[i]
            prompt_text = tokenizer.decode(tokenized["prompt_ids"])
            name = json.loads(row["tools"])[0]["name"]
            assert name in prompt_text.split("<eos>")[0], f"row {i}: the tools are not rendered: {prompt_text[:120]!r}"
            if any(m["role"] == "tool" for m in row["prompt"]):
                assert f"call {name}" in prompt_text, f"row {i}: the tool call is not rendered: {prompt_text[:300]!r}"


check(f"TRL {trl.__version__} DPOTrainer on tool-call rows: tools and calls rendered in every prompt", dpo_with_tools)


def swapped_copy():
    ds = load(manifest["trl"]["path"])
    sources = [json.loads(line) for line in open(manifest["trl"]["source"]) if line.strip()]
    for i in range(0, 20, 2):
        first, second = ds[i], ds[i + 1]
        source = sources[first["source_line"] - 1]
        assert first["copy"] == "chosen_goal" and second["copy"] == "rejected_goal"
        assert first["chosen"][0]["content"] == source["chosen"]
        assert second["chosen"][0]["content"] == source["rejected"], "the rejected-goal copy must prefer the source's rejected response"
        assert f"Overall score: {fmt(source['metadata']['score_rejected'])}." in second["prompt"][0]["content"]


check("the rejected-goal copy's chosen is the source's rejected, under the rejected score", swapped_copy)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
