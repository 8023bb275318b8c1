//! An in-memory adapter implementing every driven port: for embedders' tests
//! and demos, and the reference implementation of the contract.
//!
//! All state sits behind one `std::sync::Mutex`. Every port method takes the
//! lock once, does all its checks and writes, and releases it before
//! returning; nothing awaits while holding it. That makes each operation
//! atomic with respect to every other, which is exactly what the contract asks
//! of "create if free" and the conditional updates. Clones share the state,
//! so one `MemoryStore` can be passed as every port.

mod staff_access;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use booking_domain::{
    Booking, BookingId, CustomerId, DateOverride, Interval, NewBooking, Service, ServiceId,
    ServiceSpec, StaffId, StaffMember, StaffSpec, TimeOff, TimeOffId, TimeOffSpec, Version,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use futures::stream::{self, BoxStream, StreamExt};

use crate::error::StoreError;
use crate::ports::bookings::{
    ActiveBookingLimit, BookingScope, BookingStore, CreateBookingError, RescheduleError,
    Rescheduled, UpdateBookingError,
};
use crate::ports::catalog::{
    CatalogChangeError, CatalogSnapshot, CatalogStore, ImportCatalogError,
};
use crate::ports::conversations::{ConversationKey, ConversationStore};
use crate::ports::customers::{CustomerProfile, CustomerStore, Erasure};
use crate::ports::outbox::{
    DeliveryState, FailureReason, MarkNotificationError, NewNotice, Notification, NotificationId,
    NotificationOutbox, OutboxBacklog, OutboxChange, Recipient,
};

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
    conversations: HashMap<ConversationKey, (String, DateTime<Utc>)>,
    notifications: BTreeMap<NotificationId, Notification>,
    /// `(booking, notification)` of every notification, so a booking's
    /// notifications are found without a scan of the whole outbox.
    notifications_by_booking: BTreeSet<(BookingId, NotificationId)>,
    last_notification_id: i64,
    staff_access: staff_access::StaffAccess,
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

#[async_trait]
impl CatalogStore for MemoryStore {
    async fn is_catalog_empty(&self) -> Result<bool, StoreError> {
        let state = self.lock("reading the catalog")?;
        Ok(state.staff.is_empty() && state.services.is_empty())
    }

    async fn import_catalog(&self, catalog: CatalogSnapshot) -> Result<(), ImportCatalogError> {
        let mut state = self.lock("importing the catalog")?;
        if !(state.staff.is_empty() && state.services.is_empty()) {
            return Err(ImportCatalogError::NotEmpty);
        }
        for member in catalog.staff {
            state.last_staff_id = state.last_staff_id.max(member.id().get());
            state.staff.insert(member.id(), member);
        }
        for service in catalog.services {
            state.last_service_id = state.last_service_id.max(service.id().get());
            state.services.insert(service.id(), service);
        }
        for date_override in catalog.date_overrides {
            state
                .overrides
                .insert((date_override.date(), date_override.staff()), date_override);
        }
        for time_off in catalog.time_off {
            state.last_time_off_id = state.last_time_off_id.max(time_off.id().get());
            state.time_off.insert(time_off.id(), time_off);
        }
        Ok(())
    }

    async fn services(&self) -> Result<Vec<Service>, StoreError> {
        Ok(self
            .lock("reading services")?
            .services
            .values()
            .cloned()
            .collect())
    }

    async fn add_service(&self, spec: ServiceSpec) -> Result<Service, StoreError> {
        let mut state = self.lock("adding a service")?;
        let id = next_id(
            &mut state.last_service_id,
            ServiceId::new,
            "adding a service",
        )?;
        let service =
            Service::new(id, spec).map_err(|e| StoreError::backend("adding a service", e))?;
        state.services.insert(id, service.clone());
        Ok(service)
    }

