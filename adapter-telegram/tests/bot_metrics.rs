//! The bots' metrics through a real dispatcher: teloxide_tests' mock Bot API
//! drives the client bot's handler tree, and a recorder installed for this
//! test process sees each update counted by kind and timed.
//!
//! The dispatcher handles updates on tasks of its own, which only a global
//! recorder reaches, hence a test binary of its own with one test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use adapter_telegram::metrics::{UPDATE_DURATION, UPDATES};
use adapter_telegram::test_support::*;
use metrics_util::debugging::{DebugValue, DebuggingRecorder};

#[tokio::test]
async fn each_update_is_counted_by_bot_and_kind_and_timed() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    recorder.install().unwrap();
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");

    let menu = screen(&h.send(&ivan, "/start").await);
    h.press(&ivan, &menu, "📅 Book").await;
    h.send(&ivan, "hello").await;

    let mut updates = Vec::new();
    let mut durations = Vec::new();
    for (key, _, _, value) in snapshotter.snapshot().into_vec() {
        let key = key.key().clone();
        let labels: Vec<String> = key
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        match (key.name(), value) {
            (name, DebugValue::Counter(n)) if name == UPDATES => updates.push((labels, n)),
            (name, DebugValue::Histogram(seconds)) if name == UPDATE_DURATION => {
                durations.push((labels, seconds));
            }
            _ => {}
        }
    }
    updates.sort();
    assert_eq!(
        updates,
        [
            (
                vec!["bot=client".to_owned(), "kind=callback_query".to_owned()],
                1
            ),
            (vec!["bot=client".to_owned(), "kind=message".to_owned()], 2),
        ]
    );
    let [(labels, seconds)] = durations.as_slice() else {
        panic!("one histogram expected: {durations:?}");
    };
    assert_eq!(labels, &["bot=client"]);
    assert_eq!(seconds.len(), 3, "one observation per update");
    assert!(seconds.iter().all(|s| s.into_inner() >= 0.0), "{seconds:?}");
}
