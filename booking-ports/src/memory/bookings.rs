//! The booking port of [`MemoryStore`](super::MemoryStore): atomic
//! create-if-free, conditional updates under optimistic locking, reschedules,
//! period queries and the export.

use std::collections::BTreeSet;
use std::ops::Bound;

use async_trait::async_trait;
use booking_domain::{
    Booking, BookingId, BookingStatus, CancelledBy, CustomerId, Interval, NewBooking, Occupancy,
    StaffId, Version,
};
use chrono::{DateTime, Utc};
use futures::stream::{self, BoxStream, StreamExt};

use super::{EXPORT_BATCH, MemoryStore, at_version};
use crate::error::StoreError;
use crate::ports::bookings::{
    ActiveBookingLimit, BookingScope, BookingStore, CalendarRead, CreateBookingError,
    CustomerChurn, RescheduleError, Rescheduled, UpdateBookingError,
};
use crate::ports::catalog::CatalogRevision;
use crate::ports::outbox::{NewNotice, OutboxChange};

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
        let closed = stored.close_as_rescheduled(new_id, new.moved_stamp())?;
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

    async fn customer_churn_since(
        &self,
        customer: CustomerId,
        since: DateTime<Utc>,
    ) -> Result<CustomerChurn, StoreError> {
        let state = self.lock("counting a customer's recent bookings")?;
        let count = |counts: &dyn Fn(&Booking) -> bool| {
            let n = state.held_by(customer).filter(|b| counts(b)).count();
            u32::try_from(n).unwrap_or(u32::MAX)
        };
        Ok(CustomerChurn {
            bookings_made: count(&|b| b.created_at() > since),
            cancelled_by_customer: count(&|b| {
                matches!(b.status(), BookingStatus::Cancelled(c)
                    if c.by == CancelledBy::Customer && c.at > since)
            }),
        })
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

    async fn occupancy_overlapping(&self, period: Interval) -> Result<Vec<Occupancy>, StoreError> {
        Ok(self.occupancy_and_catalog_revision(period).await?.occupancy)
    }

    async fn occupancy_and_catalog_revision(
        &self,
        period: Interval,
    ) -> Result<CalendarRead, StoreError> {
        // One lock for both: the same moment, as one statement would be.
        let state = self.lock("reading the time bookings occupy")?;
        Ok(CalendarRead {
            occupancy: state
                .overlapping(period)
                .filter_map(Occupancy::of)
                .collect(),
            catalog_revision: Some(CatalogRevision::new(state.catalog_changes)),
        })
    }

    async fn pending_bookings_created_by(
        &self,
        created_by: DateTime<Utc>,
        starting_after: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Booking>, StoreError> {
        let state = self.lock("reading unconfirmed bookings")?;
        let mut due: Vec<Booking> = state
            .bookings
            .values()
            .filter(|b| *b.status() == BookingStatus::Pending)
            .filter(|b| b.created_at() <= created_by && b.start() > starting_after)
            .cloned()
            .collect();
        due.sort_by_key(|b| (b.created_at(), b.id()));
        due.truncate(limit);
        Ok(due)
    }

    async fn confirmed_bookings_ended_by(
        &self,
        ended_by: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Booking>, StoreError> {
        let state = self.lock("reading ended visits")?;
        let mut due: Vec<Booking> = state
            .bookings
            .values()
            .filter(|b| *b.status() == BookingStatus::Confirmed && b.end() <= ended_by)
            .cloned()
            .collect();
        due.sort_by_key(|b| (b.end(), b.id()));
        due.truncate(limit);
        Ok(due)
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
