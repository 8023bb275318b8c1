//! The booking port (`BookingStore`), the audit trail: who made, confirmed
//! and closed a booking, and when, MUST read back exactly as written, for
//! every kind of actor and through every write (create, update, move).

use booking_domain::{
    Actor, BookingStatus, NewBooking, NewBookingParts, StaffId, StaffRole, StaffUser, Stamp,
};

use super::ContractStore;
use super::world::*;
use crate::ports::outbox::OutboxChange;

/// This file's contracts, composed by [`contract_tests!`](crate::contract_tests).
#[doc(hidden)]
#[macro_export]
macro_rules! __audit_contracts {
    ($fixture:path) => {
        $crate::contract_tests!(@each $fixture; audit;
            a_new_booking_keeps_who_made_it,
            confirming_and_closing_keep_who_and_when,
            a_move_records_the_mover_on_both_bookings,
        );
    };
}

/// A staff member signed in with their own account.
fn stylist(member: StaffId) -> Actor {
    Actor::Staff {
        user: StaffUser::new(5_100_000_000 + member.get()),
        member: Some(member),
        role: StaffRole::Staff,
    }
}

/// Create: the creator MUST read back, whichever kind of actor it is.
pub async fn a_new_booking_keeps_who_made_it<S: ContractStore>(store: S) {
    let w = world(store, 4).await;
    let actors = [
        Actor::Customer,
        front_desk(),
        stylist(w.anna),
        Actor::System,
    ];
    for (n, actor) in (0..).zip(actors) {
        let new = NewBooking::new(NewBookingParts {
            created_by: actor,
            ..w.visit(customer(n), w.anna, at(9 + n as u32, 0), 60, (0, 0))
                .into_parts_for_test()
        })
        .unwrap();
        let created = w.create(new).await;
        assert_eq!(created.audit().created_by, Some(actor));
        let read = w.store.booking(created.id()).await.unwrap().unwrap();
        assert_eq!(
            read.audit(),
            created.audit(),
            "the creator MUST read back as written ({actor:?})"
        );
        assert_eq!(read.audit().confirmed, None);
        assert_eq!(read.audit().closed, None);
    }
}

/// Update: a confirmation and a closing (completion, no-show, cancellation)
/// MUST read back with their actor and time, and the creator MUST survive.
pub async fn confirming_and_closing_keep_who_and_when<S: ContractStore>(store: S) {
    let w = world(store, 3).await;
    let pending = |n: i64, hour: u32| {
        NewBooking::new(NewBookingParts {
            status: BookingStatus::Pending,
            ..w.visit(customer(n), w.anna, at(hour, 0), 60, (0, 0))
                .into_parts_for_test()
        })
        .unwrap()
    };
    let first = w.create(pending(0, 9)).await;
    let second = w.create(pending(1, 11)).await;
    let third = w.create(pending(2, 13)).await;

    // Confirmed by the front desk, completed by Anna herself.
    let confirmed = first.confirm(front_desk(), at(8, 0)).unwrap();
    let confirmed = w
        .store
        .update_booking(first.version(), confirmed, OutboxChange::none())
        .await
        .unwrap();
    let completed = confirmed.complete(stylist(w.anna), at(10, 5)).unwrap();
    let completed = w
        .store
        .update_booking(confirmed.version(), completed, OutboxChange::none())
        .await
        .unwrap();
    // A no-show marked by the front desk; a cancellation by the owner.
    let absent = second.mark_no_show(front_desk(), at(12, 0)).unwrap();
    w.store
        .update_booking(second.version(), absent, OutboxChange::none())
        .await
        .unwrap();
    w.store
        .update_booking(third.version(), cancelled(&third), OutboxChange::none())
        .await
        .unwrap();

    let read = |id| {
        let store = w.store.clone();
        async move { store.booking(id).await.unwrap().unwrap() }
    };
    let first = read(first.id()).await;
    assert_eq!(first.audit(), completed.audit());
    assert_eq!(first.audit().created_by, Some(Actor::Customer));
    assert_eq!(
        first.audit().confirmed,
        Some(Stamp {
            by: front_desk(),
            at: at(8, 0)
        }),
        "who confirmed MUST read back"
    );
    assert_eq!(
        first.audit().closed,
        Some(Stamp {
            by: stylist(w.anna),
            at: at(10, 5)
        }),
        "who completed MUST read back"
    );
    let second = read(second.id()).await;
    assert_eq!(
        second.audit().closed,
        Some(Stamp {
            by: front_desk(),
            at: at(12, 0)
        }),
        "who marked a no-show MUST read back"
    );
    let third = read(third.id()).await;
    assert_eq!(
        third.audit().closed,
        Some(Stamp {
            by: front_desk(),
            at: long_before()
        }),
        "who cancelled MUST read back"
    );
}

/// Move: the new booking MUST name the mover as its creator, and the old
/// one MUST be closed by the mover at the new booking's creation.
pub async fn a_move_records_the_mover_on_both_bookings<S: ContractStore>(store: S) {
    let w = world(store, 1).await;
    let old = w
        .create(w.visit(customer(0), w.anna, at(10, 0), 60, (0, 0)))
        .await;
    let mover = front_desk();
    let replacement = NewBooking::new(NewBookingParts {
        staff: w.boris,
        start: at(14, 0),
        end: at(15, 0),
        rescheduled_from: Some(old.id()),
        created_at: at(7, 30),
        created_by: mover,
        ..w.visit(customer(0), w.anna, at(14, 0), 60, (0, 0))
            .into_parts_for_test()
    })
    .unwrap();

    let moved = w
        .store
        .reschedule_booking(old.clone(), replacement, OutboxChange::none())
        .await
        .unwrap();

    let stamp = Stamp {
        by: mover,
        at: at(7, 30),
    };
    assert_eq!(moved.old.audit().closed, Some(stamp));
    assert_eq!(
        moved.old.audit().created_by,
        Some(Actor::Customer),
        "moving MUST keep the old booking's creator"
    );
    assert_eq!(moved.new.audit().created_by, Some(mover));
    let old_read = w.store.booking(old.id()).await.unwrap().unwrap();
    let new_read = w.store.booking(moved.new.id()).await.unwrap().unwrap();
    assert_eq!(
        old_read.audit().closed,
        Some(stamp),
        "the mover MUST read back"
    );
    assert_eq!(new_read.audit(), moved.new.audit());
}
