//! The customer port (`CustomerStore`): records with generated ids, unique
//! phones and Telegram accounts, lookups, search, notes, history, and
//! erasure that anonymises bookings and deletes the record and its notices.

use booking_domain::{CustomerName, TelegramUserId};

use super::ContractStore;
use super::world::*;
use crate::ports::bookings::BookingScope;
use crate::ports::customers::{
    CreateCustomerError, CustomerProfile, NewCustomer, NotesError, UpdateCustomerError,
};
use crate::ports::outbox::Recipient;

/// This file's contracts, composed by [`contract_tests!`](crate::contract_tests).
#[doc(hidden)]
#[macro_export]
macro_rules! __customers_contracts {
    ($fixture:path) => {
        $crate::contract_tests!(@each $fixture; customers;
            customer_profiles_are_saved_and_replaced,
            created_customers_get_new_ids_and_are_found_by_phone_and_telegram,
            a_phone_or_telegram_account_another_customer_has_is_refused,
            updates_replace_the_record_and_keep_phones_unique,
            notes_are_saved_on_the_record,
            search_finds_by_name_part_ignoring_case_or_by_phone_digits,
            history_lists_a_customers_bookings_with_their_own_copies,
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
        phone: None,
        notes: "Prefers mornings".to_owned(),
        ..profile(id)
    };
    store.save_customer(changed.clone()).await.unwrap();
    assert_eq!(
        store.customer(id).await.unwrap(),
        Some(changed),
        "save MUST replace"
    );
}

fn new_customer(name: &str, phone_text: Option<&str>, telegram: Option<i64>) -> NewCustomer {
    NewCustomer {
        name: CustomerName::new(name).unwrap(),
        phone: phone_text.map(phone),
        telegram: telegram.map(|t| TelegramUserId::new(t).unwrap()),
        language: None,
        consented_at: long_before(),
        notes: String::new(),
    }
}

/// Created records get ids no record has, and are found by phone and by
/// Telegram account; a customer may have neither.
pub async fn created_customers_get_new_ids_and_are_found_by_phone_and_telegram<S: ContractStore>(
    store: S,
) {
    store.save_customer(profile(customer(0))).await.unwrap();
    let maria = store
        .create_customer(new_customer("Maria", Some("+7 916 555 01 02"), None))
        .await
        .unwrap();
    let ivan = store
        .create_customer(new_customer("Ivan", Some("+7 916 555 03 04"), Some(77)))
        .await
        .unwrap();
    let walk_in = store
        .create_customer(new_customer("Walk-in", None, None))
        .await
        .unwrap();
    let ids = [customer(0), maria.id, ivan.id, walk_in.id];
    for (i, id) in ids.iter().enumerate() {
        assert!(!ids[..i].contains(id), "ids MUST be new, got {ids:?}");
    }
    assert_eq!(store.customer(maria.id).await.unwrap(), Some(maria.clone()));
    assert_eq!(
        store
            .customer_by_phone(&phone("+79165550102"))
            .await
            .unwrap(),
        Some(maria)
    );
    assert_eq!(
        store
            .customer_by_telegram(TelegramUserId::new(77).unwrap())
            .await
            .unwrap(),
        Some(ivan)
    );
    assert_eq!(
        store
            .customer_by_telegram(TelegramUserId::new(78).unwrap())
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.customer(walk_in.id).await.unwrap(), Some(walk_in));
}

/// A phone or Telegram account is held by at most one record.
pub async fn a_phone_or_telegram_account_another_customer_has_is_refused<S: ContractStore>(
    store: S,
) {
    let maria = store
        .create_customer(new_customer("Maria", Some("+7 916 555 01 02"), Some(5)))
        .await
        .unwrap();
    let same_phone = store
        .create_customer(new_customer("Ivan", Some("+7 (916) 555-01-02"), None))
        .await;
    assert!(
        matches!(same_phone, Err(CreateCustomerError::PhoneTaken { holder }) if holder == maria.id),
        "{same_phone:?}"
    );
    let same_account = store
        .create_customer(new_customer("Ivan", None, Some(5)))
        .await;
    assert!(
        matches!(same_account, Err(CreateCustomerError::TelegramTaken { holder }) if holder == maria.id),
        "{same_account:?}"
    );
    let mut chosen = profile(customer(3));
    chosen.phone = maria.phone.clone();
    assert!(matches!(
        store.save_customer(chosen).await,
        Err(CreateCustomerError::PhoneTaken { .. })
    ));
    // Without a phone, any number of customers.
    store
        .create_customer(new_customer("Guest", None, None))
        .await
        .unwrap();
    store
        .create_customer(new_customer("Guest", None, None))
        .await
        .unwrap();
}

/// An update replaces the record; its own phone is not "taken", another's is.
pub async fn updates_replace_the_record_and_keep_phones_unique<S: ContractStore>(store: S) {
    let maria = store
        .create_customer(new_customer("Maria", Some("+7 916 555 01 02"), None))
        .await
        .unwrap();
    let ivan = store
        .create_customer(new_customer("Ivan", Some("+7 916 555 03 04"), Some(9)))
        .await
        .unwrap();
    let renamed = CustomerProfile {
        name: CustomerName::new("Maria Petrova").unwrap(),
        ..maria.clone()
    };
    store.update_customer(renamed.clone()).await.unwrap();
    assert_eq!(store.customer(maria.id).await.unwrap(), Some(renamed));
    let stealing = CustomerProfile {
        phone: maria.phone.clone(),
        ..ivan.clone()
    };
    assert!(matches!(
        store.update_customer(stealing).await,
        Err(UpdateCustomerError::PhoneTaken { holder }) if holder == maria.id
    ));
    assert_eq!(store.customer(ivan.id).await.unwrap(), Some(ivan.clone()));
    let missing = CustomerProfile {
        id: customer(999),
        ..ivan
    };
    assert!(matches!(
        store.update_customer(missing).await,
        Err(UpdateCustomerError::NotFound)
    ));
}

/// Staff notes are stored on the record.
pub async fn notes_are_saved_on_the_record<S: ContractStore>(store: S) {
    let maria = store
        .create_customer(new_customer("Maria", None, None))
        .await
        .unwrap();
    store
        .set_customer_notes(maria.id, "Allergic to lavender".to_owned())
        .await
        .unwrap();
    assert_eq!(
        store.customer(maria.id).await.unwrap().unwrap().notes,
        "Allergic to lavender"
    );
    assert!(matches!(
        store.set_customer_notes(customer(999), String::new()).await,
        Err(NotesError::NotFound)
    ));
}

/// Search: a part of the name in any case (Cyrillic too), or the digits of
/// a phone however they are typed; at most `limit`, by id.
pub async fn search_finds_by_name_part_ignoring_case_or_by_phone_digits<S: ContractStore>(
    store: S,
) {
    let maria = store
        .create_customer(new_customer(
            "Мария Иванова",
            Some("+7 916 555 01 02"),
            None,
        ))
        .await
        .unwrap();
    let marina = store
        .create_customer(new_customer("Marina Smith", Some("+44 20 7946 0958"), None))
        .await
        .unwrap();
    let ivan = store
        .create_customer(new_customer("Ivan Petrov", None, None))
        .await
        .unwrap();
    let ids = |found: Vec<CustomerProfile>| found.into_iter().map(|c| c.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.search_customers("иванов", 10).await.unwrap()),
        vec![maria.id]
    );
    assert_eq!(
        ids(store.search_customers("MARIN", 10).await.unwrap()),
        vec![marina.id]
    );
    assert_eq!(
        ids(store.search_customers("916 555-01-02", 10).await.unwrap()),
        vec![maria.id]
    );
    assert_eq!(
        ids(store.search_customers("9460958", 10).await.unwrap()),
        vec![marina.id]
    );
    assert_eq!(
        ids(store.search_customers("i", 10).await.unwrap()),
        vec![marina.id, ivan.id]
    );
    assert_eq!(
        ids(store.search_customers("i", 1).await.unwrap()),
        vec![marina.id]
    );
    assert!(store.search_customers("  ", 10).await.unwrap().is_empty());
    assert!(
        store
            .search_customers("nobody", 10)
            .await
            .unwrap()
            .is_empty()
    );
}

