//! Instructions per update, docs/BENCHMARKS.md figures 4c and 4d (issue
//! 19, goals 1 and 5): the client bot's booking flow, step by step, counted by
//! valgrind's callgrind, so that a regression shows without the timing
//! noise of figure 4 on a shared machine.
//!
//! - **What runs** is `booking run` (the bench profile's build) under
//!   callgrind, long polling a fake Bot API on 127.0.0.1 that this
//!   benchmark's own process serves and drives (figure 4's customer:
//!   `/start`, "Book", a service, "any staff member", a day, a time, the
//!   name, the phone, "no comment", "confirm", "menu", "my bookings", the
//!   booking, "cancel", "yes, cancel"), so neither the fake nor the
//!   customer's choices are counted: only the bot's process, every thread
//!   of it (tokio's workers, sqlx's SQLite worker, the inbox).
//! - **On a salon as figure 4 has it**: the catalog imported and 40 % of
//!   the visits over the 60-day horizon booked, written before the bot
//!   starts.
//! - **One update at a time**: each is handed to the bot's long poll once
//!   the previous one is answered; when its last request arrives,
//!   `callgrind_control` dumps the counts, which also sets them to zero,
//!   so each dump holds one update. What the bot does after its last
//!   request (marking the update finished in the inbox) falls into the
//!   next update's count; medians per step are reported, so a timer's
//!   rare tick (the reminders' loop, an empty long poll ending) does not
//!   move them.
//! - **Warm-up**: every chat goes through the flow once before anything is
//!   counted (prepared statements, the catalog cache, the texts).
//!
//! Each dump is also split into the parts of the bot that spent it
//! (`update_instructions/components.rs`): SQLite, the HTTP client, tokio,
//! teloxide, JSON, our crates, and the rest.
//!
//! Run with `cargo bench -p app --bench update_instructions`; it needs
//! `valgrind` (Debian: `apt-get install valgrind`) and takes about three
//! minutes once built. Each update's dump is kept under
//! `target/tmp/app-bench/update-instructions/` (`<n>-<step>.callgrind`),
//! for `callgrind_annotate` or KCachegrind. `BENCH_CHATS` (default 4, at
//! least 2: each chat may send 2 updates a second, and one chat answered
//! as fast as the bot answers would be told to slow down) and
//! `BENCH_PASSES` (measured passes through the flow per chat, default 2)
//! change its size.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod common;
#[path = "update_instructions/components.rs"]
mod components;
#[path = "bot_latency/flow.rs"]
mod flow;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use components::{OTHER, PARTS, Split};
use flow::{FLOW_STEPS, Screen, Step, ends_update, next_action};

use common::{
    FakeTelegram, Method, SALON_TIME_ZONE, TOKEN, add_visits, bench_dir, engine_with_catalog,
    open_salon, salon_config, setting, stop_as_systemd_would,
};

/// The budgets: the counts when they were set (2026-12-05) plus 10 %, so
/// "not met" means an update got dearer, or cheaper enough to lower them.
/// The median update, over every step of the flow (figure 4c) ...
const MEDIAN_BUDGET: u64 = 1_280_000;
/// ... and the mean, which the few dear steps (the free days, a booking
/// written) dominate, as they dominate a burst's CPU (figure 4d).
const MEAN_BUDGET: u64 = 2_080_000;

/// `booking run` under callgrind.
struct UnderCallgrind {
    child: tokio::process::Child,
    pid: u32,
    /// callgrind's output file; its dumps are `<out>.1`, `<out>.2`, ...
    out: PathBuf,
    dumps: u32,
}

