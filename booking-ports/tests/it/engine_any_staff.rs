//! "Any specialist" spreads the day's work: a customer who does not mind
//! who serves them goes to whoever is free with the fewest bookings that
//! day, so the first calendar does not fill while the others stay empty.

use booking_domain::StaffChoice;

use crate::common::{customer, form, moscow, salon};

#[tokio::test]
async fn any_specialist_goes_to_the_free_one_with_the_fewest_bookings_that_day() {
    let s = salon(false).await;
    // Anna (listed first) has a visit in the morning; Boris none that day.
    s.engine
        .book(
            customer(1),
            form(s.haircut, StaffChoice::Only(s.anna), moscow(1, 10, 0)),
        )
        .await
        .unwrap();

    let second = s
        .engine
        .book(
            customer(2),
            form(s.haircut, StaffChoice::Any, moscow(1, 12, 30)),
        )
        .await
        .unwrap();
    assert_eq!(second.booking.staff(), s.boris);

    // One each: the tie goes to the first in the configured order.
    let third = s
        .engine
        .book(
            customer(3),
            form(s.haircut, StaffChoice::Any, moscow(1, 15, 30)),
        )
        .await
        .unwrap();
    assert_eq!(third.booking.staff(), s.anna);
}
