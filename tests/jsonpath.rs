//! The policy's JSONPath against `serde_json_path`, the maintained RFC 9535 implementation it
//! replaced: on the same document, every path must compile in both or in neither, and select the
//! same nodes at the same locations in the same order.

use rstest::rstest;
use sampledb_policy::model::jsonpath::{Budget, JsonPath, Step};
use sampledb_policy::model::node::Node;
use serde_json::{Value, json};
use serde_json_path::PathElement;

/// A SampleDB with every kind of value a rule may meet: nested maps, lists, numbers written as
/// integers, decimals and exponents, awkward keys.
fn document() -> Value {
    json!({
        "apiVersion": "example.com/v1alpha1",
        "kind": "SampleDB",
        "metadata": {
            "name": "orders",
            "labels": {
                "team": "payments", "tier": "gold", "app.kubernetes.io/name": "orders",
                "": "empty", "ünï": "côdé"
            },
            "annotations": {"example.com/legacy": "yes", "quote'key": "1", "dq\"key": "2"},
            "finalizers": ["a", "b", "c"]
        },
        "spec": {
            "version": "16.4",
            "replicas": 3,
            "weights": [1, 1.0, 2.5, -3, 1e2, 0, -0.0, 12345678901234_i64, null, true, false, "1", [1], {"n": 1}],
            "storage": {"size": "20Gi", "class": null},
            "resources": {"limits": {"cpu": "2", "memory": "4Gi"}, "requests": {"cpu": "1", "memory": "2Gi"}},
            "members": [
                {"name": "a", "zone": "x", "weight": 3, "tags": ["primary"]},
                {"name": "b", "zone": "y", "weight": 1.5, "tags": []},
                {"name": "c", "weight": "heavy", "tags": ["replica", "backup"]},
                {"name": "d", "zone": null, "weight": 3.0, "nested": {"name": "deep", "weight": 7}}
            ],
            "empty": {},
            "list": []
        }
    })
}

/// Each match as `location => value`, the location in the oracle's normalized form.
fn ours(path: &str, document: &Value) -> Result<Vec<String>, String> {
    let path = JsonPath::parse(path)?;
    let tree = Node::from(document.clone());
    let mut matches = Vec::new();
    let budget = Budget::new(u64::MAX);
    path.for_each_match(&tree, &budget, &mut |location, node| {
        let steps: Vec<String> = location
            .iter()
            .map(|step| match step {
                Step::Name(name) => format!("[{}]", json!(name)),
                Step::Index(index) => format!("[{index}]"),
            })
            .collect();
        matches.push(format!("${} => {}", steps.concat(), node.to_json()));
    });
    Ok(matches)
}

fn oracle(path: &str, document: &Value) -> Result<Vec<String>, String> {
    let path = serde_json_path::JsonPath::parse(path).map_err(|error| error.to_string())?;
    Ok(path
        .query_located(document)
        .iter()
        .map(|located| {
            let steps: Vec<String> = located
                .location()
                .iter()
                .map(|element| match element {
                    PathElement::Name(name) => format!("[{}]", json!(name)),
                    PathElement::Index(index) => format!("[{index}]"),
                })
                .collect();
            format!("${} => {}", steps.concat(), located.node())
        })
        .collect())
}

/// Compares with the oracle's answer for the same path. RFC 9535 allows blanks before any segment
/// (`segments = *(S segment)`), but serde_json_path refuses them before `..`; the oracle is asked
/// the path without them, which means the same.
fn assert_agrees(path: &str, document: &Value) {
    let oracle_path = path.replace(" ..", "..");
    match (ours(path, document), oracle(&oracle_path, document)) {
        (Ok(mine), Ok(theirs)) => assert_eq!(mine, theirs, "{path}"),
        (Err(_), Err(_)) => {}
        (Ok(mine), Err(error)) => {
            panic!("{path}: compiles here ({mine:?}), the oracle says {error}")
        }
        (Err(error), Ok(_)) => panic!("{path}: refused here ({error}), the oracle compiles it"),
    }
}

