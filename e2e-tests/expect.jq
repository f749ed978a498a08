# What is wrong with an AdmissionResponse ($answer) against a case of cases.json ($case): the same
# checks as tests/fixtures.rs (decision, code, violation paths, warnings, exact patch ops, message),
# one line per problem; nothing when the answer is right.
def violation_paths:
  (.status.message // "") as $m
  | ($m | index(" is invalid: ")) as $at
  | if $at == null then [] else $m[($at + 13):] | split("; ") | map(split(": ")[0]) end;
def patch_ops:
  if .patch then .patch | @base64d | fromjson | map([.op, .path, .value]) | sort else [] end;

[ (if $answer.allowed != $case.allowed then "allowed \($answer.allowed), expected \($case.allowed)" else empty end),
  (if ($answer.status.code // null) != ($case.code // null)
     then "code \($answer.status.code // null), expected \($case.code // null)" else empty end),
  (($answer | violation_paths) as $got | ($case.violations // []) as $want
     | if $got != $want then "violations \($got), expected \($want)" else empty end),
  (($answer.warnings // []) as $got | ($case.warnings // []) as $want
     | if $got != $want then "warnings \($got), expected \($want)" else empty end),
  (($answer | patch_ops) as $got | (($case.patch // []) | sort) as $want
     | if $got != $want then "patch \($got | tojson), expected \($want | tojson)" else empty end),
  (if ($answer.auditAnnotations // null) != ($case.audit_annotations // null)
     then "auditAnnotations \($answer.auditAnnotations // null), expected \($case.audit_annotations // null)" else empty end),
  (if $case.message_contains and (($answer.status.message // "") | contains($case.message_contains) | not)
     then "message lacks \($case.message_contains | tojson)" else empty end)
] | .[] | "\($case.name) [\($case.settings // "default")]: \(.)"
