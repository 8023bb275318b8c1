//! Roles, enforced by the engine: every staff use case against every role.
//! An owner may do everything; a manager everything but the catalog; a
//! staff member (Anna) her own schedule only. A refusal names the least
//! role that may, and changes nothing.

use booking_domain::{
    BookingStatus, CancelReason, CustomerNotes, DateOverride, Interval, OverrideHours, StaffChoice,
    StaffId, TimeOffSpec,
};
use booking_ports::engine::{
    AddStaffError, BlockPeriodError, BookingChangeError, DailyBlockSpec, EraseCustomerError,
    FindBookingError, FindCustomerError, Mover, OverrideEditError, Period, RescheduleBookingError,
    ServiceEditError, StaffBookError, StaffBookingForm, StaffEditError, StaffReadError,
    UnblockPeriodError, WeekError,
};
use booking_ports::{Forbidden, StaffActor, StaffRole, StaffUser};
use futures::StreamExt;

use crate::common::{Salon, anna_spec, customer, day, haircut_spec, moscow, salon};

/// The least role an action needed, when it was refused.
type Outcome = Result<(), StaffRole>;

fn refused(f: Forbidden) -> Outcome {
    Err(f.needs)
}

/// The refusal by role an engine error is, if it is one.
trait ByRole: std::fmt::Display {
    fn by_role(&self) -> Option<Forbidden>;
}

macro_rules! by_role {
    ($($error:ident),*) => {$(
        impl ByRole for $error {
            fn by_role(&self) -> Option<Forbidden> {
                match self {
                    $error::Forbidden(f) => Some(*f),
                    _ => None,
                }
            }
        }
    )*};
}

by_role!(
    AddStaffError,
    BlockPeriodError,
    BookingChangeError,
    EraseCustomerError,
    FindBookingError,
    FindCustomerError,
    OverrideEditError,
    RescheduleBookingError,
    ServiceEditError,
    StaffBookError,
    StaffEditError,
    StaffReadError,
    UnblockPeriodError,
    WeekError
);

/// Success, or the refusal by role; any other error fails the test.
fn judge<T, E: ByRole>(action: Action, result: Result<T, E>) -> Outcome {
    match result {
        Ok(_) => Ok(()),
        Err(e) => match e.by_role() {
            Some(f) => refused(f),
            None => panic!("{action:?}: {e}"),
        },
    }
}

/// Declares the actions a staff user can try, and the list of them all.
macro_rules! actions {
    ($($action:ident),* $(,)?) => {
        /// Each action a staff user can try.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        enum Action {
            $($action),*
        }

        const ACTIONS: &[Action] = &[$(Action::$action),*];
    };
}

actions!(
    SeeOwnDay,
    SeeBorisDay,
    OpenOwnBooking,
    OpenBorisBooking,
    ConfirmOwn,
    ConfirmBoris,
    CancelBoris,
    CompleteBoris,
    NoShowBoris,
    MoveOwnWithinOwnSchedule,
    MoveOwnToBoris,
    MoveBoris,
    TimesToMoveBoris,
    BlockOwnTime,
    BlockBorisTime,
    BlockEveryone,
    BlockOwnHoursDaily,
    UnblockOwn,
    UnblockBoris,
    SeeOwnWeek,
    SeeBorisWeek,
    BookCallerIntoOwnTime,
    BookCallerIntoBorisTime,
    FreeTimesOfBoris,
    FindCustomers,
    OpenCustomerCard,
    NoteOnCustomer,
    EraseCustomer,
    Statistics,
    Export,
    SetDateOverride,
    RemoveDateOverride,
    AddService,
    EditService,
    AddStaff,
    EditStaff,
);

