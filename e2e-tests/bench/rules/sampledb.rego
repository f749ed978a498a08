# The SampleDB rules in Gatekeeper style, for the benchmark's Rego rows: violations over
# input.review (object/oldObject as they will be stored, i.e. after the mutating policy's
# defaults) with input.parameters (the policy settings, defaults resolved). Rego has no
# Kubernetes quantities or cron, so both are written here as helpers, as Gatekeeper users do
# (quantities through floats, like the gatekeeper-library's canonify helpers). `customRules`
# (JSONPath from settings) has no counterpart: in Rego each organisation rule is a new rule.
package sampledb

import rego.v1

params := input.parameters

review := input.review

is_write if review.operation in {"CREATE", "UPDATE"}

obj := review.object if {
	is_write
	is_object(review.object)
}

is_update if {
	review.operation == "UPDATE"
	is_object(obj)
	is_object(review.oldObject)
}

field(m, k) := m[k] if {
	is_object(m)
	m[k] != null
}

object_or_empty(v) := v if is_object(v)

object_or_empty(v) := {} if not is_object(v)

meta := object_or_empty(field(obj, "metadata"))

spec := object_or_empty(object.get(obj, "spec", {}))

spec_bad if {
	s := field(obj, "spec")
	not is_object(s)
}

section(name) := object_or_empty(object.get(spec, name, {}))

section_bad(name) if {
	s := field(spec, name)
	not is_object(s)
}

storage := section("storage")

credentials := section("credentials")

backup := section("backup")

resources := section("resources")

requests := object_or_empty(object.get(resources, "requests", {}))

limits := object_or_empty(object.get(resources, "limits", {}))

# --- helpers -------------------------------------------------------------------------------

quantity_pattern := `^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$`

quantity_multipliers := {
	"": 1, "Ki": 1024, "Mi": 1048576, "Gi": 1073741824, "Ti": 1099511627776,
	"Pi": 1125899906842624, "Ei": 1152921504606846976, "n": 0.000000001, "u": 0.000001,
	"m": 0.001, "k": 1000, "M": 1000000, "G": 1000000000, "T": 1000000000000,
	"P": 1000000000000000, "E": 1000000000000000000,
}

is_quantity_like(q) if is_string(q)

is_quantity_like(q) if is_number(q)

is_quantity(q) if is_number(q)

is_quantity(q) if {
	is_string(q)
	regex.match(quantity_pattern, q)
}

quantity(q) := q if is_number(q)

quantity(q) := value if {
	is_string(q)
	regex.match(quantity_pattern, q)
	parts := regex.find_all_string_submatch_n(`^([+-]?[0-9.]+)(.*)$`, q, 1)[0]
	number := to_number(normalise_number(parts[1]))
	value := number * suffix_multiplier(parts[2])
}

normalise_number(text) := concat("", [text, "0"]) if endswith(text, ".")

normalise_number(text) := concat("", ["0", text]) if startswith(text, ".")

normalise_number(text) := concat("", ["-0", substring(text, 2, -1)]) if startswith(text, "-.")

normalise_number(text) := text if {
	not endswith(text, ".")
	not startswith(text, ".")
	not startswith(text, "-.")
}

suffix_multiplier(suffix) := quantity_multipliers[suffix]

suffix_multiplier(suffix) := power_of_ten(to_number(substring(suffix, 1, -1))) if {
	regex.match(`^[eE][+-]?[0-9]+$`, suffix)
}

power_of_ten(e) := product([10 | some _ in numbers.range(1, e)]) if e > 0

power_of_ten(0) := 1

power_of_ten(e) := 1 / power_of_ten(0 - e) if e < 0

version_pattern := `^[0-9]{1,18}(\.[0-9]{1,18}){0,2}$`

version_parts(v) := [to_number(p) | some p in split(v, ".")]

cron_macros := {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}

cron_bounds := [[0, 59], [0, 23], [1, 31], [1, 12], [0, 6]]

cron_names := [
	{}, {}, {},
	{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12},
	{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6},
]

cron_fields(schedule) := [f | some f in split(trim_space(schedule), " "); f != ""]

valid_cron(schedule) if trim_space(schedule) in cron_macros

valid_cron(schedule) if {
	fields := cron_fields(schedule)
	count(fields) == 5
	every i, f in fields {
		every item in split(f, ",") {
			valid_cron_item(item, i)
		}
	}
}

cron_value(token, _) := to_number(token) if regex.match(`^[0-9]{1,9}$`, token)

cron_value(token, i) := cron_names[i][lower(token)] if not regex.match(`^[0-9]{1,9}$`, token)

cron_in_range(token, i) if {
	v := cron_value(token, i)
	v >= cron_bounds[i][0]
	v <= cron_bounds[i][1]
}

valid_cron_step(parts) if count(parts) == 1

