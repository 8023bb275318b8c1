//! The slot engine's instructions (docs/BENCHMARKS.md, figures 1c and 1d):
//! the two computations of figure 1 on the same calendar, counted by
//! valgrind's callgrind. An instruction count is the same on a busy machine
//! as on an idle one, so a regression shows here where timing noise would
//! hide it.
//!
//! Run with `cargo bench -p booking-domain --bench slot_instructions`; it
//! needs `valgrind` (Debian: `apt-get install valgrind`). The benchmark runs
//! itself under callgrind twice per computation: once building the calendar
//! and computing nothing, once building it and computing [`RUNS`] times.
//! The difference over [`RUNS`] is one computation. Each budget is the
//! count measured when it was set plus 10 %: "not met" means the engine
//! got slower, or faster enough to lower the budget.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod common;

use std::process::Command;

use booking_domain::StaffChoice;
use chrono::NaiveDate;
use common::{HORIZON_DAYS, availability, calendar};

/// Computations per measured run.
const RUNS: u64 = 50;

/// What is counted: the id of its figure, its name (the argument of a
/// measured run) and its budget in instructions.
const WORK: [(&str, &str, u64); 2] = [
    ("1c", "free_times_of_one_day_any_staff", 666_000),
    ("1d", "days_with_free_times_over_60_days", 7_100_000),
];

/// One measured run, under callgrind: builds the calendar and computes
/// `work` `runs` times.
fn measured_run(work: &str, runs: u64) {
    let c = calendar();
    let day = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
    let from = c.policy.today(c.now);
    let to = from + chrono::Days::new(u64::from(HORIZON_DAYS));
    for _ in 0..runs {
        let found = match work {
            "free_times_of_one_day_any_staff" => availability(std::hint::black_box(&c))
                .free_starts(&c.service, day, StaffChoice::Any)
                .len(),
            "days_with_free_times_over_60_days" => availability(std::hint::black_box(&c))
                .days_with_free_starts(&c.service, from, to, StaffChoice::Any)
                .len(),
            other => panic!("no such computation: {other}"),
        };
        assert!(found > 0, "{work} found nothing");
    }
}

/// The instructions callgrind counted over a run of `work` `runs` times.
fn collected(work: &str, runs: u64) -> Result<u64, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let output = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg("--callgrind-out-file=/dev/null")
        .arg(exe)
        .args(["measure", work, &runs.to_string()])
        .output()
        .map_err(|e| {
            format!("valgrind did not start ({e}); install it: apt-get install valgrind")
        })?;
    let log = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!("the run under valgrind failed:\n{log}"));
    }
    // `==pid== Collected : 123456789`
    log.lines()
        .find_map(|line| line.split("Collected :").nth(1))
        .and_then(|count| count.trim().parse().ok())
        .ok_or_else(|| format!("no instruction count in valgrind's output:\n{log}"))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let [_, measure, work, runs] = args.as_slice()
        && measure == "measure"
    {
        measured_run(work, runs.parse().expect("a number of runs"));
        return;
    }
    for (id, work, budget) in WORK {
        let counts = collected(work, 0).and_then(|base| Ok((base, collected(work, RUNS)?)));
        let (base, with_runs) = match counts {
            Ok(counts) => counts,
            Err(why) => {
                eprintln!("{work}: {why}");
                std::process::exit(1);
            }
        };
        let each = with_runs.saturating_sub(base) / RUNS;
        let verdict = if each <= budget { "met" } else { "not met" };
        println!("{work}: {each} instructions per computation");
        println!("FIGURE {id}: {each} instructions budget {budget} {verdict}");
    }
}
