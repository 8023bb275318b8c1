//! The booking policy from a bot: owners see it and change its settings
//! (minimum notice, horizon, cutoffs, confirmation mode, per-customer
//! limit) with the same checks as the configuration file's.
//!
//! Which wins: a setting changed from a bot is stored and wins over the
//! configuration file, across reloads and restarts, until an owner resets
//! the policy ([`Engine::reset_policy`]); every setting nobody changed from
//! a bot follows the file, reload by reload. The time zone, slot step and
//! phone region are the file's alone.

use std::sync::{Arc, PoisonError, RwLockWriteGuard};

use booking_domain::{InvalidPolicy, Policy, PolicyChange, PolicyOverrides};

use super::Engine;
use super::access::{Capability, Forbidden};
use super::actor::StaffActor;
use crate::error::StoreError;

/// The policy as an owner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyView {
    /// The policy in force.
    pub policy: Arc<Policy>,
    /// The configuration file's, under the overrides.
    pub file: Arc<Policy>,
    /// The settings changed from a bot, which win over the file's.
    pub overrides: PolicyOverrides,
}

/// Why the policy could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum ChangePolicyError {
    /// Only owners change the policy.
    #[error("refused by role")]
    Forbidden(#[from] Forbidden),
    /// The value does not make a valid policy (a horizon out of range, a
    /// limit of zero); nothing was stored.
    #[error(transparent)]
    Invalid(InvalidPolicy),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why the policy could not be shown or reset.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// Only owners see and reset the policy.
    #[error("refused by role")]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Engine {
    /// Reads the overrides owners stored and puts them in force over the
    /// configuration's policy. The app calls it once at start, after the
    /// store is open.
    ///
    /// # Errors
    /// [`StoreError`] when the store fails; the configuration's policy then
    /// stays in force.
    pub async fn load_policy_overrides(&self) -> Result<PolicyOverrides, StoreError> {
        let overrides = self.catalog.policy_overrides().await?;
        let mut sources = self.policy_sources_mut();
        sources.1 = overrides.clone();
        self.put_in_force(&sources);
        Ok(overrides)
    }

    /// The policy in force, the file's, and what owners changed.
    ///
    /// # Errors
    /// [`PolicyError::Forbidden`] unless an owner.
    pub fn policy_view(&self, actor: &StaffActor) -> Result<PolicyView, PolicyError> {
        actor.require(Capability::Policy)?;
        Ok(self.view())
    }

    /// The configuration's policy and the overrides, to change either.
    pub(super) fn policy_sources_mut(
        &self,
    ) -> RwLockWriteGuard<'_, (Arc<Policy>, PolicyOverrides)> {
        self.policy_sources
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn view(&self) -> PolicyView {
        let (file, overrides) = self
            .policy_sources
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        PolicyView {
            policy: self.policy(),
            file,
            overrides,
        }
    }

    /// Changes one setting for every later call and stores it, so it
    /// outlives reloads and restarts. Checked with the configuration's
    /// rules against the policy it makes.
    ///
    /// # Errors
    /// [`ChangePolicyError`]: `Forbidden` unless an owner, `Invalid`,
    /// `Store` (nothing changed then).
    pub async fn change_policy(
        &self,
        actor: &StaffActor,
        change: PolicyChange,
    ) -> Result<PolicyView, ChangePolicyError> {
        actor.require(Capability::Policy)?;
        let (file, overrides) = self
            .policy_sources
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let changed = overrides.with(change);
        changed.apply(&file).map_err(ChangePolicyError::Invalid)?;
        self.catalog.set_policy_override(change).await?;
        {
            let mut sources = self.policy_sources_mut();
            // Another owner's change of another field, made meanwhile,
            // stays: this one replaces only its own field.
            sources.1 = std::mem::take(&mut sources.1).with(change);
            self.put_in_force(&sources);
        }
        tracing::info!(
            user = actor.user().get(),
            setting = change.field().key(),
            value = change.stored_value(),
            "policy changed from the bot"
        );
        Ok(self.view())
    }

    /// Forgets every setting changed from a bot: the configuration's policy
    /// applies again.
    ///
    /// # Errors
    /// [`PolicyError`]: `Forbidden` unless an owner, `Store`.
    pub async fn reset_policy(&self, actor: &StaffActor) -> Result<PolicyView, PolicyError> {
        actor.require(Capability::Policy)?;
        self.catalog.clear_policy_overrides().await?;
        {
            let mut sources = self.policy_sources_mut();
            sources.1 = PolicyOverrides::default();
            self.put_in_force(&sources);
        }
        tracing::info!(
            user = actor.user().get(),
            "policy reset to the configuration's"
        );
        Ok(self.view())
    }
}
