//! Dispatcher scenarios over any store: the engine writes the outbox, the
//! [`Dispatcher`] delivers it through a [`RecordingSender`], and a
//! [`ManualClock`] moves time. Nothing sleeps; every step is driven by hand.
//!
//! They check the reminder schedule through booking, cancelling, moving,
//! restarts, crashes and downtime, staff actions, retries, flood control and
//! permanent failures. An adapter runs them with
//! [`dispatch_tests!`](crate::dispatch_tests), exactly like the contract
//! suite; the SQLite store does.
//!
//! The salon: Berlin (UTC+1 in March 2030), Anna and Boris work every day
//! 08:00-20:00 local, a 60-minute haircut, "now" is Monday 2030-03-04 07:00
//! UTC. Customer reminders 24 h and 2 h before (the defaults).

use booking_domain::{
    Booking, BookingId, CancelReason, Currency, CustomerId, LocalTimeRange, Minutes, Money,
    PhoneRegion, Policy, PolicySettings, Service, ServiceId, ServiceName, ServiceSpec, StaffChoice,
    StaffId, StaffMember, StaffName, StaffSpec, WeeklyHours,
};
use chrono::{DateTime, Duration, TimeZone, Utc, Weekday};

use super::ContractStore;
use super::sender::{Delivery, RecordingSender, Scripted};
use crate::dispatch::{
    DispatchReport, DispatchSettings, DispatchSettingsParts, DispatchWakeup, Dispatcher,
    WithdrawReason,
};
use crate::engine::{BookingForm, Engine, EngineSettings, StaffActor, StaffUser};
use crate::ports::catalog::CatalogSnapshot;
use crate::ports::clock::ManualClock;
use crate::ports::outbox::{DeliveryState, FailureReason, NoticeKind, Notification, Recipient};

mod delivery;
mod instances;
mod schedule;

pub use delivery::*;
pub use instances::*;
pub use schedule::*;

/// Writes one `#[tokio::test]` per dispatcher scenario, each calling
/// `$fixture().await` for a fresh store. See [`crate::contract::dispatch`].
#[macro_export]
macro_rules! dispatch_tests {
    ($fixture:path) => {
        $crate::dispatch_tests!(@each $fixture;
            reminders_follow_a_booking_until_it_is_cancelled,
            moving_a_booking_replans_its_reminders,
            a_restarted_dispatcher_carries_on_without_repeating,
            a_crash_between_sending_and_recording_sends_once_more,
            a_crash_mid_batch_sends_each_message_at_most_twice,
            a_crashed_dispatchers_claims_wait_for_their_lease,
            two_dispatchers_share_the_outbox_and_send_each_notice_once,
            after_downtime_only_reminders_that_still_make_sense_go_out,
            a_booking_made_ninety_minutes_ahead_gets_no_reminder,
            staff_actions_tell_the_customer_and_the_staff_reminder_shows_attendance,
            flood_control_holds_the_bot_until_retry_after,
            a_permanent_failure_is_recorded_and_never_retried,
            temporary_failures_back_off_and_finally_give_up,
            a_staff_notice_reaches_every_admin_chat_once,
            a_notice_nobody_can_receive_is_recorded_as_failed,
            a_customer_without_telegram_is_told_nothing_and_the_notice_is_withdrawn,
            a_wake_up_runs_a_step_and_shutdown_stops_the_loop,
        );
    };
    (@each $fixture:path; $($name:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let fixture = $fixture().await;
                $crate::contract::dispatch::$name($crate::contract::Fixture::store(&fixture)).await;
            }
        )*
    };
}

/// A salon on `S` with an engine, a dispatcher and a recording sender.
struct Scene<S> {
    store: S,
    clock: ManualClock,
    engine: Engine,
    sender: RecordingSender,
    dispatcher: Dispatcher<RecordingSender>,
    settings: DispatchSettings,
    anna: StaffId,
    boris: StaffId,
    haircut: ServiceId,
    owner: StaffActor,
}

/// Monday 2030-03-04 plus `days`, at `hour:minute` UTC.
fn utc(days: i64, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 3, 4, hour, minute, 0).unwrap() + Duration::days(days)
}

fn customer(n: i64) -> CustomerId {
    CustomerId::new(7000 + n).unwrap()
}

fn minutes(m: i64) -> Minutes {
    Minutes::new(m).unwrap()
}

fn policy(requires_confirmation: bool) -> Policy {
    Policy::new(PolicySettings {
        time_zone: "Europe/Berlin".parse().unwrap(),
        slot_step: minutes(30),
        min_notice: minutes(60),
        horizon_days: 30,
        cancellation_cutoff: minutes(120),
        reschedule_cutoff: minutes(180),
        max_active_bookings_per_customer: 5,
        requires_confirmation,
        phone_region: PhoneRegion::new("DE").unwrap(),
    })
    .unwrap()
}

