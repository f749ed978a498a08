//! The rules' ids are one list (src/model/rule_ids.rs) that the README's and the contract's tables
//! show, row for row: a rule added, renamed or removed in one place and not the other fails here.

use sampledb_policy::model::rule_ids::{OBJECT_RULES, UPDATE_RULES, is_built_in};
use sampledb_policy::settings::BYPASSABLE;

/// The first column of every table whose header is `| id | field | rule |`, table by table.
fn id_tables(document: &str) -> Vec<Vec<String>> {
    let mut tables = Vec::new();
    let mut lines = document.lines().peekable();
    while let Some(line) = lines.next() {
        if line.trim() != "| id | field | rule |" {
            continue;
        }
        lines.next(); // the |---| row
        let mut ids = Vec::new();
        while let Some(row) = lines.next_if(|row| row.starts_with('|')) {
            ids.push(row.split('|').nth(1).unwrap_or("").trim().to_string());
        }
        tables.push(ids);
    }
    tables
}

fn read(name: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).unwrap()
}

#[rstest::rstest]
fn the_tables_list_the_rules_ids(#[values("README.md", "docs/contract.md")] document: &str) {
    let tables = id_tables(&read(document));
    assert_eq!(
        tables.len(),
        2,
        "{document}: the create/update table and the update table"
    );
    assert_eq!(tables[0], OBJECT_RULES, "{document}");
    assert_eq!(tables[1], UPDATE_RULES, "{document}");
}

#[test]
fn only_update_rules_can_be_bypassed() {
    for id in BYPASSABLE {
        assert!(UPDATE_RULES.contains(&id), "{id}");
        assert!(is_built_in(id), "{id}");
    }
    assert!(!is_built_in("customRules") && !is_built_in("teamLabel"));
}
