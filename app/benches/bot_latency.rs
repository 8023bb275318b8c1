//! Bot latency, docs/BENCHMARKS.md figure 4: an update through the client
//! bot's handler tree to its reply, with bursts of 1,000 updates from 1,000
//! chats.
//!
//! What runs is what `booking run` runs: the runner `app::bots` builds,
//! `adapter_telegram::handler_tree()` with `ClientBot::dependencies()`, the
//! engine on a SQLite file opened by `app::database::open` (default
//! durability, `synchronous=FULL`), and a `teloxide::Bot` with the
//! production HTTP client settings. Two things differ, and both are there to
//! measure the bot and nothing else:
//! - **Updates come from a channel**, not long polling: each update's clock
//!   starts when it is handed to the runner, so no polling delay counts.
//! - **The Bot API is a fake** on 127.0.0.1 (axum, on a thread and runtime
//!   of its own). It stamps each request when its handler starts and when
//!   its answer is ready. An update's *reply* latency is the arrival of its
//!   first message (sent or edited) minus the moment it was handed over; its
//!   *done* latency is the arrival of its last request (the callback answer,
//!   or the message that ends a typed step) minus the hand-over minus the
//!   fake's own time on the update's earlier requests, which the bot waited
//!   for. The fake's CPU time is reported beside the figures: it runs on
//!   the same two cores, so it still slows the bot down a little.
//!
//! Each of the 1,000 chats is a customer who books a visit and cancels it,
//! again and again: `/start`, "Book", a service (most want a haircut),
//! "any staff member" (the first page of days with free times in the
//! 60-day horizon),
//! a day (its free times), a time (checked again), the name offered, the
//! phone typed, "no comment", "confirm" (the booking is written), "menu",
//! "my bookings", the booking, "cancel", "yes, cancel" (the booking is
//! cancelled, so the calendar stays as full as it started), then `/start`
//! again. Before the first update, 40 % of the salon's visits over the
//! horizon are booked, as a busy salon's calendar would be. The chats
//! start one round apart (chat `i` in round `i % 15`), so after the
//! warm-up rounds every burst holds every step of the flow about equally;
//! a time taken meanwhile by another chat is offered again, as the bot
//! does, so the time and confirm steps come up a little more often.
//! Bursts are measured in three ways:
//! - **burst**: a round's 1,000 updates handed over at once. Latency then
//!   includes waiting behind the rest of the burst: on two cores the last
//!   update waits for nearly all the others.
//! - **paced**: the same kind of round, one update every `1 / rate` seconds
//!   (`BENCH_RATE`, default 200 per second), as a steady stream of users.
//! - **one at a time**: each update handed over when the previous one is
//!   done: the latency of the bot with nothing else to do.
//!
//! Run with `cargo bench -p app --bench bot_latency`; `BENCH_ROUNDS` sets
//! the measured rounds of each way (default 3), `BENCH_CHATS` the chats
//! (default 1,000), `BENCH_RATE` the paced rate, `BENCH_WORKERS` the
//! runtime's worker threads (default 2). Logs are off unless
//! `RUST_LOG` is set (`booking run` logs one INFO line per booking).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod common;
#[path = "bot_latency/flow.rs"]
mod flow;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use adapter_telegram::{ClientBot, Locales, handler_tree};
use booking_ports::{Clock, ConversationStore, SystemClock};
use teloxide::error_handlers::LoggingErrorHandler;
use teloxide::stop::{StopToken, mk_stop_token};
use teloxide::types::{Update, UpdateKind};
use teloxide::update_listeners::StatefulListener;
use tokio::sync::mpsc;

use flow::{FLOW_STEPS, Screen, Step, ends_update, next_action};

use common::{
    FakeTelegram, GIVE_UP, Method, SALON_TIME_ZONE, add_visits, bench_dir, engine_with_catalog,
    load_average, logs_if_asked, open_salon, process_context_switches, process_cpu,
    process_kernel_and_user_cpu, salon_config, setting, thread_context_switches, thread_cpu,
};

/// One update on its way through the bot.
struct InFlight {
    step: Step,
    is_callback: bool,
    handed_over: Instant,
    reply: Option<Duration>,
    /// The fake's own time on this update's requests so far.
    fake_time: Duration,
    screen: Option<Screen>,
    /// The bot's CPU time so far when it was handed over, one at a time.
    cpu_before: Option<Duration>,
}

/// The latencies of one update.
#[derive(Debug, Clone, Copy)]
struct Latency {
    step: Step,
    reply: Duration,
    done: Duration,
    /// The CPU time the process (but the fake) spent on it, all threads;
    /// measured one at a time only.
    cpu: Option<Duration>,
}

