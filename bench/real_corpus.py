# The bench's real corpus: UltraFeedback rows with their GPT-4 scores (test/data/scored/ultrafeedback_gpt4_1000.jsonl)
# in HuggingFaceH4/ultrafeedback_binarized's shape, written as that dataset's users write JSONL: Python's json.dumps
# with its defaults (", " and ": " separators, non-ASCII as \uXXXX escapes). Repeated until the file holds MB
# megabytes; each copy of a row gets its own sha256 prompt_id, as every row of the real dataset has.
#
#   python3 bench/real_corpus.py SOURCE OUT MB
import hashlib
import json
import sys


def main():
    source, out, mb = sys.argv[1], sys.argv[2], float(sys.argv[3])
    rows = []
    with open(source, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            chosen, rejected = r.get("chosen"), r.get("rejected")
            # Two non-empty, different responses: the pairs a user relabels.
            if not (isinstance(chosen, str) and isinstance(rejected, str)) or not chosen.strip() \
                    or not rejected.strip() or chosen == rejected:
                continue
            rows.append((r["prompt"], chosen, rejected, float(r["metadata"]["score_chosen"]),
                         float(r["metadata"]["score_rejected"])))
    target = int(mb * 1024 * 1024)
    written = 0
    copy = 0
    with open(out, "w", encoding="utf-8") as f:
        while written < target:
            for prompt, chosen, rejected, sc, sr in rows:
                user = {"content": prompt, "role": "user"}
                c = [user, {"content": chosen, "role": "assistant"}]
                line = json.dumps({
                    "prompt": prompt,
                    "prompt_id": hashlib.sha256(f"{copy}:{prompt}".encode()).hexdigest(),
                    "chosen": c,
                    "rejected": [user, {"content": rejected, "role": "assistant"}],
                    "messages": c,
                    "score_chosen": sc,
                    "score_rejected": sr,
                }) + "\n"
                f.write(line)
                written += len(line)
                if written >= target:
                    break
            copy += 1


if __name__ == "__main__":
    main()
