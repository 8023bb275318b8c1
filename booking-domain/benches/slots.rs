//! Slot engine benchmarks (docs/BENCHMARKS.md, figure 1): free times of one
//! day, and the days with free times over 60 days, for a service that 10
//! staff members perform with 1,000 active bookings in the horizon.
//!
//! Run with `cargo bench -p booking-domain --bench slots`. After divan's
//! table come the figures' lines (`FIGURE 1a`, `FIGURE 1b`): the median of
//! a plain timing loop of the same computations, since divan gives its
//! results no API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod common;

use std::hint::black_box;
use std::time::Instant;

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

/// The median time of `runs` calls of `computation`, in microseconds.
fn median_micros<T>(runs: usize, mut computation: impl FnMut() -> T) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            black_box(computation());
            started.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[runs / 2]
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "not met" }
}

/// Figures 1a and 1b, one line each, with their budgets.
fn figures() {
    let c = calendar();
    let day = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
    let from = c.policy.today(c.now);
    let to = from + chrono::Days::new(u64::from(HORIZON_DAYS));
    let one_day = median_micros(2_000, || {
        availability(black_box(&c)).free_starts(&c.service, day, StaffChoice::Any)
    });
    let sixty_days = median_micros(200, || {
        availability(black_box(&c)).days_with_free_starts(&c.service, from, to, StaffChoice::Any)
    });
    println!(
        "FIGURE 1a: {one_day:.1} µs budget 50 {}",
        verdict(one_day <= 50.0)
    );
    println!(
        "FIGURE 1b: {sixty_days:.0} µs budget 2000 {}",
        verdict(sixty_days <= 2_000.0)
    );
}

fn main() {
    divan::main();
    figures();
}
