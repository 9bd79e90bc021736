# The plain streaming script a user would write for the paper's relabeling with the standard library:
# line by line, json.loads / json.dumps, the same output shape as `radpo relabel --format trl`.
import json
import sys

HEADER = ("You are an assistant that generates responses for the instruction while implicitly achieving the "
          "following target scores (on a scale of 1-10, where 1 is lowest and 10 is highest):\nOverall score: {}.")


def fmt(s):
    return int(s) if int(s) == s else s


def main(path):
    out = sys.stdout
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            row = json.loads(line)
            prompt, chosen, rejected = row["chosen"][:-1], row["chosen"][-1:], row["rejected"][-1:]
            sc, sr = row["score_chosen"], row["score_rejected"]
            for copy, goal, c, r, gc, gr in (("chosen_goal", sc, chosen, rejected, sc, sr),
                                             ("rejected_goal", sr, rejected, chosen, sr, sc)):
                out.write(json.dumps({
                    "prompt": [{"role": "system", "content": HEADER.format(fmt(goal))}] + prompt,
                    "chosen": c, "rejected": r, "goal_score": goal, "score_chosen": gc,
                    "score_rejected": gr, "copy": copy, "source_id": row["prompt_id"], "source_line": n,
                }, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
