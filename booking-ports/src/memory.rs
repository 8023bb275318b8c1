//! An in-memory adapter implementing every driven port: for embedders' tests
//! and demos, and the reference implementation of the contract.
//!
//! All state sits behind one `std::sync::Mutex`. Every port method takes the
//! lock once, does all its checks and writes, and releases it before
//! returning; nothing awaits while holding it. That makes each operation
//! atomic with respect to every other, which is exactly what the contract asks
//! of "create if free" and the conditional updates. Clones share the state,
//! so one `MemoryStore` can be passed as every port.

mod bookings;
mod catalog;
mod conversations;
mod customers;
mod inbox;
mod outbox;
mod send_budget;
mod staff_access;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use booking_domain::{
    Booking, BookingId, CustomerId, DateOverride, Interval, Service, ServiceId, StaffId,
    StaffMember, TimeOff, TimeOffId, Version,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::error::StoreError;
use crate::ports::conversations::ConversationKey;
use crate::ports::customers::CustomerProfile;
use crate::ports::outbox::{DeliveryState, NewNotice, Notification, NotificationId};

/// A booking lasts at most a day and each buffer at most a day, so a booking
/// starting further than this before (or after) a period cannot reach into it.
const LONGEST_OCCUPATION: Duration = Duration::days(3);

/// How many bookings the export stream copies out per lock.
const EXPORT_BATCH: usize = 64;

/// Every port in memory. Cheap to clone; clones share one state.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    services: BTreeMap<ServiceId, Service>,
    staff: BTreeMap<StaffId, StaffMember>,
    overrides: BTreeMap<(NaiveDate, Option<StaffId>), DateOverride>,
    time_off: BTreeMap<TimeOffId, TimeOff>,
    last_service_id: i64,
    last_staff_id: i64,
    last_time_off_id: i64,
    /// Counts the changes to the catalog (but the policy overrides): its
    /// revision.
    catalog_changes: i64,
    /// The policy settings changed from a bot.
    policy: booking_domain::PolicyOverrides,
    bookings: BTreeMap<BookingId, Booking>,
    /// `(start, raw id)` of every booking: starts never change, so this index
    /// is written only when a booking is created. Raw ids, because 0 sorts
    /// before every id and gives the ranges below a lower bound.
    by_start: BTreeSet<(DateTime<Utc>, i64)>,
    last_booking_id: i64,
    /// The bookings each customer holds (anonymised ones belong to nobody),
    /// so the active-booking limit is checked without a scan.
    by_customer: HashMap<CustomerId, BTreeSet<BookingId>>,
    customers: HashMap<CustomerId, CustomerProfile>,
    last_customer_id: i64,
    conversations: HashMap<ConversationKey, conversations::Conversation>,
    notifications: BTreeMap<NotificationId, Notification>,
    /// The shared sending budget (one process shares it with itself).
    budget: send_budget::Budget,
    /// `(booking, notification)` of every notification, so a booking's
    /// notifications are found without a scan of the whole outbox.
    notifications_by_booking: BTreeSet<(BookingId, NotificationId)>,
    last_notification_id: i64,
    staff_access: staff_access::StaffAccess,
    inbox: inbox::Inbox,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self, context: &'static str) -> Result<MutexGuard<'_, State>, StoreError> {
        // A panic while holding the lock may have left a change half done;
        // refusing to go on is the honest answer.
        self.state.lock().map_err(|_| {
            StoreError::backend(context, "the in-memory store was poisoned by a panic")
        })
    }
}

/// The id after `last`; `last` advances only when the id is valid.
fn next_id<T, E>(
    last: &mut i64,
    make: impl Fn(i64) -> Result<T, E>,
    context: &'static str,
) -> Result<T, StoreError>
where
    E: std::error::Error + Send + Sync + 'static,
{
    let id = make(*last + 1).map_err(|e| StoreError::backend(context, e))?;
    *last += 1;
    Ok(id)
}

impl State {
    /// The active bookings of `staff` whose occupied time overlaps `occupied`,
    /// other than `ignoring`.
    fn collides(&self, staff: StaffId, occupied: Interval, ignoring: Option<BookingId>) -> bool {
        self.overlapping(occupied)
            .any(|b| b.staff() == staff && b.is_active() && Some(b.id()) != ignoring)
    }