/// What the issue grants each role.
fn expected(role: StaffRole, action: Action) -> Outcome {
    use Action::*;
    let catalog = matches!(action, AddService | EditService | AddStaff | EditStaff);
    let own_schedule = matches!(
        action,
        SeeOwnDay
            | OpenOwnBooking
            | ConfirmOwn
            | MoveOwnWithinOwnSchedule
            | BlockOwnTime
            | BlockOwnHoursDaily
            | UnblockOwn
            | SeeOwnWeek
            | BookCallerIntoOwnTime
    );
    match role {
        StaffRole::Owner => Ok(()),
        StaffRole::Manager if catalog => Err(StaffRole::Owner),
        StaffRole::Manager => Ok(()),
        StaffRole::Staff if catalog => Err(StaffRole::Owner),
        StaffRole::Staff if own_schedule => Ok(()),
        StaffRole::Staff => Err(StaffRole::Manager),
    }
}

/// Anna's user in `role`: the staff member Anna, signed in as user 30.
fn anna_as(s: &Salon, role: StaffRole) -> StaffActor {
    StaffActor::authenticated(StaffUser::new(30), Some(s.anna), role)
}

fn period(from: (u64, u32), to: (u64, u32), staff: Option<StaffId>) -> TimeOffSpec {
    TimeOffSpec {
        staff,
        period: Interval::new(moscow(from.0, from.1, 0), moscow(to.0, to.1, 0)).unwrap(),
        reason: None,
    }
}

