//! What the booking-throughput benchmarks of both stores share (SQLite's
//! `throughput.rs` and adapter-postgres's, which includes this file): the
//! year-round salon, its returning customers, the booking the store writes
//! for the `g`-th slot, and the tally of a line.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use booking_domain::StaffChoice;
use booking_domain::{
    BookingStatus, CustomerId, CustomerName, Minutes, NewBooking, NewBookingParts, ServiceId,
    StaffId,
};
use booking_ports::engine::BookingForm;
use booking_ports::{
    ActiveBookingLimit, ChurnLimits, CustomerProfile, EngineSettings, NewNotice, NoticeKind,
    Recipient,
};
use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use futures::future::BoxFuture;

use crate::common::{SERVICE, Salon, policy};

pub(crate) const STAFF: u64 = 16;
pub(crate) const SLOTS_PER_DAY: u64 = 24;
pub(crate) const DAYS: u64 = 365;
pub(crate) const CUSTOMERS: u64 = 1_000;
pub(crate) const PHONE: &str = "030 901820";

/// Every staff member works 08:00 to 20:00 every day; a visit is 30
/// minutes on a 30-minute grid: 24 slots a day each.
pub(crate) const SALON: Salon = Salon {
    staff: STAFF as i64,
    periods: &["08:00-20:00"],
    days: &[
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ],
    duration_min: 30,
    buffer_before_min: 0,
    buffer_after_min: 0,
};

pub(crate) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 7, 6, 0, 0).unwrap()
}

