//! Statistics and export for staff. Both read the period as a stream of
//! bookings, so memory stays flat however long the period: statistics keep
//! counters (and the set of distinct customers), export hands rows on as
//! they come.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use booking_domain::{BookingStatus, Currency, CustomerId, Money, ServiceId, ServiceName};
use futures::future;
use futures::stream::{self, BoxStream, StreamExt};

use super::access::{Capability, Forbidden};
use super::actor::StaffActor;
use super::errors::StaffReadError;
use super::period::Period;
use super::{BookingDetails, Engine};
use crate::error::StoreError;

/// How many services [`Statistics::top_services`] lists.
pub const TOP_SERVICES: usize = 5;

/// Bookings of a period by status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatusCounts {
    pub pending: usize,
    pub confirmed: usize,
    pub completed: usize,
    pub no_show: usize,
    pub cancelled: usize,
    /// Closed because they moved; the booking they moved to counts on its own.
    pub rescheduled: usize,
}

/// `count` out of `out_of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rate {
    pub count: usize,
    pub out_of: usize,
}

impl Rate {
    /// The rate in percent, or `None` when there is nothing to divide by.
    #[allow(clippy::cast_precision_loss)] // Counts of bookings are far below 2^52.
    pub fn percent(&self) -> Option<f64> {
        (self.out_of > 0).then(|| self.count as f64 * 100.0 / self.out_of as f64)
    }
}

/// How often a service was booked in a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceCount {
    pub service: ServiceId,
    pub name: Option<ServiceName>,
    pub bookings: usize,
}

/// The figures of a period.
#[derive(Debug, Clone, PartialEq)]
pub struct Statistics {
    pub period: Period,
    /// Bookings starting within the period, in any status.
    pub total: usize,
    pub by_status: StatusCounts,
    /// The completed visits at the prices they were booked at, one sum per
    /// currency.
    pub revenue: Vec<Money>,
    /// The confirmed visits still to come, at their booked prices, one sum
    /// per currency: money expected, not yet earned.
    pub expected_revenue: Vec<Money>,
    /// Customers with a booking in the period and none before it.
    pub new_customers: usize,
    /// Customers with a booking in the period and one before it.
    pub returning_customers: usize,
    /// The most booked services (cancelled and moved bookings not counted),
    /// most booked first, at most [`TOP_SERVICES`].
    pub top_services: Vec<ServiceCount>,
    /// Cancelled bookings out of all but the moved ones.
    pub cancellation_rate: Rate,
    /// No-shows out of the visits that were due (completed and no-show).
    pub no_show_rate: Rate,
}

/// One [`Money`] per currency, by currency.
fn sums(by_currency: BTreeMap<Currency, i64>) -> Vec<Money> {
    by_currency
        .into_iter()
        .filter_map(|(currency, minor)| Money::new(minor, currency).ok())
        .collect()
}