    async fn update_service(
        &self,
        id: ServiceId,
        spec: ServiceSpec,
    ) -> Result<Service, CatalogChangeError> {
        let mut state = self.lock("updating a service")?;
        let slot = state
            .services
            .get_mut(&id)
            .ok_or(CatalogChangeError::NotFound)?;
        let service =
            Service::new(id, spec).map_err(|e| StoreError::backend("updating a service", e))?;
        *slot = service.clone();
        Ok(service)
    }

    async fn staff(&self) -> Result<Vec<StaffMember>, StoreError> {
        Ok(self
            .lock("reading staff")?
            .staff
            .values()
            .cloned()
            .collect())
    }

    async fn add_staff(&self, spec: StaffSpec) -> Result<StaffMember, StoreError> {
        let mut state = self.lock("adding a staff member")?;
        let id = next_id(
            &mut state.last_staff_id,
            StaffId::new,
            "adding a staff member",
        )?;
        let member = StaffMember::new(id, spec)
            .map_err(|e| StoreError::backend("adding a staff member", e))?;
        state.staff.insert(id, member.clone());
        Ok(member)
    }

    async fn update_staff(
        &self,
        id: StaffId,
        spec: StaffSpec,
    ) -> Result<StaffMember, CatalogChangeError> {
        let mut state = self.lock("updating a staff member")?;
        let slot = state
            .staff
            .get_mut(&id)
            .ok_or(CatalogChangeError::NotFound)?;
        let member = StaffMember::new(id, spec)
            .map_err(|e| StoreError::backend("updating a staff member", e))?;
        *slot = member.clone();
        Ok(member)
    }

    async fn date_overrides(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DateOverride>, StoreError> {
        let state = self.lock("reading date overrides")?;
        if to < from {
            return Ok(Vec::new());
        }
        Ok(state
            .overrides
            .range((from, None)..)
            .take_while(|((date, _), _)| *date <= to)
            .map(|(_, o)| o.clone())
            .collect())
    }

    async fn set_date_override(&self, date_override: DateOverride) -> Result<(), StoreError> {
        let mut state = self.lock("setting a date override")?;
        state
            .overrides
            .insert((date_override.date(), date_override.staff()), date_override);
        Ok(())
    }

    async fn remove_date_override(
        &self,
        date: NaiveDate,
        staff: Option<StaffId>,
    ) -> Result<(), CatalogChangeError> {
        let mut state = self.lock("removing a date override")?;
        state
            .overrides
            .remove(&(date, staff))
            .map(|_| ())
            .ok_or(CatalogChangeError::NotFound)
    }

    async fn time_off(&self, period: Interval) -> Result<Vec<TimeOff>, StoreError> {
        let state = self.lock("reading blocked periods")?;
        let mut found: Vec<TimeOff> = state
            .time_off
            .values()
            .filter(|t| t.period().overlaps(&period))
            .cloned()
            .collect();
        found.sort_by_key(|t| (t.period().start(), t.id()));
        Ok(found)
    }

    async fn add_time_off(&self, spec: TimeOffSpec) -> Result<TimeOff, StoreError> {
        let mut state = self.lock("blocking a period")?;
        let id = next_id(
            &mut state.last_time_off_id,
            TimeOffId::new,
            "blocking a period",
        )?;
        let time_off =
            TimeOff::new(id, spec).map_err(|e| StoreError::backend("blocking a period", e))?;
        state.time_off.insert(id, time_off.clone());
        Ok(time_off)
    }

    async fn remove_time_off(&self, id: TimeOffId) -> Result<(), CatalogChangeError> {
        let mut state = self.lock("unblocking a period")?;
        state
            .time_off
            .remove(&id)
            .map(|_| ())
            .ok_or(CatalogChangeError::NotFound)
    }
}

#[async_trait]
impl BookingStore for MemoryStore {
    async fn create_booking(
        &self,
        new: NewBooking,
        limit: ActiveBookingLimit,
        notices: Vec<NewNotice>,
    ) -> Result<Booking, CreateBookingError> {
        let mut state = self.lock("creating a booking")?;
        let held = state.upcoming_active(new.customer(), limit.now).count();
        if held >= usize::from(limit.max) {
            return Err(CreateBookingError::TooManyActiveBookings { limit: limit.max });
        }
        if state.collides(new.staff(), new.occupied(), None) {
            return Err(CreateBookingError::SlotTaken { start: new.start() });
        }
        let id = BookingId::new(state.last_booking_id + 1)
            .map_err(|e| StoreError::backend("creating a booking", e))?;
        let booking = Booking::created(id, new);
        state.add_notices(id, notices)?;
        state.last_booking_id = id.get();
        state.insert_booking(booking.clone());
        Ok(booking)
    }

