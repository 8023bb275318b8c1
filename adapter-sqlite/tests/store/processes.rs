//! Several OS processes on one database file: racing for one slot, and a
//! writer killed with SIGKILL in the middle of a run of bookings.
//!
//! The children are this test binary itself, re-executed to run only
//! [`child_process`] with an environment variable naming their role. They
//! talk to the parent over pipes, one line per message: the parent releases
//! both racers with a line on their stdin (a barrier, no sleeps), and a child
//! reports a booking on stdout only after its commit returned.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use adapter_sqlite::{SqliteSettings, SqliteStore};
use booking_domain::{BookingId, StaffId};
use booking_ports::{BookingScope, BookingStore, CatalogStore, CreateBookingError};
use chrono::{DateTime, Duration, Utc};

use crate::helpers::{Catalog, TestDb, haircut, monday, no_limit, seed_catalog};

const ROLE: &str = "ADAPTER_SQLITE_CHILD_ROLE";
const DATABASE: &str = "ADAPTER_SQLITE_CHILD_DATABASE";
/// Which racer a child is: it books at a different offset and for a
/// different customer than the other one.
const RACER: &str = "ADAPTER_SQLITE_CHILD_RACER";

/// Rounds of the two-process race: each is a fresh slot both processes want.
const RACE_ROUNDS: i64 = 25;
/// How many times the writer is killed, and how many bookings it
/// acknowledges before each kill.
const KILLS: i64 = 3;
const ACKS_BEFORE_KILL: usize = 60;

/// The entry point of a child process; a no-op in the parent's test run.
#[test]
fn child_process() {
    let Ok(role) = std::env::var(ROLE) else {
        return;
    };
    let database = PathBuf::from(std::env::var(DATABASE).unwrap());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    match role.as_str() {
        "racer" => runtime.block_on(racer(&database)),
        "writer" => runtime.block_on(writer(&database)),
        "opener" => runtime.block_on(opener(&database)),
        other => panic!("unknown child role {other}"),
    }
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").unwrap();
    out.flush().unwrap();
}

/// Staff members as the parent created them (ids 1 and 2).
fn catalog() -> Catalog {
    Catalog {
        anna: StaffId::new(1).unwrap(),
        boris: StaffId::new(2).unwrap(),
        haircut: booking_domain::ServiceId::new(1).unwrap(),
    }
}

fn race_slot(round: i64) -> DateTime<Utc> {
    monday() + Duration::hours(3 * round)
}

/// Books, for each "go" line, Anna at the round's slot (racer 1 half an hour
/// later, so the two bookings overlap without being equal).
async fn racer(database: &Path) {
    let racer: i64 = std::env::var(RACER).unwrap().parse().unwrap();
    let store = SqliteStore::open(&SqliteSettings::new(database))
        .await
        .unwrap();
    let catalog = catalog();
    say("READY");
    for line in std::io::stdin().lock().lines() {
        let line = line.unwrap();
        let Some(round) = line.strip_prefix("GO ") else {
            break;
        };
        let round: i64 = round.parse().unwrap();
        let start = race_slot(round) + Duration::minutes(30 * racer);
        let new = haircut(&catalog, catalog.anna, 100 + racer, start);
        match store.create_booking(new, no_limit(), Vec::new()).await {
            Ok(booking) => say(&format!("RESULT {round} created {}", booking.id())),
            Err(CreateBookingError::SlotTaken { .. }) => say(&format!("RESULT {round} taken")),
            Err(other) => say(&format!("RESULT {round} error {other:?}")),
        }
    }
}

/// Books one hour after another, for ever, saying "ACK <id>" after each
/// commit, until it is killed.
async fn writer(database: &Path) {
    let store = SqliteStore::open(&SqliteSettings::new(database))
        .await
        .unwrap();
    let catalog = catalog();
    // Start after whatever earlier writers booked.
    let existing = store
        .bookings_overlapping(
            booking_domain::Interval::new(monday(), monday() + Duration::days(3650)).unwrap(),
            Some(catalog.boris),
            BookingScope::AllStatuses,
        )
        .await
        .unwrap();
    let mut start = existing
        .last()
        .map_or(monday(), |b| b.start() + Duration::hours(2));
    loop {
        let new = haircut(&catalog, catalog.boris, 7, start);
        match store.create_booking(new, no_limit(), Vec::new()).await {
            Ok(booking) => say(&format!("ACK {}", booking.id())),
            Err(other) => {
                say(&format!("ERROR {other:?}"));
                return;
            }
        }
        start += Duration::hours(2);
    }
}

/// Opens the (not yet existing) database when told to, and says how it went.
async fn opener(database: &Path) {
    say("READY");
    let mut go = String::new();
    std::io::stdin().read_line(&mut go).unwrap();
    match SqliteStore::open(&SqliteSettings::new(database)).await {
        Ok(store) => match store.is_catalog_empty().await {
            Ok(_) => say("RESULT opened"),
            Err(e) => say(&format!("RESULT error {e:?}")),
        },
        Err(e) => say(&format!("RESULT error {e:?}")),
    }
}

