//! Interaction tests of the dispatcher with mockall mocks of the ports: the
//! order of its calls and which ones it never makes. A call nobody expected
//! fails the test.

use std::sync::Arc;

use booking_domain::{
    Booking, BookingId, BookingStatus, NewBooking, NewBookingParts, Service, ServiceId, StaffId,
    StaffMember,
};
use booking_ports::contract::sender::RecordingSender;
use booking_ports::ports::bookings::MockBookingStore;
use booking_ports::ports::catalog::MockCatalogStore;
use booking_ports::ports::customers::MockCustomerStore;
use booking_ports::ports::outbox::MockNotificationOutbox;
use booking_ports::ports::sender::MockNotificationSender;
use booking_ports::{
    Addressee, DeliveryState, DispatchSettings, Dispatcher, ManualClock, MarkNotificationError,
    NoticeKind, Notification, NotificationId, Recipient, SendError, StoreError, WithdrawReason,
};
use chrono::{DateTime, Utc};
use mockall::Sequence;

use crate::common::{anna_spec, customer, haircut_spec, minutes, moscow, policy};

type MockDispatcher = Dispatcher<MockNotificationSender>;

fn now() -> DateTime<Utc> {
    moscow(1, 11, 0)
}

fn booking_id() -> BookingId {
    BookingId::new(10).unwrap()
}

fn confirmed() -> Booking {
    let anna = StaffId::new(1).unwrap();
    Booking::created(
        booking_id(),
        NewBooking::new(NewBookingParts {
            customer: customer(1),
            service: ServiceId::new(1).unwrap(),
            staff: anna,
            start: moscow(2, 11, 0),
            end: moscow(2, 12, 0),
            buffer_before: minutes(0),
            buffer_after: minutes(15),
            comment: None,
            status: BookingStatus::Confirmed,
            created_at: moscow(0, 7, 0),
            rescheduled_from: None,
            booked_for: None,
            price: None,
            created_by: booking_domain::Actor::Customer,
        })
        .unwrap(),
    )
}

fn reminder() -> Notification {
    Notification {
        id: NotificationId::new(5).unwrap(),
        booking: booking_id(),
        recipient: Recipient::Customer(customer(1)),
        kind: NoticeKind::CustomerReminder {
            before: minutes(1440),
        },
        due_at: now(),
        state: DeliveryState::Pending,
        attempts: 0,
        next_attempt_at: now(),
        claims: 0,
        claimed_until: None,
    }
}

fn catalog() -> MockCatalogStore {
    let anna = StaffId::new(1).unwrap();
    let mut catalog = MockCatalogStore::new();
    catalog.expect_services().returning(move || {
        Ok(vec![
            Service::new(ServiceId::new(1).unwrap(), haircut_spec(vec![anna])).unwrap(),
        ])
    });
    catalog
        .expect_staff()
        .returning(move || Ok(vec![StaffMember::new(anna, anna_spec()).unwrap()]));
    catalog
}

/// Every customer has a record whose Telegram account has their number.
fn customers() -> MockCustomerStore {
    let mut customers = MockCustomerStore::new();
    customers.expect_customer().returning(|id| {
        Ok(Some(booking_ports::CustomerProfile {
            id,
            name: booking_domain::CustomerName::new("Anna").unwrap(),
            phone: None,
            telegram: Some(booking_domain::TelegramUserId::new(id.get()).unwrap()),
            language: None,
            consented_at: chrono::DateTime::UNIX_EPOCH,
            notes: String::new(),
        }))
    });
    customers
}

/// A sender that routes like the recording one; `send` is up to the test.
fn sender() -> MockNotificationSender {
    let mut sender = MockNotificationSender::new();
    sender.expect_destinations().returning(|to| match to {
        Addressee::Customer(account) => vec![RecordingSender::client_chat_of(*account)],
        Addressee::Staff(s) => vec![RecordingSender::admin_chat(s.get())],
    });
    sender
}

fn bookings_returning(booking: Booking) -> MockBookingStore {
    let mut bookings = MockBookingStore::new();
    bookings
        .expect_booking()
        .returning(move |_| Ok(Some(booking.clone())));
    bookings
}

fn dispatcher(
    outbox: MockNotificationOutbox,
    bookings: MockBookingStore,
    sender: MockNotificationSender,
) -> MockDispatcher {
    Dispatcher::new(
        Arc::new(outbox),
        Arc::new(bookings),
        Arc::new(catalog()),
        Arc::new(customers()),
        sender,
        Arc::new(ManualClock::new(now())),
        DispatchSettings::default(),
    )
}

