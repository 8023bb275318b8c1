//! The customer port (`CustomerStore`): profiles, and erasure that
//! anonymises bookings and deletes the profile and its notices.

use booking_domain::CustomerName;

use super::ContractStore;
use super::world::*;
use crate::ports::bookings::BookingScope;
use crate::ports::customers::CustomerProfile;
use crate::ports::outbox::Recipient;

/// This file's contracts, composed by [`contract_tests!`](crate::contract_tests).
#[doc(hidden)]
#[macro_export]
macro_rules! __customers_contracts {
    ($fixture:path) => {
        $crate::contract_tests!(@each $fixture; customers;
            customer_profiles_are_saved_and_replaced,
            erase_anonymises_bookings_and_deletes_the_profile_and_notices,
        );
    };
}

/// Profiles are created, replaced and read back whole.
pub async fn customer_profiles_are_saved_and_replaced<S: ContractStore>(store: S) {
    let id = customer(0);
    assert!(store.customer(id).await.unwrap().is_none());
    store.save_customer(profile(id)).await.unwrap();
    assert_eq!(store.customer(id).await.unwrap(), Some(profile(id)));
    let changed = CustomerProfile {
        name: CustomerName::new("Anna P.").unwrap(),
        language: None,
        ..profile(id)
    };
    store.save_customer(changed.clone()).await.unwrap();
    assert_eq!(
        store.customer(id).await.unwrap(),
        Some(changed),
        "save MUST replace"
    );
}

/// Erasure: profile deleted, bookings anonymised (rows kept, version + 1),
/// the customer's notifications deleted, nobody else touched.
pub async fn erase_anonymises_bookings_and_deletes_the_profile_and_notices<S: ContractStore>(
    store: S,
) {
    let w = world(store, 2).await;
    let gone = customer(0);
    let first = w
        .store
        .create_booking(
            w.visit(gone, w.anna, at(9, 0), 60, (0, 0)),
            no_limit(),
            vec![
                reminder(gone, 60, at(9, 0)),
                new_booking_notice(w.anna, at(8, 0)),
            ],
        )
        .await
        .unwrap();
    let second = w
        .create(w.visit(gone, w.boris, at(11, 0), 60, (0, 0)))
        .await;
    let second = w.cancel(&second).await;
    let other = w
        .store
        .create_booking(
            w.visit(customer(1), w.anna, at(13, 0), 60, (0, 0)),
            no_limit(),
            vec![reminder(customer(1), 60, at(13, 0))],
        )
        .await
        .unwrap();

    let erasure = w.store.erase_customer(gone).await.unwrap();

    assert!(erasure.profile_deleted);
    assert_eq!(erasure.bookings_anonymised, 2);
    assert_eq!(erasure.notifications_deleted, 1);
    assert!(
        w.store.customer(gone).await.unwrap().is_none(),
        "the profile MUST be deleted"
    );
    for before in [&first, &second] {
        let after = w
            .store
            .booking(before.id())
            .await
            .unwrap()
            .expect("the row MUST stay");
        assert_eq!(
            after,
            before.anonymised(),
            "bookings MUST be anonymised with Booking::anonymised"
        );
        assert_eq!(after.customer(), None);
        assert_eq!(after.comment(), None);
    }
    assert!(w.store.bookings_of_customer(gone).await.unwrap().is_empty());
    assert_eq!(
        w.store
            .bookings_overlapping(
                interval(at(0, 0), at(23, 0)),
                None,
                BookingScope::AllStatuses
            )
            .await
            .unwrap()
            .len(),
        3,
        "anonymous rows MUST stay for statistics"
    );
    let left = w.store.notifications_of_booking(first.id()).await.unwrap();
    assert!(
        left.iter()
            .all(|n| n.recipient != Recipient::Customer(gone))
            && left.len() == 1,
        "notifications to the customer MUST be deleted, staff ones kept: {left:?}"
    );
    assert_eq!(
        w.store.booking(other.id()).await.unwrap(),
        Some(other.clone())
    );
    assert_eq!(
        w.store
            .notifications_of_booking(other.id())
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(w.store.customer(customer(1)).await.unwrap().is_some());

    let again = w.store.erase_customer(gone).await.unwrap();
    assert_eq!(
        again,
        crate::ports::customers::Erasure::default(),
        "erasing twice erases nothing more"
    );
}