impl UnderCallgrind {
    /// Starts `booking run` on `database` under callgrind and waits for its
    /// first long poll.
    async fn start(dir: &Path, database: &Path, fake: &mut FakeTelegram) -> Self {
        let out = dir.join("callgrind.out");
        let child = tokio::process::Command::new("valgrind")
            .arg("--tool=callgrind")
            .arg(format!("--callgrind-out-file={}", out.display()))
            .arg(env!("CARGO_BIN_EXE_booking"))
            .arg("run")
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("BOOKING_CONFIG", dir.join("booking.toml"))
            .env("BOOKING_CLIENT_BOT_TOKEN", TOKEN)
            .env(
                "BOOKING_DATABASE_URL",
                format!("sqlite://{}", database.display()),
            )
            .env(
                "BOOKING_TELEGRAM_API_URL",
                format!("http://{}", fake.address),
            )
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(dir.join("run.out")).unwrap())
            .stderr(std::fs::File::create(dir.join("run.log")).unwrap())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("valgrind did not start ({e}); install it: apt-get install valgrind")
            });
        let pid = child.id().unwrap();
        loop {
            if fake.next().await.method == Method::GetUpdates {
                break;
            }
        }
        Self {
            child,
            pid,
            out,
            dumps: 0,
        }
    }

    fn control(&self, argument: &str) {
        let status = Command::new("callgrind_control")
            .arg(argument)
            .arg(self.pid.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("callgrind_control comes with valgrind");
        assert!(status.success(), "callgrind_control {argument} failed");
    }

    /// Dumps the counts since the last dump (or zero): the dump's file and
    /// its total.
    fn dump(&mut self, label: &str) -> (PathBuf, u64) {
        self.control(&format!("--dump={label}"));
        self.dumps += 1;
        let path = PathBuf::from(format!("{}.{}", self.out.display(), self.dumps));
        let text = std::fs::read_to_string(&path).unwrap();
        let total = text
            .lines()
            .find_map(|l| {
                l.strip_prefix("summary:")
                    .or_else(|| l.strip_prefix("totals:"))
            })
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no total in {}", path.display()));
        (path, total)
    }

    /// Stops it as systemd would, and checks that it stopped cleanly.
    async fn stop(self) {
        stop_as_systemd_would(self.child).await;
    }
}

/// The simulated customers and what their chats show.
struct Customers {
    fake: FakeTelegram,
    screens: HashMap<i64, Screen>,
    last_steps: HashMap<i64, Step>,
    next_update_id: i64,
}

impl Customers {
    /// Chat `chat` takes its next step; returns once the bot answered it.
    async fn act(&mut self, chat: i64, round: usize) -> Step {
        self.next_update_id += 1;
        let (step, update) = next_action(
            self.next_update_id,
            chat,
            round,
            self.screens.get(&chat),
            self.last_steps.get(&chat).copied(),
        );
        self.last_steps.insert(chat, step);
        let is_callback = update.get("callback_query").is_some();
        self.fake.updates.push([update]);
        // Done as in figure 4 (`ends_update`).
        loop {
            let seen = self.fake.next().await;
            if seen.chat != chat {
                continue;
            }
            let screen = seen
                .message
                .as_ref()
                .and_then(|(id, body)| Screen::of(*id, body));
            let done = ends_update(seen.method, screen.as_ref(), is_callback);
            if let Some(screen) = screen {
                self.screens.insert(chat, screen);
            }
            if done {
                return step;
            }
        }
    }
}

/// A database with the salon's catalog and 40 % of its visits booked.
async fn prepare(dir: &Path) -> PathBuf {
    let (settings, store) = open_salon(dir, &salon_config(), Vec::new()).await;
    let engine = engine_with_catalog(&store, &settings).await;
    let now = chrono::Utc::now();
    let today = now.with_timezone(&SALON_TIME_ZONE).date_naive();
    add_visits(&store, today.iter_days().take(61), 40, now).await;
    drop(engine);
    store.close().await;
    dir.join("booking.db")
}

/// One counted update.
struct CountedUpdate {
    step: Step,
    instructions: u64,
    split: Split,
}

fn median(values: &mut [u64]) -> u64 {
    values.sort_unstable();
    values.get(values.len() / 2).copied().unwrap_or(0)
}