/// A child process running `role` on `database`.
fn spawn_child(role: &str, database: &Path, extra: &[(&str, String)]) -> Child {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "--exact",
            "processes::child_process",
            "--nocapture",
            "--test-threads=1",
            "--quiet",
        ])
        .env(ROLE, role)
        .env(DATABASE, database)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (key, value) in extra {
        command.env(key, value);
    }
    command.spawn().unwrap()
}

/// The next protocol line a child wrote (libtest's own lines are skipped),
/// or `None` at end of output.
fn next_message(out: &mut BufReader<ChildStdout>) -> Option<String> {
    let mut line = String::new();
    loop {
        line.clear();
        if out.read_line(&mut line).unwrap() == 0 {
            return None;
        }
        let trimmed = line.trim();
        if ["READY", "RESULT ", "ACK ", "ERROR "]
            .iter()
            .any(|p| trimmed.starts_with(p))
        {
            return Some(trimmed.to_owned());
        }
    }
}

struct Racer {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_racing_for_one_slot_leave_one_booking_and_the_loser_hears_slot_taken() {
    // Arrange: the file and its catalog exist before the racers open it.
    let db = TestDb::new();
    let store = db.open().await;
    let catalog = seed_catalog(&store).await;
    assert_eq!(catalog.anna.get(), 1, "the children assume Anna is staff 1");
    let mut racers: Vec<Racer> = (0..2)
        .map(|index| {
            let mut child = spawn_child("racer", &db.path, &[(RACER, index.to_string())]);
            let stdin = child.stdin.take().unwrap();
            let stdout = BufReader::new(child.stdout.take().unwrap());
            Racer {
                child,
                stdin,
                stdout,
            }
        })
        .collect();
    for racer in &mut racers {
        assert_eq!(next_message(&mut racer.stdout).as_deref(), Some("READY"));
    }

    // Act: release both racers at once, round after round.
    let mut outcomes = Vec::new();
    for round in 0..RACE_ROUNDS {
        // Alternate who hears "go" first, so neither always has a head start.
        let order: [usize; 2] = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for &index in &order {
            writeln!(racers[index].stdin, "GO {round}").unwrap();
            racers[index].stdin.flush().unwrap();
        }
        let results: Vec<String> = racers
            .iter_mut()
            .map(|racer| next_message(&mut racer.stdout).unwrap())
            .collect();
        outcomes.push((round, results));
    }
    for mut racer in racers {
        drop(racer.stdin);
        assert!(racer.child.wait().unwrap().success());
    }

