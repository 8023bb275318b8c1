//! The benchmark's clients: Telegram users calling the Mini App's API over
//! HTTP, each with its own connection and init data, and the two phases
//! they run (free times; booking and cancelling).
//!
//! A phase is measured by count: it hands out tickets, every client takes
//! one before each request (7a) or booking (7b) and stops when none are
//! left, so no client waits on a timer and the phase ends when its last
//! answer arrives.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use chrono::NaiveDate;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde::Deserialize;

use crate::common::{load_average, process_cpu};
use crate::signing::TelegramSigner;

/// The clients' Telegram user ids start here, far from the visitors
/// `add_visits` writes (from 1,000,000 on).
const FIRST_USER: i64 = 10_000;

/// Where the clients call, and the days customers may book.
pub(crate) struct Salon {
    pub(crate) address: SocketAddr,
    /// The first and last bookable day, as the days endpoint has them.
    pub(crate) days: (NaiveDate, NaiveDate),
}

impl Salon {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }
}

/// SplitMix64: enough randomness to spread the clients over services,
/// days and times, repeatable from one run to the next.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[derive(Deserialize)]
struct TimesJson {
    times: Vec<TimeJson>,
}

#[derive(Deserialize)]
struct TimeJson {
    /// Sent back as it came, in the booking's body.
    start: String,
    /// The staff members free at that start.
    staff: Vec<i64>,
}

#[derive(Deserialize)]
struct BookingJson {
    id: i64,
    version: i64,
}

#[derive(Deserialize)]
struct ProblemJson {
    code: String,
}

/// One simulated customer in the Mini App.
pub(crate) struct User {
    http: reqwest::Client,
    /// `tma <initData>`, signed once, as the page gets it once when opened.
    authorization: String,
    name: String,
    /// Distinct per user: the store keeps one customer per phone.
    phone: String,
    random: SplitMix64,
}

impl User {
    /// The `index`th client, with init data signed for the bot with `token`.
    pub(crate) fn new(index: usize, token: &str) -> Self {
        let id = FIRST_USER + index as i64;
        let init_data =
            TelegramSigner::new(token).init_data_for_user(id, chrono::Utc::now().timestamp());
        Self {
            // Each user's webview keeps its own connection alive; one
            // request at a time never needs a second.
            http: reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .build()
                .unwrap(),
            authorization: format!("tma {init_data}"),
            name: format!("Client {index}"),
            phone: format!("+49151{:08}", 20_000_000 + index),
            random: SplitMix64(id as u64),
        }
    }

    /// A service (half the customers want a haircut) and a bookable day.
    fn service_and_day(&mut self, salon: &Salon) -> (i64, NaiveDate) {
        let service = match self.random.below(4) {
            0 | 1 => 1,
            2 => 2,
            _ => 3,
        };
        let (first, last) = salon.days;
        let span = (last - first).num_days() as usize + 1;
        let day = first + chrono::Days::new(self.random.below(span) as u64);
        (service, day)
    }

    /// Sends `request` with the user's init data; the latency runs from
    /// the send to the answer's last byte.
    async fn call(&self, request: reqwest::RequestBuilder) -> (Duration, StatusCode, Bytes) {
        let request = request.header(AUTHORIZATION, &self.authorization);
        let started = Instant::now();
        let response = request.send().await.unwrap();
        let status = response.status();
        let body = response.bytes().await.unwrap();
        (started.elapsed(), status, body)
    }

    /// The free times of `service` on `day`, any staff member.
    async fn times(
        &self,
        salon: &Salon,
        service: i64,
        day: NaiveDate,
    ) -> (Duration, Vec<TimeJson>) {
        let url = salon.url(&format!("/app/api/times?service={service}&day={day}"));
        let (took, status, body) = self.call(self.http.get(url)).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "times: {}",
            String::from_utf8_lossy(&body)
        );
        let times: TimesJson = serde_json::from_slice(&body).unwrap();
        (took, times.times)
    }

    /// Books `service` at `start` with any staff member, as the page's
    /// form sends it.
    async fn book(
        &self,
        salon: &Salon,
        service: i64,
        start: &str,
    ) -> (Duration, StatusCode, Bytes) {
        let body = serde_json::json!({
            "service": service,
            "start": start,
            "name": self.name,
            "phone": self.phone,
        })
        .to_string();
        let request = self
            .http
            .post(salon.url("/app/api/bookings"))
            .header(CONTENT_TYPE, "application/json")
            .body(body);
        self.call(request).await
    }

    /// Cancels a booking the user just made.
    async fn cancel(&self, salon: &Salon, booking: &BookingJson) -> Duration {
        let url = salon.url(&format!("/app/api/bookings/{}/cancel", booking.id));
        let body = serde_json::json!({ "version": booking.version }).to_string();
        let request = self
            .http
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .body(body);
        let (took, status, body) = self.call(request).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "cancelling: {}",
            String::from_utf8_lossy(&body)
        );
        took
    }
}

/// What is left to do in a phase.
struct Tickets(AtomicUsize);

impl Tickets {
    /// Whether a ticket was left (and is now taken).
    fn take(&self) -> bool {
        self.0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok()
    }
}

/// One phase's readings.
pub(crate) struct Phase {
    /// The latencies of its times requests.
    pub(crate) latencies: Vec<Duration>,
    /// Every request it sent.
    pub(crate) requests: usize,
    pub(crate) elapsed: Duration,
    /// The process's CPU time but the clients' thread.
    pub(crate) server_cpu: Duration,
    pub(crate) client_cpu: Duration,
    pub(crate) load_before: String,
    pub(crate) load_after: String,
}

/// Readings at a phase's start.
struct Meter {
    started: Instant,
    process_cpu: Duration,
    client_cpu: Duration,
    load_before: String,
}

