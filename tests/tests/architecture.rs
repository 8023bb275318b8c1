//! Architecture invariants, enforced from `cargo metadata` rather than
//! stated in prose (see docs/ARCHITECTURE.md):
//!
//! - `booking-domain` depends on none of sqlx, teloxide, tokio, serde_json;
//! - `booking-ports` depends on neither sqlx nor teloxide;
//! - the domain does not depend on the ports, and no adapter depends on
//!   another adapter;
//!
//! Only normal and build dependencies count, transitively: a dev-dependency
//! does not ship. The graph comes from `cargo metadata` (for the structure)
//! and, for the check itself, from `cargo tree -p <member> -e normal,build`,
//! which resolves features as a build of that member alone does: `cargo
//! metadata` unifies features across the whole workspace, so teloxide_tests
//! (a dev-dependency of adapter-telegram) switching on teloxide's sqlx
//! storage would look like a shipped sqlx edge of the adapter.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

/// Crates each workspace member must not reach. A name matches itself and
/// its `-`-suffixed family (`sqlx` also forbids `sqlx-core`, `sqlx-sqlite`).
const FORBIDDEN: &[(&str, &[&str])] = &[
    (
        "booking-domain",
        &[
            "sqlx",
            "teloxide",
            "tokio",
            "serde_json",
            "booking-ports",
            "adapter-sqlite",
            "adapter-postgres",
            "adapter-telegram",
            "adapter-miniapp",
            "app",
        ],
    ),
    (
        "booking-ports",
        &[
            "sqlx",
            "teloxide",
            "adapter-sqlite",
            "adapter-postgres",
            "adapter-telegram",
            "adapter-miniapp",
            "app",
        ],
    ),
    (
        "adapter-sqlite",
        &[
            "adapter-postgres",
            "adapter-telegram",
            "adapter-miniapp",
            "teloxide",
            "app",
        ],
    ),
    // The PostgreSQL store depends on the domain and the ports only: no other
    // adapter, no SQLite driver (sqlx-sqlite), no bot.
    (
        "adapter-postgres",
        &[
            "adapter-sqlite",
            "adapter-telegram",
            "adapter-miniapp",
            "sqlx-sqlite",
            "teloxide",
            "app",
        ],
    ),
    (
        "adapter-telegram",
        &[
            "adapter-sqlite",
            "adapter-postgres",
            "adapter-miniapp",
            "sqlx",
            "app",
        ],
    ),
    (
        "adapter-miniapp",
        &[
            "adapter-sqlite",
            "adapter-postgres",
            "adapter-telegram",
            "sqlx",
            "teloxide",
            "app",
        ],
    ),
];

/// Package name -> names of its normal and build dependencies.
fn dependency_graph(metadata: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let names: BTreeMap<&str, &str> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for node in metadata["resolve"]["nodes"].as_array().unwrap() {
        let name = names[node["id"].as_str().unwrap()].to_owned();
        let deps = graph.entry(name).or_default();
        for dep in node["deps"].as_array().unwrap() {
            let shipped = dep["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kind"].is_null() || k["kind"] == "build");
            if shipped {
                deps.insert(names[dep["pkg"].as_str().unwrap()].to_owned());
            }
        }
    }
    graph
}

fn reachable(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.to_owned()];
    while let Some(name) = stack.pop() {
        for dep in graph.get(&name).into_iter().flatten() {
            if seen.insert(dep.clone()) {
                stack.push(dep.clone());
            }
        }
    }
    seen
}

/// Every `(member, forbidden crate)` the graph breaks.
fn violations(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<(String, String)> {
    violations_of(|member| reachable(graph, member))
}

/// Every `(member, forbidden crate)` among the crates `shipped` says each
/// member reaches.
fn violations_of(shipped: impl Fn(&str) -> BTreeSet<String>) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (member, forbidden) in FORBIDDEN {
        for dep in shipped(member) {
            let hit = forbidden
                .iter()
                .any(|f| dep == *f || dep.starts_with(&format!("{f}-")));
            if hit {
                found.push(((*member).to_owned(), dep));
            }
        }
    }
    found
}

fn workspace_metadata() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The crates a build of `member` alone links (normal and build
/// dependencies, with the features that build switches on), without
/// `member` itself.
fn shipped(member: &str) -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["tree", "--locked", "-p", member, "-e", "normal,build"])
        .args(["--prefix", "none", "--format", "{p}"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != member)
        .map(str::to_owned)
        .collect()
}

#[test]
fn workspace_dependencies_respect_the_hexagon() {
    let graph = dependency_graph(&workspace_metadata());
    for member in FORBIDDEN.iter().map(|(m, _)| m) {
        assert!(
            graph.contains_key(*member),
            "{member} is missing from the workspace"
        );
    }
    assert_eq!(violations_of(shipped), Vec::<(String, String)>::new());
}

#[test]
fn the_shipped_graph_sees_what_each_member_links() {
    assert!(shipped("adapter-sqlite").contains("sqlx"));
    assert!(shipped("adapter-telegram").contains("teloxide"));
    assert!(shipped("app").contains("adapter-sqlite"));
    assert!(!shipped("booking-domain").contains("booking-domain"));
}

#[test]
fn the_check_catches_sqlx_added_to_the_domain() {
    let mut graph = dependency_graph(&workspace_metadata());
    graph
        .get_mut("booking-domain")
        .unwrap()
        .insert("sqlx".to_owned());
    graph
        .entry("sqlx".to_owned())
        .or_default()
        .insert("sqlx-core".to_owned());
    let found = violations(&graph);
    assert!(found.contains(&("booking-domain".to_owned(), "sqlx".to_owned())));
    assert!(found.contains(&("booking-domain".to_owned(), "sqlx-core".to_owned())));
}

#[test]
fn the_check_catches_an_adapter_depending_on_another() {
    let mut graph = dependency_graph(&workspace_metadata());
    graph
        .get_mut("adapter-telegram")
        .unwrap()
        .insert("adapter-sqlite".to_owned());
    assert!(
        violations(&graph).contains(&("adapter-telegram".to_owned(), "adapter-sqlite".to_owned()))
    );
}
