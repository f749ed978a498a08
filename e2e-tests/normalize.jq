# An AdmissionResponse in the form two hosts' answers are compared in: fields that are null or
# absent are the same thing (kwctl prints "warnings": null), and the patch is decoded to JSON.
with_entries(select(.value != null))
| if .patch then .patch |= (@base64d | fromjson) else . end