impl Meter {
    fn start(client_cpu: &dyn Fn() -> Duration) -> Self {
        Self {
            load_before: load_average(),
            process_cpu: process_cpu(),
            client_cpu: client_cpu(),
            started: Instant::now(),
        }
    }

    fn stop(
        self,
        client_cpu: &dyn Fn() -> Duration,
        latencies: Vec<Duration>,
        requests: usize,
    ) -> Phase {
        let elapsed = self.started.elapsed();
        let client = client_cpu().saturating_sub(self.client_cpu);
        let process = process_cpu().saturating_sub(self.process_cpu);
        Phase {
            latencies,
            requests,
            elapsed,
            server_cpu: process.saturating_sub(client),
            client_cpu: client,
            load_before: self.load_before,
            load_after: load_average(),
        }
    }
}

/// 7a: `requests` free-times requests from all `users` at once.
pub(crate) async fn times_phase(
    users: &mut [User],
    salon: &Salon,
    requests: usize,
    client_cpu: &dyn Fn() -> Duration,
) -> Phase {
    let tickets = Tickets(AtomicUsize::new(requests));
    let meter = Meter::start(client_cpu);
    let per_user = futures::future::join_all(users.iter_mut().map(|user| {
        let tickets = &tickets;
        async move {
            let mut latencies = Vec::new();
            while tickets.take() {
                let (service, day) = user.service_and_day(salon);
                latencies.push(user.times(salon, service, day).await.0);
            }
            latencies
        }
    }))
    .await;
    let latencies: Vec<Duration> = per_user.into_iter().flatten().collect();
    let count = latencies.len();
    meter.stop(client_cpu, latencies, count)
}

/// 7b's readings: the phase (its latencies are the times requests'), and
/// the bookings', refusals' and cancellations' latencies.
pub(crate) struct BookingPhase {
    pub(crate) phase: Phase,
    pub(crate) booked: Vec<Duration>,
    pub(crate) refused: Vec<Duration>,
    pub(crate) cancels: Vec<Duration>,
    /// The refusals' problem codes, and how many of each.
    codes: BTreeMap<String, usize>,
    /// Refusals of a time that was listed with two or more staff members
    /// free: with "any staff member", a colleague was most likely still
    /// free when the 409 came.
    pub(crate) refused_with_colleagues_free: usize,
}

impl BookingPhase {
    /// "slot_taken 3, slot_unavailable 1", or "none".
    pub(crate) fn refusal_codes(&self) -> String {
        if self.codes.is_empty() {
            return "none".to_owned();
        }
        self.codes
            .iter()
            .map(|(code, n)| format!("{code} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Default)]
struct UserBookings {
    times: Vec<Duration>,
    booked: Vec<Duration>,
    refused: Vec<Duration>,
    cancels: Vec<Duration>,
    codes: Vec<String>,
    refused_with_colleagues_free: usize,
    requests: usize,
}

/// One client's share of 7b: a booking per ticket, each one cancelled.
async fn book_and_cancel(user: &mut User, salon: &Salon, tickets: &Tickets) -> UserBookings {
    let mut out = UserBookings::default();
    while tickets.take() {
        // Until a booking is made: a service and day, their free times,
        // then those times in random order until one is booked.
        'booked: loop {
            let (service, day) = user.service_and_day(salon);
            let (took, mut offered) = user.times(salon, service, day).await;
            out.times.push(took);
            out.requests += 1;
            while !offered.is_empty() {
                let time = offered.swap_remove(user.random.below(offered.len()));
                let (took, status, body) = user.book(salon, service, &time.start).await;
                out.requests += 1;
                match status {
                    StatusCode::CREATED => {
                        out.booked.push(took);
                        let booking: BookingJson = serde_json::from_slice(&body).unwrap();
                        out.cancels.push(user.cancel(salon, &booking).await);
                        out.requests += 1;
                        break 'booked;
                    }
                    // Another client took the time since it was listed.
                    StatusCode::CONFLICT => {
                        out.refused.push(took);
                        let problem: ProblemJson = serde_json::from_slice(&body).unwrap();
                        out.codes.push(problem.code);
                        if time.staff.len() >= 2 {
                            out.refused_with_colleagues_free += 1;
                        }
                    }
                    other => panic!("booking: {other}: {}", String::from_utf8_lossy(&body)),
                }
            }
        }
    }
    out
}

/// 7b: `bookings` bookings, each cancelled, from all `users` at once.
pub(crate) async fn booking_phase(
    users: &mut [User],
    salon: &Salon,
    bookings: usize,
    client_cpu: &dyn Fn() -> Duration,
) -> BookingPhase {
    let tickets = Tickets(AtomicUsize::new(bookings));
    let meter = Meter::start(client_cpu);
    let per_user = futures::future::join_all(
        users
            .iter_mut()
            .map(|user| book_and_cancel(user, salon, &tickets)),
    )
    .await;
    let mut all = UserBookings::default();
    for user in per_user {
        all.times.extend(user.times);
        all.booked.extend(user.booked);
        all.refused.extend(user.refused);
        all.cancels.extend(user.cancels);
        all.codes.extend(user.codes);
        all.refused_with_colleagues_free += user.refused_with_colleagues_free;
        all.requests += user.requests;
    }
    let mut codes = BTreeMap::new();
    for code in all.codes {
        *codes.entry(code).or_insert(0) += 1;
    }
    BookingPhase {
        phase: meter.stop(client_cpu, all.times, all.requests),
        booked: all.booked,
        refused: all.refused,
        cancels: all.cancels,
        codes,
        refused_with_colleagues_free: all.refused_with_colleagues_free,
    }
}