#[tokio::test]
async fn a_reminder_of_a_cancelled_booking_is_withdrawn_and_never_reaches_the_sender() {
    let cancelled = confirmed()
        .cancel(
            booking_domain::Actor::Customer,
            None,
            moscow(0, 9, 0),
            &policy(false),
        )
        .unwrap();
    let mut outbox = MockNotificationOutbox::new();
    outbox
        .expect_claim_due_notifications()
        .returning(|_, _, _| Ok(vec![reminder()]));
    outbox
        .expect_notifications_of_booking()
        .returning(|_| Ok(vec![reminder()]));
    outbox
        .expect_withdraw_notification()
        .times(1)
        .withf(|claim| *claim == reminder().claim())
        .returning(|_| Ok(()));
    let mut sender = sender();
    sender.expect_send().never();

    let report = dispatcher(outbox, bookings_returning(cancelled), sender)
        .dispatch_due()
        .await
        .unwrap();

    assert_eq!(
        report.withdrawn,
        vec![(
            reminder().id,
            WithdrawReason::BookingNotActive {
                status: "cancelled"
            }
        )]
    );
}

#[tokio::test]
async fn a_message_is_marked_sent_only_after_the_sender_returned() {
    let mut sequence = Sequence::new();
    let mut outbox = MockNotificationOutbox::new();
    outbox
        .expect_claim_due_notifications()
        .returning(|_, _, _| Ok(vec![reminder()]));
    outbox
        .expect_notifications_of_booking()
        .returning(|_| Ok(vec![reminder()]));
    let mut sender = sender();
    sender
        .expect_send()
        .times(1)
        .in_sequence(&mut sequence)
        .withf(|to, message| {
            *to == RecordingSender::client_chat(customer(1))
                && message.notification == reminder()
                && message.booking == confirmed()
                && message.service.is_some()
                && message.staff.is_some()
        })
        .returning(|_, _| Ok(()));
    outbox
        .expect_mark_sent()
        .times(1)
        .in_sequence(&mut sequence)
        .withf(|claim, at| *claim == reminder().claim() && *at == now())
        .returning(|_, _| Ok(()));

    let report = dispatcher(outbox, bookings_returning(confirmed()), sender)
        .dispatch_due()
        .await
        .unwrap();

    assert_eq!(report.sent, vec![reminder().id]);
}

#[tokio::test]
async fn a_temporary_failure_is_retried_later_and_never_recorded_as_sent() {
    let mut outbox = MockNotificationOutbox::new();
    outbox
        .expect_claim_due_notifications()
        .returning(|_, _, _| Ok(vec![reminder()]));
    outbox
        .expect_notifications_of_booking()
        .returning(|_| Ok(vec![reminder()]));
    outbox.expect_mark_sent().never();
    outbox
        .expect_retry_later()
        .times(1)
        .withf(|_, next| *next == now() + chrono::Duration::seconds(5))
        .returning(|_, _| Ok(()));
    let mut sender = sender();
    sender.expect_send().times(1).returning(|_, _| {
        Err(SendError::temporary(std::io::Error::other(
            "connection reset",
        )))
    });

    dispatcher(outbox, bookings_returning(confirmed()), sender)
        .dispatch_due()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_delivery_the_store_failed_to_record_is_recorded_next_step_without_sending_again() {
    let mut outbox = MockNotificationOutbox::new();
    outbox
        .expect_claim_due_notifications()
        .returning(|_, _, _| Ok(vec![reminder()]));
    outbox
        .expect_notifications_of_booking()
        .returning(|_| Ok(vec![reminder()]));
    let mut sequence = Sequence::new();
    outbox
        .expect_mark_sent()
        .times(1)
        .in_sequence(&mut sequence)
        .returning(|_, _| {
            Err(MarkNotificationError::Store(StoreError::backend(
                "recording a delivery",
                std::io::Error::other("disk I/O error"),
            )))
        });
    outbox
        .expect_mark_sent()
        .times(1)
        .in_sequence(&mut sequence)
        .returning(|_, _| Ok(()));
    // The second step extends the claim the first one kept.
    outbox
        .expect_extend_claims()
        .times(1)
        .withf(|claims, _| claims == [reminder().claim()])
        .returning(|claims, _| Ok(claims.to_vec()));
    let mut sender = sender();
    sender.expect_send().times(1).returning(|_, _| Ok(()));
    let mut dispatcher = dispatcher(outbox, bookings_returning(confirmed()), sender);

    let first = dispatcher.dispatch_due().await.unwrap();
    assert_eq!(first.errors.len(), 1);
    assert!(first.sent.is_empty());
    let second = dispatcher.dispatch_due().await.unwrap();
    assert_eq!(second.sent, vec![reminder().id]);
}

#[tokio::test]
async fn a_step_that_cannot_read_the_outbox_says_so_and_sends_nothing() {
    let mut outbox = MockNotificationOutbox::new();
    outbox
        .expect_claim_due_notifications()
        .returning(|_, _, _| {
            Err(StoreError::backend(
                "reading due notifications",
                std::io::Error::other("database is locked"),
            ))
        });
    let mut sender = sender();
    sender.expect_send().never();

    let outcome = dispatcher(outbox, MockBookingStore::new(), sender)
        .dispatch_due()
        .await;

    assert!(matches!(
        outcome,
        Err(booking_ports::DispatchError::ReadDue(_))
    ));
}