impl Engine {
    /// The statistics of `period`.
    ///
    /// # Errors
    /// [`StaffReadError::Forbidden`] for a staff member (reports are for
    /// managers and owners); `Store`.
    pub async fn statistics(
        &self,
        actor: &StaffActor,
        period: Period,
    ) -> Result<Statistics, StaffReadError> {
        actor.require(Capability::Reports)?;
        let policy = self.policy();
        let names = self.names().await?;
        let mut by_status = StatusCounts::default();
        let now = self.clock.now();
        let mut revenue: BTreeMap<Currency, i64> = BTreeMap::new();
        let mut expected: BTreeMap<Currency, i64> = BTreeMap::new();
        let mut per_service: HashMap<ServiceId, usize> = HashMap::new();
        let mut customers: BTreeSet<CustomerId> = BTreeSet::new();
        if let Some(interval) = period.interval(&policy) {
            let mut rows = self.bookings.export_bookings(interval);
            while let Some(booking) = rows.next().await {
                let booking = booking?;
                let earns = match booking.status() {
                    BookingStatus::Pending => {
                        by_status.pending += 1;
                        true
                    }
                    BookingStatus::Confirmed => {
                        by_status.confirmed += 1;
                        true
                    }
                    BookingStatus::Completed => {
                        by_status.completed += 1;
                        true
                    }
                    BookingStatus::NoShow => {
                        by_status.no_show += 1;
                        false
                    }
                    BookingStatus::Cancelled(_) => {
                        by_status.cancelled += 1;
                        false
                    }
                    BookingStatus::Rescheduled { .. } => {
                        by_status.rescheduled += 1;
                        false
                    }
                };
                if earns || *booking.status() == BookingStatus::NoShow {
                    *per_service.entry(booking.service()).or_default() += 1;
                }
                // The price agreed when booked; a booking stored before
                // prices were copied has the service's price now.
                let price = booking
                    .price()
                    .or_else(|| names.service(booking.service()).map(|s| s.price()));
                let sums = match booking.status() {
                    BookingStatus::Completed => Some(&mut revenue),
                    BookingStatus::Confirmed if booking.start() >= now => Some(&mut expected),
                    _ => None,
                };
                if let (Some(sums), Some(price)) = (sums, price) {
                    let sum = sums.entry(price.currency()).or_default();
                    *sum = sum.saturating_add(price.minor());
                }
                customers.extend(booking.customer());
            }
        }
        let returning = if customers.is_empty() {
            0
        } else {
            let start = period
                .interval(&policy)
                .map(|i| i.start())
                .unwrap_or_default();
            self.bookings
                .customers_with_bookings_before(start, customers.iter().copied().collect())
                .await?
                .into_iter()
                .filter(|c| customers.contains(c))
                .count()
        };
        let mut top_services: Vec<ServiceCount> = per_service
            .into_iter()
            .map(|(service, bookings)| ServiceCount {
                service,
                name: names.service(service).map(|s| s.name().clone()),
                bookings,
            })
            .collect();
        top_services.sort_by(|a, b| b.bookings.cmp(&a.bookings).then(a.service.cmp(&b.service)));
        top_services.truncate(TOP_SERVICES);
        let total = by_status.pending
            + by_status.confirmed
            + by_status.completed
            + by_status.no_show
            + by_status.cancelled
            + by_status.rescheduled;
        Ok(Statistics {
            period,
            total,
            by_status,
            revenue: sums(revenue),
            expected_revenue: sums(expected),
            new_customers: customers.len() - returning,
            returning_customers: returning,
            top_services,
            cancellation_rate: Rate {
                count: by_status.cancelled,
                out_of: total - by_status.rescheduled,
            },
            no_show_rate: Rate {
                count: by_status.no_show,
                out_of: by_status.completed + by_status.no_show,
            },
        })
    }

    /// The bookings starting within `period`, in any status, by start, with
    /// their service, staff member and customer record, as a stream read
    /// from the store as it is polled. Who a booking is for is the
    /// booking's own copy ([`Booking::booked_for`](booking_domain::Booking::booked_for)),
    /// not the record.
    ///
    /// # Errors
    /// [`Forbidden`] for a staff member (the export is for managers and
    /// owners), before anything is read.
    pub fn export<'a>(
        &'a self,
        actor: &StaffActor,
        period: Period,
    ) -> Result<BoxStream<'a, Result<BookingDetails, StoreError>>, Forbidden> {
        actor.require(Capability::Reports)?;
        let Some(interval) = period.interval(&self.policy()) else {
            return Ok(stream::empty().boxed());
        };
        let rows = stream::once(async move { self.names().await.map(Arc::new) })
            .map(move |names| match names {
                Ok(names) => self
                    .bookings
                    .export_bookings(interval)
                    .then(move |row| {
                        let names = Arc::clone(&names);
                        async move { self.details_with(&names, row?, true).await }
                    })
                    .boxed(),
                Err(e) => stream::once(future::ready(Err(e))).boxed(),
            })
            .flatten()
            .boxed();
        Ok(rows)
    }
}
