//! Slot engine benchmarks (docs/BENCHMARKS.md, figure 1): free times of one
//! day, and the days with free times over 60 days, for a service that 10
//! staff members perform with 1,000 active bookings in the horizon.
//!
//! Run with `cargo bench -p booking-domain --bench slots`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use booking_domain::StaffChoice;
use chrono::NaiveDate;
use common::{HORIZON_DAYS, availability, calendar};

#[divan::bench]
fn free_times_of_one_day_any_staff(bencher: divan::Bencher) {
    let c = calendar();
    let day = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
    assert!(
        !availability(&c)
            .free_starts(&c.service, day, StaffChoice::Any)
            .is_empty()
    );
    bencher.bench_local(|| {
        availability(divan::black_box(&c)).free_starts(&c.service, day, StaffChoice::Any)
    });
}

#[divan::bench]
fn days_with_free_times_over_60_days(bencher: divan::Bencher) {
    let c = calendar();
    let from = c.policy.today(c.now);
    let to = from + chrono::Days::new(u64::from(HORIZON_DAYS));
    assert!(
        availability(&c)
            .days_with_free_starts(&c.service, from, to, StaffChoice::Any)
            .len()
            > 40
    );
    bencher.bench_local(|| {
        availability(divan::black_box(&c)).days_with_free_starts(
            &c.service,
            from,
            to,
            StaffChoice::Any,
        )
    });
}

fn main() {
    divan::main();
}
