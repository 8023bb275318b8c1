//! Customer records and the booking's own copy: booking for someone else
//! leaves the account's record and other bookings alone; a Telegram
//! account maps to one record; revenue counts the price booked.

use booking_domain::{ServiceSpec, StaffChoice, TelegramUserId};
use booking_ports::engine::BookingForm;
use booking_ports::{CustomerStore, Period};

use crate::common::*;

fn account(n: i64) -> TelegramUserId {
    TelegramUserId::new(7_000_000 + n).unwrap()
}

fn ivan_books(s: &Salon, start: chrono::DateTime<chrono::Utc>) -> BookingForm {
    BookingForm {
        name: "Ivan Petrov".to_owned(),
        phone: "+7 916 000-11-22".to_owned(),
        ..form(s.haircut, StaffChoice::Only(s.anna), start)
    }
}

#[tokio::test]
async fn booking_for_his_wife_keeps_ivans_record_and_his_own_booking() {
    // Arrange: Ivan booked for himself through Telegram.
    let s = salon(false).await;
    let own = s
        .engine
        .book_as(account(1), ivan_books(&s, moscow(1, 10, 0)))
        .await
        .unwrap()
        .booking;
    let record_before = s.engine.account(account(1)).await.unwrap().unwrap();

    // Act: he books for his wife, with her name and phone.
    let for_wife = BookingForm {
        name: "Мария Петрова".to_owned(),
        phone: "+7 916 555-01-02".to_owned(),
        ..ivan_books(&s, moscow(1, 12, 0))
    };
    let wife = s
        .engine
        .book_as(account(1), for_wife)
        .await
        .unwrap()
        .booking;

    // Assert: both bookings are his, each shows who it is for, and his
    // record did not change.
    assert_eq!(wife.customer(), Some(record_before.id));
    assert_eq!(own.customer(), Some(record_before.id));
    let own_now = s
        .engine
        .my_booking(record_before.id, own.id())
        .await
        .unwrap();
    let own_copy = own_now.booking.booked_for().unwrap();
    assert_eq!(own_copy.name.expose(), "Ivan Petrov");
    assert_eq!(
        own_copy.phone.as_ref().map(|p| p.expose()),
        Some("+79160001122")
    );
    let wife_copy = wife.booked_for().unwrap();
    assert_eq!(wife_copy.name.expose(), "Мария Петрова");
    assert_eq!(
        wife_copy.phone.as_ref().map(|p| p.expose()),
        Some("+79165550102")
    );
    assert_eq!(
        s.engine.account(account(1)).await.unwrap(),
        Some(record_before),
        "the account's record is unchanged"
    );
}

#[tokio::test]
async fn a_telegram_account_acts_as_one_record_with_a_generated_id() {
    let s = salon(false).await;
    let first = s
        .engine
        .book_as(account(1), ivan_books(&s, moscow(1, 10, 0)))
        .await
        .unwrap()
        .booking;
    let second = s
        .engine
        .book_as(account(1), ivan_books(&s, moscow(1, 12, 0)))
        .await
        .unwrap()
        .booking;

    let record = s.engine.account(account(1)).await.unwrap().unwrap();
    assert_eq!(record.telegram, Some(account(1)));
    assert_eq!(first.customer(), Some(record.id));
    assert_eq!(second.customer(), Some(record.id));
    assert_ne!(
        record.id.get(),
        account(1).get(),
        "the id is the store's, not Telegram's"
    );
    assert_eq!(
        s.engine.customer_of_account(account(2)).await.unwrap(),
        None,
        "no record before the first booking"
    );
}

#[tokio::test]
async fn a_second_account_with_a_phone_already_recorded_gets_a_record_without_it() {
    let s = salon(false).await;
    s.engine
        .book_as(account(1), ivan_books(&s, moscow(1, 10, 0)))
        .await
        .unwrap();

    let booked = s
        .engine
        .book_as(account(2), ivan_books(&s, moscow(1, 12, 0)))
        .await
        .unwrap()
        .booking;

    let second = s.engine.account(account(2)).await.unwrap().unwrap();
    assert_eq!(second.phone, None, "phones are unique among records");
    assert_eq!(booked.customer(), Some(second.id));
    assert_eq!(
        booked
            .booked_for()
            .and_then(|who| who.phone.as_ref())
            .map(|p| p.expose()),
        Some("+79160001122"),
        "the booking keeps the phone it was made with"
    );
}

#[tokio::test]
async fn erasure_clears_the_bookings_name_and_phone_but_keeps_its_price() {
    let s = salon(false).await;
    let booked = s
        .engine
        .book_as(account(1), ivan_books(&s, moscow(1, 10, 0)))
        .await
        .unwrap()
        .booking;
    let customer = booked.customer().unwrap();
    s.clock.set(moscow(1, 10, 30));

    s.engine.forget_me(customer).await.unwrap();

    let all = all_bookings(&s).await;
    let kept = all.iter().find(|b| b.id() == booked.id()).unwrap();
    assert_eq!(kept.booked_for(), None);
    assert_eq!(kept.price(), Some(eur(3000)));
    assert_eq!(s.store.customer(customer).await.unwrap(), None);
    assert_eq!(s.engine.account(account(1)).await.unwrap(), None);
}

#[tokio::test]
async fn revenue_counts_a_completed_visit_at_its_booked_price_after_a_price_change() {
    // Arrange: a haircut booked at 30 EUR, then the price goes up to 45 EUR.
    let s = salon(false).await;
    let done = s.book_haircut(customer(1), moscow(0, 10, 0)).await;
    let upcoming = s.book_haircut(customer(2), moscow(1, 10, 0)).await;
    s.engine
        .update_service(
            &s.staff,
            s.haircut,
            ServiceSpec {
                price: eur(4500),
                ..haircut_spec(vec![s.anna, s.boris])
            },
        )
        .await
        .unwrap();
    s.clock.set(moscow(0, 11, 30));
    s.engine
        .complete_booking(&s.staff, done.id(), done.version())
        .await
        .unwrap();

    // Act
    let week = Period::new(day(0), day(6)).unwrap();
    let stats = s.engine.statistics(&s.staff, week).await.unwrap();

    // Assert: earned at the old price; the confirmed visit to come, booked
    // before the change too, is expected at its own price, shown apart.
    assert_eq!(stats.revenue, vec![eur(3000)]);
    assert_eq!(stats.expected_revenue, vec![eur(3000)]);
    assert_eq!(upcoming.price(), Some(eur(3000)));
    let later = s.book_haircut(customer(3), moscow(2, 10, 0)).await;
    assert_eq!(
        later.price(),
        Some(eur(4500)),
        "new bookings at the new price"
    );
}
