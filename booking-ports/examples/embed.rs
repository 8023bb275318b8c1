//! Embedding the booking engine: a one-stylist salon on the in-memory store.
//!
//! Run it with `cargo run -p booking-ports --example embed`. The test suite
//! runs it too (`tests/it/embedding.rs`), so it always compiles and works.
#![allow(clippy::print_stdout)] // An example shows its results.

use std::error::Error;

use booking_domain::{
    Currency, CustomerId, LocalTimeRange, Minutes, Money, PhoneRegion, Policy, PolicySettings,
    Service, ServiceId, ServiceName, ServiceSpec, StaffChoice, StaffId, StaffMember, StaffName,
    StaffSpec, WeeklyHours,
};
use booking_ports::engine::{BookingChangeError, BookingForm};
use booking_ports::{
    CatalogSnapshot, Engine, EngineSettings, ManualClock, MemoryStore, NotificationOutbox,
    StaffActor, StaffUser,
};
use chrono::{NaiveDate, TimeZone, Utc, Weekday};

pub(crate) async fn run() -> Result<(), Box<dyn Error + Send + Sync>> {
    // 1. The business policy comes from your configuration.
    let policy = Policy::new(PolicySettings {
        time_zone: "Europe/Berlin".parse()?,
        slot_step: Minutes::new(30)?,
        min_notice: Minutes::new(60)?,
        horizon_days: 30,
        cancellation_cutoff: Minutes::new(120)?,
        reschedule_cutoff: Minutes::new(180)?,
        max_active_bookings_per_customer: 2,
        requires_confirmation: true,
        phone_region: PhoneRegion::new("DE")?,
    })?;

    // 2. One store for every port (the SQLite adapter in production), and a
    //    clock: `SystemClock` in production, a manual one here so the example
    //    gives the same output every day.
    let store = MemoryStore::new();
    let now = Utc
        .with_ymd_and_hms(2030, 3, 4, 7, 0, 0)
        .single()
        .ok_or("bad date")?;
    let clock = ManualClock::new(now);
    let engine = Engine::on_store(store.clone(), clock, policy, EngineSettings::default());

    // 3. On first start, import the catalog from the configuration.
    let mia = StaffId::new(1)?;
    let haircut = ServiceId::new(1)?;
    let weekdays = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ];
    let nine_to_five = LocalTimeRange::parse("09:00-17:00")?;
    engine
        .import_catalog_if_empty(CatalogSnapshot {
            staff: vec![StaffMember::new(
                mia,
                StaffSpec {
                    name: StaffName::new("Mia")?,
                    hours: WeeklyHours::new(weekdays.map(|day| (day, nine_to_five)))?,
                    active: true,
                },
            )?],
            services: vec![Service::new(
                haircut,
                ServiceSpec {
                    name: ServiceName::new("Haircut")?,
                    duration: Minutes::new(45)?,
                    price: Money::new(3500, Currency::new("EUR")?)?,
                    buffer_before: Minutes::ZERO,
                    buffer_after: Minutes::new(15)?,
                    active: true,
                    performers: vec![mia],
                },
            )?],
            ..CatalogSnapshot::default()
        })
        .await?;

    // 4. A customer (your bot's user id) looks for a time and books it.
    let customer = CustomerId::new(4242)?;
    let tuesday = NaiveDate::from_ymd_opt(2030, 3, 5).ok_or("bad date")?;
    let free = engine
        .free_times(haircut, StaffChoice::Any, tuesday)
        .await?;
    let first = free.first().ok_or("no free time")?;
    let booked = engine
        .book(
            customer,
            BookingForm {
                service: haircut,
                staff: StaffChoice::Any,
                start: first.start,
                name: "Lena Schmidt".to_owned(),
                phone: "030 901820".to_owned(),
                comment: None,
                language: None,
            },
        )
        .await?;
    println!(
        "booked {} at {} ({})",
        booked.booking.id(),
        booked.booking.start(),
        booked.booking.status().name()
    );

    // 5. Staff confirm it. The admin adapter makes a `StaffActor` only after
    //    its own authentication; every staff use case requires one.
    let staff = StaffActor::authenticated(
        StaffUser::new(1),
        Some(mia),
        booking_ports::StaffRole::Staff,
    );
    let confirmed = engine
        .confirm_booking(&staff, booked.booking.id(), booked.booking.version())
        .await?;
    println!("now {}", confirmed.booking.status().name());

    // 6. The dispatcher side reads the outbox: the staff notice of the new
    //    booking, the customer's "confirmed" notice, then the reminders.
    let due_now = store.due_notifications(now, 10).await?;
    for notification in &due_now {
        println!(
            "due: {:?} to {:?}",
            notification.kind, notification.recipient
        );
    }
    assert_eq!(due_now.len(), 2);

    // 7. A stale action is refused with the current state: the customer's
    //    screen still shows version 1.
    let stale = engine
        .cancel_my_booking(customer, booked.booking.id(), booked.booking.version())
        .await;
    assert!(matches!(
        stale,
        Err(BookingChangeError::VersionConflict { .. })
    ));
    let cancelled = engine
        .cancel_my_booking(customer, booked.booking.id(), confirmed.booking.version())
        .await?;
    println!("finally {}", cancelled.booking.status().name());
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    run().await
}
