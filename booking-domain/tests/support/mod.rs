//! Shared pieces of the property tests: generators of realistic calendars and
//! phone numbers, the time zones they live in, and an independent oracle that
//! decides by brute force which starts are free.

pub(crate) mod calendar;
pub(crate) mod oracle;
pub(crate) mod phones;
pub(crate) mod zones;

use proptest::test_runner::Config;

/// A proptest configuration with `default_cases` cases, unless the
/// `PROPTEST_CASES` environment variable asks for more (or fewer), so a
/// nightly job can search deeper than CI does on every push.
pub(crate) fn config(default_cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    Config {
        cases,
        // Shrinking a calendar is cheap but a long shrink hides a CI hang;
        // a bounded shrink still gives a readable counterexample.
        max_shrink_iters: 2048,
        ..Config::default()
    }
}