fn catalog(anna: StaffId, boris: StaffId, haircut: ServiceId) -> CatalogSnapshot {
    let day = LocalTimeRange::parse("08:00-20:00").unwrap();
    let week = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];
    let member = |id, name| {
        StaffMember::new(
            id,
            StaffSpec {
                name: StaffName::new(name).unwrap(),
                hours: WeeklyHours::new(week.map(|d| (d, day))).unwrap(),
                active: true,
            },
        )
        .unwrap()
    };
    CatalogSnapshot {
        staff: vec![member(anna, "Anna"), member(boris, "Boris")],
        services: vec![
            Service::new(
                haircut,
                ServiceSpec {
                    name: ServiceName::new("Haircut").unwrap(),
                    duration: minutes(60),
                    price: Money::new(3000, Currency::new("EUR").unwrap()).unwrap(),
                    buffer_before: Minutes::ZERO,
                    buffer_after: Minutes::ZERO,
                    active: true,
                    performers: vec![anna, boris],
                },
            )
            .unwrap(),
        ],
        ..CatalogSnapshot::default()
    }
}

async fn scene<S: ContractStore>(store: S) -> Scene<S> {
    scene_with(
        store,
        false,
        EngineSettings::default(),
        DispatchSettings::default(),
    )
    .await
}

async fn scene_with<S: ContractStore>(
    store: S,
    requires_confirmation: bool,
    engine_settings: EngineSettings,
    settings: DispatchSettings,
) -> Scene<S> {
    let clock = ManualClock::new(utc(0, 7, 0));
    let wakeup = DispatchWakeup::new();
    let engine = Engine::on_store(
        store.clone(),
        clock.clone(),
        policy(requires_confirmation),
        engine_settings,
    )
    .with_dispatch_wakeup(wakeup.clone());
    let (anna, boris) = (StaffId::new(1).unwrap(), StaffId::new(2).unwrap());
    let haircut = ServiceId::new(1).unwrap();
    assert!(
        engine
            .import_catalog_if_empty(catalog(anna, boris, haircut))
            .await
            .unwrap()
    );
    let sender = RecordingSender::new(clock.clone());
    let dispatcher = Dispatcher::on_store(
        store.clone(),
        sender.clone(),
        clock.clone(),
        settings.clone(),
    )
    .with_wakeup(wakeup);
    Scene {
        store,
        clock,
        engine,
        sender,
        dispatcher,
        settings,
        anna,
        boris,
        haircut,
        owner: StaffActor::authenticated(StaffUser::new(1), None, crate::StaffRole::Owner),
    }
}

impl<S: ContractStore> Scene<S> {
    /// Customer `who` books a haircut with `staff` at `start`.
    async fn book(&self, who: CustomerId, staff: StaffId, start: DateTime<Utc>) -> Booking {
        self.engine
            .book(
                who,
                BookingForm {
                    service: self.haircut,
                    staff: StaffChoice::Only(staff),
                    start,
                    name: "Lena Schmidt".to_owned(),
                    phone: "030 901820".to_owned(),
                    comment: None,
                    language: None,
                },
            )
            .await
            .unwrap()
            .booking
    }

    async fn step(&mut self) -> DispatchReport {
        self.dispatcher.dispatch_due().await.unwrap()
    }

    /// Steps, moving the clock to whenever the rate limits let the next
    /// message go, until nothing due is held back; returns what went out.
    async fn drain(&mut self) -> Vec<Delivery> {
        for _ in 0..1000 {
            let report = self.step().await;
            match report.next_send_at {
                Some(at) if !report.deferred.is_empty() => self.clock.set(at),
                _ => return self.sender.take(),
            }
        }
        panic!("the dispatcher did not drain its backlog");
    }

    /// A new dispatcher over the same store and sender, as after a restart:
    /// the old one stops as the run loop does, releasing its claims.
    async fn restart(&mut self) {
        self.dispatcher.release_claims().await;
        self.dispatcher = self.another_dispatcher();
    }

    /// A new dispatcher over the same store and sender, as after a crash:
    /// the old one's claims hold until their lease ends, and the clock moves
    /// there (the restarted process, or another instance, takes them over).
    fn restart_after_crash(&mut self) {
        self.dispatcher = self.another_dispatcher();
        self.clock.advance(self.settings.parts().claim_lease);
    }

    /// A second dispatcher over the same store, sender and clock, as in
    /// another instance.
    fn another_dispatcher(&self) -> Dispatcher<RecordingSender> {
        Dispatcher::on_store(
            self.store.clone(),
            self.sender.clone(),
            self.clock.clone(),
            self.settings.clone(),
        )
    }

    async fn notifications(&self, booking: BookingId) -> Vec<Notification> {
        self.store.notifications_of_booking(booking).await.unwrap()
    }
}

fn what(deliveries: &[Delivery]) -> Vec<(NoticeKind, Recipient, BookingId)> {
    deliveries
        .iter()
        .map(|d| {
            (
                d.message.notification.kind,
                d.message.notification.recipient,
                d.message.booking.id(),
            )
        })
        .collect()
}

/// `what` in a stable order, for steps whose sends run concurrently.
fn sorted(
    mut got: Vec<(NoticeKind, Recipient, BookingId)>,
) -> Vec<(NoticeKind, Recipient, BookingId)> {
    got.sort_by_key(|(kind, recipient, booking)| (*booking, format!("{recipient:?} {kind:?}")));
    got
}

fn day_before() -> NoticeKind {
    NoticeKind::CustomerReminder {
        before: minutes(1440),
    }
}

fn two_hours_before() -> NoticeKind {
    NoticeKind::CustomerReminder {
        before: minutes(120),
    }
}

fn new_booking() -> NoticeKind {
    NoticeKind::NewBooking {
        awaiting_confirmation: false,
    }
}
