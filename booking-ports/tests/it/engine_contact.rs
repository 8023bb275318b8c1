//! A contact a customer shares from Telegram: the account's record gets
//! the phone (a new record when it had none), a caller staff recorded by
//! that phone becomes the account's record, and a phone that is another
//! account's is refused with nothing changed.

use booking_domain::{StaffChoice, TelegramUserId};
use booking_ports::engine::{
    BookingForm, ContactSaved, ShareContactError, SharedContact, StaffBookingForm,
};
use booking_ports::{BookingStore, Clock, CustomerStore, Language};

use crate::common::*;

fn account(n: i64) -> TelegramUserId {
    TelegramUserId::new(8_000_000 + n).unwrap()
}

/// A contact as Telegram sends it: digits without the plus.
fn contact(phone: &str) -> SharedContact {
    SharedContact {
        phone: phone.to_owned(),
        name: "Anna Smirnova".to_owned(),
        language: Some(Language::new("ru").unwrap()),
    }
}

#[tokio::test]
async fn an_account_without_a_record_gets_one_from_its_contact() {
    let s = salon(false).await;

    let saved = s
        .engine
        .save_shared_contact(account(1), contact("79160001122"))
        .await
        .unwrap();

    let ContactSaved::NewRecord(record) = saved else {
        panic!("{saved:?}");
    };
    assert_eq!(record.phone.as_ref().unwrap().expose(), "+79160001122");
    assert_eq!(record.name.expose(), "Anna Smirnova");
    assert_eq!(record.telegram, Some(account(1)));
    assert_eq!(record.consented_at, s.clock.now());
    assert_eq!(s.engine.account(account(1)).await.unwrap(), Some(record));
}

#[tokio::test]
async fn a_record_keeps_its_name_and_takes_the_shared_phone() {
    let s = salon(false).await;
    let booked = s
        .engine
        .book_as(
            account(1),
            BookingForm {
                name: "Anna".to_owned(),
                phone: "+7 916 000-99-99".to_owned(),
                ..form(s.haircut, StaffChoice::Only(s.anna), moscow(1, 10, 0))
            },
        )
        .await
        .unwrap()
        .booking;

    let saved = s
        .engine
        .save_shared_contact(account(1), contact("+7 916 000 11 22"))
        .await
        .unwrap();

    let ContactSaved::PhoneSet(record) = &saved else {
        panic!("{saved:?}");
    };
    assert_eq!(record.name.expose(), "Anna");
    assert_eq!(record.phone.as_ref().unwrap().expose(), "+79160001122");
    // The booking keeps the phone it was made with.
    let kept = s.store.booking(booked.id()).await.unwrap().unwrap();
    assert_eq!(
        kept.booked_for().unwrap().phone.as_ref().unwrap().expose(),
        "+79160009999"
    );
    // Sharing the same number again changes nothing and is not refused.
    let again = s
        .engine
        .save_shared_contact(account(1), contact("79160001122"))
        .await
        .unwrap();
    assert_eq!(again.record(), saved.record());
}

#[tokio::test]
async fn a_caller_recorded_by_staff_becomes_the_accounts_record_with_their_bookings() {
    let s = salon(false).await;
    let caller = s
        .engine
        .record_customer(&s.staff, "Anna S.", "+7 916 000-11-22", None)
        .await
        .unwrap();
    let by_phone = s
        .engine
        .book_for_customer(
            &s.staff,
            StaffBookingForm {
                customer: caller.id,
                service: s.haircut,
                staff: StaffChoice::Only(s.anna),
                start: moscow(1, 10, 0),
                comment: None,
            },
        )
        .await
        .unwrap();

    let saved = s
        .engine
        .save_shared_contact(account(1), contact("79160001122"))
        .await
        .unwrap();

    let ContactSaved::Linked(record) = saved else {
        panic!("{saved:?}");
    };
    assert_eq!(record.id, caller.id);
    assert_eq!(record.name.expose(), "Anna S.", "staff's spelling stays");
    assert_eq!(record.language.as_ref().map(Language::as_str), Some("ru"));
    assert_eq!(
        s.engine.customer_of_account(account(1)).await.unwrap(),
        Some(caller.id)
    );
    let mine = s.engine.my_bookings(caller.id).await.unwrap();
    assert_eq!(
        mine.iter().map(|d| d.booking.id()).collect::<Vec<_>>(),
        vec![by_phone.id()]
    );
}

#[tokio::test]
async fn another_accounts_phone_is_refused_and_nothing_changes() {
    let s = salon(false).await;
    let first = s
        .engine
        .save_shared_contact(account(1), contact("79160001122"))
        .await
        .unwrap();
    s.engine
        .save_shared_contact(account(2), contact("79160003344"))
        .await
        .unwrap();

    // A third account, and the second with its own record, both claim the
    // first account's number.
    for claimer in [account(3), account(2)] {
        let refused = s
            .engine
            .save_shared_contact(claimer, contact("79160001122"))
            .await;
        assert!(
            matches!(refused, Err(ShareContactError::PhoneTaken)),
            "{refused:?}"
        );
    }

    assert_eq!(s.engine.account(account(3)).await.unwrap(), None);
    assert_eq!(
        s.engine
            .account(account(2))
            .await
            .unwrap()
            .unwrap()
            .phone
            .unwrap()
            .expose(),
        "+79160003344"
    );
    assert_eq!(
        s.store.customer(first.record().id).await.unwrap().as_ref(),
        Some(first.record())
    );
}

#[tokio::test]
async fn an_invalid_phone_or_name_stores_nothing() {
    let s = salon(false).await;

    let phone = s
        .engine
        .save_shared_contact(account(1), contact("12"))
        .await;
    let name = s
        .engine
        .save_shared_contact(
            account(1),
            SharedContact {
                name: "   ".to_owned(),
                ..contact("79160001122")
            },
        )
        .await;

    assert!(
        matches!(phone, Err(ShareContactError::InvalidPhone(_))),
        "{phone:?}"
    );
    assert!(
        matches!(name, Err(ShareContactError::InvalidName(_))),
        "{name:?}"
    );
    assert_eq!(s.engine.account(account(1)).await.unwrap(), None);
}
