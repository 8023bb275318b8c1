//! Moving a booking from the client bot, beyond the same specialist and
//! the times nobody holds: another specialist who performs the service,
//! and a new time that overlaps the visit's own (an hour's visit moved by
//! half an hour), both offered exactly when the engine would accept them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use adapter_telegram::test_support::*;
use booking_domain::{BookingStatus, StaffId};
use teloxide::types::Message;

/// Opens the details of `who`'s booking labelled `when` from a fresh /start.
async fn details(h: &mut Harness, who: &Customer, when: &str) -> Message {
    let menu = screen(&h.send(who, "/start").await);
    let list = screen(&h.press(who, &menu, "🗂 My bookings").await);
    screen(&h.press(who, &list, when).await)
}

#[tokio::test]
async fn a_customer_moves_to_another_specialist_at_the_same_time() {
    let mut h = Harness::new().await;
    let olga = Customer::new(1002, "Olga");
    let booked = h.book_directly(&olga, HAIRCUT, ANNA, local(5, 12, 0)).await;
    let shown = details(&mut h, &olga, "Wed 5 Jun, 12:00").await;

    let whom = screen(&h.press(&olga, &shown, "Reschedule").await);
    assert_eq!(
        text(&whom),
        "Moving Women's haircut: with which specialist?"
    );
    assert_eq!(
        labels(&whom),
        ["Anna (now)", "Maria", "⬅️ Back", "✖️ Cancel"]
    );
    let days = screen(&h.press(&olga, &whom, "Maria").await);
    let times = screen(&h.press(&olga, &days, "Wed 5 Jun").await);
    let summary = screen(&h.press(&olga, &times, "12:00").await);
    assert_eq!(
        text(&summary),
        "Move Women's haircut with Maria\nfrom Wed 5 Jun, 12:00\nto Wed 5 Jun, 12:00?"
    );
    h.press(&olga, &summary, "✅ Confirm").await;

    let upcoming = h.bookings_of(&olga).await;
    assert_eq!(upcoming.len(), 1);
    assert_eq!(upcoming[0].booking.staff(), StaffId::new(MARIA).unwrap());
    assert_eq!(upcoming[0].booking.start(), local(5, 12, 0));
    assert!(matches!(
        h.booking(booked.booking.id()).await.status(),
        BookingStatus::Rescheduled { .. }
    ));
}

#[tokio::test]
async fn a_move_onto_part_of_the_visits_own_time_is_offered_and_made() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    let olga = Customer::new(1002, "Olga");
    // Ivan's hour with Anna at 11:00; Olga holds 12:30, so from 11:30 the
    // hour fits only because Ivan's own visit does not count.
    h.book_directly(&ivan, HAIRCUT, ANNA, local(4, 11, 0)).await;
    h.book_directly(&olga, MENS_HAIRCUT, ANNA, local(4, 12, 30))
        .await;
    let shown = details(&mut h, &ivan, "Tue 4 Jun, 11:00").await;

    let whom = screen(&h.press(&ivan, &shown, "Reschedule").await);
    let days = screen(&h.press(&ivan, &whom, "Anna (now)").await);
    let times = screen(&h.press(&ivan, &days, "Tue 4 Jun").await);
    let offered = labels(&times);
    assert!(offered.contains(&"11:30".to_owned()), "{offered:?}");
    assert!(!offered.contains(&"12:00".to_owned()), "{offered:?}");
    let summary = screen(&h.press(&ivan, &times, "11:30").await);
    h.press(&ivan, &summary, "✅ Confirm").await;

    let upcoming = h.bookings_of(&ivan).await;
    assert_eq!(upcoming.len(), 1);
    assert_eq!(upcoming[0].booking.start(), local(4, 11, 30));
    assert_eq!(upcoming[0].booking.staff(), StaffId::new(ANNA).unwrap());
}