valid_cron_step(parts) if {
	count(parts) == 2
	regex.match(`^[0-9]{1,9}$`, parts[1])
	to_number(parts[1]) >= 1
}

valid_cron_item(item, i) if {
	parts := split(item, "/")
	valid_cron_step(parts)
	valid_cron_base(parts[0], i)
}

valid_cron_base(base, _) if base in {"*", "?"}

valid_cron_base(base, i) if {
	ends := split(base, "-")
	count(ends) == 1
	cron_in_range(ends[0], i)
}

valid_cron_base(base, i) if {
	ends := split(base, "-")
	count(ends) == 2
	cron_in_range(ends[0], i)
	cron_in_range(ends[1], i)
	cron_value(ends[0], i) <= cron_value(ends[1], i)
}

# --- rules ---------------------------------------------------------------------------------

violation contains {"msg": "the request has no object", "details": {"rule": "request"}} if {
	is_write
	not is_object(review.object)
}

violation contains {"msg": "the SampleDB is protected from deletion", "details": {"rule": "deletionProtection"}} if {
	review.operation == "DELETE"
	review.oldObject.spec.deletionProtection == true
}

wrong_type if {
	m := field(obj, "metadata")
	not is_object(m)
}

wrong_type if {
	n := field(meta, "name")
	not is_string(n)
}

wrong_type if spec_bad

wrong_type if {
	some name in {"storage", "credentials", "backup", "resources"}
	section_bad(name)
}

wrong_type if {
	some name in {"requests", "limits"}
	s := field(resources, name)
	not is_object(s)
}

wrong_type if {
	some path in [["version", spec], ["storageClassName", storage], ["secretName", credentials], ["schedule", backup], ["retention", backup], ["deletionPolicy", spec]]
	v := field(path[1], path[0])
	not is_string(v)
}

wrong_type if {
	some path in [["suspend", backup], ["deletionProtection", spec]]
	v := field(path[1], path[0])
	not is_boolean(v)
}

wrong_type if {
	r := field(spec, "replicas")
	not is_integer(r)
}

wrong_type if {
	s := field(storage, "size")
	not is_quantity_like(s)
}

wrong_type if {
	some m in [requests, limits]
	some v in m
	not is_quantity_like(v)
}

is_integer(n) if {
	is_number(n)
	n == floor(n)
	n < 9223372036854775808
}

violation contains {"msg": "a field has the wrong type", "details": {"rule": "types"}} if {
	is_object(obj)
	wrong_type
}

bad_name if not is_object(field(obj, "metadata"))

bad_name if {
	is_string(meta.name)
	not regex.match(`^[a-z]([-a-z0-9]*[a-z0-9])?$`, meta.name)
}

bad_name if {
	is_string(meta.name)
	count(meta.name) > params.maxNameLength
}

bad_name if {
	not field(meta, "name")
	not is_string(field(meta, "generateName"))
}

bad_name if {
	not field(meta, "name")
	count(meta.generateName) > params.maxNameLength - 5
}

violation contains {"msg": "metadata.name must be a DNS-1035 label within maxNameLength", "details": {"rule": "name"}} if {
	is_object(obj)
	not bad_metadata_type
	bad_name
}

bad_metadata_type if {
	m := field(obj, "metadata")
	not is_object(m)
}

bad_version if not field(spec, "version")

bad_version if {
	is_string(spec.version)
	not regex.match(version_pattern, spec.version)
}

bad_version if {
	is_string(spec.version)
	regex.match(version_pattern, spec.version)
	count(params.allowedVersions) > 0
	not version_parts(spec.version)[0] in params.allowedVersions
}

violation contains {"msg": "spec.version must be MAJOR[.MINOR[.PATCH]] of an allowed major", "details": {"rule": "version"}} if {
	is_object(obj)
	not spec_bad
	bad_version
}

violation contains {"msg": "spec.replicas must be between 1 and maxReplicas", "details": {"rule": "replicas"}} if {
	is_object(obj)
	r := field(spec, "replicas")
	is_integer(r)
	not r >= 1
}

violation contains {"msg": "spec.replicas must be between 1 and maxReplicas", "details": {"rule": "replicas"}} if {
	is_object(obj)
	r := field(spec, "replicas")
	is_integer(r)
	r > params.maxReplicas
}

bad_size if not field(storage, "size")

bad_size if {
	s := field(storage, "size")
	is_quantity_like(s)
	not is_quantity(s)
}

bad_size if {
	s := field(storage, "size")
	quantity(s) <= 0
}

bad_size if {
	params.minStorage != ""
	quantity(field(storage, "size")) < quantity(params.minStorage)
}

bad_size if {
	params.maxStorage != ""
	quantity(field(storage, "size")) > quantity(params.maxStorage)
}