fn report(counted: &[CountedUpdate]) {
    let mut by_step: BTreeMap<Step, Vec<&CountedUpdate>> = BTreeMap::new();
    for c in counted {
        by_step.entry(c.step).or_default().push(c);
    }
    println!("| step | updates | median instructions | min | max |");
    println!("|---|---|---|---|---|");
    for (step, of_step) in &by_step {
        let mut counts: Vec<u64> = of_step.iter().map(|c| c.instructions).collect();
        println!(
            "| {} | {} | {} | {} | {} |",
            step.label(),
            counts.len(),
            median(&mut counts),
            counts.iter().min().unwrap(),
            counts.iter().max().unwrap(),
        );
    }
    println!();
    println!("Where they go, every counted update (share of all instructions):");
    println!();
    let mut header = String::from("| step |");
    for (name, _) in PARTS.iter() {
        header.push_str(&format!(" {name} |"));
    }
    header.push_str(&format!(" {OTHER} |"));
    println!("{header}");
    println!("|---|{}", "---|".repeat(PARTS.len() + 1));
    let row = |label: &str, of: &[&CountedUpdate]| {
        let mut sums = [0u64; PARTS.len() + 1];
        for c in of {
            for (sum, part) in sums.iter_mut().zip(c.split) {
                *sum += part;
            }
        }
        let all: u64 = sums.iter().sum::<u64>().max(1);
        let mut line = format!("| {label} |");
        for sum in sums {
            line.push_str(&format!(" {:.0} % |", 100.0 * sum as f64 / all as f64));
        }
        println!("{line}");
    };
    for (step, of_step) in &by_step {
        row(step.label(), of_step);
    }
    let every: Vec<&CountedUpdate> = counted.iter().collect();
    row("**all steps**", &every);
}

async fn run(chats: i64, passes: usize) {
    let mut fake = FakeTelegram::start();
    let dir = tempfile::tempdir_in(bench_dir()).unwrap();
    let database = prepare(dir.path()).await;
    let mut bot = UnderCallgrind::start(dir.path(), &database, &mut fake).await;
    let mut customers = Customers {
        fake,
        screens: HashMap::new(),
        last_steps: HashMap::new(),
        next_update_id: 0,
    };
    for step in 0..FLOW_STEPS {
        for chat in 1..=chats {
            customers.act(chat, step).await;
        }
    }
    // Dumped and dropped: what the warm-up counted. (A dump sets every
    // thread's counts to zero; `callgrind_control --zero` leaves some.)
    let (warm_up, _) = bot.dump("warm-up");
    std::fs::remove_file(warm_up).unwrap();
    let kept = bench_dir().join("update-instructions");
    let _ = std::fs::remove_dir_all(&kept);
    std::fs::create_dir_all(&kept).unwrap();
    let mut counted = Vec::new();
    for round in FLOW_STEPS..FLOW_STEPS * (passes + 1) {
        for chat in 1..=chats {
            let step = customers.act(chat, round).await;
            let (path, instructions) = bot.dump(&format!("{step:?}"));
            let split = components::split(&path).unwrap_or_else(|why| panic!("{why}"));
            assert_eq!(
                split.iter().sum::<u64>(),
                instructions,
                "the parts of {} add up to its total",
                path.display()
            );
            // Kept for reading with `callgrind_annotate` or KCachegrind.
            std::fs::rename(
                &path,
                kept.join(format!("{:03}-{step:?}.callgrind", counted.len())),
            )
            .unwrap();
            counted.push(CountedUpdate {
                step,
                instructions,
                split,
            });
        }
    }
    bot.stop().await;

    println!(
        "Instructions per update: `booking run` under callgrind, {chats} chats, {passes} \
         counted passes through the flow each, one update at a time"
    );
    println!();
    report(&counted);
    println!();
    let mut all: Vec<u64> = counted.iter().map(|c| c.instructions).collect();
    let mean = all.iter().sum::<u64>() / all.len().max(1) as u64;
    let median = median(&mut all);
    println!("All steps: median {median} instructions per update, mean {mean}");
    let verdict = |met: bool| if met { "met" } else { "not met" };
    println!(
        "FIGURE 4c: {median} instructions budget {MEDIAN_BUDGET} {}",
        verdict(median <= MEDIAN_BUDGET)
    );
    println!(
        "FIGURE 4d: {mean} instructions budget {MEAN_BUDGET} {}",
        verdict(mean <= MEAN_BUDGET)
    );
}

fn main() {
    let chats = setting("BENCH_CHATS", 4i64).max(2);
    let passes = setting("BENCH_PASSES", 2usize);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run(chats, passes));
}