    async fn update_booking(
        &self,
        expected: Version,
        updated: Booking,
        outbox: OutboxChange,
    ) -> Result<Booking, UpdateBookingError> {
        let mut state = self.lock("updating a booking")?;
        let id = updated.id();
        let stored = state
            .bookings
            .get(&id)
            .ok_or(UpdateBookingError::NotFound)?;
        if stored.version() != expected {
            return Err(UpdateBookingError::VersionConflict {
                current: Box::new(stored.clone()),
            });
        }
        let held_by = stored.customer();
        let booking = at_version(updated, expected.next())?;
        state.add_notices(id, outbox.add)?;
        if outbox.withdraw_pending_reminders {
            state.withdraw_reminders(id);
        }
        state.reindex_customer(id, held_by, booking.customer());
        state.bookings.insert(id, booking.clone());
        Ok(booking)
    }

    async fn reschedule_booking(
        &self,
        old: Booking,
        new: NewBooking,
        outbox: OutboxChange,
    ) -> Result<Rescheduled, RescheduleError> {
        let mut state = self.lock("rescheduling a booking")?;
        let stored = state
            .bookings
            .get(&old.id())
            .ok_or(RescheduleError::NotFound)?;
        if stored.version() != old.version() {
            return Err(RescheduleError::VersionConflict {
                current: Box::new(stored.clone()),
            });
        }
        if state.collides(new.staff(), new.occupied(), Some(old.id())) {
            return Err(RescheduleError::SlotTaken { start: new.start() });
        }
        let new_id = BookingId::new(state.last_booking_id + 1)
            .map_err(|e| StoreError::backend("rescheduling a booking", e))?;
        let closed = stored.close_as_rescheduled(new_id)?;
        let created = Booking::created(new_id, new);
        state.add_notices(new_id, outbox.add)?;
        if outbox.withdraw_pending_reminders {
            state.withdraw_reminders(old.id());
        }
        state.last_booking_id = new_id.get();
        state.insert_booking(created.clone());
        state.bookings.insert(old.id(), closed.clone());
        Ok(Rescheduled {
            old: closed,
            new: created,
        })
    }

    async fn booking(&self, id: BookingId) -> Result<Option<Booking>, StoreError> {
        Ok(self.lock("reading a booking")?.bookings.get(&id).cloned())
    }

    async fn upcoming_bookings_of_customer(
        &self,
        customer: CustomerId,
        now: DateTime<Utc>,
    ) -> Result<Vec<Booking>, StoreError> {
        let state = self.lock("reading a customer's bookings")?;
        let mut found: Vec<Booking> = state.upcoming_active(customer, now).cloned().collect();
        found.sort_by_key(|b| (b.start(), b.id()));
        Ok(found)
    }

    async fn bookings_of_customer(&self, customer: CustomerId) -> Result<Vec<Booking>, StoreError> {
        let state = self.lock("reading a customer's bookings")?;
        let mut found: Vec<Booking> = state.held_by(customer).cloned().collect();
        found.sort_by_key(|b| (b.start(), b.id()));
        Ok(found)
    }

    async fn bookings_overlapping(
        &self,
        period: Interval,
        staff: Option<StaffId>,
        scope: BookingScope,
    ) -> Result<Vec<Booking>, StoreError> {
        let state = self.lock("reading bookings")?;
        Ok(state
            .overlapping(period)
            .filter(|b| staff.is_none_or(|s| b.staff() == s))
            .filter(|b| scope == BookingScope::AllStatuses || b.is_active())
            .cloned()
            .collect())
    }