    // Assert: in every round one process booked and the other heard "taken",
    // and the database holds exactly one active booking for that slot.
    for (round, results) in outcomes {
        let created = results.iter().filter(|r| r.contains(" created ")).count();
        let taken = results.iter().filter(|r| r.ends_with(" taken")).count();
        assert_eq!(
            (created, taken),
            (1, 1),
            "round {round}: expected one booking and one refusal, got {results:?}"
        );
        let window = booking_domain::Interval::new(
            race_slot(round) - Duration::minutes(30),
            race_slot(round) + Duration::hours(2),
        )
        .unwrap();
        let held = store
            .bookings_overlapping(window, Some(catalog.anna), BookingScope::ActiveOnly)
            .await
            .unwrap();
        assert_eq!(held.len(), 1, "round {round}: {held:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bookings_acknowledged_before_a_sigkill_survive_it() {
    // Arrange: Boris (staff 2) takes the writer's bookings.
    let db = TestDb::new();
    let store = db.open().await;
    let catalog = seed_catalog(&store).await;
    assert_eq!(
        catalog.boris.get(),
        2,
        "the writer assumes Boris is staff 2"
    );
    store.close().await;

    let mut acknowledged: Vec<BookingId> = Vec::new();
    // Bookings committed but never acknowledged: at most one per kill (the
    // writer books one at a time).
    let mut unacknowledged = 0;
    for kill in 0..KILLS {
        // Act: let the writer acknowledge some bookings, kill it while it is
        // writing the next ones, then collect what it said before dying.
        let mut child = spawn_child("writer", &db.path, &[]);
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut acks_this_run = 0;
        while acks_this_run < ACKS_BEFORE_KILL {
            let message = next_message(&mut stdout).unwrap();
            let id = message
                .strip_prefix("ACK ")
                .unwrap_or_else(|| panic!("writer {kill} said {message}"));
            acknowledged.push(BookingId::new(id.parse().unwrap()).unwrap());
            acks_this_run += 1;
        }
        child.kill().unwrap(); // SIGKILL on Unix
        while let Some(message) = next_message(&mut stdout) {
            if let Some(id) = message.strip_prefix("ACK ") {
                acknowledged.push(BookingId::new(id.parse().unwrap()).unwrap());
            }
        }
        child.wait().unwrap();

        // Assert: every acknowledged booking is there after reopening, at
        // most one more (committed, killed before it was acknowledged), and
        // the file is intact.
        let reopened = db.open().await;
        assert_eq!(
            reopened.integrity_problems().await.unwrap(),
            Vec::<String>::new()
        );
        for id in &acknowledged {
            assert!(
                reopened.booking(*id).await.unwrap().is_some(),
                "acknowledged booking {id} was lost by kill {kill}"
            );
        }
        let stored = reopened
            .bookings_overlapping(
                booking_domain::Interval::new(monday(), monday() + Duration::days(3650)).unwrap(),
                Some(catalog.boris),
                BookingScope::AllStatuses,
            )
            .await
            .unwrap();
        let extra = stored.len() - acknowledged.len();
        assert!(
            (unacknowledged..=unacknowledged + 1).contains(&extra),
            "kill {kill}: {} acknowledged, {} stored",
            acknowledged.len(),
            stored.len()
        );
        unacknowledged = extra;
        reopened.close().await;
    }
}

#[test]
fn processes_opening_a_new_file_at_once_all_succeed_and_migrate_it_once() {
    const OPENERS: usize = 4;
    for round in 0..3 {
        // Arrange: openers waiting at the barrier for a file that does not
        // exist yet.
        let db = TestDb::new();
        let mut openers: Vec<Racer> = (0..OPENERS)
            .map(|_| {
                let mut child = spawn_child("opener", &db.path, &[]);
                let stdin = child.stdin.take().unwrap();
                let stdout = BufReader::new(child.stdout.take().unwrap());
                Racer {
                    child,
                    stdin,
                    stdout,
                }
            })
            .collect();
        for opener in &mut openers {
            assert_eq!(next_message(&mut opener.stdout).as_deref(), Some("READY"));
        }

        // Act: release them together.
        for opener in &mut openers {
            writeln!(opener.stdin, "GO").unwrap();
            opener.stdin.flush().unwrap();
        }

        // Assert: each opened the store; the schema was applied once.
        for mut opener in openers {
            assert_eq!(
                next_message(&mut opener.stdout).as_deref(),
                Some("RESULT opened"),
                "round {round}"
            );
            assert!(opener.child.wait().unwrap().success());
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let mut raw = crate::helpers::raw_connection(&db.path).await;
            // Levels need not be contiguous: each applied once, up to the
            // latest.
            let (applied, distinct, latest): (i64, i64, i64) = sqlx::query_as(
                "SELECT count(*), count(DISTINCT version), max(version) FROM _sqlx_migrations",
            )
            .fetch_one(&mut raw)
            .await
            .unwrap();
            assert_eq!(applied, distinct, "a migration applied twice");
            assert_eq!(latest, adapter_sqlite::schema_level());
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_after_a_crash_keeps_the_crashed_database_together_with_its_log() {
    // Arrange: a backup of the catalog alone, then a writer killed after 30
    // acknowledged bookings, which live only in the write-ahead log (too
    // few pages for an automatic checkpoint).
    let db = TestDb::new();
    let store = db.open().await;
    seed_catalog(&store).await;
    let backup = db.sibling("catalog-only.db");
    store.backup_to(&backup).await.unwrap();
    store.close().await;
    let mut child = spawn_child("writer", &db.path, &[]);
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut acknowledged = Vec::new();
    while acknowledged.len() < 30 {
        let message = next_message(&mut stdout).unwrap();
        let id: i64 = message.strip_prefix("ACK ").unwrap().parse().unwrap();
        acknowledged.push(BookingId::new(id).unwrap());
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let wal = PathBuf::from(format!("{}-wal", db.path.display()));
    assert!(wal.exists(), "the killed writer leaves its log behind");

    // Act
    let report = SqliteStore::restore(&backup, &db.settings()).await.unwrap();

    // Assert: the target is the backup (no bookings), and the crashed
    // database was kept with its log, so nothing it acknowledged is lost.
    assert!(!wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0);
    let restored = db.open().await;
    for id in &acknowledged {
        assert_eq!(restored.booking(*id).await.unwrap(), None);
    }
    restored.close().await;
    let kept = report.replaced_kept_at.unwrap();
    assert!(PathBuf::from(format!("{}-wal", kept.display())).exists());
    let kept_store = SqliteStore::open(&SqliteSettings::new(&kept))
        .await
        .unwrap();
    assert_eq!(
        kept_store.integrity_problems().await.unwrap(),
        Vec::<String>::new()
    );
    for id in &acknowledged {
        assert!(
            kept_store.booking(*id).await.unwrap().is_some(),
            "{id} lost"
        );
    }
}