    /// Bookings whose occupied interval overlaps `period`, ordered by start.
    fn overlapping(&self, period: Interval) -> impl Iterator<Item = &Booking> + '_ {
        let from = period.start() - LONGEST_OCCUPATION;
        self.by_start
            .range((from, 0)..)
            .take_while(move |(start, _)| *start < period.end() + LONGEST_OCCUPATION)
            .filter_map(|(_, raw)| self.booking_by_raw(*raw))
            .filter(move |b| b.occupied().overlaps(&period))
    }

    fn upcoming_active(
        &self,
        customer: CustomerId,
        now: DateTime<Utc>,
    ) -> impl Iterator<Item = &Booking> + '_ {
        self.held_by(customer)
            .filter(move |b| b.is_active() && b.end() > now)
    }

    /// Every booking `customer` holds, in id order.
    fn held_by(&self, customer: CustomerId) -> impl Iterator<Item = &Booking> + '_ {
        self.by_customer
            .get(&customer)
            .into_iter()
            .flatten()
            .filter_map(|id| self.bookings.get(id))
            .filter(move |b| b.is_held_by(customer))
    }

    /// Keeps `by_customer` in step when booking `id` passes from `old` to
    /// `new` (creation: `old` is `None`; erasure: `new` is `None`).
    fn reindex_customer(
        &mut self,
        id: BookingId,
        old: Option<CustomerId>,
        new: Option<CustomerId>,
    ) {
        if old == new {
            return;
        }
        if let Some(old) = old
            && let Some(held) = self.by_customer.get_mut(&old)
        {
            held.remove(&id);
            if held.is_empty() {
                self.by_customer.remove(&old);
            }
        }
        if let Some(new) = new {
            self.by_customer.entry(new).or_default().insert(id);
        }
    }

    fn booking_by_raw(&self, raw: i64) -> Option<&Booking> {
        BookingId::new(raw)
            .ok()
            .and_then(|id| self.bookings.get(&id))
    }

    fn insert_booking(&mut self, booking: Booking) {
        self.by_start.insert((booking.start(), booking.id().get()));
        self.reindex_customer(booking.id(), None, booking.customer());
        self.bookings.insert(booking.id(), booking);
    }

    /// Stores `notices` about `booking`, all of them or, on error, none.
    fn add_notices(
        &mut self,
        booking: BookingId,
        notices: Vec<NewNotice>,
    ) -> Result<(), StoreError> {
        let mut last = self.last_notification_id;
        let mut built = Vec::with_capacity(notices.len());
        for notice in notices {
            last += 1;
            let id = NotificationId::new(last)
                .map_err(|e| StoreError::backend("storing a notification", e))?;
            built.push(Notification {
                id,
                booking,
                recipient: notice.recipient,
                kind: notice.kind,
                due_at: notice.due_at,
                state: DeliveryState::Pending,
                attempts: 0,
                next_attempt_at: notice.due_at,
                claims: 0,
                claimed_until: None,
            });
        }
        self.last_notification_id = last;
        self.notifications_by_booking
            .extend(built.iter().map(|n| (booking, n.id)));
        self.notifications
            .extend(built.into_iter().map(|n| (n.id, n)));
        Ok(())
    }

    /// The ids of `booking`'s notifications, in id order.
    fn notification_ids_of(&self, booking: BookingId) -> Vec<NotificationId> {
        // Every stored id is at least 1, so `(booking, 1)` starts the range.
        let Ok(first) = NotificationId::new(1) else {
            return Vec::new();
        };
        self.notifications_by_booking
            .range((booking, first)..)
            .take_while(|(of, _)| *of == booking)
            .map(|(_, id)| *id)
            .collect()
    }

    fn withdraw_reminders(&mut self, booking: BookingId) {
        for id in self.notification_ids_of(booking) {
            if let Some(notification) = self.notifications.get_mut(&id)
                && notification.kind.is_reminder()
                && notification.state == DeliveryState::Pending
            {
                notification.state = DeliveryState::Withdrawn;
                notification.claimed_until = None;
            }
        }
    }
}

/// `booking` as it will be stored by a conditional update: its version is
/// exactly one more than `expected`, whatever the caller put there.
fn at_version(booking: Booking, version: Version) -> Result<Booking, StoreError> {
    let mut parts = booking.into_parts();
    parts.version = version;
    Booking::from_parts(parts).map_err(|e| StoreError::backend("storing a booking", e))
}
