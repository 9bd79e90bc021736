# The same streaming script as relabel.py, written by a speed-minded engineer: orjson for parsing and
# serializing, bytes in and out (stdin to stdout). The output shape is radpo relabel --format trl's.
import sys

import orjson

HEADER = ("You are an assistant that generates responses for the instruction while implicitly achieving the "
          "following target scores (on a scale of 1-10, where 1 is lowest and 10 is highest):\nOverall score: {}.")


def fmt(s):
    return int(s) if int(s) == s else s


def main():
    write = sys.stdout.buffer.write
    for n, line in enumerate(sys.stdin.buffer, 1):
        row = orjson.loads(line)
        prompt, chosen, rejected = row["chosen"][:-1], row["chosen"][-1:], row["rejected"][-1:]
        sc, sr = row["score_chosen"], row["score_rejected"]
        for copy, goal, c, r, gc, gr in (("chosen_goal", sc, chosen, rejected, sc, sr),
                                         ("rejected_goal", sr, rejected, chosen, sr, sc)):
            write(orjson.dumps({
                "prompt": [{"role": "system", "content": HEADER.format(fmt(goal))}] + prompt,
                "chosen": c, "rejected": r, "goal_score": goal, "score_chosen": gc,
                "score_rejected": gr, "copy": copy, "source_id": row["prompt_id"], "source_line": n,
            }) + b"\n")


if __name__ == "__main__":
    main()
