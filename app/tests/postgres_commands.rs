//! The maintenance subcommands on PostgreSQL, end to end: the built
//! `booking` binary with a `postgres://` `BOOKING_DATABASE_URL`, each test on
//! a database of its own on the local server (`BOOKING_TEST_POSTGRES_URL`,
//! see adapter-postgres's `testing`). `migrate`, `check-config`, `catalog`
//! and `export` work as on SQLite; `backup` and `restore` point to the
//! server's own tools; the run lock keeps `migrate` and `catalog import`
//! off a database another process holds.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use adapter_postgres::PgStore;
use adapter_postgres::testing::PgTestDb;

use common::TOKEN;

/// The test database's URL with a password in it (the local server trusts
/// its users and ignores it), so the tests can check it is never shown.
fn url_with_password(db: &PgTestDb) -> (String, String) {
    let mut url = url::Url::parse(db.url()).unwrap();
    if url.password().is_none() {
        url.set_password(Some("hunter2-secret")).unwrap();
    }
    let password = url.password().unwrap().to_owned();
    (url.to_string(), password)
}

/// `booking <args>` on `database_url`, with nothing inherited.
fn booking(database_url: &str, dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_booking"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("BOOKING_CONFIG", common::seed::example_config())
        .env("BOOKING_CLIENT_BOT_TOKEN", TOKEN)
        .env("BOOKING_DATABASE_URL", database_url)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// The example catalog and Olga's booking, written through the engine on
/// PostgreSQL (`common::seed`).
async fn seed(db: &PgTestDb) {
    common::seed::seed_booking(app::database::Store::Postgres(db.open().await)).await;
}

#[tokio::test]
async fn migrate_and_check_config_name_postgresql_and_never_its_password() {
    let db = PgTestDb::create().await;
    let dir = tempfile::tempdir().unwrap();
    let (url, password) = url_with_password(&db);

    let migrated = booking(&url, dir.path(), &["migrate"]);
    let checked = booking(&url, dir.path(), &["check-config"]);

    assert_eq!(
        migrated.status.code(),
        Some(0),
        "{}",
        text(&migrated.stderr)
    );
    assert_eq!(
        text(&migrated.stdout),
        format!("schema level {}\n", adapter_postgres::schema_level())
    );
    assert_eq!(checked.status.code(), Some(0), "{}", text(&checked.stderr));
    let shown = text(&checked.stdout);
    assert!(
        shown.contains(&format!(
            "database: PostgreSQL at {}",
            url.replace(&password, "***")
        )),
        "{shown}"
    );
    assert!(
        shown.contains("scheduled backups: off (PostgreSQL: use pg_dump"),
        "{shown}"
    );
    for output in [&migrated, &checked] {
        assert!(!text(&output.stdout).contains(&password));
        assert!(!text(&output.stderr).contains(&password));
    }
    // Nothing was written beside the working folder: no SQLite file.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[tokio::test]
async fn catalog_and_bookings_export_from_postgresql_and_import_into_a_new_one() {
    let source = PgTestDb::create().await;
    let target = PgTestDb::create().await;
    let dir = tempfile::tempdir().unwrap();
    seed(&source).await;

    let catalog = dir.path().join("catalog.toml");
    let exported = booking(
        source.url(),
        dir.path(),
        &["catalog", "export", "--output", catalog.to_str().unwrap()],
    );
    let bookings = booking(
        source.url(),
        dir.path(),
        &["export", "--from", "2030-01-07", "--to", "2030-01-07"],
    );
    let imported = booking(
        target.url(),
        dir.path(),
        &["catalog", "import", catalog.to_str().unwrap()],
    );
    let again = booking(
        target.url(),
        dir.path(),
        &["catalog", "import", catalog.to_str().unwrap()],
    );
    let reexported = booking(target.url(), dir.path(), &["catalog", "export"]);

    assert_eq!(
        exported.status.code(),
        Some(0),
        "{}",
        text(&exported.stderr)
    );
    let csv = text(&bookings.stdout);
    assert!(
        csv.contains(",2030-01-07,11:00,12:00,confirmed,Women's haircut,Anna,Olga Petrova,"),
        "{csv}"
    );
    assert_eq!(
        imported.status.code(),
        Some(0),
        "{}",
        text(&imported.stderr)
    );
    assert_eq!(
        text(&imported.stdout),
        "imported 2 staff, 3 services, 2 date overrides\n"
    );
    assert_eq!(again.status.code(), Some(3));
    assert!(text(&again.stderr).contains("already has a catalog"));
    assert_eq!(
        text(&reexported.stdout),
        std::fs::read_to_string(&catalog).unwrap(),
        "the same catalog, exactly"
    );
}

#[tokio::test]
async fn on_postgresql_backup_and_restore_point_to_the_servers_own_tools() {
    let db = PgTestDb::create().await;
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("copy.db");
    std::fs::write(&backup, b"not used").unwrap();

    let backed_up = booking(db.url(), dir.path(), &["backup", "new.db"]);
    let restored = booking(db.url(), dir.path(), &["restore", backup.to_str().unwrap()]);

    assert_eq!(backed_up.status.code(), Some(3));
    assert!(
        text(&backed_up.stderr).contains("pg_dump"),
        "{}",
        text(&backed_up.stderr)
    );
    assert_eq!(restored.status.code(), Some(3));
    assert!(
        text(&restored.stderr).contains("pg_restore"),
        "{}",
        text(&restored.stderr)
    );
    assert!(!dir.path().join("new.db").exists());
}

#[tokio::test]
async fn on_postgresql_migrate_and_catalog_import_wait_for_the_process_holding_the_database() {
    let db = PgTestDb::create().await;
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog.toml");
    seed(&db).await;
    let exported = booking(
        db.url(),
        dir.path(),
        &["catalog", "export", "--output", catalog.to_str().unwrap()],
    );
    assert_eq!(
        exported.status.code(),
        Some(0),
        "{}",
        text(&exported.stderr)
    );
    // What each `booking run` instance holds while the bots run: the run
    // lock, shared.
    let (store, lock) = PgStore::open_instance(&db.settings()).await.unwrap();

    let migrate = booking(db.url(), dir.path(), &["migrate"]);
    let import = booking(
        db.url(),
        dir.path(),
        &["catalog", "import", catalog.to_str().unwrap()],
    );
    lock.release().await;
    let after = booking(db.url(), dir.path(), &["migrate"]);
    store.close().await;

    for refused in [&migrate, &import] {
        assert_eq!(refused.status.code(), Some(3), "{}", text(&refused.stderr));
        let said = text(&refused.stderr);
        assert!(
            said.contains("another booking process is running"),
            "{said}"
        );
        assert!(said.contains("stop the bots first"), "{said}");
    }
    assert_eq!(after.status.code(), Some(0), "{}", text(&after.stderr));
}
