//! Booking for someone else through the client bot: the name and phone
//! typed go on the booking, and the account's customer record (made from
//! its first booking) stays as it was.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use adapter_telegram::test_support::*;

/// Books a men's haircut on Tue 4 Jun at `time` for `name`, the phone
/// typed as `phone`, through the whole flow.
async fn book_typing(
    h: &mut Harness,
    who: &Customer,
    time: &str,
    name: &str,
    phone: &str,
) -> String {
    let menu = screen(&h.send(who, "/start").await);
    let services = screen(&h.press(who, &menu, "📅 Book").await);
    let days = screen(&h.press(who, &services, "Men's haircut").await);
    let times = screen(&h.press(who, &days, "Tue 4 Jun").await);
    screen(&h.press(who, &times, time).await);
    let asked = h.send(who, name).await;
    assert!(asks_for_contact(&asked), "the name {name:?} is taken");
    let comment = screen(&h.send(who, phone).await);
    let summary = screen(&h.press(who, &comment, "Skip").await);
    text(&screen(&h.press(who, &summary, "✅ Confirm").await))
}

#[tokio::test]
async fn booking_for_someone_else_keeps_the_accounts_record_and_its_other_bookings() {
    // Arrange: Ivan booked for himself first.
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan").surname("Petrov");
    let done = book_typing(&mut h, &ivan, "11:00", "Ivan Petrov", "8 916 123-45-67").await;
    assert!(done.starts_with("✅ Booked"), "{done}");
    let record = h.engine.account(ivan.account()).await.unwrap().unwrap();

    // Act: he books for his wife with her name and phone.
    let done = book_typing(&mut h, &ivan, "16:00", "Мария Петрова", "+7 916 555-01-02").await;
    assert!(done.starts_with("✅ Booked"), "{done}");

    // Assert: his record is unchanged; each booking shows who it is for.
    assert_eq!(
        h.engine.account(ivan.account()).await.unwrap(),
        Some(record.clone())
    );
    assert_eq!(record.name.expose(), "Ivan Petrov");
    let bookings = h.bookings_of(&ivan).await;
    let who: Vec<(String, Option<String>)> = bookings
        .iter()
        .map(|b| {
            let copy = b.booking.booked_for().unwrap();
            (
                copy.name.expose().to_owned(),
                copy.phone.as_ref().map(|p| p.expose().to_owned()),
            )
        })
        .collect();
    assert_eq!(
        who,
        [
            ("Ivan Petrov".to_owned(), Some("+79161234567".to_owned())),
            ("Мария Петрова".to_owned(), Some("+79165550102".to_owned())),
        ]
    );
    assert!(
        bookings
            .iter()
            .all(|b| b.booking.customer() == Some(record.id))
    );
}
