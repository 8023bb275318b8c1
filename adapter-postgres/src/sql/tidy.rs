//! Every statement comes from `sql.rs`, so the tests of `sql/tests.rs` see it.

use std::path::Path;

#[test]
fn every_call_site_takes_its_sql_from_this_module() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![src.join("catalog/writes.rs")];
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        // This module, and the test harness, which runs its own SQL.
        let exempt = path
            .file_name()
            .is_some_and(|n| n == "sql.rs" || n == "testing.rs");
        if path.is_file() && !exempt {
            files.push(path);
        }
    }
    let mut offenders = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        // Test modules come last and may run any SQL.
        let end = ["#[cfg(test)]", "#[cfg(all(test"]
            .iter()
            .filter_map(|marker| text.find(marker))
            .min()
            .unwrap_or(text.len());
        let text = &text[..end];
        for call in [
            "sqlx::query",
            "sqlx::raw_sql",
            "QueryBuilder::<Postgres>::new",
        ] {
            for (at, _) in text.match_indices(call) {
                let after = &text[at + call.len()..];
                // `sqlx::query`, `sqlx::query_as::<_, Row>`, ... then `(`.
                let Some(open) = after.find('(') else {
                    continue;
                };
                let head = &after[..open];
                if head.contains([';', '{', '\n']) {
                    continue; // a path in a `use` or a type, not a call
                }
                let argument = after[open + 1..].trim_start();
                // `sync` walks the `sql::SYNC_*_SEQUENCE` statements (catalog import).
                // Statements built from the schema's names (`transfer`).
                if !argument.starts_with("sql::")
                    && !argument.starts_with("AssertSqlSafe(sql::")
                    && !argument.starts_with("sync)")
                {
                    let line = text[..at].lines().count() + 1;
                    offenders.push(format!("{}:{line}", path.display()));
                }
            }
        }
    }
    assert!(offenders.is_empty(), "SQL outside sql.rs at {offenders:?}");
}