/// The start of slot `slot` (0 to [`SLOTS_PER_DAY`] - 1, from 08:00 local
/// time) on the `day`-th day after [`now`].
pub(crate) fn slot_start(day: u64, slot: u64) -> DateTime<Utc> {
    assert!(slot < SLOTS_PER_DAY, "the calendar is full");
    let date: NaiveDate = now().date_naive() + Days::new(day);
    let local = date.and_time(NaiveTime::from_hms_opt(8, 0, 0).unwrap())
        + chrono::Duration::minutes(30 * slot as i64);
    policy(30)
        .time_zone()
        .from_local_datetime(&local)
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

/// The engine's settings for the bookers: the defaults, but daily limits no
/// run reaches. Each of the 1,000 customers books a slot in turn, so a line
/// that makes 10,000 bookings (its warm-up and 3 s at about 3,000 a second)
/// makes 10 for each, the default daily limit: an engine that fast was
/// refused "too many today" mid-run. The
/// limits are still checked, at the same cost.
pub(crate) fn engine_settings() -> EngineSettings {
    let unreachable = ChurnLimits::new(u16::MAX, u16::MAX).expect("non-zero limits");
    EngineSettings::default().with_churn_limits(unreachable)
}

pub(crate) fn customer(g: u64) -> CustomerId {
    CustomerId::new(1 + (g % CUSTOMERS) as i64).unwrap()
}

pub(crate) fn customer_name(id: CustomerId) -> String {
    format!("Customer {}", id.get())
}

/// A returning customer's stored profile (no phone: phones are unique
/// among customers, and the benchmarks need none).
pub(crate) fn customer_profile(g: u64) -> CustomerProfile {
    let id = customer(g);
    CustomerProfile {
        id,
        name: CustomerName::new(&customer_name(id)).unwrap(),
        phone: None,
        telegram: Some(booking_domain::TelegramUserId::new(id.get()).unwrap()),
        notes: String::new(),
        language: None,
        consented_at: now(),
    }
}

/// The form the bot hands `Engine::book` for `customer` with `staff` at
/// `start`.
pub(crate) fn booking_form(
    customer: CustomerId,
    staff: StaffId,
    start: DateTime<Utc>,
) -> BookingForm {
    BookingForm {
        service: ServiceId::new(SERVICE).unwrap(),
        staff: StaffChoice::Only(staff),
        start,
        name: customer_name(customer),
        phone: PHONE.to_owned(),
        comment: None,
        language: None,
    }
}

/// What the engine hands the store for a confirmed booking of `customer`
/// with `staff` at `start`: the booking, the staff member's notice and two
/// reminders, and a limit the benchmarks never reach.
pub(crate) fn store_booking(
    customer: CustomerId,
    staff: StaffId,
    start: DateTime<Utc>,
) -> (NewBooking, ActiveBookingLimit, Vec<NewNotice>) {
    let new = NewBooking::new(NewBookingParts {
        customer,
        service: ServiceId::new(SERVICE).unwrap(),
        staff,
        start,
        end: start + chrono::Duration::minutes(30),
        buffer_before: Minutes::ZERO,
        buffer_after: Minutes::ZERO,
        comment: None,
        status: BookingStatus::Confirmed,
        created_at: now(),
        rescheduled_from: None,
        booked_for: None,
        price: None,
        created_by: booking_domain::Actor::Customer,
    })
    .unwrap();
    let reminder = |hours: i64| NewNotice {
        recipient: Recipient::Customer(customer),
        kind: NoticeKind::CustomerReminder {
            before: Minutes::new(hours * 60).unwrap(),
        },
        due_at: start - chrono::Duration::hours(hours),
    };
    let notices = vec![
        NewNotice {
            recipient: Recipient::Staff(staff),
            kind: NoticeKind::NewBooking {
                awaiting_confirmation: false,
            },
            due_at: now(),
        },
        reminder(24),
        reminder(2),
    ];
    let limit = ActiveBookingLimit {
        max: 1_000,
        now: now(),
    };
    (new, limit, notices)
}

/// Bookings a line made and how long it took, over one or more slices.
#[derive(Default)]
pub(crate) struct Tally {
    pub(crate) elapsed: Duration,
    pub(crate) latencies: Vec<Duration>,
}

impl Tally {
    pub(crate) fn add(&mut self, slice: Tally) {
        self.elapsed += slice.elapsed;
        self.latencies.extend(slice.latencies);
    }

    pub(crate) fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }

    pub(crate) fn latency_ms(&mut self, quantile: f64) -> f64 {
        self.latencies.sort_unstable();
        let at = ((self.latencies.len() as f64 - 1.0) * quantile).round() as usize;
        self.latencies
            .get(at)
            .copied()
            .unwrap_or_default()
            .as_secs_f64()
            * 1e3
    }
}

/// Books the `g`-th slot of a line, as booker `b` (`0..concurrency`).
pub(crate) type Book = Arc<dyn Fn(usize, u64) -> BoxFuture<'static, ()> + Send + Sync>;

/// A way of booking and the numbering of its bookings, which continues
/// from one slice to the next.
pub(crate) struct Booker {
    book: Book,
    concurrency: usize,
    next: Arc<AtomicU64>,
}

impl Booker {
    pub(crate) fn new(concurrency: usize, book: Book) -> Self {
        Self {
            book,
            concurrency,
            next: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Books with `concurrency` tasks until `slice` has passed, then waits
    /// for the bookings under way.
    pub(crate) async fn run(&self, slice: Duration) -> Tally {
        let started = Instant::now();
        let deadline = started + slice;
        let tasks: Vec<_> = (0..self.concurrency)
            .map(|b| {
                let book = Arc::clone(&self.book);
                let next = Arc::clone(&self.next);
                tokio::spawn(async move {
                    let mut latencies = Vec::new();
                    loop {
                        let at = Instant::now();
                        if at >= deadline {
                            break latencies;
                        }
                        book(b, next.fetch_add(1, Ordering::Relaxed)).await;
                        latencies.push(at.elapsed());
                    }
                })
            })
            .collect();
        let mut tally = Tally::default();
        for task in tasks {
            tally.latencies.extend(task.await.unwrap());
        }
        tally.elapsed = started.elapsed();
        tally
    }
}
