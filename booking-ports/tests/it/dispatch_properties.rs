//! The dispatcher's guarantees over random interleavings of booking changes,
//! clock steps, dispatch steps, failures, restarts and crashes, on the
//! in-memory store with a manual clock:
//! - no reminder is delivered for a booking that is not active at the moment
//!   of sending, nor before it is due, nor once the visit has started (the
//!   sender checks the store itself, each time it is called, and bookings
//!   are also cancelled while a step is sending);
//! - a later reminder never goes out before an earlier one of the same
//!   booking and recipient ("in two hours" is never followed by "tomorrow");
//! - nothing is lost: in the end nothing is pending, every notice went out
//!   (or failed for good where a chat refused it), and everything recorded
//!   as sent was delivered;
//! - duplicates are bounded: a notification is delivered at most once plus
//!   once per crash.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use booking_domain::{Actor, BookingId, StaffChoice};
use booking_ports::contract::sender::{RecordingSender, Scripted};
use booking_ports::{
    Addressee, BookingStore, Clock, DeliveryState, Destination, DispatchSettings, Dispatcher,
    EngineSettings, ManualClock, MemoryStore, NoticeKind, Notification, NotificationOutbox,
    NotificationSender, OutboxChange, OutgoingMessage, SendError,
};
use chrono::Duration;
use proptest::prelude::*;

use crate::common::{
    Salon, all_bookings, customer, form, minutes, moscow, policy, salon_with, start,
};

#[derive(Debug, Clone)]
enum Action {
    Book {
        who: i64,
        staff: u8,
        day: u64,
        slot: u32,
    },
    CancelAsCustomer {
        pick: usize,
    },
    CancelAsStaff {
        pick: usize,
    },
    Confirm {
        pick: usize,
    },
    Reschedule {
        pick: usize,
        day: u64,
        slot: u32,
        by_staff: bool,
    },
    Forget {
        who: i64,
    },
    Advance {
        minutes: i64,
    },
    Step,
    /// The process dies during a step, after the sender accepted
    /// `after_sends` more messages (or after the step, if it sends fewer).
    Crash {
        after_sends: usize,
    },
    Restart,
    /// A booking is cancelled while the next step is sending.
    CancelDuringSend {
        pick: usize,
    },
    /// The next message to this customer fails, for now or for good.
    FailNext {
        who: i64,
        permanent: bool,
    },
}

fn action() -> impl Strategy<Value = Action> {
    // Clock steps around the reminder offsets, so reminders fall due on
    // time, late, and after their visits.
    let advance = prop_oneof![
        Just(1_i64),
        Just(7),
        Just(30),
        Just(61),
        Just(119),
        Just(180),
        Just(600),
        Just(1380),
        Just(1441),
    ];
    prop_oneof![
        4 => (0..4_i64, 0..3_u8, 0..4_u64, 0..20_u32)
            .prop_map(|(who, staff, day, slot)| Action::Book { who, staff, day, slot }),
        1 => any::<usize>().prop_map(|pick| Action::CancelAsCustomer { pick }),
        1 => any::<usize>().prop_map(|pick| Action::CancelAsStaff { pick }),
        2 => any::<usize>().prop_map(|pick| Action::Confirm { pick }),
        2 => (any::<usize>(), 0..4_u64, 0..20_u32, any::<bool>())
            .prop_map(|(pick, day, slot, by_staff)| Action::Reschedule { pick, day, slot, by_staff }),
        1 => (0..4_i64).prop_map(|who| Action::Forget { who }),
        3 => advance.prop_map(|minutes| Action::Advance { minutes }),
        4 => Just(Action::Step),
        1 => (0..4_usize).prop_map(|after_sends| Action::Crash { after_sends }),
        1 => Just(Action::Restart),
        1 => any::<usize>().prop_map(|pick| Action::CancelDuringSend { pick }),
        1 => (0..4_i64, any::<bool>()).prop_map(|(who, permanent)| Action::FailNext { who, permanent }),
    ]
}

/// A sender that checks, at the moment it is called, the booking as the
/// store holds it, and can cancel another booking while a step sends.
#[derive(Clone)]
struct CheckingSender {
    recorder: RecordingSender,
    store: MemoryStore,
    clock: ManualClock,
    violations: Arc<Mutex<Vec<String>>>,
    cancel_during_send: Arc<Mutex<Option<BookingId>>>,
}

impl CheckingSender {
    fn violations(&self) -> Vec<String> {
        self.violations
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Cancels booking `id` as the system would, if it is still active.
    async fn cancel(&self, id: BookingId) {
        let booking = self.store.booking(id).await.unwrap().unwrap();
        let Ok(cancelled) = booking.cancel(Actor::System, None, self.clock.now(), &policy(false))
        else {
            return;
        };
        self.store
            .update_booking(
                booking.version(),
                cancelled,
                OutboxChange {
                    add: Vec::new(),
                    withdraw_pending_reminders: true,
                },
            )
            .await
            .unwrap();
    }
}

#[async_trait]
impl NotificationSender for CheckingSender {
    fn destinations(&self, to: &Addressee) -> Vec<Destination> {
        self.recorder.destinations(to)
    }