violation contains {"msg": "spec.storage.size must be a positive quantity within bounds", "details": {"rule": "storage"}} if {
	is_object(obj)
	not spec_bad
	not section_bad("storage")
	bad_size
}

violation contains {"msg": "spec.storage.storageClassName is not allowed", "details": {"rule": "storageClass"}} if {
	is_object(obj)
	class := field(storage, "storageClassName")
	is_string(class)
	count(params.allowedStorageClasses) > 0
	not class in params.allowedStorageClasses
}

bad_resources if {
	some m in [requests, limits]
	some v in m
	is_quantity_like(v)
	not is_quantity(v)
}

bad_resources if {
	some m in [requests, limits]
	some v in m
	quantity(v) < 0
}

bad_resources if {
	some r in ["cpu", "memory"]
	quantity(requests[r]) > quantity(limits[r])
}

bad_resources if {
	params.requireResourceLimits
	some r in ["cpu", "memory"]
	not field(limits, r)
}

violation contains {"msg": "spec.resources: invalid quantity, request above limit, or limits missing", "details": {"rule": "resources"}} if {
	is_object(obj)
	not spec_bad
	not section_bad("resources")
	bad_resources
}

bad_secret_name if not field(credentials, "secretName")

bad_secret_name if {
	name := field(credentials, "secretName")
	is_string(name)
	not regex.match(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`, name)
}

bad_secret_name if {
	name := field(credentials, "secretName")
	is_string(name)
	count(name) > 253
}

violation contains {"msg": "spec.credentials.secretName must be a DNS-1123 subdomain", "details": {"rule": "credentials"}} if {
	is_object(obj)
	not spec_bad
	not section_bad("credentials")
	bad_secret_name
}

bad_backup if {
	not field(spec, "backup")
	params.requireBackup
}

bad_backup if {
	field(spec, "backup")
	not field(backup, "schedule")
}

bad_backup if {
	schedule := field(backup, "schedule")
	is_string(schedule)
	not valid_cron(schedule)
}

bad_backup if {
	retention := field(backup, "retention")
	is_string(retention)
	not regex.match(`^[1-9][0-9]*[dwm]$`, retention)
}

violation contains {"msg": "spec.backup: schedule must be a cron, retention ^[1-9][0-9]*[dwm]$", "details": {"rule": "backup"}} if {
	is_object(obj)
	not spec_bad
	not section_bad("backup")
	bad_backup
}

violation contains {"msg": "spec.deletionPolicy must be Snapshot, Delete or Retain", "details": {"rule": "deletionPolicy"}} if {
	is_object(obj)
	policy := field(spec, "deletionPolicy")
	is_string(policy)
	not policy in {"Snapshot", "Delete", "Retain"}
}

old_spec := object_or_empty(object.get(review.oldObject, "spec", {})) if is_update

old_section(name) := object_or_empty(object.get(old_spec, name, {}))

violation contains {"msg": "spec.storage.size may not shrink", "details": {"rule": "storageGrow"}} if {
	is_update
	quantity(field(storage, "size")) < quantity(field(old_section("storage"), "size"))
}

changed(new, old, key) if field(new, key) != field(old, key)

changed(new, old, key) if {
	field(new, key)
	not field(old, key)
}

changed(new, old, key) if {
	not field(new, key)
	field(old, key)
}

violation contains {"msg": "spec.storage.storageClassName may not change", "details": {"rule": "storageClassImmutable"}} if {
	is_update
	changed(storage, old_section("storage"), "storageClassName")
}

violation contains {"msg": "spec.credentials.secretName may not change", "details": {"rule": "credentialsImmutable"}} if {
	is_update
	changed(credentials, old_section("credentials"), "secretName")
}

running_version := review.oldObject.status.currentVersion if {
	is_update
	is_string(review.oldObject.status.currentVersion)
	regex.match(version_pattern, review.oldObject.status.currentVersion)
}

running_version := old_spec.version if {
	is_update
	not is_string(object.get(object.get(review.oldObject, "status", {}), "currentVersion", null))
	is_string(old_spec.version)
	regex.match(version_pattern, old_spec.version)
}

target_version := spec.version if {
	is_string(spec.version)
	regex.match(version_pattern, spec.version)
}

version_differences := [i |
	new := version_parts(target_version)
	old := version_parts(running_version)
	some i in numbers.range(0, min([count(new), count(old)]) - 1)
	new[i] != old[i]
]

violation contains {"msg": "spec.version: no downgrade, at most one major up", "details": {"rule": "versionPath"}} if {
	first := version_differences[0]
	version_parts(target_version)[first] < version_parts(running_version)[first]
}

violation contains {"msg": "spec.version: no downgrade, at most one major up", "details": {"rule": "versionPath"}} if {
	version_parts(target_version)[0] > version_parts(running_version)[0] + 1
}
