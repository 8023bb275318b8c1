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

    /// A new dispatcher over the same store and sender, as after a restart.
    fn restart(&mut self) {
        self.dispatcher = Dispatcher::on_store(
            self.store.clone(),
            self.sender.clone(),
            self.clock.clone(),
            self.settings.clone(),
        );
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

/// Book, get the staff notice at once and the day-before reminder on time;
/// a cancelled booking's two-hour reminder never goes out.
pub async fn reminders_follow_a_booking_until_it_is_cancelled<S: ContractStore>(store: S) {
    let mut s = scene(store).await;
    let who = customer(1);
    let booking = s.book(who, s.anna, utc(3, 9, 0)).await;

    let report = s.step().await;
    assert_eq!(report.sent.len(), 1);
    let first = s.sender.take();
    assert_eq!(
        what(&first),
        vec![(new_booking(), Recipient::Staff(s.anna), booking.id())]
    );
    assert_eq!(first[0].to, RecordingSender::admin_chat(s.anna.get()));
    assert!(
        first[0].message.customer.is_some() && first[0].message.service.is_some(),
        "the sender gets what it needs to render the message"
    );

    s.clock.set(utc(2, 8, 59));
    s.step().await;
    assert!(s.sender.take().is_empty(), "nothing before its time");
    s.clock.set(utc(2, 9, 0));
    s.step().await;
    let day = s.sender.take();
    assert_eq!(
        what(&day),
        vec![(day_before(), Recipient::Customer(who), booking.id())]
    );
    assert_eq!(day[0].to, RecordingSender::client_chat(who));

    s.clock.set(utc(2, 10, 0));
    let cancelled = s
        .engine
        .cancel_my_booking(who, booking.id(), booking.version())
        .await
        .unwrap()
        .booking;
    s.step().await;
    assert_eq!(
        what(&s.sender.take()),
        vec![(
            NoticeKind::Cancelled,
            Recipient::Staff(s.anna),
            booking.id()
        )]
    );

    s.clock.set(utc(3, 7, 0));
    s.step().await;
    s.clock.set(utc(3, 8, 59));
    s.step().await;
    assert!(
        s.sender.take().is_empty(),
        "no reminder for a cancelled booking"
    );
    let stored = s.notifications(cancelled.id()).await;
    let two_hours = stored
        .iter()
        .find(|n| n.kind == two_hours_before())
        .unwrap();
    assert_eq!(two_hours.state, DeliveryState::Withdrawn);
}

/// A moved booking's old reminders never go out; the new ones go out at
/// the new times, about the new booking.
pub async fn moving_a_booking_replans_its_reminders<S: ContractStore>(store: S) {
    let mut s = scene(store).await;
    let who = customer(1);
    let old = s.book(who, s.anna, utc(3, 9, 0)).await;
    s.step().await;
    s.sender.take();

    let moved = s
        .engine
        .reschedule_my_booking(
            who,
            old.id(),
            old.version(),
            StaffChoice::Only(s.anna),
            utc(4, 9, 0),
        )
        .await
        .unwrap();
    let new = moved.new.booking;
    // Anna's chat got the new-booking notice this very second: the notice
    // about the move waits a second for it.
    let told = s.drain().await;
    assert_eq!(
        what(&told),
        vec![(NoticeKind::Rescheduled, Recipient::Staff(s.anna), new.id())]
    );
    assert_eq!(
        told[0].message.replaced.as_ref().map(Booking::id),
        Some(old.id()),
        "a moved booking's notice carries the booking it replaced"
    );

    s.clock.set(utc(2, 9, 0));
    s.step().await;
    s.clock.set(utc(3, 7, 0));
    s.step().await;
    assert!(s.sender.take().is_empty(), "the old times pass in silence");

    s.clock.set(utc(3, 9, 0));
    s.step().await;
    s.clock.set(utc(4, 7, 0));
    s.step().await;
    assert_eq!(
        what(&s.sender.take()),
        vec![
            (day_before(), Recipient::Customer(who), new.id()),
            (two_hours_before(), Recipient::Customer(who), new.id()),
        ]
    );
}

/// A new dispatcher over the same store continues the schedule and sends
/// nothing twice.
pub async fn a_restarted_dispatcher_carries_on_without_repeating<S: ContractStore>(store: S) {
    let mut s = scene(store).await;
    let who = customer(1);
    let booking = s.book(who, s.anna, utc(3, 9, 0)).await;
    s.step().await;
    assert_eq!(s.sender.take().len(), 1);

    s.restart();
    s.step().await;
    assert!(
        s.sender.take().is_empty(),
        "the notice was recorded as sent"
    );
    s.clock.set(utc(2, 9, 30));
    s.restart();
    s.step().await;
    s.step().await;
    assert_eq!(
        what(&s.sender.take()),
        vec![(day_before(), Recipient::Customer(who), booking.id())]
    );
}

/// The sender accepted a message and the process died before recording
/// it: the next dispatcher sends it again, once, and records it.
pub async fn a_crash_between_sending_and_recording_sends_once_more<S: ContractStore>(store: S) {
    let mut s = scene(store).await;
    let booking = s.book(customer(1), s.anna, utc(3, 9, 0)).await;
    s.sender.hang_on_call(0);

    let sender = s.sender.clone();
    tokio::select! {
        _ = s.dispatcher.dispatch_due() => panic!("the step was meant to hang in the sender"),
        () = sender.hung() => {}
    }
    s.restart();
    s.step().await;
    s.step().await;

    let deliveries = s.sender.take();
    assert_eq!(deliveries.len(), 2, "delivered, crashed, delivered again");
    assert_eq!(deliveries[0].id(), deliveries[1].id());
    let notice = &s.notifications(booking.id()).await[0];
    assert!(matches!(notice.state, DeliveryState::Sent { .. }));
    assert_eq!(notice.attempts, 1);
}

/// A crash in the middle of a step: every message of the step goes out
/// again after the restart, none more than twice, and all are recorded.
pub async fn a_crash_mid_batch_sends_each_message_at_most_twice<S: ContractStore>(store: S) {
    let mut s = scene(store).await;
    let mut bookings = Vec::new();
    for n in 0..4 {
        let staff = if n % 2 == 0 { s.anna } else { s.boris };
        let start = utc(3, 9, 0) + Duration::hours(n / 2);
        bookings.push(s.book(customer(n), staff, start).await);
    }
    s.drain().await;
    s.clock.set(utc(2, 10, 0));
    s.sender.hang_on_call(s.sender.calls() + 1);

    let sender = s.sender.clone();
    tokio::select! {
        _ = s.dispatcher.dispatch_due() => panic!("the step was meant to hang in the sender"),
        () = sender.hung() => {}
    }
    let before_crash = s.sender.take();
    assert!(!before_crash.is_empty());
    s.restart();
    let after_restart = s.drain().await;

    let mut all = before_crash;
    all.extend(after_restart);
    for booking in &bookings {
        let times = all
            .iter()
            .filter(|d| d.message.booking.id() == booking.id())
            .count();
        assert!(
            (1..=2).contains(&times),
            "each day-before reminder goes out once or, after the crash, twice; got {times}"
        );
        let reminder = s
            .notifications(booking.id())
            .await
            .into_iter()
            .find(|n| n.kind == day_before())
            .unwrap();
        assert!(matches!(reminder.state, DeliveryState::Sent { .. }));
    }
}

/// The process was down from Monday to Thursday 08:00 UTC.
/// - A visit that started meanwhile gets no reminder at all.
/// - A visit at 09:00 had both reminders fall due: only the two-hour one
///   goes out.
/// - A visit on Friday missed its day-before reminder by half an hour: it
///   still goes out, late.
pub async fn after_downtime_only_reminders_that_still_make_sense_go_out<S: ContractStore>(
    store: S,
) {
    let mut s = scene(store).await;
    let started = s.book(customer(1), s.anna, utc(2, 9, 0)).await;
    let soon = s.book(customer(2), s.anna, utc(3, 9, 0)).await;
    let tomorrow = s.book(customer(3), s.anna, utc(4, 7, 30)).await;
    s.drain().await;

    s.clock.set(utc(3, 8, 0));
    let report = s.step().await;

    assert_eq!(
        sorted(what(&s.sender.take())),
        vec![
            (
                two_hours_before(),
                Recipient::Customer(customer(2)),
                soon.id()
            ),
            (
                day_before(),
                Recipient::Customer(customer(3)),
                tomorrow.id()
            ),
        ]
    );
    let withdrawn: Vec<_> = report.withdrawn.iter().map(|(_, why)| *why).collect();
    assert_eq!(
        withdrawn,
        vec![
            WithdrawReason::VisitStarted {
                start: started.start()
            },
            WithdrawReason::VisitStarted {
                start: started.start()
            },
            WithdrawReason::Superseded { by: minutes(120) },
        ]
    );
    for booking in [&started, &soon] {
        let states: Vec<_> = s
            .notifications(booking.id())
            .await
            .into_iter()
            .filter(|n| n.kind.is_reminder())
            .map(|n| n.state.name())
            .collect();
        let expected = if booking.id() == started.id() {
            vec!["withdrawn", "withdrawn"]
        } else {
            vec!["withdrawn", "sent"]
        };
        assert_eq!(states, expected);
    }
}

/// A booking 90 minutes ahead gets no reminder (both offsets are past);
/// one five hours ahead gets only the two-hour one.
pub async fn a_booking_made_ninety_minutes_ahead_gets_no_reminder<S: ContractStore>(store: S) {
    let mut s = scene(store).await;
    let close = s.book(customer(1), s.anna, utc(0, 8, 30)).await;
    let later = s.book(customer(2), s.boris, utc(0, 12, 0)).await;

    let planned = |notifications: Vec<Notification>| -> Vec<NoticeKind> {
        notifications
            .into_iter()
            .filter(|n| n.kind.is_reminder())
            .map(|n| n.kind)
            .collect()
    };
    assert!(planned(s.notifications(close.id()).await).is_empty());
    assert_eq!(
        planned(s.notifications(later.id()).await),
        vec![two_hours_before()]
    );

    s.drain().await;
    for minute in [0, 30, 59] {
        s.clock.set(utc(0, 8, minute));
        s.step().await;
    }
    s.clock.set(utc(0, 10, 0));
    s.step().await;
    assert_eq!(
        what(&s.sender.take()),
        vec![(
            two_hours_before(),
            Recipient::Customer(customer(2)),
            later.id()
        )]
    );
}

/// Pending bookings: staff are asked to confirm; confirming, moving and
/// cancelling (with a reason) each tell the customer; "I'll come" shows on
/// the staff reminder.
pub async fn staff_actions_tell_the_customer_and_the_staff_reminder_shows_attendance<
    S: ContractStore,
>(
    store: S,
) {
    let settings =
        EngineSettings::new(vec![minutes(1440), minutes(120)], Some(minutes(60))).unwrap();
    let mut s = scene_with(store, true, settings, DispatchSettings::default()).await;
    let who = customer(1);
    let booked = s.book(who, s.anna, utc(3, 9, 0)).await;
    s.step().await;
    assert_eq!(
        what(&s.sender.take()),
        vec![(
            NoticeKind::NewBooking {
                awaiting_confirmation: true
            },
            Recipient::Staff(s.anna),
            booked.id()
        )]
    );

    let confirmed = s
        .engine
        .confirm_booking(&s.owner, booked.id(), booked.version())
        .await
        .unwrap()
        .booking;
    s.step().await;
    assert_eq!(
        what(&s.sender.take()),
        vec![(NoticeKind::Confirmed, Recipient::Customer(who), booked.id())]
    );

    let moved = s
        .engine
        .reschedule_booking(
            &s.owner,
            confirmed.id(),
            confirmed.version(),
            StaffChoice::Only(s.boris),
            utc(3, 11, 0),
        )
        .await
        .unwrap()
        .new
        .booking;
    assert_eq!(
        sorted(what(&s.drain().await)),
        vec![
            (
                NoticeKind::Rescheduled,
                Recipient::Customer(who),
                moved.id()
            ),
            (
                NoticeKind::Rescheduled,
                Recipient::Staff(s.anna),
                moved.id()
            ),
            (
                NoticeKind::Rescheduled,
                Recipient::Staff(s.boris),
                moved.id()
            ),
        ],
        "the owner moved Anna's visit to Boris: the customer and both are told"
    );

    s.clock.set(utc(3, 8, 0));
    s.engine.confirm_attendance(who, moved.id()).await.unwrap();
    s.clock.set(utc(3, 10, 0));
    let reminded = s.drain().await;
    assert_eq!(
        sorted(what(&reminded)),
        vec![
            (two_hours_before(), Recipient::Customer(who), moved.id()),
            (
                NoticeKind::StaffReminder {
                    before: minutes(60)
                },
                Recipient::Staff(s.boris),
                moved.id()
            ),
        ],
        "the day-before reminder was superseded while nobody stepped"
    );
    let staff_reminder = reminded
        .iter()
        .find(|d| d.message.notification.recipient == Recipient::Staff(s.boris))
        .unwrap();
    assert_eq!(
        staff_reminder.message.booking.attendance_confirmed_at(),
        Some(utc(3, 8, 0)),
        "staff see that the customer said they will come"
    );

    let current = s
        .engine
        .booking_details(&s.owner, moved.id())
        .await
        .unwrap()
        .booking;
    let reason = CancelReason::new("Boris is ill").unwrap();
    s.engine
        .cancel_booking(
            &s.owner,
            moved.id(),
            current.version(),
            Some(reason.clone()),
        )
        .await
        .unwrap();
    let cancelled = s.drain().await;
    let to_customer = cancelled
        .iter()
        .find(|d| d.message.notification.recipient == Recipient::Customer(who))
        .unwrap();
    assert_eq!(to_customer.message.notification.kind, NoticeKind::Cancelled);
    match to_customer.message.booking.status() {
        booking_domain::BookingStatus::Cancelled(c) => assert_eq!(c.reason, Some(reason)),
        other => panic!("expected a cancelled booking, got {other:?}"),
    }
}

/// A 429 with `retry_after` puts the message back until then and holds
/// every chat of that bot meanwhile; the admin bot is not held.
pub async fn flood_control_holds_the_bot_until_retry_after<S: ContractStore>(store: S) {
    let mut s = scene(store).await;
    let first = s.book(customer(1), s.anna, utc(3, 9, 0)).await;
    let second = s.book(customer(2), s.boris, utc(3, 9, 0)).await;
    let third = s.book(customer(3), s.anna, utc(3, 10, 0)).await;
    s.drain().await;

    s.clock.set(utc(2, 9, 0));
    s.sender.fail_next(
        &RecordingSender::client_chat(customer(1)),
        Scripted::RateLimited(Duration::minutes(90)),
    );
    let report = s.step().await;
    let retry_id = s
        .notifications(first.id())
        .await
        .into_iter()
        .find(|n| n.kind == day_before())
        .unwrap()
        .id;
    assert_eq!(report.retried, vec![(retry_id, utc(2, 10, 30))]);
    assert_eq!(
        what(&s.sender.take()),
        vec![(day_before(), Recipient::Customer(customer(2)), second.id())],
        "a message already under way in the same step is not held back"
    );

    s.clock.set(utc(2, 10, 0));
    let held = s.step().await;
    assert!(s.sender.take().is_empty(), "the client bot waits");
    assert_eq!(held.deferred.len(), 1);
    assert_eq!(held.next_send_at, Some(utc(2, 10, 30)));
    s.engine
        .cancel_booking(&s.owner, second.id(), second.version(), None)
        .await
        .unwrap();
    let during = s.step().await;
    assert_eq!(
        what(&s.sender.take()),
        vec![(
            NoticeKind::Cancelled,
            Recipient::Staff(s.boris),
            second.id()
        )],
        "the admin bot is not held"
    );
    assert_eq!(
        during.deferred.len(),
        2,
        "the customer's notice waits with the reminder"
    );

    s.clock.set(utc(2, 10, 30));
    let after = s.drain().await;
    assert_eq!(
        sorted(what(&after)),
        vec![
            (day_before(), Recipient::Customer(customer(1)), first.id()),
            (
                NoticeKind::Cancelled,
                Recipient::Customer(customer(2)),
                second.id()
            ),
            (day_before(), Recipient::Customer(customer(3)), third.id()),
        ]
    );
    assert!(after.iter().all(|d| d.at == utc(2, 10, 30)));
}

/// The user blocked the bot: recorded with the reason, never retried.
pub async fn a_permanent_failure_is_recorded_and_never_retried<S: ContractStore>(store: S) {
    let mut s = scene(store).await;
    let booking = s.book(customer(1), s.anna, utc(3, 9, 0)).await;
    s.step().await;
    s.sender.fail_next(
        &RecordingSender::client_chat(customer(1)),
        Scripted::Permanent("Forbidden: bot was blocked by the user"),
    );
    s.clock.set(utc(2, 9, 0));
    let report = s.step().await;
    assert_eq!(report.failed.len(), 1);
    let calls = s.sender.calls();

    for hour in [10, 14, 20] {
        s.clock.set(utc(2, hour, 0));
        s.step().await;
    }
    assert_eq!(s.sender.calls(), calls, "never tried again");
    let reminder = s
        .notifications(booking.id())
        .await
        .into_iter()
        .find(|n| n.kind == day_before())
        .unwrap();
    assert_eq!(
        reminder.state,
        DeliveryState::Failed {
            at: utc(2, 9, 0),
            reason: FailureReason::new("Forbidden: bot was blocked by the user"),
        }
    );
    assert_eq!(reminder.attempts, 1);
}

/// Temporary failures wait 5 s, then 10 s...; after the last allowed
/// attempt the notification is recorded as failed.
pub async fn temporary_failures_back_off_and_finally_give_up<S: ContractStore>(store: S) {
    let settings = DispatchSettings::new(DispatchSettingsParts {
        max_attempts: 3,
        ..DispatchSettingsParts::default()
    })
    .unwrap();
    let mut s = scene_with(store, false, EngineSettings::default(), settings).await;
    let booking = s.book(customer(1), s.anna, utc(3, 9, 0)).await;
    let admin = RecordingSender::admin_chat(s.anna.get());
    for _ in 0..3 {
        s.sender.fail_next(&admin, Scripted::Temporary);
    }

    let first = s.step().await;
    assert_eq!(first.retried[0].1, utc(0, 7, 0) + Duration::seconds(5));
    s.clock.advance(Duration::seconds(4));
    assert!(s.step().await.retried.is_empty(), "not before the wait");
    s.clock.set(utc(0, 7, 0) + Duration::seconds(5));
    let second = s.step().await;
    assert_eq!(second.retried[0].1, utc(0, 7, 0) + Duration::seconds(15));
    s.clock.set(utc(0, 7, 0) + Duration::seconds(15));
    let third = s.step().await;
    assert_eq!(third.failed.len(), 1);

    let notice = &s.notifications(booking.id()).await[0];
    assert_eq!(notice.attempts, 3);
    assert!(matches!(
        &notice.state,
        DeliveryState::Failed { reason, .. } if reason.as_str() == "gave up after 3 failed attempts"
    ));
    assert!(s.sender.take().is_empty());
}

/// A staff notice routed to two admin chats reaches both; after one of
/// them failed for a moment, only that one gets it again.
pub async fn a_staff_notice_reaches_every_admin_chat_once<S: ContractStore>(store: S) {
    let mut s = scene(store).await;
    let (own, owner) = (
        RecordingSender::admin_chat(101),
        RecordingSender::admin_chat(102),
    );
    s.sender
        .route_staff(s.anna, vec![own.clone(), owner.clone()]);
    let booking = s.book(customer(1), s.anna, utc(3, 9, 0)).await;
    s.sender.fail_next(&owner, Scripted::Temporary);

    let report = s.step().await;
    assert_eq!(report.retried.len(), 1);
    s.clock.advance(Duration::seconds(5));
    let report = s.step().await;
    assert_eq!(report.sent.len(), 1);

    let chats: Vec<_> = s.sender.take().into_iter().map(|d| d.to).collect();
    assert_eq!(chats, vec![own, owner]);
    let notice = &s.notifications(booking.id()).await[0];
    assert!(matches!(notice.state, DeliveryState::Sent { .. }));
}

/// A staff member nobody in the admin bot stands for: the notice is
/// recorded as failed instead of waiting forever.
pub async fn a_notice_nobody_can_receive_is_recorded_as_failed<S: ContractStore>(store: S) {
    let mut s = scene(store).await;
    s.sender.route_staff(s.anna, Vec::new());
    let booking = s.book(customer(1), s.anna, utc(3, 9, 0)).await;
    let report = s.step().await;
    assert_eq!(report.failed.len(), 1);
    assert!(matches!(
        &s.notifications(booking.id()).await[0].state,
        DeliveryState::Failed { reason, .. } if reason.as_str() == "nobody to deliver it to"
    ));
}

/// A customer staff recorded without Telegram cannot be messaged: their
/// notice is withdrawn (and counted), never sent to a chat of their id's
/// number, and the loop goes on to the staff notice.
pub async fn a_customer_without_telegram_is_told_nothing_and_the_notice_is_withdrawn<
    S: ContractStore,
>(
    store: S,
) {
    let mut s = scene(store).await;
    let walk_in = s
        .store
        .create_customer(crate::ports::customers::NewCustomer {
            name: booking_domain::CustomerName::new("Lena Schmidt").unwrap(),
            phone: None,
            telegram: None,
            language: None,
            consented_at: utc(0, 7, 0),
            notes: String::new(),
        })
        .await
        .unwrap();
    let booking = s.book(walk_in.id, s.anna, utc(3, 9, 0)).await;
    s.engine
        .cancel_booking(&s.owner, booking.id(), booking.version(), None)
        .await
        .unwrap();

    let sent = s.drain().await;

    assert!(
        sent.iter()
            .all(|d| d.to != RecordingSender::client_chat(walk_in.id)),
        "nothing MUST go to a chat of the customer id's number"
    );
    let notices = s.notifications(booking.id()).await;
    let to_customer: Vec<_> = notices
        .iter()
        .filter(|n| n.recipient == Recipient::Customer(walk_in.id))
        .collect();
    assert!(
        !to_customer.is_empty(),
        "the cancellation notice was planned"
    );
    assert!(
        to_customer
            .iter()
            .all(|n| n.state == DeliveryState::Withdrawn),
        "{to_customer:?}"
    );
    assert!(
        notices
            .iter()
            .any(|n| n.recipient == Recipient::Staff(s.anna)
                && matches!(n.state, DeliveryState::Sent { .. })),
        "the staff notice still went"
    );
}

/// The run loop: a booking wakes it (the poll interval is an hour, so
/// only the wake-up can), and the shutdown signal stops it.
pub async fn a_wake_up_runs_a_step_and_shutdown_stops_the_loop<S: ContractStore>(store: S) {
    let settings = DispatchSettings::new(DispatchSettingsParts {
        poll_interval: Duration::hours(1),
        ..DispatchSettingsParts::default()
    })
    .unwrap();
    let s = scene_with(store, false, EngineSettings::default(), settings).await;
    let Scene {
        engine,
        mut dispatcher,
        sender,
        anna,
        haircut,
        ..
    } = s;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let watcher = sender.clone();
    let loop_task = tokio::spawn(async move {
        dispatcher
            .run(async {
                let _ = stopped.await;
            })
            .await;
        dispatcher
    });
    // The loop's first step finds nothing and waits an hour.
    let booking = engine
        .book(
            customer(1),
            BookingForm {
                service: haircut,
                staff: StaffChoice::Only(anna),
                start: utc(3, 9, 0),
                name: "Lena Schmidt".to_owned(),
                phone: "030 901820".to_owned(),
                comment: None,
                language: None,
            },
        )
        .await
        .unwrap()
        .booking;
    // The booking woke the loop; the test waits for the delivery it causes,
    // not for time.
    watcher.wait_for_deliveries(1).await;
    stop.send(()).unwrap();
    let dispatcher = loop_task.await.unwrap();

    let deliveries = dispatcher.sender().deliveries();
    assert_eq!(deliveries.len(), 1, "nothing else was due");
    assert_eq!(deliveries[0].message.booking.id(), booking.id());
}
