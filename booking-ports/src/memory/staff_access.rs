//! The staff access port in memory: wrong PINs, sessions and refusals per
//! user, each with the time after which it no longer matters; invitations
//! and staff accounts.

use std::collections::{BTreeMap, HashMap};

use booking_domain::StaffId;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::MemoryStore;
use crate::StaffUser;
use crate::error::StoreError;
use crate::ports::staff_access::{
    EndSessionError, OpenSession, RecordRefusalError, RedeemInvitationError, StaffAccessStore,
    StaffAccount,
};
use crate::ports::versions::RecordVersion;

/// A wrong PIN: when it was entered, and when the purge may remove it.
#[derive(Debug, Clone, Copy)]
struct FailedPin {
    at: DateTime<Utc>,
    forget_at: DateTime<Utc>,
}

/// A sign-in session.
#[derive(Debug, Clone)]
struct Session {
    until: DateTime<Utc>,
    /// What it was opened with.
    credential: String,
    version: RecordVersion,
}

/// What the store remembers about staff access.
#[derive(Debug, Default)]
pub(super) struct StaffAccess {
    /// Each user's wrong PINs, in the order recorded.
    failed_pins: HashMap<StaffUser, Vec<FailedPin>>,
    /// Each user's session.
    sessions: HashMap<StaffUser, Session>,
    /// When each remembered refusal is forgotten.
    refusals: HashMap<StaffUser, DateTime<Utc>>,
    /// Each invitation's staff member and expiry, by code hash.
    invitations: HashMap<String, (StaffId, DateTime<Utc>)>,
    /// Each account's staff member and language, by user.
    accounts: BTreeMap<StaffUser, (Option<StaffId>, Option<String>)>,
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
        let sessions = &mut state.staff_access.sessions;
        let replaced = sessions
            .get(&user)
            .map_or(RecordVersion::NONE, |s| s.version);
        sessions.insert(
            user,
            Session {
                until,
                credential: credential.to_owned(),
                version: replaced.next(),
            },
        );
        Ok(())
    }

    async fn session_until(
        &self,
        user: StaffUser,
        now: DateTime<Utc>,
        credential: &str,
    ) -> Result<Option<OpenSession>, StoreError> {
        let state = self.lock("reading a staff session")?;
        Ok(state
            .staff_access
            .sessions
            .get(&user)
            .filter(|s| s.until > now && s.credential == credential)
            .map(|s| OpenSession {
                until: s.until,
                version: s.version,
            }))
    }

    async fn end_session(
        &self,
        user: StaffUser,
        now: DateTime<Utc>,
        version: RecordVersion,
    ) -> Result<(), EndSessionError> {
        let mut state = self.lock("ending a staff session")?;
        let sessions = &mut state.staff_access.sessions;
        match sessions.get(&user) {
            None => Err(EndSessionError::NotSignedIn),
            Some(stored) if stored.version != version => {
                Err(EndSessionError::Superseded { read: version })
            }
            Some(stored) => {
                let open = stored.until > now;
                sessions.remove(&user);
                if open {
                    Ok(())
                } else {
                    Err(EndSessionError::NotSignedIn)
                }
            }
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
        let before = access.sessions.len() + access.refusals.len() + access.invitations.len();
        access.sessions.retain(|_, session| session.until > now);
        access.refusals.retain(|_, forget_at| *forget_at > now);
        access.invitations.retain(|_, (_, expires)| *expires > now);
        purged += before - access.sessions.len() - access.refusals.len() - access.invitations.len();
        Ok(purged as u64)
    }

    async fn add_staff_invitation(
        &self,
        code_hash: &str,
        member: StaffId,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut state = self.lock("inviting a staff member")?;
        let invitations = &mut state.staff_access.invitations;
        if invitations.contains_key(code_hash) {
            return Err(StoreError::backend(
                "inviting a staff member",
                "an invitation with this code exists",
            ));
        }
        invitations.insert(code_hash.to_owned(), (member, expires_at));
        Ok(())
    }

    async fn redeem_staff_invitation(
        &self,
        code_hash: &str,
        user: StaffUser,
        language: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<StaffId, RedeemInvitationError> {
        let mut state = self.lock("using an invitation")?;
        let access = &mut state.staff_access;
        let member = match access.invitations.get(code_hash) {
            Some((member, expires)) if *expires > now => *member,
            _ => return Err(RedeemInvitationError::NotFound),
        };
        access.invitations.remove(code_hash);
        let account = access.accounts.entry(user).or_default();
        account.0 = Some(member);
        if language.is_some() {
            account.1 = language;
        }
        Ok(member)
    }

    async fn staff_accounts(&self) -> Result<Vec<StaffAccount>, StoreError> {
        let state = self.lock("reading staff accounts")?;
        Ok(state
            .staff_access
            .accounts
            .iter()
            .map(|(user, (member, language))| StaffAccount {
                user: *user,
                member: *member,
                language: language.clone(),
            })
            .collect())
    }

    async fn set_staff_language(&self, user: StaffUser, language: &str) -> Result<(), StoreError> {
        let mut state = self.lock("recording a staff member's language")?;
        state.staff_access.accounts.entry(user).or_default().1 = Some(language.to_owned());
        Ok(())
    }
}