/// Tries `action` as `actor` on a salon with a pending booking with Anna
/// (tomorrow 11:00), one with Boris (tomorrow 12:00), a block of each, and a
/// date override. Panics on any outcome but success or a refusal by role.
async fn attempt(s: &Salon, actor: &StaffActor, action: Action) -> Outcome {
    use Action::*;
    let owner = &s.staff;
    let own = s.book_haircut(customer(1), moscow(1, 11, 0)).await;
    let boris_booking = s
        .engine
        .book(
            customer(2),
            crate::common::form(s.haircut, StaffChoice::Only(s.boris), moscow(1, 12, 0)),
        )
        .await
        .unwrap()
        .booking;
    let own_block = s
        .engine
        .block_period(owner, period((3, 10), (3, 11), Some(s.anna)))
        .await
        .unwrap()
        .time_off;
    let boris_block = s
        .engine
        .block_period(owner, period((3, 10), (3, 11), Some(s.boris)))
        .await
        .unwrap()
        .time_off;
    let closed = DateOverride::new(day(5), None, OverrideHours::Closed).unwrap();
    s.engine
        .set_date_override(owner, closed.clone())
        .await
        .unwrap();
    let e = &s.engine;
    let (v, bv) = (own.version(), boris_booking.version());
    // Boris's visit has started, for complete and no-show.
    let started = || s.clock.set(moscow(1, 12, 30));
    let reason = CancelReason::new("The salon is closed").ok();
    let walk_in = |staff, start| async move {
        let maria = e
            .record_customer(actor, "Maria", "+7 916 555-01-02", None)
            .await
            .unwrap();
        e.book_for_customer(
            actor,
            StaffBookingForm {
                customer: maria.id,
                service: s.haircut,
                staff,
                start,
                comment: None,
            },
        )
        .await
    };
    match action {
        SeeOwnDay => judge(
            action,
            e.bookings_in(actor, Period::day(day(1)), None).await,
        ),
        SeeBorisDay => judge(
            action,
            e.bookings_in(actor, Period::day(day(1)), Some(s.boris))
                .await,
        ),
        OpenOwnBooking => judge(action, e.booking_details(actor, own.id()).await),
        OpenBorisBooking => judge(action, e.booking_details(actor, boris_booking.id()).await),
        ConfirmOwn => judge(action, e.confirm_booking(actor, own.id(), v).await),
        ConfirmBoris => judge(
            action,
            e.confirm_booking(actor, boris_booking.id(), bv).await,
        ),
        CancelBoris => judge(
            action,
            e.cancel_booking(actor, boris_booking.id(), bv, reason)
                .await,
        ),
        CompleteBoris | NoShowBoris => {
            let confirmed = e
                .confirm_booking(owner, boris_booking.id(), bv)
                .await
                .unwrap()
                .booking;
            started();
            let v = confirmed.version();
            judge(
                action,
                if action == CompleteBoris {
                    e.complete_booking(actor, confirmed.id(), v).await
                } else {
                    e.mark_no_show(actor, confirmed.id(), v).await
                },
            )
        }
        MoveOwnWithinOwnSchedule => judge(
            action,
            e.reschedule_booking(actor, own.id(), v, StaffChoice::Any, moscow(2, 11, 0))
                .await,
        ),
        MoveOwnToBoris => judge(
            action,
            e.reschedule_booking(
                actor,
                own.id(),
                v,
                StaffChoice::Only(s.boris),
                moscow(2, 11, 0),
            )
            .await,
        ),
        MoveBoris => judge(
            action,
            e.reschedule_booking(
                actor,
                boris_booking.id(),
                bv,
                StaffChoice::Any,
                moscow(2, 12, 0),
            )
            .await,
        ),
        TimesToMoveBoris => judge(
            action,
            e.free_times_to_move(
                Mover::Staff(actor),
                boris_booking.id(),
                StaffChoice::Any,
                day(2),
            )
            .await,
        ),
        BlockOwnTime => judge(
            action,
            e.block_period(actor, period((4, 10), (4, 11), Some(s.anna)))
                .await,
        ),
        BlockBorisTime => judge(
            action,
            e.block_period(actor, period((4, 10), (4, 11), Some(s.boris)))
                .await,
        ),
        BlockEveryone => judge(
            action,
            e.block_period(actor, period((4, 10), (4, 11), None)).await,
        ),
        BlockOwnHoursDaily => judge(
            action,
            e.block_hours_daily(
                actor,
                DailyBlockSpec {
                    staff: Some(s.anna),
                    days: Period::new(day(6), day(7)).unwrap(),
                    hours: booking_domain::LocalTimeRange::parse("12:00-13:00").unwrap(),
                    reason: None,
                },
            )
            .await,
        ),
        UnblockOwn => judge(action, e.unblock_period(actor, own_block.id()).await),
        UnblockBoris => judge(action, e.unblock_period(actor, boris_block.id()).await),
        SeeOwnWeek => judge(action, e.week(actor, day(0), None).await),
        SeeBorisWeek => judge(action, e.week(actor, day(0), Some(s.boris)).await),
        BookCallerIntoOwnTime => judge(action, walk_in(StaffChoice::Any, moscow(2, 15, 0)).await),
        BookCallerIntoBorisTime => judge(
            action,
            walk_in(StaffChoice::Only(s.boris), moscow(2, 15, 0)).await,
        ),
        FreeTimesOfBoris => judge(
            action,
            e.free_window_starts(actor, day(2), Some(s.boris)).await,
        ),
        FindCustomers => judge(action, e.find_customers(actor, "Мария").await),
        OpenCustomerCard => judge(
            action,
            e.customer_card(actor, own.customer().unwrap()).await,
        ),
        NoteOnCustomer => judge(
            action,
            e.set_customer_notes(actor, own.customer().unwrap(), CustomerNotes::default())
                .await,
        ),
        EraseCustomer => judge(
            action,
            e.erase_customer(actor, own.customer().unwrap()).await,
        ),
        Statistics => judge(action, e.statistics(actor, Period::day(day(1))).await),
        Export => match e.export(actor, Period::day(day(1))) {
            Ok(rows) => {
                assert_eq!(rows.count().await, 2);
                Ok(())
            }
            Err(f) => refused(f),
        },
        SetDateOverride => judge(
            action,
            e.set_date_override(
                actor,
                DateOverride::new(day(6), Some(s.anna), OverrideHours::Closed).unwrap(),
            )
            .await,
        ),
        RemoveDateOverride => judge(action, e.remove_date_override(actor, day(5), None).await),
        AddService => judge(
            action,
            e.add_service(actor, haircut_spec(vec![s.anna])).await,
        ),
        EditService => judge(
            action,
            e.update_service(actor, s.haircut, haircut_spec(vec![s.anna]))
                .await,
        ),
        AddStaff => judge(action, e.add_staff(actor, anna_spec()).await),
        EditStaff => judge(action, e.update_staff(actor, s.anna, anna_spec()).await),
    }
}