#[rstest]
// Names, shorthand and bracketed, with escapes and awkward keys.
#[case("$")]
#[case("$.metadata.name")]
#[case("$['metadata']['labels']['app.kubernetes.io/name']")]
#[case("$.metadata.labels['']")]
#[case("$.metadata.labels.ünï")]
#[case("$.metadata.labels[\"\\u00fcn\\u00ef\"]")]
#[case("$.metadata.annotations['quote\\'key']")]
#[case("$.metadata.annotations[\"dq\\\"key\"]")]
#[case("$.metadata.annotations['dq\"key']")]
#[case("$[\"\\uD834\\uDD1E\"]")]
#[case("$.missing.deeper")]
#[case("$ .metadata .name")]
#[case("$.metadata[ 'name' , 'labels' ]")]
// Wildcards, indexes, slices.
#[case("$.*")]
#[case("$.metadata.labels.*")]
#[case("$.metadata.finalizers[*]")]
#[case("$.metadata.finalizers[0, -1, 5, -4]")]
#[case("$.spec.weights[1:3]")]
#[case("$.spec.weights[::2]")]
#[case("$.spec.weights[::-1]")]
#[case("$.spec.weights[-2:]")]
#[case("$.spec.weights[5:1:-2]")]
#[case("$.spec.weights[:0:-3]")]
#[case("$.spec.weights[0:100:0]")]
#[case("$.spec.weights[-100:100]")]
#[case("$.spec.weights[ 1 : 4 : 2 ]")]
#[case("$.spec.members[*].tags[0]")]
// Descendants.
#[case("$..name")]
#[case("$..*")]
#[case("$..[0]")]
#[case("$.spec..weight")]
#[case("$..members[1:]..name")]
#[case("$..['name','zone']")]
#[case("$.spec ..name")]
// Filters: existence, comparison, logic, functions.
#[case("$.spec.members[?@.zone]")]
#[case("$.spec.members[?!@.zone]")]
#[case("$.spec.members[?@.zone == null]")]
#[case("$.spec.members[?@.weight == 3]")]
#[case("$.spec.members[?@.weight >= 1.5 && @.weight < 3]")]
#[case("$.spec.members[?@.weight > 2 || @.name == 'b']")]
#[case("$.spec.members[?!(@.weight > 2)]")]
#[case("$.spec.members[?(@.name < 'c')]")]
#[case("$.spec.members[?@.name != 'a']")]
#[case("$.spec.members[?@.weight <= 3e0]")]
#[case("$.spec.members[?@.tags[0] == 'replica']")]
#[case("$.spec.members[?@.nested.name == 'deep']")]
#[case("$.spec.members[?@.missing == @.other]")]
#[case("$.spec.members[?@.missing != 1]")]
#[case("$.spec.members[?@ == $.spec.members[0]]")]
#[case("$.spec.members[?length(@.tags) == 2]")]
#[case("$.spec.members[?length(@.name) == 1]")]
#[case("$.spec.members[?length(@) == 4]")]
#[case("$.spec.members[?count(@.tags[*]) > 0]")]
#[case("$.spec.members[?count(@..*) >= 4]")]
#[case("$.spec.members[?value(@..weight) == 3]")]
#[case("$.spec.members[?length(value(@.tags)) == 0]")]
#[case("$.spec.members[?length('abc') == 3]")]
#[case("$.spec.weights[?@ == 1]")]
#[case("$.spec.weights[?@ < 1]")]
#[case("$.spec.weights[?@ == true]")]
#[case("$.spec.weights[?@ == [1]]")]
#[case("$.spec.weights[?@ > '0']")]
#[case("$.spec.weights[?@ == -0]")]
#[case("$.spec.weights[?@ == 1.0E+2]")]
#[case("$.metadata.labels[?@ == 'gold']")]
#[case("$..[?@.weight]")]
#[case("$.spec.members[?@.tags[?@ == 'backup']]")]
#[case("$.spec[?@.cpu == '2']")]
#[case("$[?$.kind == 'SampleDB']")]
#[case("$.spec.members[? @.zone ]")]
// Paths that do not compile, in both.
#[case("")]
#[case("metadata.labels")]
#[case("$.metadata[")]
#[case("$.metadata.")]
#[case("$..")]
#[case("$ ")]
#[case(" $")]
#[case("$.1abc")]
#[case("$[01]")]
#[case("$[-0]")]
#[case("$[9007199254740992]")]
#[case("$[-9007199254740992]")]
#[case("$['unterminated]")]
#[case("$['bad\\escape']")]
#[case("$['\\uDC00']")]
#[case("$['\\uD800']")]
#[case("$['tab\there']")]
#[case("$[?@.a == 01]")]
#[case("$[?@.a == 1.]")]
#[case("$[?@.a == .5]")]
#[case("$[?@.a == True]")]
#[case("$[?@.*]")]
#[case("$[?@.* == 1]")]
#[case("$[?@..a == 1]")]
#[case("$[?1]")]
#[case("$[?'a' == ]")]
#[case("$[?length(@.tags)]")]
#[case("$[?length(@.*) == 1]")]
#[case("$[?count(1) == 1]")]
#[case("$[?count(@.a, @.b) == 1]")]
#[case("$[?nosuch(@) == 1]")]
#[case("$[?match(@.name, 'a.*')]")]
#[case("$[?search(@.name, 'a')]")]
#[case("$[?!@.a == 1]")]
#[case("$[?(@.a]")]
#[case("$[?@.a &&]")]
#[case("$[?@.a === 1]")]
#[case("$.a[1 2]")]
#[case("$.a[]")]
#[case("$[1:2:3:4]")]
fn agrees_with_serde_json_path(#[case] path: &str) {
    assert_agrees(path, &document());
}