    async fn send(&self, to: &Destination, message: &OutgoingMessage) -> Result<(), SendError> {
        // Cancelling the very booking being sent about would race with this
        // call itself, which no dispatcher can prevent; another one is fair.
        let target = {
            let mut armed = self
                .cancel_during_send
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            match *armed {
                Some(id) if id != message.booking.id() => armed.take(),
                _ => None,
            }
        };
        if let Some(id) = target {
            self.cancel(id).await;
        }
        let notification = &message.notification;
        if notification.kind.is_reminder() {
            let now = self.clock.now();
            let booking = self
                .store
                .booking(message.booking.id())
                .await
                .unwrap()
                .unwrap();
            let mut problems = Vec::new();
            if !booking.is_active() {
                problems.push(format!("booking is {}", booking.status().name()));
            }
            if now >= booking.start() {
                problems.push("the visit started".to_owned());
            }
            if now < notification.due_at {
                problems.push("not due yet".to_owned());
            }
            if !problems.is_empty() {
                self.violations
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(format!(
                        "{notification:?} at {now}: {}",
                        problems.join(", ")
                    ));
            }
        }
        self.recorder.send(to, message).await
    }
}

type World = (Salon, CheckingSender, Dispatcher<CheckingSender>);

async fn world(requires_confirmation: bool) -> World {
    let settings =
        EngineSettings::new(vec![minutes(1440), minutes(120)], Some(minutes(60))).unwrap();
    let s = salon_with(requires_confirmation, settings).await;
    let recorder = RecordingSender::new(s.clock.clone());
    // Anna's notices reach her own admin chat and the owner's.
    recorder.route_staff(
        s.anna,
        vec![
            RecordingSender::admin_chat(s.anna.get()),
            RecordingSender::admin_chat(900),
        ],
    );
    let sender = CheckingSender {
        recorder,
        store: s.store.clone(),
        clock: s.clock.clone(),
        violations: Arc::default(),
        cancel_during_send: Arc::default(),
    };
    let dispatcher = dispatcher(&s, &sender);
    (s, sender, dispatcher)
}

fn dispatcher(s: &Salon, sender: &CheckingSender) -> Dispatcher<CheckingSender> {
    Dispatcher::on_store(
        s.store.clone(),
        sender.clone(),
        s.clock.clone(),
        DispatchSettings::default(),
    )
}

/// Runs `action`; returns whether it was a crash. Refusals by the engine
/// (a taken slot, a cutoff) are part of random use and ignored.
async fn run(world: &mut World, action: Action) -> bool {
    let (s, sender, dispatcher) = world;
    let bookings = all_bookings(s).await;
    let pick = |i: usize| bookings.get(i % bookings.len().max(1)).cloned();
    match action {
        Action::Book {
            who,
            staff,
            day,
            slot,
        } => {
            let staff = match staff {
                0 => StaffChoice::Any,
                1 => StaffChoice::Only(s.anna),
                _ => StaffChoice::Only(s.boris),
            };
            let _ = s
                .engine
                .book(customer(who), form(s.haircut, staff, start(day, slot)))
                .await;
        }
        Action::CancelAsCustomer { pick: i } => {
            if let Some(b) = pick(i) {
                let who = b.customer().unwrap_or(customer(0));
                let _ = s.engine.cancel_my_booking(who, b.id(), b.version()).await;
            }
        }
        Action::CancelAsStaff { pick: i } => {
            if let Some(b) = pick(i) {
                let _ = s
                    .engine
                    .cancel_booking(&s.staff, b.id(), b.version(), None)
                    .await;
            }
        }
        Action::Confirm { pick: i } => {
            if let Some(b) = pick(i) {
                let _ = s
                    .engine
                    .confirm_booking(&s.staff, b.id(), b.version())
                    .await;
            }
        }
        Action::Reschedule {
            pick: i,
            day,
            slot,
            by_staff,
        } => {
            if let Some(b) = pick(i) {
                let to = start(day, slot);
                let _ = if by_staff {
                    s.engine
                        .reschedule_booking(&s.staff, b.id(), b.version(), StaffChoice::Any, to)
                        .await
                } else {
                    let who = b.customer().unwrap_or(customer(0));
                    s.engine
                        .reschedule_my_booking(who, b.id(), b.version(), StaffChoice::Any, to)
                        .await
                };
            }
        }
        Action::Forget { who } => {
            let _ = s.engine.forget_me(customer(who)).await;
        }
        Action::Advance { minutes } => s.advance(Duration::minutes(minutes)),
        Action::Step => {
            dispatcher.dispatch_due().await.unwrap();
        }
        Action::Crash { after_sends } => {
            let recorder = sender.recorder.clone();
            recorder.hang_on_call(recorder.calls() + after_sends);
            tokio::select! {
                biased;
                report = dispatcher.dispatch_due() => { report.unwrap(); }
                () = recorder.hung() => {}
            }
            recorder.stop_hanging();
            *dispatcher = self::dispatcher(s, sender);
            return true;
        }
        Action::Restart => *dispatcher = self::dispatcher(s, sender),
        Action::CancelDuringSend { pick: i } => {
            if let Some(b) = pick(i) {
                *sender
                    .cancel_during_send
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = Some(b.id());
            }
        }
        Action::FailNext { who, permanent } => {
            let failure = if permanent {
                Scripted::Permanent("Forbidden: bot was blocked by the user")
            } else {
                Scripted::Temporary
            };
            sender
                .recorder
                .fail_next(&RecordingSender::client_chat(customer(who)), failure);
        }
    }
    false
}

/// Lets time run, a quarter of an hour at a time with a step each time
/// (and through every rate-limit wait), until past every visit and nothing
/// is pending.
async fn run_out(world: &mut World) -> Vec<Notification> {
    let (s, _, dispatcher) = world;
    let end = moscow(6, 0, 0);
    for _ in 0..5000 {
        let report = dispatcher.dispatch_due().await.unwrap();
        if let Some(at) = report.next_send_at.filter(|_| !report.deferred.is_empty()) {
            s.clock.set(at);
            continue;
        }
        if s.clock.now() < end {
            s.advance(Duration::minutes(15));
            continue;
        }
        let left = everything(s).await;
        if left.iter().all(|n| n.state != DeliveryState::Pending) {
            return left;
        }
        s.advance(Duration::minutes(10));
    }
    panic!("notifications still pending after running out the clock");
}

async fn everything(s: &Salon) -> Vec<Notification> {
    let mut all = Vec::new();
    for booking in all_bookings(s).await {
        all.extend(
            s.store
                .notifications_of_booking(booking.id())
                .await
                .unwrap(),
        );
    }
    all
}

fn check(world: &World, notifications: &[Notification], crashes: usize) {
    let (_, sender, _) = world;
    let violations = sender.violations();
    assert!(
        violations.is_empty(),
        "reminders sent when they must not be: {violations:#?}"
    );

    let deliveries = sender.recorder.deliveries();
    let mut times: BTreeMap<_, Vec<_>> = BTreeMap::new();
    for delivery in &deliveries {
        times
            .entry((delivery.id(), delivery.to.clone()))
            .or_default()
            .push(delivery.at);
    }
    for ((id, to), at) in &times {
        assert!(
            at.len() <= 1 + crashes,
            "notification {id} reached {to} {} times with {crashes} crashes",
            at.len()
        );
    }
    let delivered: BTreeSet<_> = deliveries.iter().map(|d| d.id()).collect();

    for n in notifications {
        assert_ne!(n.state, DeliveryState::Pending, "left pending: {n:?}");
        if matches!(n.state, DeliveryState::Sent { .. }) {
            assert!(
                delivered.contains(&n.id),
                "recorded as sent, never delivered: {n:?}"
            );
        }
        if !n.kind.is_reminder() {
            assert!(
                matches!(
                    n.state,
                    DeliveryState::Sent { .. } | DeliveryState::Failed { .. }
                ),
                "a notice must go out (or fail for good): {n:?}"
            );
        }
    }

    // A later reminder never goes out before an earlier one of the same
    // booking and recipient.
    let reminders: Vec<&Notification> = notifications
        .iter()
        .filter(|n| n.kind.is_reminder())
        .collect();
    let offset = |kind: NoticeKind| match kind {
        NoticeKind::CustomerReminder { before } | NoticeKind::StaffReminder { before } => before,
        _ => unreachable!("only reminders here"),
    };
    let delivered_at = |id| {
        deliveries
            .iter()
            .filter(move |d| d.id() == id)
            .map(|d| d.at)
    };
    for early in &reminders {
        for late in &reminders {
            if early.booking == late.booking
                && early.recipient == late.recipient
                && offset(early.kind) > offset(late.kind)
                && let (Some(last_early), Some(first_late)) =
                    (delivered_at(early.id).max(), delivered_at(late.id).min())
            {
                assert!(
                    last_early <= first_late,
                    "{early:?} went out after {late:?}"
                );
            }
        }
    }
}

async fn scenario(requires_confirmation: bool, actions: Vec<Action>) {
    let mut world = world(requires_confirmation).await;
    let mut crashes = 0;
    for action in actions {
        if run(&mut world, action).await {
            crashes += 1;
        }
    }
    let notifications = run_out(&mut world).await;
    check(&world, &notifications, crashes);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn no_reminder_ever_reaches_a_booking_that_is_not_active(
        actions in proptest::collection::vec(action(), 1..60)
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(scenario(false, actions));
    }

    #[test]
    fn with_staff_confirmation_the_same_guarantees_hold(
        actions in proptest::collection::vec(action(), 1..60)
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(scenario(true, actions));
    }
}
