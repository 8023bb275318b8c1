//! Several `booking run` instances on one PostgreSQL database, as
//! processes: they start side by side, exactly one polls each bot (the fake
//! Bot API sees which: each instance calls it under a path of its own), a
//! standby starts polling when the poller is killed, and `booking migrate`
//! is refused while any instance runs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;

use adapter_postgres::testing::PgTestDb;
use common::*;
use serde_json::Value;

const CUSTOMER: i64 = 6161;

/// `booking run` on `db`, calling the fake Bot API at `api` under the path
/// `/<name>`.
fn instance(workspace: &Workspace, api: SocketAddr, db: &PgTestDb, name: &str) -> Running {
    let mut command = workspace.run_command(api);
    command
        .env("BOOKING_DATABASE_URL", db.url())
        .env("BOOKING_TELEGRAM_API_URL", format!("http://{api}/{name}"));
    Running::spawn(command)
}

fn polled_by(body: &Value, name: &str) -> bool {
    body["_instance"] == name
}

/// Every `getUpdates` the fake saw so far, by the instance that sent it.
fn pollers(requests: &mut Requests) -> Vec<String> {
    requests
        .all()
        .iter()
        .filter(|(method, _)| method == "getupdates")
        .map(|(_, body)| body["_instance"].as_str().unwrap_or("?").to_owned())
        .collect()
}

#[tokio::test]
async fn on_postgresql_one_of_two_instances_polls_and_the_other_takes_over_when_it_is_killed() {
    let db = PgTestDb::create().await;
    let (address, fake, requests) = start_fake_telegram().await;
    let mut requests = Requests::new(requests);
    let workspace = Workspace::new();

    // The first is alone: it migrates, and takes every role.
    let mut first = instance(&workspace, address, &db, "first");
    let opened = first.wait_for_log("database open").await;
    assert!(opened.contains("alone=true"), "{opened}");
    first.wait_for_log("this instance polls the bot").await;
    requests
        .next_where("getupdates", |b| polled_by(b, "first"))
        .await;
    // The second starts beside it, and stands by.
    let mut second = instance(&workspace, address, &db, "second");
    let opened = second.wait_for_log("database open").await;
    assert!(opened.contains("alone=false"), "{opened}");
    second.wait_for_log("this one stands by").await;

    fake.push_update(start_update(1, CUSTOMER));
    requests
        .next_where("sendmessage", |b| b["chat_id"] == CUSTOMER)
        .await;
    let seen = pollers(&mut requests);
    assert!(seen.iter().all(|p| p == "first"), "{seen:?}");

    // SIGKILL: the server ends the poller's session, and with it its locks.
    first.child.start_kill().unwrap();
    let (_, first_logs) = first.wait().await;
    requests
        .next_where("getupdates", |b| polled_by(b, "second"))
        .await;
    second.wait_for_log("this instance polls the bot").await;
    // Another customer: the first one's replies may not all be read yet.
    fake.push_update(start_update(2, CUSTOMER + 1));
    requests
        .next_where("sendmessage", |b| b["chat_id"] == CUSTOMER + 1)
        .await;

    let (code, second_logs) = second.terminate().await;
    assert_eq!(code, Some(0), "{second_logs}");
    let stood_by = second_logs.find("this one stands by").unwrap();
    let polled = second_logs.find("this instance polls the bot").unwrap();
    assert!(stood_by < polled, "{second_logs}");
    assert!(!first_logs.contains("stands by"), "{first_logs}");
    let seen = pollers(&mut requests);
    let first_after_second = seen
        .iter()
        .skip_while(|p| *p != "second")
        .any(|p| p == "first");
    assert!(!first_after_second, "{seen:?}");
}

/// `booking migrate` on `db`.
async fn migrate(workspace: &Workspace, db: &PgTestDb) -> std::process::Output {
    workspace
        .command()
        .arg("migrate")
        .env("BOOKING_DATABASE_URL", db.url())
        .output()
        .await
        .unwrap()
}

#[tokio::test]
async fn on_postgresql_a_second_instance_starts_beside_the_first_and_migrate_waits_for_both() {
    let db = PgTestDb::create().await;
    let (address, _fake, _requests) = start_fake_telegram().await;
    let workspace = Workspace::new();
    let mut first = instance(&workspace, address, &db, "first");
    first.wait_for_log("bots starting").await;
    let mut second = instance(&workspace, address, &db, "second");
    second.wait_for_log("bots starting").await;

    let refused = migrate(&workspace, &db).await;
    let (first_code, first_logs) = first.terminate().await;
    let still_refused = migrate(&workspace, &db).await;
    let (second_code, second_logs) = second.terminate().await;
    let migrated = migrate(&workspace, &db).await;

    for output in [&refused, &still_refused] {
        let said = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(3), "{said}");
        assert!(
            said.contains("another booking process is running"),
            "{said}"
        );
        assert!(said.contains("stop the bots first"), "{said}");
    }
    assert_eq!(first_code, Some(0), "{first_logs}");
    assert_eq!(second_code, Some(0), "{second_logs}");
    assert_eq!(
        migrated.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&migrated.stderr)
    );
}
