# The same relabeling in jq: jq -c -f relabel.jq pairs.jsonl
def fmt: if . == floor then floor else . end;
def goal($s): {role: "system", content: ("You are an assistant that generates responses for the instruction while implicitly achieving the following target scores (on a scale of 1-10, where 1 is lowest and 10 is highest):\nOverall score: " + ($s | fmt | tostring) + ".")};
(.chosen[:-1]) as $p
| ({prompt: ([goal(.score_chosen)] + $p), chosen: .chosen[-1:], rejected: .rejected[-1:], goal_score: .score_chosen, score_chosen: .score_chosen, score_rejected: .score_rejected, copy: "chosen_goal", source_id: .prompt_id, source_line: (input_line_number)}),
  ({prompt: ([goal(.score_rejected)] + $p), chosen: .rejected[-1:], rejected: .chosen[-1:], goal_score: .score_rejected, score_chosen: .score_rejected, score_rejected: .score_chosen, copy: "rejected_goal", source_id: .prompt_id, source_line: (input_line_number)})