    fn export_bookings(&self, period: Interval) -> BoxStream<'_, Result<Booking, StoreError>> {
        // Keyset pagination over the start index: each step copies out at
        // most one batch, so a long period never sits in memory at once.
        let first = Bound::Included((period.start(), 0));
        stream::unfold(Some(first), move |cursor| async move {
            let cursor = cursor?;
            let batch: Result<Vec<Booking>, StoreError> =
                self.lock("exporting bookings").map(|state| {
                    state
                        .by_start
                        .range((cursor, Bound::Unbounded))
                        .take_while(|(start, _)| *start < period.end())
                        .take(EXPORT_BATCH)
                        .filter_map(|(_, raw)| state.booking_by_raw(*raw).cloned())
                        .collect()
                });
            match batch {
                Err(e) => Some((stream::iter(vec![Err(e)]), None)),
                Ok(batch) if batch.is_empty() => None,
                Ok(batch) => {
                    let next = batch
                        .last()
                        .map(|b| Bound::Excluded((b.start(), b.id().get())));
                    Some((
                        stream::iter(batch.into_iter().map(Ok).collect::<Vec<_>>()),
                        next,
                    ))
                }
            }
        })
        .flatten()
        .boxed()
    }

    async fn customers_with_bookings_before(
        &self,
        before: DateTime<Utc>,
        among: Vec<CustomerId>,
    ) -> Result<Vec<CustomerId>, StoreError> {
        let state = self.lock("reading returning customers")?;
        let among: BTreeSet<CustomerId> = among.into_iter().collect();
        let seen: BTreeSet<CustomerId> = state
            .bookings
            .values()
            .filter(|b| b.start() < before)
            .filter_map(Booking::customer)
            .filter(|c| among.contains(c))
            .collect();
        Ok(seen.into_iter().collect())
    }
}

#[async_trait]
impl CustomerStore for MemoryStore {
    async fn customer(&self, id: CustomerId) -> Result<Option<CustomerProfile>, StoreError> {
        Ok(self.lock("reading a customer")?.customers.get(&id).cloned())
    }

    async fn save_customer(&self, profile: CustomerProfile) -> Result<(), StoreError> {
        self.lock("saving a customer")?
            .customers
            .insert(profile.id, profile);
        Ok(())
    }

