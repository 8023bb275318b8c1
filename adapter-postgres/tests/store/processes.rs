//! Several OS processes on one PostgreSQL database: racing for one slot,
//! and a writer killed with SIGKILL in the middle of a run of bookings.
//!
//! The children are this test binary itself, re-executed to run only
//! [`child_process`] with environment variables naming their role and the
//! database. They talk to the parent over pipes, one line per message: the
//! parent releases both racers with a line on their stdin (a barrier, no
//! sleeps), and a child reports a booking on stdout only after its commit
//! returned.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use adapter_postgres::testing::PgTestDb;
use adapter_postgres::{PgSettings, PgStore};
use booking_domain::{BookingId, Interval, StaffId};
use booking_ports::{BookingScope, BookingStore, CreateBookingError};
use chrono::{DateTime, Duration, Utc};
use secrecy::SecretString;

use crate::helpers::{Catalog, haircut, monday, no_limit, seed_catalog};

const ROLE: &str = "ADAPTER_POSTGRES_CHILD_ROLE";
const DATABASE: &str = "ADAPTER_POSTGRES_CHILD_DATABASE";
/// Which racer a child is: it books at a different offset and for a
/// different customer than the other one.
const RACER: &str = "ADAPTER_POSTGRES_CHILD_RACER";

/// Rounds of the two-process race: each is a fresh slot both processes want.
const RACE_ROUNDS: i64 = 25;
/// How many times the writer is killed, and how many bookings it
/// acknowledges before each kill.
const KILLS: usize = 3;
const ACKS_BEFORE_KILL: usize = 40;

/// The entry point of a child process; a no-op in the parent's test run.
#[test]
fn child_process() {
    let Ok(role) = std::env::var(ROLE) else {
        return;
    };
    let mut settings = PgSettings::new(SecretString::from(std::env::var(DATABASE).unwrap()));
    settings.max_connections = 2;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let store = PgStore::open(&settings).await.unwrap();
        match role.as_str() {
            "racer" => racer(&store).await,
            "writer" => writer(&store).await,
            other => panic!("unknown child role {other}"),
        }
    });
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

/// Books, for each "GO" line, Anna at the round's slot (racer 1 half an hour
/// later, so the two bookings overlap without being equal).
async fn racer(store: &PgStore) {
    let racer: i64 = std::env::var(RACER).unwrap().parse().unwrap();
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

/// Books one slot after another for Boris, saying "ACK <id>" after each
/// commit, until it is killed.
async fn writer(store: &PgStore) {
    let catalog = catalog();
    // Start after whatever earlier writers booked.
    let existing = store
        .bookings_overlapping(
            Interval::new(monday(), monday() + Duration::days(3650)).unwrap(),
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

/// A child process running `role` on `db`.
fn spawn_child(role: &str, db: &PgTestDb, extra: &[(&str, String)]) -> Child {
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
        .env(DATABASE, db.url())
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
    // Arrange: the database and its catalog exist before the racers open it.
    let db = PgTestDb::create().await;
    let store = db.open().await;
    let catalog = seed_catalog(&store).await;
    assert_eq!(catalog.anna.get(), 1, "the children assume Anna is staff 1");
    let mut racers: Vec<Racer> = (0..2)
        .map(|index| {
            let mut child = spawn_child("racer", &db, &[(RACER, index.to_string())]);
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
        // Alternate who hears "GO" first, so neither always has a head start.
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
        let window = Interval::new(
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
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bookings_acknowledged_before_a_sigkill_survive_it() {
    // Arrange: Boris (staff 2) takes the writer's bookings.
    let db = PgTestDb::create().await;
    let store = db.open().await;
    let catalog = seed_catalog(&store).await;
    assert_eq!(
        catalog.boris.get(),
        2,
        "the writer assumes Boris is staff 2"
    );

    let mut acknowledged: Vec<BookingId> = Vec::new();
    // Bookings committed but never acknowledged: at most one per kill (the
    // writer books one at a time).
    let mut unacknowledged = 0;
    for kill in 0..KILLS {
        // Act: let the writer acknowledge some bookings, kill it while it is
        // writing the next ones, then collect what it said before dying.
        let mut child = spawn_child("writer", &db, &[]);
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        for _ in 0..ACKS_BEFORE_KILL {
            let message = next_message(&mut stdout).unwrap();
            let id = message
                .strip_prefix("ACK ")
                .unwrap_or_else(|| panic!("writer {kill} said {message}"));
            acknowledged.push(BookingId::new(id.parse().unwrap()).unwrap());
        }
        child.kill().unwrap(); // SIGKILL on Unix
        while let Some(message) = next_message(&mut stdout) {
            if let Some(id) = message.strip_prefix("ACK ") {
                acknowledged.push(BookingId::new(id.parse().unwrap()).unwrap());
            }
        }
        child.wait().unwrap();

        // Assert: every acknowledged booking is there, and at most one more
        // (committed, killed before it was acknowledged).
        for id in &acknowledged {
            assert!(
                store.booking(*id).await.unwrap().is_some(),
                "acknowledged booking {id} was lost by kill {kill}"
            );
        }
        let stored = store
            .bookings_overlapping(
                Interval::new(monday(), monday() + Duration::days(3650)).unwrap(),
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
    }
    store.close().await;
}
