//! The check that every contract runs: each contract file lists its
//! contracts in a `macro_rules!` next to them, and `contract_tests!` composes
//! those lists. A contract missing from its list would compile and silently
//! never run, so this test reads the files and fails on one, and on a file
//! whose list `contract_tests!` does not call.
//!
//! A contract is a `pub async fn` at the start of a line (methods are
//! indented); a listed name is a line holding one identifier and a comma
//! inside a `macro_rules!` block, the form the lists are written in. A
//! file's submodules (`outbox/claims.rs` of `outbox.rs`) are listed by the
//! file's macro.

use std::collections::BTreeSet;
use std::path::Path;

/// The entry points adapters call; every other list macro must be composed
/// by `contract_tests!`.
const ENTRY_POINTS: &[&str] = &["contract_tests", "dispatch_tests", "send_budget_tests"];

/// The contract functions `source` defines.
fn contracts(source: &str) -> BTreeSet<&str> {
    source
        .lines()
        .filter_map(|line| line.strip_prefix("pub async fn "))
        .filter_map(|rest| {
            rest.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .next()
        })
        .collect()
}

/// The names of `source`'s `macro_rules!` blocks, and the names they list.
fn lists(source: &str) -> (Vec<&str>, BTreeSet<&str>) {
    let (mut macros, mut listed) = (Vec::new(), BTreeSet::new());
    let mut inside = false;
    for line in source.lines() {
        if let Some(rest) = line.trim_start().strip_prefix("macro_rules! ") {
            macros.push(rest.trim_end_matches(" {").trim());
            inside = true;
        } else if line == "}" {
            inside = false;
        } else if let Some(name) = line.trim().strip_suffix(',')
            && inside
            && !name.is_empty()
            && name.chars().all(|c| c.is_alphanumeric() || c == '_')
        {
            listed.insert(name);
        }
    }
    (macros, listed)
}

/// What is wrong with the contract file `name` (`source`, and the sources of
/// its submodules, whose contracts its list names) given the text of
/// `mod.rs`, one line per problem.
fn problems(name: &str, source: &str, submodules: &[String], module: &str) -> Vec<String> {
    let mut defined = contracts(source);
    for submodule in submodules {
        defined.extend(contracts(submodule));
    }
    if defined.is_empty() {
        return Vec::new();
    }
    let (macros, listed) = lists(source);
    let mut found: Vec<String> = defined
        .difference(&listed)
        .map(|f| format!("{name}: `{f}` is not in the file's list, so it never runs"))
        .collect();
    match macros.as_slice() {
        [list] if ENTRY_POINTS.contains(list) => {}
        [list] if module.contains(&format!("$crate::{list}!($fixture);")) => {}
        [list] => found.push(format!("{name}: `contract_tests!` does not call `{list}!`")),
        _ => found.push(format!("{name}: expected one list macro, found {macros:?}")),
    }
    found
}

#[test]
fn every_contract_is_listed_and_every_list_is_run() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/contract");
    let module = std::fs::read_to_string(dir.join("mod.rs")).unwrap();
    let mut found = Vec::new();
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.extension().is_some_and(|e| e == "rs") {
            let source = std::fs::read_to_string(&path).unwrap();
            let submodules: Vec<String> = std::fs::read_dir(path.with_extension(""))
                .into_iter()
                .flatten()
                .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
                .collect();
            files += usize::from(!contracts(&source).is_empty());
            found.extend(problems(&name, &source, &submodules, &module));
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
    assert!(files >= 9, "the contract files were read ({files})");
}

#[test]
fn the_check_catches_an_unlisted_contract_and_an_uncomposed_list() {
    let module = "macro_rules! contract_tests {\n    ($fixture:path) => {\n        \
                  $crate::__a_contracts!($fixture);\n    };\n}\n";
    let listed = "#[macro_export]\nmacro_rules! __a_contracts {\n    ($fixture:path) => {\n        \
                  $crate::contract_tests!(@each $fixture; a;\n            first,\n        );\n    };\n}\n\n\
                  pub async fn first<S: ContractStore>(store: S) {}\n";
    assert_eq!(problems("a.rs", listed, &[], module), Vec::<String>::new());

    let forgotten = format!("{listed}\n/// A new one.\npub async fn second<S>(store: S) {{\n}}\n");
    assert_eq!(
        problems("a.rs", &forgotten, &[], module),
        ["a.rs: `second` is not in the file's list, so it never runs"]
    );
    let elsewhere = listed.replace("__a_contracts", "__b_contracts");
    assert_eq!(
        problems("b.rs", &elsewhere, &[], module),
        ["b.rs: `contract_tests!` does not call `__b_contracts!`"]
    );
    let in_a_submodule = "pub async fn third<S>(store: S) {\n}\n".to_owned();
    assert_eq!(
        problems("a.rs", listed, &[in_a_submodule], module),
        ["a.rs: `third` is not in the file's list, so it never runs"]
    );
    // Methods and helpers are not contracts.
    let helpers = "impl X {\n    pub async fn hung(&self) {}\n}\npub(super) async fn world() {}\n";
    assert!(contracts(helpers).is_empty());
}
