//! Telegram's limits under load, in simulated time: 10,000 reminders fall
//! due at once (9,000 customers, 1,000 of them with two visits) together
//! with 50 staff notices for one admin chat. The dispatcher is stepped at
//! the instants it asks for, as its run loop would be.
//! - nothing is dropped: every message goes out exactly once;
//! - no chat gets two messages within a second;
//! - no bot sends more than 30 messages in any second;
//! - the 10,000 take about 10,000 / 30 seconds, not longer.

use std::collections::{BTreeMap, BTreeSet};

use booking_domain::{
    BookingStatus, CustomerId, LocalTimeRange, Minutes, NewBooking, NewBookingParts, ServiceSpec,
    StaffName, StaffSpec, WeeklyHours,
};
use booking_ports::contract::sender::RecordingSender;
use booking_ports::{
    ActiveBookingLimit, BookingStore, CatalogStore, CustomerStore, DispatchSettings, Dispatcher,
    ManualClock, MemoryStore, NewNotice, NoticeKind, NotificationOutbox, Recipient,
};
use chrono::{DateTime, Duration, TimeZone, Utc, Weekday};

use crate::common::{eur, minutes};

const REMINDERS: i64 = 10_000;
const STAFF_NOTICES: i64 = 50;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 7, 8, 0, 0).unwrap()
}

/// A store holding `REMINDERS` bookings, each with a customer reminder due
/// at `t0`, the first `STAFF_NOTICES` also with a staff notice due then.
async fn loaded_store() -> MemoryStore {
    let store = MemoryStore::new();
    let anna = store
        .add_staff(StaffSpec {
            name: StaffName::new("Anna").unwrap(),
            hours: WeeklyHours::new([(
                Weekday::Mon,
                LocalTimeRange::parse("09:00-18:00").unwrap(),
            )])
            .unwrap(),
            active: true,
        })
        .await
        .unwrap()
        .id();
    let haircut = store
        .add_service(ServiceSpec {
            name: booking_domain::ServiceName::new("Haircut").unwrap(),
            duration: minutes(30),
            price: eur(2000),
            buffer_before: Minutes::ZERO,
            buffer_after: Minutes::ZERO,
            active: true,
            performers: vec![anna],
        })
        .await
        .unwrap()
        .id();
    let limit = ActiveBookingLimit {
        max: u16::MAX,
        now: t0(),
    };
    for n in 0..REMINDERS {
        // The first 2,000 visits are pairs of one customer's, next to each
        // other in the queue, so their chats' limit binds within a batch.
        let who = CustomerId::new(if n < 2000 { 1 + n / 2 } else { n - 999 }).unwrap();
        // Reached through the Telegram account of their record.
        store
            .save_customer(booking_ports::CustomerProfile {
                id: who,
                name: booking_domain::CustomerName::new("Anna").unwrap(),
                phone: None,
                telegram: Some(booking_domain::TelegramUserId::new(who.get()).unwrap()),
                language: None,
                consented_at: t0(),
                notes: String::new(),
            })
            .await
            .unwrap();
        // From two days ahead, six hours apart: every visit is still ahead
        // when its reminder goes out, and the store's overlap check stays
        // cheap.
        let start = t0() + Duration::days(2) + Duration::hours(6 * n);
        let visit = NewBooking::new(NewBookingParts {
            customer: who,
            service: haircut,
            staff: anna,
            start,
            end: start + Duration::minutes(30),
            buffer_before: Minutes::ZERO,
            buffer_after: Minutes::ZERO,
            comment: None,
            status: BookingStatus::Confirmed,
            created_at: t0(),
            rescheduled_from: None,
            booked_for: None,
            price: None,
            created_by: booking_domain::Actor::Customer,
        })
        .unwrap();
        let mut notices = vec![NewNotice {
            recipient: Recipient::Customer(who),
            kind: NoticeKind::CustomerReminder {
                before: minutes(1440),
            },
            due_at: t0(),
        }];
        if n < STAFF_NOTICES {
            notices.push(NewNotice {
                recipient: Recipient::Staff(anna),
                kind: NoticeKind::NewBooking {
                    awaiting_confirmation: false,
                },
                due_at: t0(),
            });
        }
        store.create_booking(visit, limit, notices).await.unwrap();
    }
    store
}

#[tokio::test]
async fn ten_thousand_due_reminders_all_go_out_within_the_limits_in_about_n_over_30_seconds() {
    let store = loaded_store().await;
    let clock = ManualClock::new(t0());
    let sender = RecordingSender::new(clock.clone());
    let mut dispatcher = Dispatcher::on_store(
        store.clone(),
        sender.clone(),
        clock.clone(),
        DispatchSettings::default(),
    );

    let mut steps = 0;
    loop {
        let report = dispatcher.dispatch_due().await.unwrap();
        steps += 1;
        assert!(steps < 10 * REMINDERS, "the dispatcher does not converge");
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        match report.next_send_at {
            Some(at) if !report.deferred.is_empty() => clock.set(at),
            // Nothing held back: either done, or a full batch went out and
            // the loop steps again at once.
            _ if report.due == 0 => break,
            _ => {}
        }
    }

    let deliveries = sender.deliveries();
    let total = usize::try_from(REMINDERS + STAFF_NOTICES).unwrap();
    let ids: BTreeSet<_> = deliveries.iter().map(|d| d.id()).collect();
    assert_eq!(deliveries.len(), total, "each message exactly once");
    assert_eq!(ids.len(), total);
    assert!(
        store
            .due_notifications(t0() + Duration::days(1), 10)
            .await
            .unwrap()
            .is_empty(),
        "nothing left behind"
    );

    let mut by_chat: BTreeMap<_, Vec<DateTime<Utc>>> = BTreeMap::new();
    let mut by_bot: BTreeMap<_, Vec<DateTime<Utc>>> = BTreeMap::new();
    for delivery in &deliveries {
        by_chat
            .entry(delivery.to.clone())
            .or_default()
            .push(delivery.at);
        by_bot
            .entry(delivery.to.bot.clone())
            .or_default()
            .push(delivery.at);
    }
    for (chat, times) in &mut by_chat {
        times.sort();
        for pair in times.windows(2) {
            assert!(
                pair[1] - pair[0] >= Duration::seconds(1),
                "{chat} got two messages {} ms apart",
                (pair[1] - pair[0]).num_milliseconds()
            );
        }
    }
    for (bot, times) in &mut by_bot {
        times.sort();
        for window in times.windows(31) {
            assert!(
                window[30] - window[0] >= Duration::seconds(1),
                "bot {bot} sent 31 messages within {} ms",
                (window[30] - window[0]).num_milliseconds()
            );
        }
    }

    let client = by_bot
        .iter()
        .find(|(bot, _)| bot.as_str() == "client")
        .map(|(_, times)| times)
        .unwrap();
    let took = *client.last().unwrap() - t0();
    // 30 per second from t0: the last of 10,000 goes in second 333.
    assert_eq!(
        took,
        Duration::seconds(REMINDERS / 30),
        "10,000 reminders took {took} of simulated time"
    );
    let admin = by_bot
        .iter()
        .find(|(bot, _)| bot.as_str() == "admin")
        .map(|(_, times)| times)
        .unwrap();
    assert_eq!(
        *admin.last().unwrap() - t0(),
        Duration::seconds(STAFF_NOTICES - 1),
        "one admin chat, one notice per second"
    );
}
