//! Staff onboarding without a config edit: an owner's `/staff_invite` makes
//! a one-time code for a staff member; whoever sends `/join <code>` to the
//! admin bot within a day becomes that staff member's account, with the
//! staff role. Only the code's SHA-256 is stored, and the owner sees the
//! code once.
//!
//! Guessing is bounded like PIN guessing: a wrong code counts as a wrong
//! PIN of the user who sent it (their lockout) and of everyone (the pause),
//! and a code has 50 random bits.

use booking_domain::StaffId;
use booking_ports::{RedeemInvitationError, StaffUser, StoreError};
use chrono::{DateTime, Duration, Utc};
use password_hash::rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

use super::{Access, locked_until};
use crate::i18n::Language;

/// How long an invitation code works.
pub const INVITATION_LIFETIME: Duration = Duration::hours(24);
/// Letters and digits that cannot be mistaken for each other (no I, O, 0,
/// 1): 32 of them, five bits per character.
const CODE_ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/// Ten characters: 50 bits.
const CODE_LENGTH: usize = 10;

/// A new invitation, to show the owner once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// As the staff member types it: two groups of five, `ABCDE-FGHJK`.
    pub code: String,
    pub expires_at: DateTime<Utc>,
}

/// What a `/join` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinOutcome {
    Joined(StaffId),
    /// Unknown, used or expired; counted as a wrong PIN.
    Wrong,
    /// Text that cannot be a code: not counted.
    NotACode,
    LockedOut {
        until: DateTime<Utc>,
    },
    Paused {
        until: DateTime<Utc>,
    },
}

/// The canonical form of a code as typed: upper case, spaces and dashes
/// dropped; `None` when it cannot be a code.
fn canonical(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == CODE_LENGTH && code.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(code)
}

/// The stored form of a canonical code.
fn hash(code: &str) -> String {
    Sha256::digest(code.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A fresh random code, canonical.
fn new_code() -> String {
    let mut bytes = [0u8; CODE_LENGTH];
    OsRng.fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|b| char::from(CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()]))
        .collect()
}

impl Access {
    /// Makes a one-time invitation for staff member `member`. The caller
    /// has checked that an owner asks and that the member exists.
    ///
    /// # Errors
    /// [`StoreError`] when the store fails.
    pub async fn invite(&self, member: StaffId) -> Result<Invitation, StoreError> {
        let code = new_code();
        let expires_at = self.clock.now() + INVITATION_LIFETIME;
        self.store
            .add_staff_invitation(&hash(&code), member, expires_at)
            .await?;
        tracing::info!(staff = member.get(), "staff invitation made");
        let (first, second) = code.split_at(CODE_LENGTH / 2);
        Ok(Invitation {
            code: format!("{first}-{second}"),
            expires_at,
        })
    }

    /// Uses the invitation `typed` for `user`, who reads in `language`.
    ///
    /// # Errors
    /// [`StoreError`] when the store fails.
    pub async fn join(
        &self,
        user: i64,
        typed: &str,
        language: Language,
    ) -> Result<JoinOutcome, StoreError> {
        let Some(code) = canonical(typed) else {
            return Ok(JoinOutcome::NotACode);
        };
        let config = self.config();
        let now = self.clock.now();
        let failures = self.recent_failures(&config, user, now).await?;
        let window = config.lockout_window;
        if let Some(until) = locked_until(&failures, now, config.max_failed_pins, window) {
            return Ok(JoinOutcome::LockedOut { until });
        }
        if let Some(until) = self.paused_until(&config, now).await? {
            return Ok(JoinOutcome::Paused { until });
        }
        let staff_user = StaffUser::new(user);
        match self
            .store
            .redeem_staff_invitation(
                &hash(&code),
                staff_user,
                Some(language.code().to_owned()),
                now,
            )
            .await
        {
            Ok(member) => {
                self.directory.joined(user, member, language);
                tracing::info!(user, staff = member.get(), "staff member joined");
                Ok(JoinOutcome::Joined(member))
            }
            Err(RedeemInvitationError::NotFound) => {
                self.store
                    .record_failed_pin(staff_user, now, now + window)
                    .await?;
                tracing::info!(user, "wrong staff invitation code");
                Ok(JoinOutcome::Wrong)
            }
            Err(RedeemInvitationError::Store(e)) => Err(e),
        }
    }

    /// Records the language `user` reads the bot in, when it changed, so
    /// their notices follow it.
    ///
    /// # Errors
    /// [`StoreError`] when the store fails.
    pub async fn note_language(&self, user: i64, language: Language) -> Result<(), StoreError> {
        if self.directory.language_of(user) == Some(language) {
            return Ok(());
        }
        self.store
            .set_staff_language(StaffUser::new(user), language.code())
            .await?;
        self.directory.set_language(user, language);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_read_as_typed_in_any_case_with_or_without_its_dash() {
        let code = new_code();
        assert_eq!(canonical(&code), Some(code.clone()));
        let (a, b) = code.split_at(5);
        let typed = format!(" {}-{} ", a.to_lowercase(), b);
        assert_eq!(canonical(&typed), Some(code));
        for not_a_code in ["", "ABCDE", "ABCDE-FGHJK-L", "ABCDE-FGHJ0", "/join"] {
            assert_eq!(canonical(not_a_code), None, "{not_a_code}");
        }
    }

    #[test]
    fn the_stored_hash_is_not_the_code() {
        let code = new_code();
        let stored = hash(&code);
        assert_eq!(stored.len(), 64);
        assert!(!stored.to_uppercase().contains(&code));
        assert_ne!(new_code(), code, "codes are random");
    }
}