#[rstest]
#[case(
    "$.metadata[",
    "expected a selector (a name, `*`, an index, a slice or a filter) at character 12"
)]
#[case("metadata", "a path starts with `$` at character 1")]
#[case(
    "$[?match(@, 'a')]",
    "match() and search() are not available (no regular expressions) at character 4"
)]
#[case(
    "$[?@.* == 1]",
    "a query compared or measured must be singular (names and indexes only) at character 4"
)]
#[case(
    "$[?length(@)]",
    "length(), count() and value() give a value: compare it at character 4"
)]
fn a_path_that_does_not_compile_says_why_and_where(#[case] path: &str, #[case] error: &str) {
    assert_eq!(JsonPath::parse(path).unwrap_err(), error);
}

/// Slice bounds and steps at the edges of 32-bit and of RFC 9535's integer range (±(2^53−1)): on
/// wasm32 `usize` is 32 bits, and a step of 2^32 once became 0 there (a trap) and 2^32+1 became 1.
/// Natively this compares with the oracle; e2e-tests run the same paths through the module.
#[rstest]
#[case("$.metadata.finalizers[::2147483648]")]
#[case("$.metadata.finalizers[::4294967295]")]
#[case("$.metadata.finalizers[::4294967296]")]
#[case("$.metadata.finalizers[::4294967297]")]
#[case("$.metadata.finalizers[::-4294967296]")]
#[case("$.metadata.finalizers[::-4294967297]")]
#[case("$.metadata.finalizers[4294967296:]")]
#[case("$.metadata.finalizers[-4294967296:]")]
#[case("$.metadata.finalizers[:4294967297:2]")]
#[case("$.metadata.finalizers[::9007199254740991]")]
#[case("$.metadata.finalizers[::-9007199254740991]")]
#[case("$.metadata.finalizers[9007199254740991::-1]")]
#[case("$.metadata.finalizers[-9007199254740991:9007199254740991:9007199254740991]")]
#[case("$.metadata.finalizers[:-9007199254740991:-1]")]
#[case("$.metadata.finalizers[::9007199254740992]")]
#[case("$..[::4294967296]")]
#[case("$..[1::-4294967297]")]
fn slice_edges_agree_with_serde_json_path(#[case] path: &str) {
    assert_agrees(path, &document());
}

/// Paths built at random from the grammar's pieces (a fixed seed, so a failure repeats) agree
/// with the oracle too, including the ones that do not compile.
#[test]
fn random_paths_agree_with_serde_json_path() {
    const PIECES: &[&str] = &[
        ".spec",
        ".members",
        ".metadata",
        ".labels",
        ".name",
        ".weight",
        ".tags",
        ".*",
        "..*",
        "..name",
        "[0]",
        "[-1]",
        "[1:]",
        "[::-1]",
        "[*]",
        "['zone']",
        "[0,1]",
        "[?@.weight > 1]",
        "[?@.zone]",
        "[?!@.tags[0]]",
        "[?@ == 'a']",
        "[?length(@) > 1]",
        "[?count(@.*) == 0]",
        "[?value(@.name) == 'c']",
        "[?@.weight == 3 || @.name == 'b']",
        "[",
        "]",
        "..",
        " ",
        "?",
        "[1:2:0]",
        "[?@.name < @.zone]",
    ];
    let document = document();
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..3000 {
        let length = next() % 6;
        let mut path = String::from("$");
        for _ in 0..length {
            path.push_str(PIECES[(next() % PIECES.len() as u64) as usize]);
        }
        assert_agrees(&path, &document);
    }
}
