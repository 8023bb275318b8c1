//! The staff access port in memory: wrong PINs, sessions and refusals per
//! user, each with the time after which it no longer matters.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::MemoryStore;
use crate::StaffUser;
use crate::error::StoreError;
use crate::ports::staff_access::{EndSessionError, RecordRefusalError, StaffAccessStore};

/// A wrong PIN: when it was entered, and when the purge may remove it.
#[derive(Debug, Clone, Copy)]
struct FailedPin {
    at: DateTime<Utc>,
    forget_at: DateTime<Utc>,
}

/// What the store remembers about staff access.
#[derive(Debug, Default)]
pub(super) struct StaffAccess {
    /// Each user's wrong PINs, in the order recorded.
    failed_pins: HashMap<StaffUser, Vec<FailedPin>>,
    /// The end of each session, and the credential it was opened with.
    sessions: HashMap<StaffUser, (DateTime<Utc>, String)>,
    /// When each remembered refusal is forgotten.
    refusals: HashMap<StaffUser, DateTime<Utc>>,
}

/// The instants of `pins` later than `after`, oldest first.
fn later_than<'a>(
    pins: impl Iterator<Item = &'a FailedPin>,
    after: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let mut found: Vec<DateTime<Utc>> = pins.map(|pin| pin.at).filter(|at| *at > after).collect();
    found.sort();
    found
}

#[async_trait]
impl StaffAccessStore for MemoryStore {
    async fn failed_pins(
        &self,
        user: StaffUser,
        after: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>, StoreError> {
        let state = self.lock("reading wrong PINs")?;
        let of_user = state.staff_access.failed_pins.get(&user);
        Ok(later_than(of_user.into_iter().flatten(), after))
    }

    async fn all_failed_pins(
        &self,
        after: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>, StoreError> {
        let state = self.lock("reading wrong PINs")?;
        Ok(later_than(
            state.staff_access.failed_pins.values().flatten(),
            after,
        ))
    }

    async fn record_failed_pin(
        &self,
        user: StaffUser,
        at: DateTime<Utc>,
        forget_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.lock("recording a wrong PIN")?
            .staff_access
            .failed_pins
            .entry(user)
            .or_default()
            .push(FailedPin { at, forget_at });
        Ok(())
    }

    async fn start_session(
        &self,
        user: StaffUser,
        until: DateTime<Utc>,
        credential: &str,
    ) -> Result<(), StoreError> {
        let mut state = self.lock("starting a staff session")?;
        state.staff_access.failed_pins.remove(&user);
        state
            .staff_access
            .sessions
            .insert(user, (until, credential.to_owned()));
        Ok(())
    }

    async fn session_until(
        &self,
        user: StaffUser,
        now: DateTime<Utc>,
        credential: &str,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let state = self.lock("reading a staff session")?;
        Ok(state
            .staff_access
            .sessions
            .get(&user)
            .filter(|(until, opened_with)| *until > now && opened_with == credential)
            .map(|(until, _)| *until))
    }

    async fn end_session(
        &self,
        user: StaffUser,
        now: DateTime<Utc>,
    ) -> Result<(), EndSessionError> {
        let mut state = self.lock("ending a staff session")?;
        match state.staff_access.sessions.remove(&user) {
            Some((until, _)) if until > now => Ok(()),
            _ => Err(EndSessionError::NotSignedIn),
        }
    }

    async fn record_refusal(
        &self,
        user: StaffUser,
        at: DateTime<Utc>,
        forget_at: DateTime<Utc>,
    ) -> Result<(), RecordRefusalError> {
        let mut state = self.lock("recording a refusal")?;
        let refusals = &mut state.staff_access.refusals;
        if refusals.get(&user).is_some_and(|forget| *forget > at) {
            return Err(RecordRefusalError::AlreadyRefused);
        }
        refusals.insert(user, forget_at);
        Ok(())
    }

    async fn purge_expired_staff_access(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut state = self.lock("purging staff access")?;
        let access = &mut state.staff_access;
        let mut purged = 0;
        for pins in access.failed_pins.values_mut() {
            let before = pins.len();
            pins.retain(|pin| pin.forget_at > now);
            purged += before - pins.len();
        }
        access.failed_pins.retain(|_, pins| !pins.is_empty());
        let before = access.sessions.len() + access.refusals.len();
        access.sessions.retain(|_, (until, _)| *until > now);
        access.refusals.retain(|_, forget_at| *forget_at > now);
        purged += before - access.sessions.len() - access.refusals.len();
        Ok(purged as u64)
    }
}