/// A customer's history: every booking they hold, with the name, phone and
/// price it was booked with, whatever their record says.
pub async fn history_lists_a_customers_bookings_with_their_own_copies<S: ContractStore>(store: S) {
    let w = world(store, 2).await;
    let ivan = customer(0);
    let later = w.create(w.visit(ivan, w.anna, at(11, 0), 60, (0, 0))).await;
    let earlier = w.create(w.visit(ivan, w.boris, at(9, 0), 60, (0, 0))).await;
    w.create(w.visit(customer(1), w.anna, at(13, 0), 60, (0, 0)))
        .await;

    let history = w.store.bookings_of_customer(ivan).await.unwrap();

    assert_eq!(
        history,
        vec![earlier.clone(), later],
        "by start, theirs only"
    );
    let copy = earlier
        .booked_for()
        .expect("the booking's own copy MUST be stored");
    assert_eq!(copy.name.expose(), "Maria Ivanova");
    assert_eq!(copy.phone, Some(phone("+7 916 555 01 02")));
    assert_eq!(
        earlier.price().map(|p| p.minor()),
        Some(2500),
        "the price MUST be stored"
    );
    assert_eq!(
        w.store.customer(ivan).await.unwrap(),
        Some(profile(ivan)),
        "bookings MUST NOT change the record"
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
        assert_eq!(
            after.booked_for(),
            None,
            "the name and phone copies MUST go"
        );
        assert_eq!(after.price(), before.price(), "the price MUST stay");
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