    async fn erase_customer(&self, id: CustomerId) -> Result<Erasure, StoreError> {
        let mut state = self.lock("erasing a customer")?;
        let profile_deleted = state.customers.remove(&id).is_some();
        let mut bookings_anonymised = 0;
        let held = state.by_customer.remove(&id).unwrap_or_default();
        for booking_id in held {
            if let Some(booking) = state.bookings.get_mut(&booking_id)
                && booking.is_held_by(id)
            {
                *booking = booking.anonymised();
                bookings_anonymised += 1;
            }
        }
        let before = state.notifications.len();
        state
            .notifications
            .retain(|_, n| n.recipient != Recipient::Customer(id));
        let State {
            notifications,
            notifications_by_booking,
            ..
        } = &mut *state;
        notifications_by_booking.retain(|(_, n)| notifications.contains_key(n));
        Ok(Erasure {
            profile_deleted,
            bookings_anonymised,
            notifications_deleted: before - state.notifications.len(),
        })
    }
}

#[async_trait]
impl ConversationStore for MemoryStore {
    async fn load_conversation(
        &self,
        key: ConversationKey,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError> {
        let state = self.lock("reading a conversation")?;
        Ok(state
            .conversations
            .get(&key)
            .filter(|(_, expires_at)| *expires_at > now)
            .map(|(text, _)| text.clone()))
    }

    async fn save_conversation(
        &self,
        key: ConversationKey,
        state: String,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.lock("saving a conversation")?
            .conversations
            .insert(key, (state, expires_at));
        Ok(())
    }

    async fn delete_conversation(&self, key: ConversationKey) -> Result<(), StoreError> {
        self.lock("deleting a conversation")?
            .conversations
            .remove(&key);
        Ok(())
    }

    async fn purge_expired_conversations(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut state = self.lock("purging conversations")?;
        let before = state.conversations.len();
        state
            .conversations
            .retain(|_, (_, expires_at)| *expires_at > now);
        Ok((before - state.conversations.len()) as u64)
    }
}

impl MemoryStore {
    /// Applies `change` to a pending notification; `change` counts the
    /// attempt when the outcome is one.
    fn mark(
        &self,
        id: NotificationId,
        change: impl FnOnce(&mut Notification),
    ) -> Result<(), MarkNotificationError> {
        let mut state = self.lock("recording a delivery")?;
        let notification = state
            .notifications
            .get_mut(&id)
            .ok_or(MarkNotificationError::NotFound)?;
        if notification.state != DeliveryState::Pending {
            return Err(MarkNotificationError::NotPending {
                current: notification.state.clone(),
            });
        }
        change(notification);
        Ok(())
    }
}

fn count_attempt(notification: &mut Notification) {
    notification.attempts = notification.attempts.saturating_add(1);
}

#[async_trait]
impl NotificationOutbox for MemoryStore {
    async fn due_notifications(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Notification>, StoreError> {
        let state = self.lock("reading due notifications")?;
        let mut due: Vec<&Notification> = state
            .notifications
            .values()
            .filter(|n| n.state == DeliveryState::Pending && n.next_attempt_at <= now)
            .collect();
        // A backlog can be large and a batch is small: pick the first
        // `limit` in linear time, then order only those.
        let key = |n: &&Notification| (n.next_attempt_at, n.id);
        if due.len() > limit {
            due.select_nth_unstable_by_key(limit, key);
            due.truncate(limit);
        }
        due.sort_by_key(key);
        Ok(due.into_iter().cloned().collect())
    }

    async fn mark_sent(
        &self,
        id: NotificationId,
        at: DateTime<Utc>,
    ) -> Result<(), MarkNotificationError> {
        self.mark(id, |n| {
            count_attempt(n);
            n.state = DeliveryState::Sent { at };
        })
    }

    async fn retry_later(
        &self,
        id: NotificationId,
        next_attempt_at: DateTime<Utc>,
    ) -> Result<(), MarkNotificationError> {
        self.mark(id, |n| {
            count_attempt(n);
            n.next_attempt_at = next_attempt_at;
        })
    }

    async fn mark_failed(
        &self,
        id: NotificationId,
        at: DateTime<Utc>,
        reason: FailureReason,
    ) -> Result<(), MarkNotificationError> {
        self.mark(id, |n| {
            count_attempt(n);
            n.state = DeliveryState::Failed { at, reason };
        })
    }

    async fn withdraw_notification(&self, id: NotificationId) -> Result<(), MarkNotificationError> {
        self.mark(id, |n| n.state = DeliveryState::Withdrawn)
    }

    async fn outbox_backlog(&self, now: DateTime<Utc>) -> Result<OutboxBacklog, StoreError> {
        let state = self.lock("measuring the outbox backlog")?;
        let due_at = state
            .notifications
            .values()
            .filter(|n| n.state == DeliveryState::Pending && n.due_at <= now)
            .map(|n| n.due_at);
        Ok(
            due_at.fold(OutboxBacklog::default(), |backlog, due_at| OutboxBacklog {
                due: backlog.due + 1,
                oldest_due_at: Some(backlog.oldest_due_at.map_or(due_at, |o| o.min(due_at))),
            }),
        )
    }

    async fn notifications_of_booking(
        &self,
        booking: BookingId,
    ) -> Result<Vec<Notification>, StoreError> {
        let state = self.lock("reading notifications")?;
        Ok(state
            .notification_ids_of(booking)
            .into_iter()
            .filter_map(|id| state.notifications.get(&id).cloned())
            .collect())
    }
}