#[tokio::test]
async fn every_role_may_do_exactly_what_the_role_table_grants() {
    let mut wrong = Vec::new();
    for role in StaffRole::ALL {
        for &action in ACTIONS {
            let s = salon(true).await;
            let got = attempt(&s, &anna_as(&s, role), action).await;
            if got != expected(role, action) {
                wrong.push(format!(
                    "{role:?} {action:?}: got {got:?}, expected {:?}",
                    expected(role, action)
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn a_refused_staff_member_changes_nothing_and_their_views_hold_only_their_own() {
    let s = salon(true).await;
    let anna = anna_as(&s, StaffRole::Staff);
    let own = s.book_haircut(customer(1), moscow(1, 11, 0)).await;
    let boris_booking = s
        .engine
        .book(
            customer(2),
            crate::common::form(s.haircut, StaffChoice::Only(s.boris), moscow(1, 12, 0)),
        )
        .await
        .unwrap()
        .booking;

    let refused = s
        .engine
        .cancel_booking(&anna, boris_booking.id(), boris_booking.version(), None)
        .await;
    assert!(matches!(
        refused,
        Err(BookingChangeError::Forbidden(Forbidden {
            needs: StaffRole::Manager,
            ..
        }))
    ));
    let stored = s
        .engine
        .booking_details(&s.staff, boris_booking.id())
        .await
        .unwrap()
        .booking;
    assert_eq!(stored.version(), boris_booking.version());
    assert_eq!(*stored.status(), BookingStatus::Pending);

    // "Everyone" is Anna herself, in the day, the week and the free times.
    let day_view = s
        .engine
        .bookings_in(&anna, Period::day(day(1)), None)
        .await
        .unwrap();
    let ids: Vec<_> = day_view.iter().map(|d| d.booking.id()).collect();
    assert_eq!(ids, vec![own.id()]);
    let week = s.engine.week(&anna, day(0), None).await.unwrap();
    let whose: Vec<_> = week.staff.iter().map(|w| w.member.id()).collect();
    assert_eq!(whose, vec![s.anna]);
    let free = s
        .engine
        .free_window_starts(&anna, day(2), None)
        .await
        .unwrap();
    assert!(free.iter().all(|f| f.staff == s.anna) && !free.is_empty());
    // Boris's blocks are not hers to see; everyone's are.
    s.engine
        .block_period(&s.staff, period((3, 10), (3, 11), Some(s.boris)))
        .await
        .unwrap();
    s.engine
        .block_period(&s.staff, period((3, 12), (3, 13), None))
        .await
        .unwrap();
    let blocks = s.engine.upcoming_blocks(&anna).await.unwrap();
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0].spec().staff, None);
    // A staff member's "anyone" at the desk books her.
    let maria = s
        .engine
        .record_customer(&anna, "Maria", "+7 916 555-01-02", None)
        .await
        .unwrap();
    let booked = s
        .engine
        .book_for_customer(
            &anna,
            StaffBookingForm {
                customer: maria.id,
                service: s.haircut,
                staff: StaffChoice::Any,
                start: moscow(1, 15, 0),
                comment: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        booked.staff(),
        s.anna,
        "Boris is free at 15:00 too, but not hers"
    );
}

#[tokio::test]
async fn a_staff_role_without_a_staff_member_sees_no_schedule() {
    let s = salon(true).await;
    let nobody = StaffActor::authenticated(StaffUser::new(31), None, StaffRole::Staff);
    assert!(matches!(
        s.engine
            .bookings_in(&nobody, Period::day(day(1)), None)
            .await,
        Err(StaffReadError::Forbidden(_))
    ));
    assert!(s.engine.upcoming_blocks(&nobody).await.unwrap().is_empty());
}