/// How a round's updates are handed over.
#[derive(Debug, Clone, Copy)]
enum Pace {
    /// All at once.
    Burst,
    /// One every interval.
    Every(Duration),
    /// Each when the previous one is done.
    OneAtATime,
}

struct Bench {
    updates: mpsc::UnboundedSender<Update>,
    fake: FakeTelegram,
    fake_thread: String,
    screens: HashMap<i64, Screen>,
    last_steps: HashMap<i64, Step>,
    chats: i64,
    next_update_id: i64,
}

impl Bench {
    /// The CPU time of the process but the fake Bot API's thread.
    fn bot_cpu(&self) -> Duration {
        process_cpu().saturating_sub(thread_cpu(&self.fake_thread))
    }

    /// Runs one round: every chat active in `round` sends its next update,
    /// handed over at `pace`. Returns each update's latencies and how long
    /// the round took.
    async fn round(&mut self, round: usize, pace: Pace) -> (Vec<Latency>, Duration) {
        let mut planned = Vec::new();
        for chat in 1..=self.chats {
            // Chat `i` starts in round `i % FLOW_STEPS`: after the warm-up
            // every step of the flow is in every burst.
            if round < chat as usize % FLOW_STEPS {
                continue;
            }
            self.next_update_id += 1;
            let (step, json) = next_action(
                self.next_update_id,
                chat,
                round,
                self.screens.get(&chat),
                self.last_steps.get(&chat).copied(),
            );
            // From text: teloxide's `Update` does not deserialise from a `Value`.
            let update: Update = serde_json::from_str(&json.to_string()).unwrap();
            self.last_steps.insert(chat, step);
            planned.push((chat, step, update));
        }
        let count = planned.len();
        let mut in_flight: HashMap<i64, InFlight> = HashMap::with_capacity(count);
        let mut latencies = Vec::with_capacity(count);
        let started = Instant::now();
        let mut planned = planned.into_iter();
        let mut next_at = started;
        loop {
            // Hand over what the pace allows now.
            let may_hand_over = match pace {
                Pace::Burst => usize::MAX,
                Pace::Every(_) => usize::MAX,
                Pace::OneAtATime => usize::from(in_flight.is_empty()),
            };
            let mut handed = 0;
            while handed < may_hand_over {
                if let Pace::Every(interval) = pace {
                    if Instant::now() < next_at {
                        break;
                    }
                    next_at += interval;
                }
                let Some((chat, step, update)) = planned.next() else {
                    break;
                };
                let is_callback = matches!(update.kind, UpdateKind::CallbackQuery(_));
                in_flight.insert(
                    chat,
                    InFlight {
                        step,
                        is_callback,
                        handed_over: Instant::now(),
                        reply: None,
                        fake_time: Duration::ZERO,
                        screen: None,
                        cpu_before: matches!(pace, Pace::OneAtATime).then(|| self.bot_cpu()),
                    },
                );
                self.updates.send(update).unwrap();
                handed += 1;
            }
            if in_flight.is_empty() && planned.len() == 0 {
                break;
            }
            // Wait for a request, or for the next update's turn.
            let wait = match pace {
                Pace::Every(_) if planned.len() > 0 => {
                    next_at.saturating_duration_since(Instant::now())
                }
                _ => GIVE_UP,
            };
            let seen = match tokio::time::timeout(wait, self.fake.seen.recv()).await {
                Ok(seen) => seen.unwrap(),
                Err(_) if matches!(pace, Pace::Every(_)) && planned.len() > 0 => continue,
                Err(_) => panic!(
                    "{} updates got no complete answer within {GIVE_UP:?}; run with RUST_LOG=warn \
                     to see handler errors",
                    in_flight.len()
                ),
            };
            let Some(flight) = in_flight.get_mut(&seen.chat) else {
                continue;
            };
            let since = seen.arrived.duration_since(flight.handed_over);
            let own_time = since.saturating_sub(flight.fake_time);
            if matches!(seen.method, Method::Send | Method::Edit) && flight.reply.is_none() {
                flight.reply = Some(own_time);
            }
            let screen = seen
                .message
                .as_ref()
                .and_then(|(id, body)| Screen::of(*id, body));
            let done = ends_update(seen.method, screen.as_ref(), flight.is_callback);
            if screen.is_some() {
                flight.screen = screen;
            }
            flight.fake_time += seen.answered.duration_since(seen.arrived);
            if done {
                let flight = in_flight.remove(&seen.chat).unwrap();
                latencies.push(Latency {
                    step: flight.step,
                    reply: flight.reply.unwrap_or(own_time),
                    done: own_time,
                    // Saturating: the process's CPU and the fake thread's
                    // are counted at different granularities, so the
                    // difference can step back by a little (it did under
                    // load 6.7).
                    cpu: flight
                        .cpu_before
                        .map(|before| self.bot_cpu().saturating_sub(before)),
                });
                if let Some(screen) = flight.screen {
                    self.screens.insert(seen.chat, screen);
                }
            }
        }
        (latencies, started.elapsed())
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The `q` quantile of `values` (sorted in place), nearest rank.
fn quantile(values: &mut [Duration], q: f64) -> Duration {
    values.sort_unstable();
    let at = ((values.len() as f64 - 1.0) * q).round() as usize;
    values.get(at).copied().unwrap_or_default()
}

fn summary(values: &mut [Duration]) -> String {
    format!(
        "{:.2} | {:.2} | {:.2}",
        ms(quantile(values, 0.5)),
        ms(quantile(values, 0.99)),
        ms(quantile(values, 1.0))
    )
}

/// The listener's stream, out of its state (the stream and a stop token).
fn stream_of<S>(state: &mut (S, StopToken)) -> &mut S {
    &mut state.0
}

async fn run(rounds: usize, chats: i64, rate: f64, fake: FakeTelegram) {
    let address = fake.address;
    let fake_thread = fake.thread.clone();
    let dir = tempfile::tempdir_in(bench_dir()).unwrap();
    let (settings, store) = open_salon(
        dir.path(),
        &salon_config(),
        vec![("BOOKING_TELEGRAM_API_URL", format!("http://{address}"))],
    )
    .await;
    let engine = engine_with_catalog(&store, &settings).await;
    // 40 % of the salon's visits over the horizon are booked already, so
    // the free days and times are computed on a calendar as a busy salon
    // has it.
    let now = chrono::Utc::now();
    let today = now.with_timezone(&SALON_TIME_ZONE).date_naive();
    let booked = add_visits(&store, today.iter_days().take(61), 40, now).await;
    let conversations: Arc<dyn ConversationStore> = Arc::new(store.clone());
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let client = ClientBot::new(
        engine,
        Arc::new(Locales::load(settings.default_language).unwrap()),
        settings.business.clone(),
        conversations,
        clock,
        settings.conversation_expiry,
    )
    .unwrap();
    let bot = app::serve::bot(&settings.client_token, &settings).unwrap();
    let runner = app::bots::runner("client", bot, handler_tree(), client.dependencies());

    // Updates reach the runner through a channel; closing it ends the
    // runner after the updates under way.
    let (updates, incoming) = mpsc::unbounded_channel::<Update>();
    let (stop_token, _stop_flag) = mk_stop_token();
    let mut incoming = incoming;
    let stream = futures::stream::poll_fn(move |cx| {
        incoming
            .poll_recv(cx)
            .map(|update| update.map(Ok::<Update, std::convert::Infallible>))
    });
    let listener = StatefulListener::new(
        (stream, stop_token),
        stream_of,
        |state: &mut (_, StopToken)| state.1.clone(),
    );
    let dispatching = tokio::spawn(async move {
        runner
            .run(listener, LoggingErrorHandler::new())
            .await
            .unwrap();
    });

    let mut bench = Bench {
        updates,
        fake,
        fake_thread,
        screens: HashMap::new(),
        last_steps: HashMap::new(),
        chats,
        next_update_id: 0,
    };
    let mut round = 0;
    // Warm-up: the chats join one round apart, then one more full round.
    for _ in 0..=FLOW_STEPS {
        bench.round(round, Pace::Burst).await;
        round += 1;
    }
    println!(
        "Bot latency: {chats} chats, {rounds} measured rounds of each pace, {booked} visits booked \
         beforehand; load average before: {}",
        load_average()
    );
    println!();
    println!(
        "| pace | updates | updates/s | reply median ms | reply p99 ms | reply max ms | \
         done median ms | done p99 ms | done max ms | CPU per update ms | context switches per update | \
         fake Bot API's share of the CPU | kernel's share of the CPU (fake included) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let paces = [
        ("burst of all at once".to_owned(), Pace::Burst),
        (
            format!("paced, {rate:.0}/s"),
            Pace::Every(Duration::from_secs_f64(1.0 / rate)),
        ),
        ("one at a time".to_owned(), Pace::OneAtATime),
    ];
    let mut measured = Vec::new();
    for (label, pace) in paces {
        let mut all = Vec::new();
        let mut elapsed = Duration::ZERO;
        let process_before = process_cpu();
        let (kernel_before, _) = process_kernel_and_user_cpu();
        let fake_before = thread_cpu(&bench.fake_thread);
        let switches_before = process_context_switches();
        let fake_switches_before = thread_context_switches(&bench.fake_thread);
        for _ in 0..rounds {
            let (latencies, took) = bench.round(round, pace).await;
            round += 1;
            elapsed += took;
            all.extend(latencies);
        }
        let fake_cpu = thread_cpu(&bench.fake_thread) - fake_before;
        let process_cpu = process_cpu() - process_before;
        let kernel_cpu = process_kernel_and_user_cpu().0 - kernel_before;
        // The bot's: the fake Bot API's own thread left out.
        let switches = (process_context_switches() - switches_before)
            .saturating_sub(thread_context_switches(&bench.fake_thread) - fake_switches_before);
        let mut replies: Vec<_> = all.iter().map(|l| l.reply).collect();
        let mut dones: Vec<_> = all.iter().map(|l| l.done).collect();
        println!(
            "| {label} | {} | {:.0} | {} | {} | {:.2} | {:.1} | {:.0} % | {:.0} % |",
            all.len(),
            all.len() as f64 / elapsed.as_secs_f64(),
            summary(&mut replies),
            summary(&mut dones),
            ms(process_cpu.saturating_sub(fake_cpu)) / all.len() as f64,
            switches as f64 / all.len() as f64,
            100.0 * fake_cpu.as_secs_f64() / process_cpu.as_secs_f64(),
            100.0 * kernel_cpu.as_secs_f64() / process_cpu.as_secs_f64(),
        );
        measured.push(all);
    }
    println!();
    println!("By step (reply latency):");
    println!();
    println!(
        "| step | updates in bursts | burst median ms | burst p99 ms | burst max ms | \
         one at a time: median ms | p99 ms | max ms | CPU per update, median ms |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let (bursts, alone) = (&measured[0], &measured[2]);
    let mut steps: Vec<Step> = bursts.iter().map(|l| l.step).collect();
    steps.sort_unstable();
    steps.dedup();
    for step in steps {
        let of_step = |all: &[Latency]| -> Vec<Latency> {
            all.iter().filter(|l| l.step == step).copied().collect()
        };
        let mut burst: Vec<_> = of_step(bursts).iter().map(|l| l.reply).collect();
        let mut alone_replies: Vec<_> = of_step(alone).iter().map(|l| l.reply).collect();
        let mut cpu: Vec<_> = of_step(alone).iter().filter_map(|l| l.cpu).collect();
        println!(
            "| {} | {} | {} | {} | {:.2} |",
            step.label(),
            burst.len(),
            summary(&mut burst),
            summary(&mut alone_replies),
            ms(quantile(&mut cpu, 0.5)),
        );
    }
    println!();
    println!("Load average after: {}", load_average());
    let mut burst_replies: Vec<_> = bursts.iter().map(|l| l.reply).collect();
    let mut cpu_alone: Vec<_> = alone.iter().filter_map(|l| l.cpu).collect();
    figures(
        chats,
        ms(quantile(&mut burst_replies, 0.99)),
        ms(quantile(&mut cpu_alone, 0.5)) * 1e3,
    );

    drop(bench);
    dispatching.await.unwrap();
    store.close().await;
}

/// Issue 19's budgets, one machine-readable line each: the reply p99 of a
/// burst of updates from `chats` chats and the median CPU of one update
/// handled alone.
/// The burst's size is in its id: the budget is for 1,000.
fn figures(chats: i64, burst_p99_ms: f64, cpu_median_us: f64) {
    let verdict = |met: bool| if met { "met" } else { "not met" };
    println!(
        "FIGURE 4-burst-{chats}-p99: {burst_p99_ms:.0} ms budget 400 {}",
        verdict(burst_p99_ms <= 400.0)
    );
    println!(
        "FIGURE 4-cpu-per-update: {cpu_median_us:.0} µs budget 250 {}",
        verdict(cpu_median_us <= 250.0)
    );
}

fn main() {
    let rounds = setting("BENCH_ROUNDS", 3usize);
    let chats = setting("BENCH_CHATS", 1_000i64);
    let rate = setting("BENCH_RATE", 200.0f64);
    // `booking run` logs one INFO line per booking; here logs are off unless
    // asked for, so a run prints its table and nothing else.
    logs_if_asked();
    let fake = FakeTelegram::start();
    // As many worker threads as the machine the budget is for has cores
    // (`BENCH_WORKERS` to compare others).
    let workers = setting("BENCH_WORKERS", 2usize);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run(rounds, chats, rate, fake));
}
